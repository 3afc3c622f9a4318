/**
 * Storage settings fixed at migration time. They are constants, not configuration: changing one is a
 * schema change and belongs in a new migration (retention and compression policies live in the database).
 */

/** Raw meter readings and battery telemetry older than this are dropped (policy in TimescaleDB, `dropExpiredPartitions` natively). */
export const RAW_RETENTION_DAYS = 400;

/** TimescaleDB: chunks of raw readings older than this are compressed (late data still lands: DML on compressed chunks). */
export const COMPRESS_AFTER_DAYS = 7;

/** TimescaleDB chunk widths. Native partitioning uses the same widths: daily (readings), weekly (telemetry). */
export const READING_CHUNK_INTERVAL = '1 day';
export const TELEMETRY_CHUNK_INTERVAL = '7 days';

/** Native partitioning: partitions created by the migration around "now". */
export const PARTITIONS_BACK_DAYS = 30;
export const PARTITIONS_AHEAD_DAYS = 14;

/**
 * TimescaleDB, migration 1730000000200 only: the window of the eight refresh policies it created, which
 * lost older late data (issue #10). Migration 1730000000400 replaces them with one ordered refresh job.
 */
export const CAGG_REFRESH_START_OFFSET = '7 days';
export const CAGG_REFRESH_SCHEDULE = '5 minutes';

/**
 * TimescaleDB: the oldest version the migrations accept (checked when they run, with the installed
 * version named). 2.18 brought `refresh_continuous_aggregate(..., force => true)`, which topology changes
 * need; before 2.23.1 the policies of hierarchical continuous aggregates could not be altered. Tested on
 * 2.23.1 and 2.28.3 (PostgreSQL 15); 2.29 no longer supports PostgreSQL 15.
 */
export const MIN_TIMESCALEDB_VERSION = '2.23.1';

/**
 * TimescaleDB: one job (`ingest_refresh_rollups`) refreshes every continuous aggregate, lowest level first,
 * over the whole retention window (a refresh materialises only the invalidated buckets in its window, so an
 * old backfill is applied like a late reading of today). The bound of the delay below the real-time part.
 */
export const ROLLUP_REFRESH_JOB_SCHEDULE = '1 minute';

/**
 * TimescaleDB sizing for 15-minute readings of ~350,000 metering points (33.6 M rows a day, ~8 GB with
 * the index) plus 1-minute data of some (5,000 meters: 7.2 M rows a day): a day per uncompressed chunk keeps
 * the chunk being written in memory; compressed chunks are merged into a week (fewer, larger chunks). The
 * merge appends each day's compressed batches, so a segment (one meter) still holds 96 quarter hours per
 * batch (measured on 2.23.1 and 2.28.3) until the week is recompressed (672): the job of migration
 * 1730000000500 (`ingest_recompress_weeks`, below).
 */
export const COMPRESSED_CHUNK_INTERVAL = '7 days';

/** TimescaleDB: materialisation chunk widths of the continuous aggregates (rows per chunk in the README). */
export const CAGG_CHUNK_INTERVAL = {
  meter_energy_15m: '1 day',
  meter_energy_1h: '7 days',
  load_15m: '30 days',
  load_1h: '90 days',
} as const;

/**
 * TimescaleDB: the per-meter aggregates are as large as the raw readings (meter_energy_15m) or a quarter of
 * them and live as long; the load rollups are small (nodes, not meters) and kept for planning and backtests.
 */
export const METER_ENERGY_RETENTION_DAYS = RAW_RETENTION_DAYS;

/**
 * TimescaleDB: the load rollups are compressed later than the raw rows (35 days, 18.5 M rows of
 * load_15m_* uncompressed at the Leipzig scale): a rebuild after a topology change (a forced refresh)
 * over compressed chunks is ten times slower, and most such rebuilds cover the last weeks.
 */
export const LOAD_ROLLUP_COMPRESS_AFTER_DAYS = 35;
export const LOAD_ROLLUP_RETENTION_DAYS = 3_650;

/**
 * TimescaleDB, migration 1730000000500: the job `ingest_recompress_weeks` recompresses the merged week-long
 * compressed chunks of `meter_reading` and `meter_reading_revision` once they are complete, so that a
 * segment (one meter) holds a week per batch (672 quarter hours) instead of a day (96): 9.3 : 1 → ~16 : 1.
 * Daily at 02:00 UTC, one chunk per transaction; a week is recompressed once (it then has no more batches
 * than its segments need), so a run with nothing to do reads only the catalog. Cost and disk headroom in
 * the README.
 */
export const RECOMPRESS_JOB_SCHEDULE = '1 day';
/** Time of day (UTC) of its runs: at night, when no one reads the raw rows of last week. */
export const RECOMPRESS_JOB_START_UTC = '2 hours';
/** Chunks whose compressed batches hold fewer rows than this on average are recompressed (a full week of PT15M: 672). */
export const RECOMPRESS_BELOW_ROWS_PER_BATCH = 600;
/**
 * The hypertables the job recompresses (both compressed with `segmentby meter_point_id`); the history table
 * is `meter_reading_revision` since migration 1730000000700.
 */
export const RECOMPRESS_HYPERTABLES = ['meter_reading', 'meter_reading_revision'] as const;
