import { queryRows, SqlExecutor } from './db';
import { BUCKET_INTERVAL, BUCKET_WIDTHS, ROLLUP_LEVELS, rollupRelation } from './load-rollup.sql';
import { detectStorageMode } from './storage-mode';
import type { BucketWidth, RollupLevel, StorageMode } from './types';

const HOUR_MS = 3_600_000;

/** How a bucket of a rollup differs from the plain aggregate of the raw rows. */
export type RollupDifferenceKind = 'missing' | 'unexpected' | 'different';

export interface RollupDifference {
  kind: RollupDifferenceKind;
  /** Node (or, for the per-meter levels of TimescaleDB, meter point) and bucket. */
  nodeId: string;
  bucketStart: Date;
  expected: RollupValues | null;
  actual: RollupValues | null;
}

export interface RollupValues {
  importWh: number;
  exportWh: number;
  netWh: number;
  metersReporting: number;
}

export interface RollupLevelReport {
  /** The relation checked, e.g. `load_15m_feeder` or (TimescaleDB) `meter_energy_15m`. */
  relation: string;
  /** Buckets the raw rows give for the range. */
  expectedBuckets: number;
  /** Buckets that differ (all of them, though `differences` holds at most `limit`). */
  differing: number;
  differences: RollupDifference[];
}

export interface RollupVerification {
  mode: StorageMode;
  /** The range checked, widened to whole hours. */
  from: Date;
  to: Date;
  levels: RollupLevelReport[];
  /** Sum of `differing` over the levels: 0 means every rollup equals the raw rows. */
  differing: number;
  /**
   * Native mode: invalidated hours in the range that the refresher has not recomputed yet (their
   * differences are pending, not lost). TimescaleDB mode: 0.
   */
  pendingHours: number;
}

// The same UTC origin as the rollups; spelled out here so the check does not reuse the rollups' SQL.
const ORIGIN = `TIMESTAMPTZ '2000-01-01 00:00:00+00'`;

const NODE_OF_LEVEL: Record<RollupLevel, string> = {
  secondary_substation: 'mp.secondary_substation_id',
  feeder: 'ss.feeder_id',
  substation: 'f.substation_id',
};

/**
 * The plain aggregate of the raw rows over [$1, $2) for one relation: per meter and bucket first, then
 * per node with the current topology (a meter the topology does not know is in no node's load), so that
 * meters_reporting is the number of distinct meters with a reading in the bucket.
 */
function expectedSql(width: BucketWidth, level: RollupLevel | 'meter'): string {
  const perMeter = `
    SELECT r.meter_point_id,
           date_bin(INTERVAL '${BUCKET_INTERVAL[width]}', r.interval_start, ${ORIGIN}) AS bucket_start,
           sum(r.import_wh)::bigint AS import_wh, sum(r.export_wh)::bigint AS export_wh
      FROM meter_reading r
     WHERE r.interval_start >= $1 AND r.interval_start < $2
     GROUP BY 1, 2`;
  if (level === 'meter')
    return `SELECT m.meter_point_id AS node_id, m.bucket_start, m.import_wh, m.export_wh, 1 AS meters_reporting
              FROM (${perMeter}) m`;
  return `
    SELECT ${NODE_OF_LEVEL[level]} AS node_id, m.bucket_start,
           sum(m.import_wh)::bigint AS import_wh, sum(m.export_wh)::bigint AS export_wh,
           count(*)::integer AS meters_reporting
      FROM (${perMeter}) m
      JOIN meter_point mp ON mp.id = m.meter_point_id
      JOIN secondary_substation ss ON ss.id = mp.secondary_substation_id
      JOIN feeder f ON f.id = ss.feeder_id
     GROUP BY 1, 2`;
}

function actualSql(relation: string, level: RollupLevel | 'meter'): string {
  return level === 'meter'
    ? `SELECT meter_point_id AS node_id, bucket_start, import_wh::bigint AS import_wh,
              export_wh::bigint AS export_wh, (import_wh - export_wh)::bigint AS net_wh, 1 AS meters_reporting
         FROM ${relation} WHERE bucket_start >= $1 AND bucket_start < $2`
    : `SELECT node_id, bucket_start, import_wh::bigint AS import_wh, export_wh::bigint AS export_wh,
              net_wh::bigint AS net_wh, meters_reporting::integer AS meters_reporting
         FROM ${relation} WHERE bucket_start >= $1 AND bucket_start < $2`;
}

