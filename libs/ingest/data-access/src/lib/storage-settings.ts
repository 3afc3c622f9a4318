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
 * TimescaleDB: how far back the refresh policies re-materialise the continuous aggregates. Late data older
 * than this is tracked by TimescaleDB's invalidation log and shows once a refresh covers it
 * (`CALL refresh_continuous_aggregate(...)`), see README.
 */
export const CAGG_REFRESH_START_OFFSET = '7 days';
export const CAGG_REFRESH_SCHEDULE = '5 minutes';
