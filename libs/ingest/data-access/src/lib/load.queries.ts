import { queryRows, SqlExecutor } from './db';
import { BUCKET_WIDTHS, ROLLUP_LEVELS, rollupRelation } from './load-rollup.sql';
import type { BucketWidth, LoadBucket, RollupLevel } from './types';

interface LoadRow {
  node_id: string;
  bucket_start: Date | string;
  import_wh: string;
  export_wh: string;
  net_wh: string;
  meters_reporting: number;
}

function loadSql(level: RollupLevel, width: BucketWidth): string {
  // relation names come from fixed lists, never from input
  if (!ROLLUP_LEVELS.includes(level) || !BUCKET_WIDTHS.includes(width)) {
    throw new RangeError(
      `INGEST.UNKNOWN_ROLLUP: no rollup for level ${String(level)} width ${String(width)}`,
    );
  }
  return `SELECT node_id, bucket_start, import_wh::text AS import_wh, export_wh::text AS export_wh, net_wh::text AS net_wh,
                 meters_reporting::integer AS meters_reporting
            FROM ${rollupRelation(width, level)}
           WHERE node_id = $1 AND bucket_start >= $2 AND bucket_start < $3
           ORDER BY bucket_start`;
}

/**
 * Load of one grid node over [from, to), read from the rollup relations `load_<width>_<level>` (a view on
 * rollup_load natively, a continuous aggregate with TimescaleDB): never from the raw readings.
 */
export class LoadQueries {
  constructor(private readonly db: SqlExecutor) {}

  async load(
    level: RollupLevel,
    nodeId: string,
    from: Date,
    to: Date,
    width: BucketWidth = '15m',
  ): Promise<LoadBucket[]> {
    const rows = await queryRows<LoadRow>(this.db, loadSql(level, width), [nodeId, from, to]);
    return rows.map((r) => ({
      nodeId: r.node_id,
      bucketStart: new Date(r.bucket_start).toISOString(),
      importWh: Number(r.import_wh),
      exportWh: Number(r.export_wh),
      netWh: Number(r.net_wh),
      metersReporting: Number(r.meters_reporting),
    }));
  }

  feederLoad(feederId: string, from: Date, to: Date, width: BucketWidth = '15m'): Promise<LoadBucket[]> {
    return this.load('feeder', feederId, from, to, width);
  }

  substationLoad(
    substationId: string,
    from: Date,
    to: Date,
    width: BucketWidth = '15m',
  ): Promise<LoadBucket[]> {
    return this.load('substation', substationId, from, to, width);
  }

  secondarySubstationLoad(
    secondarySubstationId: string,
    from: Date,
    to: Date,
    width: BucketWidth = '15m',
  ): Promise<LoadBucket[]> {
    return this.load('secondary_substation', secondarySubstationId, from, to, width);
  }

  /** The plan of feederLoad, as text (one line per plan node). */
  async explainFeederLoad(
    feederId: string,
    from: Date,
    to: Date,
    width: BucketWidth = '15m',
  ): Promise<string> {
    const rows = await queryRows<{ 'QUERY PLAN': string }>(
      this.db,
      `EXPLAIN (COSTS OFF) ${loadSql('feeder', width)}`,
      [feederId, from, to],
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }
}
