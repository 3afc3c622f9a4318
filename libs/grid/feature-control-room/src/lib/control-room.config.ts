import type { KafkaSettings } from '@gridwerk/shared/data-access-kafka';
import { Topics } from '@gridwerk/contracts';
import { cfg, type ConfigOf } from '@gridwerk/shared/util-config';

/** grid-api's control-room variables; spread into the app's config spec (apps/grid-api/src/config). */
export const controlRoomConfigSpec = {
  runMigrations: cfg.bool('GRID_API_RUN_MIGRATIONS', 'apply grid-api migrations at start-up', true),
  loadDatabaseUrl: cfg.optional(
    cfg.url(
      'GRID_API_LOAD_DATABASE_URL',
      "database with ingest's rollup views and raw readings (default: DATABASE_URL)",
      ['postgres', 'postgresql'],
    ),
  ),
  dispatchDatabaseUrl: cfg.optional(
    cfg.url(
      'GRID_API_DISPATCH_DATABASE_URL',
      "database with dispatch's published view dispatch_plan_v1 (default: DATABASE_URL)",
      ['postgres', 'postgresql'],
    ),
  ),
  consumerGroup: cfg.string(
    'GRID_API_CONSUMER_GROUP',
    'consumer group for battery, forecast and settlement facts (shared by the replicas)',
    'gridwerk-grid-api',
  ),
  liveGroupPrefix: cfg.string(
    'GRID_API_LIVE_GROUP_PREFIX',
    'prefix of the per-replica consumer group of the live readings (every replica sees every reading)',
    'gridwerk-grid-api-live',
  ),
  readingsTopic: cfg.string(
    'GRID_API_READINGS_TOPIC',
    'meter readings consumed for the live load',
    Topics.meterReadings,
  ),
  telemetryTopic: cfg.string(
    'GRID_API_TELEMETRY_TOPIC',
    'battery telemetry consumed',
    Topics.batteryTelemetry,
  ),
  commandsTopic: cfg.string(
    'GRID_API_COMMANDS_TOPIC',
    'battery commands (v1, setpoints) consumed',
    Topics.batteryCommands,
  ),
  commandsV2Topic: cfg.string(
    'GRID_API_COMMANDS_V2_TOPIC',
    'battery commands (v2, setpoints or station-flow limits) consumed',
    Topics.batteryCommandsV2,
  ),
  forecastsTopic: cfg.string('GRID_API_FORECASTS_TOPIC', 'forecasts consumed', Topics.forecasts),
  batchesTopic: cfg.string('GRID_API_BATCHES_TOPIC', 'settlement batches consumed', Topics.settlementBatches),
  alertsTopic: cfg.string(
    'GRID_API_ALERTS_TOPIC',
    'where new and changed alarms are published',
    Topics.alerts,
  ),
  maxPoints: cfg.int('GRID_API_MAX_POINTS', 'most points one load or forecast response returns', {
    min: 100,
    max: 20_000,
    default: 5000,
  }),
  streamFlushMs: cfg.int(
    'GRID_API_STREAM_FLUSH_MS',
    'how often changed live values are written to the stream',
    {
      min: 50,
      max: 5000,
      default: 250,
    },
  ),
  streamPollMs: cfg.int('GRID_API_STREAM_POLL_MS', 'how often each replica reads new stream events', {
    min: 20,
    max: 5000,
    default: 100,
  }),
  streamHeartbeatMs: cfg.int('GRID_API_STREAM_HEARTBEAT_MS', 'SSE heartbeat interval', {
    min: 1000,
    max: 60_000,
    default: 15_000,
  }),
  streamRetentionS: cfg.int(
    'GRID_API_STREAM_RETENTION_S',
    'how long stream events stay resumable (Last-Event-ID)',
    {
      min: 60,
      max: 86_400,
      default: 900,
    },
  ),
  staleAfterS: cfg.int('GRID_API_STALE_AFTER_S', 'a live value older than this is flagged stale', {
    min: 10,
    max: 86_400,
    default: 900,
  }),
  alarmEvalMs: cfg.int('GRID_ALARM_EVAL_MS', 'alarm evaluation interval', {
    min: 200,
    max: 60_000,
    default: 2000,
  }),
  alarmMaxShelveH: cfg.int('GRID_ALARM_MAX_SHELVE_H', 'longest shelving an operator may set, hours', {
    min: 1,
    max: 168,
    default: 24,
  }),
  topologyRefreshMs: cfg.int('GRID_API_TOPOLOGY_REFRESH_MS', 'how often the topology is re-read', {
    min: 1000,
    max: 3_600_000,
    default: 60_000,
  }),
};

export type ControlRoomSettings = ConfigOf<typeof controlRoomConfigSpec>;

/** What ControlRoomModule needs: its own settings plus the platform's database and Kafka fields. */
export type ControlRoomConfig = ControlRoomSettings & {
  readonly service: string;
  readonly databaseUrl: string;
  readonly databasePoolMax: number;
  readonly kafka: KafkaSettings;
};

export const CONTROL_ROOM_CONFIG = Symbol('CONTROL_ROOM_CONFIG');
export const GRID_POOL = Symbol('GRID_POOL');
export const LOAD_POOL = Symbol('LOAD_POOL');
export const DISPATCH_POOL = Symbol('DISPATCH_POOL');
