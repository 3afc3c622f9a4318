import { useEffect } from 'react';
import { useServices } from '../../app/context';

/**
 * Loads what every screen needs once signed in: the topology (with the batteries) and the alarms.
 * After that the live stream keeps them current; a reconnect resumes with Last-Event-ID.
 */
export function useSessionData(enabled: boolean): void {
  const { api, store } = useServices();
  useEffect(() => {
    if (!enabled) return undefined;
    let cancelled = false;
    store.dispatch({ type: 'topology', value: { status: 'loading' } });
    api.topology().then(
      (value) => {
        if (!cancelled)
          store.dispatch({ type: 'topology', value: { status: 'ready', value, loadedAtMs: Date.now() } });
      },
      (err: unknown) => {
        if (!cancelled)
          store.dispatch({
            type: 'topology',
            value: { status: 'error', message: err instanceof Error ? err.message : String(err) },
          });
      },
    );
    api.alarms().then(
      (list) => {
        if (!cancelled) store.dispatch({ type: 'alarms/loaded', alarms: list.items, flood: list.flood });
      },
      () => undefined,
    );
    api.batteries().then(
      (list) => {
        if (!cancelled) store.dispatch({ type: 'batteries/loaded', batteries: list.items });
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [enabled, api, store]);
}
