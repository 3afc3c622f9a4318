import { MigrationInterface, QueryRunner } from 'typeorm';
import { BUCKET_INTERVAL, CAGG_REFRESH_ORDER } from '../load-rollup.sql';
import type { BucketWidth } from '../types';
import {
  assertSupportedTimescaleVersion,
  detectStorageMode,
  installedTimescaleVersion,
} from '../storage-mode';
import {
  CAGG_CHUNK_INTERVAL,
  CAGG_REFRESH_SCHEDULE,
  CAGG_REFRESH_START_OFFSET,
  COMPRESS_AFTER_DAYS,
  COMPRESSED_CHUNK_INTERVAL,
  LOAD_ROLLUP_COMPRESS_AFTER_DAYS,
  LOAD_ROLLUP_RETENTION_DAYS,
  METER_ENERGY_RETENTION_DAYS,
  MIN_TIMESCALEDB_VERSION,
  RAW_RETENTION_DAYS,
  ROLLUP_REFRESH_JOB_SCHEDULE,
} from '../storage-settings';

/**
 * The refresh of every continuous aggregate, lowest level first, each over the whole retention window (a
 * refresh materialises only what is invalidated in its window, so a quiet run is cheap and a backfill of a
 * closed month is applied like a late reading of today), up to the start of the bucket now in progress (the
 * real-time part of the views shows that one). A COMMIT after each level, so that a long run holds no
 * snapshot and the level above sees what the level below just materialised.
 */
function refreshProcedureSql(): string {
  const calls = CAGG_REFRESH_ORDER.map(
    ({ view, width }) => `
  CALL refresh_continuous_aggregate('${view}', v_from,
    time_bucket(INTERVAL '${width === '15m' ? '15 minutes' : '1 hour'}', now()));
  COMMIT;`,
  ).join('');
  return `
CREATE PROCEDURE ingest_refresh_rollups(job_id integer DEFAULT NULL, config jsonb DEFAULT NULL)
LANGUAGE plpgsql AS $proc$
DECLARE
  -- a day inside the raw retention: a window reaching dropped chunks would refresh their buckets to nothing
  v_from timestamptz := now() - make_interval(days => ${RAW_RETENTION_DAYS - 1});
BEGIN${calls}
END
$proc$`;
}

/**
 * The refresh policy of 1730000000200 on `view`, added unless the view has one. Its first run is one
 * schedule interval away (not at commit), so that a down migration that follows at once (1730000000200's,
 * which drops the views) meets no refresh running on them: that deadlocked.
 */
async function ensureRefreshPolicy(q: QueryRunner, view: string, width: BucketWidth): Promise<void> {
  const [row] = (await q.query(
    `SELECT count(*)::int AS n FROM timescaledb_information.jobs
      WHERE proc_name = 'policy_refresh_continuous_aggregate' AND hypertable_name = $1`,
    [view],
  )) as { n: number }[];
  if ((row?.n ?? 0) > 0) return;
  await q.query(
    `SELECT add_continuous_aggregate_policy('${view}',
       start_offset => INTERVAL '${CAGG_REFRESH_START_OFFSET}',
       end_offset => INTERVAL '${BUCKET_INTERVAL[width]}',
       schedule_interval => INTERVAL '${CAGG_REFRESH_SCHEDULE}',
       initial_start => now() + INTERVAL '${CAGG_REFRESH_SCHEDULE}')`,
  );
}

/**
 * TimescaleDB storage lifecycle (issue #10); nothing to do in native mode, where the service refreshes the
 * rollups from its invalidation log and `dropExpiredPartitions` applies the retention.
 *
 * - The eight refresh policies of 1730000000200 (7-day window each, run in no order) are replaced by one job
 *   running `ingest_refresh_rollups`: bottom-up, over the retention window, so nothing older than a week is
 *   lost from the rollups and the upper levels never lag the lower ones by more than one run.
 * - Compression and retention for every hypertable and materialisation: `meter_reading_version` (it had
 *   none), the per-meter aggregates (as large as the raw rows) and the load rollups; compressed chunks are
 *   merged into weeks so that a segment holds enough rows to compress well.
 * - The minimum TimescaleDB version, checked on databases migrated before the check existed.
 */
export class IngestTimescaleLifecycle1730000000400 implements MigrationInterface {
  name = 'IngestTimescaleLifecycle1730000000400';

