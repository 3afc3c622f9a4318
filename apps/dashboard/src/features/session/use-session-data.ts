import { useEffect } from 'react';
import { useServices } from '../../app/context';
import { alarmsLoaded } from '../../app/state';

/**
 * Loads what every screen needs once signed in: the alarms and the battery fleet. After that the live
 * stream keeps them current; a reconnect resumes with Last-Event-ID. The topology is not loaded whole (at
 * 350,000 meters it is 13 MB): each screen asks for the piece it shows (summary, station pages, a node).
 */
export function useSessionData(enabled: boolean): void {
  const { api, store } = useServices();
  useEffect(() => {
    if (!enabled) return undefined;
    let cancelled = false;
    api.alarms().then(
      (list) => {
        if (!cancelled) store.dispatch(alarmsLoaded(list));
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
