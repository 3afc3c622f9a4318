import { useEffect, useMemo } from 'react';
import { useAppState, useDispatch, useServices, useT } from '../../app/context';
import { BatteryTable } from './BatteryTable';

/** Commands are not on the live stream (telemetry is): the fleet re-reads the last commands once a minute. */
const REFRESH_MS = 60_000;

export function BatteryFleetScreen() {
  const t = useT();
  const dispatch = useDispatch();
  const { api, store } = useServices();
  const byId = useAppState((s) => s.batteries);
  const nowMs = useAppState((s) => s.nowMs);
  const locale = useAppState((s) => s.locale);
  const batteries = useMemo(
    () => Object.values(byId).sort((a, b) => a.assetId.localeCompare(b.assetId)),
    [byId],
  );
  useEffect(() => {
    let cancelled = false;
    const load = () =>
      api.batteries().then(
        (list) => {
          if (!cancelled) store.dispatch({ type: 'batteries/loaded', batteries: list.items });
        },
        () => undefined,
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [api, store]);

  return (
    <section className="screen batteries" data-testid="screen-batteries">
      <h2>{t('batteries.heading')}</h2>
      <BatteryTable
        batteries={batteries}
        nowMs={nowMs}
        locale={locale}
        t={t}
        onOpenNode={(id) => dispatch({ type: 'route', route: { screen: 'node', nodeId: id } })}
      />
    </section>
  );
}