  async up(q: QueryRunner): Promise<void> {
    if ((await detectStorageMode(q)) !== 'timescaledb') return;
    assertSupportedTimescaleVersion((await installedTimescaleVersion(q)) ?? '0', MIN_TIMESCALEDB_VERSION);

    // raw series: week-long compressed chunks; the version history gets compression like the readings
    await q.query(
      `ALTER TABLE meter_reading SET (timescaledb.compress_chunk_time_interval = '${COMPRESSED_CHUNK_INTERVAL}')`,
    );
    await q.query(`ALTER TABLE meter_reading_version SET (
      timescaledb.compress,
      timescaledb.compress_segmentby = 'meter_point_id',
      timescaledb.compress_orderby = 'interval_start DESC, seq DESC',
      timescaledb.compress_chunk_time_interval = '${COMPRESSED_CHUNK_INTERVAL}')`);
    await q.query(
      `SELECT add_compression_policy('meter_reading_version', INTERVAL '${COMPRESS_AFTER_DAYS} days')`,
    );

    for (const { view, width } of CAGG_REFRESH_ORDER) {
      // TimescaleDB before 2.28 refuses a compression policy on a continuous aggregate without a refresh
      // policy ("setup a refresh policy ... before setting up a columnstore policy"; the check is made
      // only when the policy is added): the compression policy is added while 1730000000200's refresh
      // policy still exists, and that one is removed afterwards.
      await ensureRefreshPolicy(q, view, width);
      const perMeter = view.startsWith('meter_energy');
      const chunk = perMeter
        ? CAGG_CHUNK_INTERVAL[view as 'meter_energy_15m' | 'meter_energy_1h']
        : CAGG_CHUNK_INTERVAL[view.startsWith('load_15m') ? 'load_15m' : 'load_1h'];
      await q.query(`SELECT set_chunk_time_interval('${view}', INTERVAL '${chunk}')`);
      const segment = perMeter ? 'meter_point_id' : 'node_id';
      await q.query(`ALTER MATERIALIZED VIEW ${view} SET (
        timescaledb.compress = true,
        timescaledb.compress_segmentby = '${segment}',
        timescaledb.compress_orderby = 'bucket_start DESC')`);
      const compressAfter = perMeter ? COMPRESS_AFTER_DAYS : LOAD_ROLLUP_COMPRESS_AFTER_DAYS;
      await q.query(
        `SELECT add_compression_policy('${view}', compress_after => INTERVAL '${compressAfter} days')`,
      );
      const keep = perMeter ? METER_ENERGY_RETENTION_DAYS : LOAD_ROLLUP_RETENTION_DAYS;
      await q.query(`SELECT add_retention_policy('${view}', drop_after => INTERVAL '${keep} days')`);
      await q.query(`SELECT remove_continuous_aggregate_policy('${view}', if_exists => true)`);
    }

    await q.query(refreshProcedureSql());
    const [job] = (await q.query(
      `SELECT add_job('ingest_refresh_rollups', INTERVAL '${ROLLUP_REFRESH_JOB_SCHEDULE}') AS id`,
    )) as { id: number }[];
    await q.query(
      `INSERT INTO ingest_schema_info (key, value) VALUES ('rollup_refresh_job', $1)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [String(job?.id)],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    if ((await detectStorageMode(q)) !== 'timescaledb') return;
    const rows = (await q.query(`SELECT value FROM ingest_schema_info WHERE key = 'rollup_refresh_job'`)) as {
      value: string;
    }[];
    if (rows[0]) await q.query('SELECT delete_job($1::int)', [Number(rows[0].value)]);
    await q.query(`DELETE FROM ingest_schema_info WHERE key = 'rollup_refresh_job'`);
    await q.query('DROP PROCEDURE ingest_refresh_rollups(integer, jsonb)');
    for (const { view, width } of CAGG_REFRESH_ORDER) {
      await q.query(`SELECT remove_retention_policy('${view}', if_exists => true)`);
      await q.query(`SELECT remove_compression_policy('${view}', if_exists => true)`);
      // back to the state 1730000000200 left: its refresh policy per continuous aggregate
      await ensureRefreshPolicy(q, view, width);
    }
    await q.query(`SELECT remove_compression_policy('meter_reading_version', if_exists => true)`);
  }
}
