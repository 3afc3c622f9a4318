import { useEffect, useMemo, useRef, useState } from 'react';
import type { ForecastDto, LoadDto } from '../../api/types';
import { useAppState, useDispatch, useServices, useT } from '../../app/context';
import { activeAlarms, ageNowS, type LiveValue } from '../../app/state';
import { formatAge } from '../../i18n/i18n';
import { formatBerlinDateTime } from '../../lib/berlin-time';
import { controlRoomNowMs } from '../../lib/control-room-clock';
import { loadingPct, STALE_AFTER_S } from '../../lib/loading';
import { AlarmSummary } from '../alarms/AlarmSummary';
import { batteriesAt } from '../batteries/battery-view';
import { nodeInfo, type NodeInfo } from './find-node';
import { LoadChart } from './LoadChart';
import { StationBatteries } from './StationBatteries';
import {
  chunkRange,
  mergeSeries,
  rangeFor,
  windowMoved,
  withLivePoint,
  type RangeKey,
  RANGE_DAYS,
} from './node-series';

const RANGES: RangeKey[] = ['1d', '7d', '30d', '365d'];

type Loaded =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | {
      status: 'ready';
      range: RangeKey;
      loads: LoadDto[];
      forecast: ForecastDto | undefined;
      window: { fromMs: number; toMs: number };
    };

