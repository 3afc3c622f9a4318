import { Topics } from '@gridwerk/contracts';
import { cfg, Env } from '@gridwerk/shared/util-config';
import { loadServiceConfig } from '@gridwerk/shared/feature-ops';

/** ingest's own variables; HTTP, logging, Kafka and database come from the platform spec. */
export const ingestConfigSpec = {
  consumerGroup: cfg.string(
    'INGEST_CONSUMER_GROUP',
    'Kafka consumer group of the ingest service',
    'gridwerk-ingest',
  ),
  maxBatchRows: cfg.int('INGEST_MAX_BATCH_ROWS', 'rows per database transaction', {
    min: 1,
    max: 100_000,
    default: 10_000,
  }),
  maxWaitMs: cfg.int('INGEST_MAX_WAIT_MS', 'how long a fetch may wait to fill a batch', {
    min: 10,
    max: 10_000,
    default: 250,
  }),
  readingsTopic: cfg.string('INGEST_READINGS_TOPIC', 'topic of meter readings', Topics.meterReadings),
  telemetryTopic: cfg.string('INGEST_TELEMETRY_TOPIC', 'topic of battery telemetry', Topics.batteryTelemetry),
  rollupRefreshMs: cfg.int(
    'INGEST_ROLLUP_REFRESH_MS',
    'native mode: how often invalidated rollup hours are recomputed',
    { min: 100, max: 600_000, default: 2_000 },
  ),
  rollupSettleMs: cfg.int(
    'INGEST_ROLLUP_SETTLE_MS',
    'native mode: an hour still being written waits this long before it is recomputed',
    { min: 0, max: 600_000, default: 1_000 },
  ),
  rollupMaxStalenessMs: cfg.int(
    'INGEST_ROLLUP_MAX_STALENESS_MS',
    'native mode: ... but never longer than this',
    { min: 1_000, max: 3_600_000, default: 30_000 },
  ),
  consumerThreads: cfg.int(
    'INGEST_CONSUMER_THREADS',
    'consumer threads per replica (group members sharing the partitions; about one per core)',
    { min: 1, max: 32, default: 2 },
  ),
  fetchMaxBytes: cfg.int(
    'INGEST_FETCH_MAX_BYTES',
    'most bytes one fetch of a consumer thread may bring (a partition at most 8 MiB of it); what the thread holds in memory before parsing',
    { min: 1_048_576, max: 268_435_456, default: 8 * 1_048_576 },
  ),
  partitionsConcurrently: cfg.int(
    'INGEST_PARTITIONS_CONCURRENTLY',
    'partitions processed at once by one consumer thread',
    { min: 1, max: 64, default: 2 },
  ),
  sessionTimeoutMs: cfg.int(
    'INGEST_SESSION_TIMEOUT_MS',
    'Kafka consumer session timeout: how soon a dead consumer’s partitions move',
    { min: 6_000, max: 300_000, default: 30_000 },
  ),
  heartbeatIntervalMs: cfg.int(
    'INGEST_HEARTBEAT_INTERVAL_MS',
    'Kafka consumer heartbeat: how soon a member learns of a rebalance (at most a third of the session)',
    { min: 100, max: 100_000, default: 1_000 },
  ),
  maxMessageBytes: cfg.int(
    'INGEST_MAX_MESSAGE_BYTES',
    'larger message values are dead-lettered unparsed (MESSAGE.TOO_LARGE); an event is well under 1 KiB',
    { min: 1_024, max: 16 * 1024 * 1024, default: 64 * 1024 },
  ),
  maxClockSkewMs: cfg.int(
    'INGEST_MAX_CLOCK_SKEW_MS',
    'readings ending (samples taken) further than this ahead of the ingest clock are dead-lettered (TIME.IN_FUTURE)',
    { min: 0, max: 3_650 * 86_400_000, default: 300_000 },
  ),
  retryInitialMs: cfg.int(
    'INGEST_RETRY_INITIAL_MS',
    'first back-off of a partition paused by a transient failure (doubles per failure)',
    { min: 10, max: 60_000, default: 200 },
  ),
  retryMaxMs: cfg.int(
    'INGEST_RETRY_MAX_MS',
    'longest back-off of a paused partition: the bound of a transient stall between two attempts',
    { min: 100, max: 600_000, default: 10_000 },
  ),
  livenessStallMs: cfg.int(
    'INGEST_LIVENESS_STALL_MS',
    '/health/live fails when a partition with messages waiting made no progress for this long',
    { min: 5_000, max: 86_400_000, default: 300_000 },
  ),
  lagRefreshMs: cfg.int(
    'INGEST_LAG_REFRESH_MS',
    'how often the lag of owned partitions is read from the broker (also while paused)',
    { min: 500, max: 600_000, default: 5_000 },
  ),
  deadLetterLogIntervalMs: cfg.int(
    'INGEST_DEAD_LETTER_LOG_INTERVAL_MS',
    'dead letters are logged at most once per reason per interval (with the count since)',
    { min: 0, max: 3_600_000, default: 10_000 },
  ),
  runMigrations: cfg.bool(
    'INGEST_RUN_MIGRATIONS',
    'apply pending migrations at start-up (off when a Kubernetes Job runs them)',
    true,
  ),
};

export const loadIngestConfig = (env?: Env) => loadServiceConfig('ingest', 3001, ingestConfigSpec, env);
export type IngestConfig = ReturnType<typeof loadIngestConfig>;
