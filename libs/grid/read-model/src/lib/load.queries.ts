import { Queryable, rows } from './db';

export const LOAD_LEVELS = ['secondary_substation', 'feeder', 'substation'] as const;
export type LoadLevel = (typeof LOAD_LEVELS)[number];
export type LoadResolution = 'raw' | '15m' | '1h';

const H = 3600_000;
const D = 24 * H;
/** Longest range per resolution (CONTRACTS.md): raw ≤ 6 h, 15 min ≤ 35 d, 1 h ≤ 400 d. */
export const RESOLUTION_LIMITS: readonly {
  resolution: LoadResolution;
  maxRangeMs: number;
  stepMs: number;
}[] = [
  { resolution: 'raw', maxRangeMs: 6 * H, stepMs: 60_000 },
  { resolution: '15m', maxRangeMs: 35 * D, stepMs: 15 * 60_000 },
  { resolution: '1h', maxRangeMs: 400 * D, stepMs: H },
];
export const MAX_LOAD_RANGE_MS = 400 * D;

export interface LoadPlan {
  readonly resolution: LoadResolution;
  /** Width of one returned point; a multiple of the resolution's step when the points had to be capped. */
  readonly bucketMs: number;
}

export class LoadQueryError extends Error {
  constructor(
    readonly code: 'LOAD.RANGE_INVALID' | 'LOAD.RANGE_TOO_LONG',
    message: string,
  ) {
    super(message);
    this.name = 'LoadQueryError';
  }
}

/**
 * The resolution a range needs (the finest whose limit covers it), and the bucket width so that at most
 * `maxPoints` points come back (coarser buckets of the same rollup when the range would give more).
 */
export function planLoad(fromMs: number, toMs: number, maxPoints: number): LoadPlan {
  const range = toMs - fromMs;
  if (!Number.isFinite(range) || range <= 0)
    throw new LoadQueryError('LOAD.RANGE_INVALID', '"to" must be after "from"');
  if (range > MAX_LOAD_RANGE_MS)
    throw new LoadQueryError('LOAD.RANGE_TOO_LONG', 'the range must not exceed 400 days');
  const limit = RESOLUTION_LIMITS.find((l) => range <= l.maxRangeMs) ?? RESOLUTION_LIMITS[2];
  if (!limit) throw new LoadQueryError('LOAD.RANGE_TOO_LONG', 'no resolution covers the range');
  // raw is bucketed to the rollups' 15 minutes when capped; 15m and 1h to multiples of themselves
  const base = limit.resolution === 'raw' ? limit.stepMs : limit.stepMs;
  const factor = Math.max(1, Math.ceil(range / base / maxPoints));
  if (limit.resolution === 'raw' && factor > 1) {
    const qh = 15 * 60_000;
    return { resolution: '15m', bucketMs: Math.max(qh, Math.ceil(range / maxPoints / qh) * qh) };
  }
  return { resolution: limit.resolution, bucketMs: base * factor };
}

export interface LoadPoint {
  /** Start of the bucket (UTC). */
  readonly t: string;
  readonly importWh: number;
  readonly exportWh: number;
  /** import − export; negative = net feed-in. */
  readonly netWh: number;
  /** Average net power over the bucket, W. */
  readonly avgPowerW: number;
  readonly metersReporting: number;
}

export interface LoadSeries {
  readonly resolution: LoadResolution;
  readonly bucketS: number;
  readonly points: readonly LoadPoint[];
}

const RAW_JOIN: Readonly<Record<LoadLevel, string>> = {
  secondary_substation: 'JOIN meter_point m ON m.id = r.meter_point_id WHERE m.secondary_substation_id = $1',
  feeder:
    'JOIN meter_point m ON m.id = r.meter_point_id JOIN secondary_substation s ON s.id = m.secondary_substation_id WHERE s.feeder_id = $1',
  substation:
    'JOIN meter_point m ON m.id = r.meter_point_id JOIN secondary_substation s ON s.id = m.secondary_substation_id JOIN feeder f ON f.id = s.feeder_id WHERE f.substation_id = $1',
};