export function NodeDetailScreen({ nodeId }: { nodeId: string }) {
  const t = useT();
  const dispatch = useDispatch();
  const { api, store } = useServices();
  const locale = useAppState((s) => s.locale);
  const streamed = useAppState((s) => s.live[nodeId]);
  const nowMs = useAppState((s) => s.nowMs);
  const alarmsById = useAppState((s) => s.alarms);
  const batteriesById = useAppState((s) => s.batteries);
  const [range, setRange] = useState<RangeKey>('1d');
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const clockOffsetMs = useAppState((s) => s.clock.offsetMs);
  /** The window asked for last: its end and the browser time it was chosen at. */
  const asked = useRef<{ toMs: number; atMs: number } | undefined>(undefined);
  const [refetches, setRefetches] = useState(0);

  const [node, setNode] = useState<NodeInfo | undefined>(undefined);
  const [nodeError, setNodeError] = useState<string | undefined>(undefined);

  // the node itself (kind, rating, neighbours) from the topology API: a deep link needs nothing else loaded
  useEffect(() => {
    let cancelled = false;
    api.topologyNode(nodeId).then(
      (dto) => {
        if (!cancelled) setNode(nodeInfo(dto));
      },
      (err: unknown) => {
        if (!cancelled) setNodeError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, nodeId]);

  useEffect(() => {
    let cancelled = false;
    // a new range shows that it loads; the same range asked again (the clock moved) keeps its chart meanwhile
    setLoaded((l) => (l.status === 'ready' && l.range === range ? l : { status: 'loading' }));
    const iso = (ms: number) => new Date(ms).toISOString();
    // the window ends at the control room's now (its data clock), not the browser's: on a replayed or
    // simulated day (the demo's --start) that is the day shown, and the alarms are judged by it too. The
    // offset to it is in the store (read at sign-in, refreshed in the background), so the requests go out
    // at once, never after a GET /api/v1/clock in series
    const atMs = Date.now();
    const { fromMs, toMs } = rangeFor(range, controlRoomNowMs(store.getState().clock, atMs));
    asked.current = { toMs, atMs };
    // ranges longer than the API's 15-minute window come in chunks, fetched in parallel
    const loads = Promise.all(
      chunkRange(fromMs, toMs).map((c) => api.load(nodeId, iso(c.fromMs), iso(c.toMs))),
    );
    const forecast = api
      .forecast(nodeId, iso(Math.max(fromMs, toMs - 7 * 86_400_000)), iso(toMs + 86_400_000))
      .catch(() => undefined);
    Promise.all([loads, forecast]).then(
      ([l, f]) => {
        if (!cancelled)
          setLoaded({ status: 'ready', range, loads: l, forecast: f, window: { fromMs, toMs } });
      },
      (err: unknown) => {
        if (!cancelled)
          setLoaded({ status: 'error', message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, store, nodeId, range, refetches]);

  // Until the first read of the control room's clock has answered (a deep link opened at app start) the
  // window is the browser's: correct on a live grid, where the offset is about zero, and nothing waits for
  // the clock. When an offset arrives (the first, or a background refresh) that moves the window to another
  // quarter hour (a replayed or simulated day, the demo's --start), the page asks again for the right one.
  useEffect(() => {
    const a = asked.current;
    if (a && windowMoved(range, a.toMs, a.atMs, clockOffsetMs)) setRefetches((n) => n + 1);
  }, [clockOffsetMs, range]);

  // until the stream brings a value for this node, the one the load response carried
  const live = useMemo((): LiveValue | undefined => {
    if (streamed) return streamed;
    const l = loaded.status === 'ready' ? loaded.loads[loaded.loads.length - 1]?.live : undefined;
    if (!l?.observedAt) return undefined;
    return {
      powerW: l.powerW,
      observedAtMs: Date.parse(l.observedAt),
      ageS: l.ageS ?? 0,
      receivedAtMs: Date.now(),
    };
  }, [streamed, loaded]);
  const base = useMemo(
    () => (loaded.status === 'ready' ? mergeSeries(loaded.loads, loaded.forecast) : undefined),
    [loaded],
  );
  const chart = useMemo(
    () => (base && live ? withLivePoint(base, live.observedAtMs, live.powerW) : base),
    [base, live],
  );
  const alarms = useMemo(
    () => activeAlarms(alarmsById).filter((a) => a.nodeId === nodeId),
    [alarmsById, nodeId],
  );
  const ageS = live ? ageNowS(live, nowMs) : undefined;
  const stale = ageS !== undefined && ageS > STALE_AFTER_S;
  const kind = node?.kind ?? 'feeder';
  const stationBatteries = useMemo(() => batteriesAt(batteriesById, nodeId), [batteriesById, nodeId]);
  const open = (id: string) => dispatch({ type: 'route', route: { screen: 'node', nodeId: id } });

  return (
    <section className="screen node-detail" data-testid="screen-node" data-node={nodeId}>
      <button
        type="button"
        className="link"
        onClick={() => dispatch({ type: 'route', route: { screen: 'overview' } })}
      >
        ← {t('node.back')}
      </button>
      <h2>
        {t('node.heading', { kind: t(`node.kind.${kind}`), id: nodeId })}{' '}
        {node ? (
          <small data-testid="node-name">
            {node.name}
            {node.street && !node.name.includes(node.street) ? ` · ${node.street}` : ''}
          </small>
        ) : null}
      </h2>
      {nodeError && (
        <p className="error" data-testid="node-error">
          {t('app.error', { message: nodeError })}
        </p>
      )}
      <div className="node-facts">
        <div className={stale ? 'live-value stale' : 'live-value'}>
          <span className="muted">{t('node.liveValue')}</span>
          <strong data-testid="live-value" data-observed-at={live?.observedAtMs ?? ''}>
            {live ? t('units.kw', { value: live.powerW / 1000 }) : '–'}
          </strong>
          {live && (
            <span className="muted small" data-testid="live-age">
              {formatBerlinDateTime(live.observedAtMs, locale)} · {formatAge(t, ageS ?? 0)}
              {stale ? ` · ${t('stale.badge')}` : ''}
            </span>
          )}
        </div>
        {node?.ratedKva !== undefined && (
          <div>
            <span className="muted">{t('node.rated', { kva: node.ratedKva })}</span>
            {live && <strong>{t('node.loadingPct', { pct: loadingPct(live.powerW, node.ratedKva) })}</strong>}
          </div>
        )}
      </div>
      {node?.kind === 'secondary-substation' && (
        <StationBatteries stationId={nodeId} batteries={stationBatteries} t={t} />
      )}
      <div className="range" role="group" aria-label={t('node.range')}>
        {RANGES.map((r) => (
          <button
            key={r}
            type="button"
            data-range={r}
            className={r === range ? 'active' : ''}
            aria-pressed={r === range}
            onClick={() => setRange(r)}
          >
            {t(`node.range.${r}`)}
          </button>
        ))}
      </div>
      {loaded.status === 'loading' && <p>{t('app.loading')}</p>}
      {loaded.status === 'error' && <p className="error">{t('app.error', { message: loaded.message })}</p>}
      {chart && (
        <>
          <LoadChart
            data={chart}
            window={loaded.status === 'ready' ? loaded.window : undefined}
            t={t}
            locale={locale}
          />
          <p className="muted small">
            {loaded.status === 'ready' &&
              t('node.resolution', {
                resolution:
                  RANGE_DAYS[range] > 35
                    ? `15m × ${loaded.loads.length}`
                    : (loaded.loads[0]?.resolution ?? '–'),
                points: chart.x.length,
              })}
            {' · '}
            {loaded.status === 'ready' && loaded.forecast?.modelVersion
              ? t('node.forecastModel', {
                  model: loaded.forecast.modelVersion,
                  issuedAt: loaded.forecast.issuedAt
                    ? formatBerlinDateTime(Date.parse(loaded.forecast.issuedAt), locale)
                    : '–',
                })
              : t('node.noForecast')}
            {' · '}
            {t('time.berlin')}
          </p>
        </>
      )}
      <div className="node-lower">
        <div>
          <h3>{t('node.alarms')}</h3>
          <AlarmSummary alarms={alarms} locale={locale} t={t} />
        </div>
        {node && node.children.length > 0 && (
          <div>
            <h3>{t('node.children')}</h3>
            <ul className="children">
              {node.children.map((c) => (
                <li key={c}>
                  <button type="button" className="link" onClick={() => open(c)}>
                    {c}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </section>
  );
}