interface DiffRow {
  node_id: string;
  bucket_start: Date;
  e_import: string | null;
  e_export: string | null;
  e_meters: number | null;
  a_import: string | null;
  a_export: string | null;
  a_net: string | null;
  a_meters: number | null;
  expected_buckets: string;
  differing: string;
}

function compareSql(width: BucketWidth, level: RollupLevel | 'meter', relation: string): string {
  return `
WITH expected AS (${expectedSql(width, level)}),
     actual AS (${actualSql(relation, level)}),
     diff AS (
  SELECT coalesce(e.node_id, a.node_id) AS node_id, coalesce(e.bucket_start, a.bucket_start) AS bucket_start,
         e.import_wh AS e_import, e.export_wh AS e_export, e.meters_reporting AS e_meters,
         a.import_wh AS a_import, a.export_wh AS a_export, a.net_wh AS a_net, a.meters_reporting AS a_meters
    FROM expected e
    FULL JOIN actual a ON a.node_id = e.node_id AND a.bucket_start = e.bucket_start
   WHERE e.node_id IS NULL OR a.node_id IS NULL
      OR e.import_wh <> a.import_wh OR e.export_wh <> a.export_wh OR e.meters_reporting <> a.meters_reporting
      OR a.net_wh IS DISTINCT FROM a.import_wh - a.export_wh
)
SELECT d.*, (SELECT count(*) FROM expected) AS expected_buckets, (SELECT count(*) FROM diff) AS differing
  FROM (SELECT (SELECT count(*) FROM expected) AS n) _
  LEFT JOIN LATERAL (SELECT * FROM diff ORDER BY bucket_start, node_id LIMIT $3) d ON true`;
}

const values = (imp: string | null, exp: string | null, net: string | null, meters: number | null) =>
  imp === null || exp === null || meters === null
    ? null
    : {
        importWh: Number(imp),
        exportWh: Number(exp),
        netWh: net === null ? Number(imp) - Number(exp) : Number(net),
        metersReporting: meters,
      };

/**
 * Compares every rollup level with a plain SQL aggregate of the raw rows over [from, to) (widened to
 * whole hours) and the current topology: each `load_<width>_<level>` relation in either storage mode,
 * and in TimescaleDB mode the per-meter aggregates (`meter_energy_15m`, `meter_energy_1h`) under them.
 * Read-only; reports at most `limit` differences per level (all are counted).
 */
export async function verifyRollups(
  db: SqlExecutor,
  range: { from: Date; to: Date; limit?: number },
): Promise<RollupVerification> {
  const from = new Date(Math.floor(range.from.getTime() / HOUR_MS) * HOUR_MS);
  const to = new Date(Math.ceil(range.to.getTime() / HOUR_MS) * HOUR_MS);
  const limit = range.limit ?? 20;
  const mode = await detectStorageMode(db);
  const checks: { width: BucketWidth; level: RollupLevel | 'meter'; relation: string }[] = [];
  if (mode === 'timescaledb')
    for (const width of BUCKET_WIDTHS)
      checks.push({
        width,
        level: 'meter',
        relation: width === '15m' ? 'meter_energy_15m' : 'meter_energy_1h',
      });
  for (const width of BUCKET_WIDTHS)
    for (const level of ROLLUP_LEVELS) checks.push({ width, level, relation: rollupRelation(width, level) });

  const levels: RollupLevelReport[] = [];
  for (const c of checks) {
    const rows = await queryRows<DiffRow>(db, compareSql(c.width, c.level, c.relation), [from, to, limit]);
    const first = rows[0];
    levels.push({
      relation: c.relation,
      expectedBuckets: Number(first?.expected_buckets ?? 0),
      differing: Number(first?.differing ?? 0),
      differences: rows
        .filter((r) => r.node_id !== null)
        .map((r) => {
          const expected = values(r.e_import, r.e_export, null, r.e_meters);
          const actual = values(r.a_import, r.a_export, r.a_net, r.a_meters);
          return {
            kind: expected === null ? 'unexpected' : actual === null ? 'missing' : 'different',
            nodeId: r.node_id,
            bucketStart: new Date(r.bucket_start),
            expected,
            actual,
          };
        }),
    });
  }
  let pendingHours = 0;
  if (mode === 'native-partitioning') {
    const [p] = await queryRows<{ n: number }>(
      db,
      `SELECT count(DISTINCT hour_start)::int AS n FROM rollup_invalidation WHERE hour_start >= $1 AND hour_start < $2`,
      [from, to],
    );
    pendingHours = p?.n ?? 0;
  }
  return {
    mode,
    from,
    to,
    levels,
    differing: levels.reduce((s, l) => s + l.differing, 0),
    pendingHours,
  };
}
