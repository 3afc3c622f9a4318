import { Queryable, rows } from './db';

/**
 * ingest's notification channel: it NOTIFYs here (payload: the first quarter hour changed, ISO-8601 UTC)
 * when a rollup refresh commits. Native mode only; TimescaleDB's continuous aggregates announce nothing, so
 * readers poll there. The name is ingest's published contract, as its `load_*` views are.
 */
export const ROLLUP_CHANGED_CHANNEL = 'rollup_load_changed';

/** Which quarter hours the station rollups hold from an instant on, and how many meters each counts. */
export interface StationBucketSummary {
  readonly bucketStart: Date;
  readonly stations: number;
  readonly meters: number;
}

export interface StationQuarterLoad {
  readonly nodeId: string;
  /** Net energy of the quarter hour, Wh (negative = net feed-in). */
  readonly netWh: number;
  readonly metersReporting: number;
}

/**
 * The 15-minute secondary-substation rollups from ingest's published view `load_15m_secondary_substation`
 * (the same in native and TimescaleDB mode): what the alarm engine judges a quarter hour's loading by.
 */
export class StationRollupQueries {
  async available(db: Queryable): Promise<boolean> {
    const r = await rows<{ ok: boolean }>(
      db,
      `SELECT to_regclass('load_15m_secondary_substation') IS NOT NULL AS ok`,
    );
    return r[0]?.ok === true;
  }

  async bucketsFrom(db: Queryable, from: Date): Promise<StationBucketSummary[]> {
    const r = await rows<{ bucket_start: Date; stations: number; meters: string }>(
      db,
      `SELECT bucket_start, count(*)::int AS stations, sum(meters_reporting)::text AS meters
         FROM load_15m_secondary_substation WHERE bucket_start >= $1
        GROUP BY bucket_start ORDER BY bucket_start`,
      [from],
    );
    return r.map((x) => ({ bucketStart: x.bucket_start, stations: x.stations, meters: Number(x.meters) }));
  }

  async stationsAt(db: Queryable, bucketStart: Date): Promise<StationQuarterLoad[]> {
    const r = await rows<{ node_id: string; net_wh: string; meters_reporting: number }>(
      db,
      `SELECT node_id, net_wh::text AS net_wh, meters_reporting
         FROM load_15m_secondary_substation WHERE bucket_start = $1`,
      [bucketStart],
    );
    return r.map((x) => ({
      nodeId: x.node_id,
      netWh: Number(x.net_wh),
      metersReporting: x.meters_reporting,
    }));
  }
}
