import { useEffect, useMemo, useState } from 'react';
import type { TopologySummarySubstationDto } from '../../api/types';
import { useAppState, useDispatch, useT } from '../../app/context';
import { activeAlarms } from '../../app/state';
import { formatNumber } from '../../i18n/i18n';
import { AlarmSummary } from '../alarms/AlarmSummary';
import { GridSchematic } from './GridSchematic';
import { GridSummaryTable } from './GridSummaryTable';
import { parseThreshold, substationTree } from './overview-view';
import { layoutSchematic } from './schematic-layout';
import { StationList } from './StationList';
import { useDebounced, useGridSummary, useStationPager, useSubstationStations } from './use-overview-data';

const PAGE = 20;
const DEFAULT_THRESHOLD = '85';

/** Marks the first render of the aggregated grid: the overview's first meaningful paint (browser test). */
export const OVERVIEW_READY_MARK = 'gridwerk:overview-ready';

/**
 * The control room's overview at city scale: the whole grid aggregated per substation and feeder, the
 * stations loaded above a threshold the operator sets, and a search by id, name or street. Every list is
 * a page from the API; a substation's schematic is drawn only when the operator opens it.
 */
export function OverviewScreen() {
  const t = useT();
  const dispatch = useDispatch();
  const locale = useAppState((s) => s.locale);
  const live = useAppState((s) => s.live);
  const alarmsById = useAppState((s) => s.alarms);
  const active = useMemo(() => activeAlarms(alarmsById), [alarmsById]);
  const flood = useAppState((s) => s.flood);
  const summary = useGridSummary();
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [thresholdText, setThresholdText] = useState(DEFAULT_THRESHOLD);
  const [search, setSearch] = useState('');
  const threshold = parseThreshold(useDebounced(thresholdText, 300));
  const q = useDebounced(search.trim(), 250);
  const above = useStationPager(
    threshold === undefined ? undefined : { minLoadingPct: threshold, limit: PAGE },
    true,
  );
  const found = useStationPager(q ? { q, limit: PAGE } : undefined, false);
  const openNode = (nodeId: string) => dispatch({ type: 'route', route: { screen: 'node', nodeId } });

  const ready = summary.status === 'ready';
  const substations = ready ? summary.value.substations : undefined;
  useEffect(() => {
    if (ready && performance.getEntriesByName(OVERVIEW_READY_MARK).length === 0)
      performance.mark(OVERVIEW_READY_MARK);
  }, [ready]);
  // a grid of one substation (a small demo) opens it: there is nothing to choose between
  const only = substations?.length === 1 ? substations[0]?.id : undefined;
  useEffect(() => {
    if (only) setExpanded((cur) => (cur.size === 0 ? new Set([only]) : cur));
  }, [only]);

  const toggle = (id: string) =>
    setExpanded((cur) => {
      const next = new Set(cur);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const n = (v: number) => formatNumber(locale, v, 0);

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
          {summary.status === 'loading' || summary.status === 'idle' ? (
            <p>{t('app.loading')}</p>
          ) : summary.status === 'error' ? (
            <p className="error">{t('app.error', { message: summary.message })}</p>
          ) : summary.value.substations.length === 0 ? (
            <p>{t('overview.noTopology')}</p>
          ) : (
            <>
              <p className="muted" data-testid="grid-totals">
                {t('overview.totals', {
                  substations: n(summary.value.totals.substations),
                  feeders: n(summary.value.totals.feeders),
                  stations: n(summary.value.totals.secondarySubstations),
                  meters: n(summary.value.totals.meterPoints),
                  batteries: n(summary.value.totals.batteries),
                })}
              </p>
              <div className="overview-lists">
                <section aria-labelledby="station-search-label">
                  <label id="station-search-label" htmlFor="station-search">
                    {t('overview.search.label')}
                  </label>
                  <input
                    id="station-search"
                    type="search"
                    data-testid="station-search"
                    value={search}
                    placeholder={t('overview.search.placeholder')}
                    autoComplete="off"
                    maxLength={100}
                    onChange={(e) => setSearch(e.target.value)}
                  />
                  {found.page.status === 'error' && (
                    <p className="error">{t('app.error', { message: found.page.message })}</p>
                  )}
                  {q && found.page.status === 'ready' && found.page.value.total === 0 && (
                    <p className="muted" data-testid="station-search-none">
                      {t('overview.search.none', { q })}
                    </p>
                  )}
                  {q && found.page.status === 'ready' && found.page.value.total > 0 && (
                    <StationList
                      testId="station-search-results"
                      stations={found.page.value.items}
                      total={found.page.value.total}
                      offset={found.offset}
                      locale={locale}
                      t={t}
                      onOpen={openNode}
                      onNext={found.next}
                      onPrev={found.prev}
                    />
                  )}
                </section>
                <section aria-labelledby="threshold-label">
                  <label id="threshold-label" htmlFor="threshold">
                    {t('overview.threshold.label')}
                  </label>{' '}
                  <input
                    id="threshold"
                    className="threshold"
                    inputMode="decimal"
                    data-testid="loading-threshold"
                    value={thresholdText}
                    aria-invalid={threshold === undefined}
                    onChange={(e) => setThresholdText(e.target.value)}
                  />{' '}
                  %
                  {above.page.status === 'error' && (
                    <p className="error">{t('app.error', { message: above.page.message })}</p>
                  )}
                  {above.page.status === 'ready' &&
                    threshold !== undefined &&
                    above.page.value.total === 0 && (
                      <p className="muted" data-testid="stations-above-none">
                        {t('overview.threshold.none', { pct: threshold })}
                      </p>
                    )}
                  {above.page.status === 'ready' && above.page.value.total > 0 && (
                    <StationList
                      testId="stations-above"
                      stations={above.page.value.items}
                      total={above.page.value.total}
                      offset={above.offset}
                      locale={locale}
                      t={t}
                      onOpen={openNode}
                      onNext={above.next}
                      onPrev={above.prev}
                    />
                  )}
                </section>
              </div>
              <h3>{t('overview.grid')}</h3>
              <GridSummaryTable
                summary={summary.value}
                live={live}
                expanded={expanded}
                locale={locale}
                t={t}
                onToggle={toggle}
                onOpen={openNode}
                renderExpanded={(id) => {
                  const sub = summary.value.substations.find((s) => s.id === id);
                  return sub ? <SubstationSchematic substation={sub} onOpen={openNode} /> : null;
                }}
              />
            </>
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

/** One opened substation drawn as the schematic: its feeders and stations, coloured by live loading. */
function SubstationSchematic({
  substation,
  onOpen,
}: {
  substation: TopologySummarySubstationDto;
  onOpen: (nodeId: string) => void;
}) {
  const t = useT();
  const locale = useAppState((s) => s.locale);
  const live = useAppState((s) => s.live);
  const nowMs = useAppState((s) => s.nowMs);
  const alarmsById = useAppState((s) => s.alarms);
  const stations = useSubstationStations(substation.id);
  const layout = useMemo(
    () =>
      stations.status === 'ready' ? layoutSchematic(substationTree(substation, stations.value)) : undefined,
    [stations, substation],
  );
  const alarmsByNode = useMemo(() => {
    const m = new Map<string, ReturnType<typeof activeAlarms>>();
    for (const a of activeAlarms(alarmsById)) m.set(a.nodeId, [...(m.get(a.nodeId) ?? []), a]);
    return m;
  }, [alarmsById]);
  if (stations.status === 'error')
    return <p className="error">{t('app.error', { message: stations.message })}</p>;
  if (!layout) return <p className="muted">{t('app.loading')}</p>;
  return (
    <div aria-label={t('overview.schematicOf', { id: substation.id })}>
      <GridSchematic
        layout={layout}
        live={live}
        alarmsByNode={alarmsByNode}
        nowMs={nowMs}
        locale={locale}
        t={t}
        onOpen={onOpen}
      />
    </div>
  );
}
