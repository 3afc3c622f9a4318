import { useEffect } from 'react';
import type { Alarm, LiveBatteryEvent, LiveLoadEvent } from '../../api/types';
import { useServices } from '../../app/context';
import { alarmsLoaded } from '../../app/state';
import { openLiveStream } from '../../lib/live-stream';

/**
 * Keeps the live stream open while signed in and feeds its events into the store. The last event id
 * survives a token change inside the stream client, so a reconnect resumes where it stopped.
 */
export function useLiveStream(enabled: boolean): void {
  const { store, oidc, api } = useServices();
  useEffect(() => {
    if (!enabled) return undefined;
    // The flood indicator and grouping come with the alarm list: re-read it (at most every 2 s) when
    // alarms change, and everything after a resync (the server could not replay the gap).
    let reload: ReturnType<typeof setTimeout> | undefined;
    const reloadAlarms = (): void => {
      reload ??= setTimeout(() => {
        reload = undefined;
        api.alarms().then(
          (list) => store.dispatch(alarmsLoaded(list)),
          () => undefined,
        );
      }, 2000);
    };
    const stream = openLiveStream({
      url: '/api/v1/stream',
      token: async (refresh) => (refresh ? (await oidc.refresh())?.accessToken : oidc.accessToken()),
      onState: (state, detail) =>
        store.dispatch({ type: 'stream/state', state, ...(detail ? { detail } : {}) }),
      onMessage: (m) => {
        const atMs = Date.now();
        let data: unknown;
        try {
          data = JSON.parse(m.data);
        } catch {
          return; // not ours to fix; the next event will be fine
        }
        switch (m.event) {
          case 'load':
            store.dispatch({ type: 'stream/load', event: data as LiveLoadEvent, atMs });
            break;
          case 'battery':
            store.dispatch({ type: 'stream/battery', battery: data as LiveBatteryEvent, atMs });
            break;
          case 'alarm':
            store.dispatch({ type: 'stream/alarm', alarm: data as Alarm, atMs });
            reloadAlarms();
            break;
          case 'resync':
            reloadAlarms();
            api.batteries().then(
              (list) => store.dispatch({ type: 'batteries/loaded', batteries: list.items }),
              () => undefined,
            );
            break;
          case 'heartbeat':
            store.dispatch({ type: 'stream/heartbeat', atMs });
            break;
          default:
            break;
        }
      },
    });
    return () => {
      stream.close();
      if (reload) clearTimeout(reload);
    };
  }, [enabled, store, oidc, api]);
}
