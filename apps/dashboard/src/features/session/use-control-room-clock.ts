import { useEffect } from 'react';
import { useServices } from '../../app/context';
import { CLOCK_REFRESH_MS, clockOffsetMs } from '../../lib/control-room-clock';

/**
 * Keeps the control room's clock in the store while signed in: read once at sign-in (app start), then in
 * the background every CLOCK_REFRESH_MS and whenever the live stream reconnects (grid-api restarted or the
 * network came back: its data clock may have moved meanwhile). Screens compute their windows from the
 * store's offset and never wait for `GET /api/v1/clock` before their own requests. A failed read keeps the
 * last offset (none yet: the browser's clock, as a grid-api without the route would have it).
 */
export function useControlRoomClock(enabled: boolean): void {
  const { api, store } = useServices();
  useEffect(() => {
    if (!enabled) return undefined;
    let cancelled = false;
    const read = (): void => {
      const sentAtMs = Date.now();
      api.clock().then(
        (c) => {
          const atMs = Date.now();
          const offsetMs = clockOffsetMs(c.now, sentAtMs, atMs);
          if (!cancelled && offsetMs !== undefined) store.dispatch({ type: 'clock/read', offsetMs, atMs });
        },
        () => undefined,
      );
    };
    read();
    const timer = setInterval(read, CLOCK_REFRESH_MS);
    // the stream's first open belongs to the sign-in read above; a reopen after a drop reads again
    let streamState = store.getState().stream.state;
    const unsubscribe = store.subscribe(() => {
      const next = store.getState().stream.state;
      if (next === 'open' && streamState === 'reconnecting') read();
      streamState = next;
    });
    return () => {
      cancelled = true;
      clearInterval(timer);
      unsubscribe();
    };
  }, [enabled, api, store]);
}
