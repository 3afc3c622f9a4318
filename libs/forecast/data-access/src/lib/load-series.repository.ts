import type { Pool } from 'pg';
import { type LoadSeries, STEP_15_MIN_MS } from '@gridwerk/forecast/domain';
import { type SeriesRef, seriesRef } from './series-id';

/**
 * Read-only access to the load the ingest service publishes, Wh per quarter hour, net = import − export:
 * - which series exist: the views `load_15m_feeder`, `load_15m_substation` and
 *   `load_15m_secondary_substation` (node_id, bucket_start, net_wh, …);
 * - their values: `uncontrolled_load_15m_<level>`, the same load without the storage meters of the
 *   batteries behind each node. That is what the transformer would carry without the batteries, and what a
 *   forecast that steers them and raises predicted-overload alarms must forecast: a history whose evening
 *   peaks a battery clipped (its local rule, or dispatch itself) would otherwise teach the model the
 *   battery's past behaviour instead of the load, and dispatch would plan against a peak already shaved.
 * These views are the contract between ingest and forecast; forecast never reads ingest's tables.
 * `grid` is the sum over all substations per quarter hour.
 */
export class LoadSeriesRepository {
  constructor(private readonly db: Pool) {}

  /**
   * Feeders, substations and secondary substations with data in [fromMs, toMs), plus `grid` when any
   * substation has data.
   */
  async listSeries(fromMs: number, toMs: number): Promise<SeriesRef[]> {
    const params = [new Date(fromMs), new Date(toMs)];
    const [feeders, substations, stations] = await Promise.all([
      this.db.query<{ node_id: string }>(
        'SELECT DISTINCT node_id FROM load_15m_feeder WHERE bucket_start >= $1 AND bucket_start < $2 ORDER BY node_id',
        params,
      ),
      this.db.query<{ node_id: string }>(
        'SELECT DISTINCT node_id FROM load_15m_substation WHERE bucket_start >= $1 AND bucket_start < $2 ORDER BY node_id',
        params,
      ),
      this.db.query<{ node_id: string }>(
        'SELECT DISTINCT node_id FROM load_15m_secondary_substation WHERE bucket_start >= $1 AND bucket_start < $2 ORDER BY node_id',
        params,
      ),
    ]);
    return [
      ...feeders.rows.map((r) => seriesRef('feeder', r.node_id)),
      ...substations.rows.map((r) => seriesRef('substation', r.node_id)),
      ...stations.rows.map((r) => seriesRef('secondary-substation', r.node_id)),
      ...(substations.rows.length > 0 ? [seriesRef('grid', 'grid')] : []),
    ];
  }

  /**
   * The 15-minute net load without batteries of every given series over [fromMs, toMs) — one query per view whatever the
   * number of series. Missing buckets are NaN; a series without any data maps to an all-NaN series.
   * Custom series are not in the views and are ignored here.
   */
  async loadMany(refs: readonly SeriesRef[], fromMs: number, toMs: number): Promise<Map<string, LoadSeries>> {
    const start = Math.ceil(fromMs / STEP_15_MIN_MS) * STEP_15_MIN_MS;
    const length = Math.max(0, Math.ceil((toMs - start) / STEP_15_MIN_MS));
    const out = new Map<string, LoadSeries>();
    const byNode = {
      feeder: new Map<string, Float64Array>(),
      substation: new Map<string, Float64Array>(),
      'secondary-substation': new Map<string, Float64Array>(),
    };
    for (const ref of refs) {
      if (ref.kind === 'custom') continue;
      const values = new Float64Array(length).fill(Number.NaN);
      out.set(ref.id, {
        name: ref.id,
        unit: 'Wh',
        startMs: start,
        stepMs: STEP_15_MIN_MS,
        values,
        exogenous: {},
      });
      if (ref.kind === 'feeder' || ref.kind === 'substation' || ref.kind === 'secondary-substation')
        byNode[ref.kind].set(ref.nodeId, values);
    }
    const params = (ids: string[]) => [ids, new Date(start), new Date(start + length * STEP_15_MIN_MS)];
    const fill = (rows: unknown[][], pick: (nodeId: string) => Float64Array | undefined) => {
      for (const [node, t, v] of rows) {
        const values = pick(String(node));
        const i = Math.round((Number(t) * 1000 - start) / STEP_15_MIN_MS);
        if (values !== undefined && i >= 0 && i < length) values[i] = Number(v);
      }
    };
    const jobs: Promise<void>[] = [];
    for (const kind of ['feeder', 'substation', 'secondary-substation'] as const) {
      const nodes = byNode[kind];
      if (nodes.size === 0) continue;
      jobs.push(
        this.db
          .query<unknown[]>({
            text: `SELECT node_id, extract(epoch FROM bucket_start)::float8, net_wh::float8 FROM uncontrolled_load_15m_${kind.replace('-', '_')}
                    WHERE node_id = ANY($1::text[]) AND bucket_start >= $2 AND bucket_start < $3`,
            values: params([...nodes.keys()]),
            rowMode: 'array',
          })
          .then((res) => fill(res.rows, (n) => nodes.get(n))),
      );
    }
    const grid = out.get('grid');
    if (grid !== undefined) {
      jobs.push(
        this.db
          .query<unknown[]>({
            text: `SELECT 'grid', extract(epoch FROM bucket_start)::float8, sum(net_wh)::float8 FROM uncontrolled_load_15m_substation
                    WHERE bucket_start >= $1 AND bucket_start < $2 GROUP BY bucket_start`,
            values: params([]).slice(1),
            rowMode: 'array',
          })
          .then((res) => fill(res.rows, () => grid.values)),
      );
    }
    await Promise.all(jobs);
    return out;
  }

  /** Realised net load without batteries of one series per quarter hour in [fromMs, toMs) (for comparing with forecasts). */
  async actuals(ref: SeriesRef, fromMs: number, toMs: number): Promise<Map<number, number>> {
    const series = (await this.loadMany([ref], fromMs, toMs)).get(ref.id);
    const out = new Map<number, number>();
    series?.values.forEach((v, i) => {
      if (!Number.isNaN(v)) out.set(series.startMs + i * series.stepMs, v);
    });
    return out;
  }
}

/** Drops leading and trailing gaps (a series that starts later than asked must not count as history). */
export function trimGaps(series: LoadSeries): LoadSeries | undefined {
  let a = 0;
  let b = series.values.length;
  while (a < b && Number.isNaN(series.values[a] ?? Number.NaN)) a++;
  while (b > a && Number.isNaN(series.values[b - 1] ?? Number.NaN)) b--;
  if (a === b) return undefined;
  const exogenous: Record<string, Float64Array> = {};
  for (const [k, col] of Object.entries(series.exogenous)) exogenous[k] = col.slice(a, b);
  return {
    ...series,
    startMs: series.startMs + a * series.stepMs,
    values: series.values.slice(a, b),
    exogenous,
  };
}
