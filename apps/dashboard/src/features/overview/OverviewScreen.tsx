import { useMemo } from 'react';
import { useAppState, useDispatch, useT } from '../../app/context';
import { activeAlarms } from '../../app/state';
import { AlarmSummary } from '../alarms/AlarmSummary';
import { GridSchematic } from './GridSchematic';
import { layoutSchematic } from './schematic-layout';

export function OverviewScreen() {
  const t = useT();
  const dispatch = useDispatch();
  const topology = useAppState((s) => s.topology);
  const live = useAppState((s) => s.live);
  const nowMs = useAppState((s) => s.nowMs);
  const locale = useAppState((s) => s.locale);
  const alarmsById = useAppState((s) => s.alarms);
  const active = useMemo(() => activeAlarms(alarmsById), [alarmsById]);
  const flood = useAppState((s) => s.flood);
  const layout = useMemo(
    () => (topology.status === 'ready' ? layoutSchematic(topology.value) : undefined),
    [topology],
  );
  const alarmsByNode = useMemo(() => {
    const m = new Map<string, typeof active>();
    for (const a of active) m.set(a.nodeId, [...(m.get(a.nodeId) ?? []), a]);
    return m;
  }, [active]);
  const openNode = (nodeId: string) => dispatch({ type: 'route', route: { screen: 'node', nodeId } });

  return (
    <section className="screen overview" data-testid="screen-overview">
      <h2>{t('overview.heading')}</h2>
      {flood?.active && (
        <p className="flood" role="alert" data-testid="flood">
          {t('overview.flood', { count: flood.count })}
        </p>
      )}
      <div className="overview-grid">
        <div className="overview-main">
          {topology.status === 'loading' || topology.status === 'idle' ? (
            <p>{t('app.loading')}</p>
          ) : topology.status === 'error' ? (
            <p className="error">{t('app.error', { message: topology.message })}</p>
          ) : layout && layout.substations.length > 0 ? (
            <GridSchematic
              layout={layout}
              live={live}
              alarmsByNode={alarmsByNode}
              nowMs={nowMs}
              locale={locale}
              t={t}
              onOpen={openNode}
            />
          ) : (
            <p>{t('overview.noTopology')}</p>
          )}
        </div>
        <aside className="overview-alarms">
          <h3>{t('overview.alarms')}</h3>
          <AlarmSummary alarms={active.slice(0, 12)} locale={locale} t={t} onOpen={openNode} />
        </aside>
      </div>
    </section>
  );
}
