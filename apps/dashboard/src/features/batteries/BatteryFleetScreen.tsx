import { useMemo } from 'react';
import { useAppState, useDispatch, useT } from '../../app/context';
import { BatteryTable } from './BatteryTable';

export function BatteryFleetScreen() {
  const t = useT();
  const dispatch = useDispatch();
  const byId = useAppState((s) => s.batteries);
  const nowMs = useAppState((s) => s.nowMs);
  const locale = useAppState((s) => s.locale);
  const batteries = useMemo(
    () => Object.values(byId).sort((a, b) => a.assetId.localeCompare(b.assetId)),
    [byId],
  );
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