/**
 * Load of one node over [from, to). 15-minute and 1-hour data come from ingest's published rollup views
 * `load_15m_<level>` / `load_1h_<level>`; short ranges (≤ 6 h) from the raw readings (`meter_reading`
 * joined with the topology), grouped by interval start. Relation names come from fixed lists; every value
 * is a bind parameter.
 */
export class LoadQueries {
  async load(
    db: Queryable,
    level: LoadLevel,
    nodeId: string,
    from: Date,
    to: Date,
    maxPoints: number,
  ): Promise<LoadSeries> {
    if (!LOAD_LEVELS.includes(level)) throw new RangeError(`unknown level ${String(level)}`);
    const plan = planLoad(from.getTime(), to.getTime(), maxPoints);
    const bucketS = plan.bucketMs / 1000;
    type Row = { t: Date; import_wh: string; export_wh: string; meters: number; step_s: number };
    let r: Row[];
    if (plan.resolution === 'raw') {
      r = await rows<Row>(
        db,
        `SELECT r.interval_start AS t, sum(r.import_wh)::text AS import_wh, sum(r.export_wh)::text AS export_wh,
                count(DISTINCT r.meter_point_id)::int AS meters,
                max(extract(epoch FROM r.interval_end - r.interval_start))::int AS step_s
           FROM meter_reading r ${RAW_JOIN[level]} AND r.interval_start >= $2 AND r.interval_start < $3
          GROUP BY r.interval_start ORDER BY r.interval_start LIMIT $4`,
        [nodeId, from, to, maxPoints],
      );
    } else {
      const relation = `load_${plan.resolution}_${level}`;
      const stepS = plan.resolution === '15m' ? 900 : 3600;
      if (plan.bucketMs === stepS * 1000) {
        r = await rows<Row>(
          db,
          `SELECT bucket_start AS t, import_wh::text AS import_wh, export_wh::text AS export_wh, meters_reporting::int AS meters,
                  ${stepS} AS step_s
             FROM ${relation} WHERE node_id = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start LIMIT $4`,
          [nodeId, from, to, maxPoints],
        );
      } else {
        r = await rows<Row>(
          db,
          `SELECT date_bin(make_interval(secs => $5::double precision), bucket_start, TIMESTAMPTZ '2000-01-01T00:00:00Z') AS t,
                  sum(import_wh)::text AS import_wh, sum(export_wh)::text AS export_wh, max(meters_reporting)::int AS meters,
                  $5::int AS step_s
             FROM ${relation} WHERE node_id = $1 AND bucket_start >= $2 AND bucket_start < $3
            GROUP BY 1 ORDER BY 1 LIMIT $4`,
          [nodeId, from, to, maxPoints, bucketS],
        );
      }
    }
    return {
      resolution: plan.resolution,
      bucketS: plan.resolution === 'raw' ? (r[0]?.step_s ?? 60) : bucketS,
      points: r.map((x) => {
        const imp = Number(x.import_wh);
        const exp = Number(x.export_wh);
        const stepS = Number(x.step_s) || bucketS;
        return {
          t: x.t.toISOString(),
          importWh: imp,
          exportWh: exp,
          netWh: imp - exp,
          avgPowerW: Math.round(((imp - exp) * 3600) / stepS),
          metersReporting: Number(x.meters),
        };
      }),
    };
  }

  /** Actual energy per 15 minutes (for forecast vs actual). */
  async actual15m(db: Queryable, level: LoadLevel, nodeId: string, from: Date, to: Date, limit: number) {
    if (level !== 'feeder' && level !== 'substation' && level !== 'secondary_substation')
      throw new RangeError(`unknown level ${String(level)}`);
    const r = await rows<{ t: Date; net_wh: string }>(
      db,
      `SELECT bucket_start AS t, net_wh::text AS net_wh FROM load_15m_${level}
        WHERE node_id = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start LIMIT $4`,
      [nodeId, from, to, limit],
    );
    return r.map((x) => ({ t: x.t.toISOString(), netWh: Number(x.net_wh) }));
  }
}
