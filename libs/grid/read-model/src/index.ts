export { AlarmRepository, ConcurrentChangeError } from './lib/alarm.repository';
export type { AlarmFilter } from './lib/alarm.repository';
export { AuditRepository } from './lib/audit.repository';
export type { AuditEntry, AuditEntryInput } from './lib/audit.repository';
export { createGridApiPool, runGridApiMigrations } from './lib/db';
export type { Queryable } from './lib/db';
export { aboveRatingDay, DispatchPlanQueries, stationStepsInForce } from './lib/dispatch-plan.queries';
export type {
  AboveRatingDay,
  DispatchPlanRow,
  DispatchPlanStationStep,
  StationStepInForce,
} from './lib/dispatch-plan.queries';
export { FactsRepository } from './lib/facts.repository';
export type { BatteryStateRow, ForecastPointRow, SettlementBatchRow } from './lib/facts.repository';
export {
  LOAD_LEVELS,
  LoadQueries,
  LoadQueryError,
  MAX_LOAD_RANGE_MS,
  planLoad,
  RESOLUTION_LIMITS,
} from './lib/load.queries';
export type { LoadLevel, LoadPlan, LoadPoint, LoadResolution, LoadSeries } from './lib/load.queries';
export {
  GRID_API_MIGRATIONS,
  GridBatteryControl1732000000001,
  GridReadModel1732000000000,
} from './lib/migrations';
export { OutboxRepository } from './lib/outbox.repository';
export type { OutboxMessage, OutboxPublisher } from './lib/outbox.repository';
export { DEFAULT_PROFILE_ID, SettingsRepository } from './lib/settings.repository';
export type { PerimeterRow, ThresholdRow } from './lib/settings.repository';
export { StreamLogRepository } from './lib/stream-log.repository';
export type { StreamEvent, StreamEventType } from './lib/stream-log.repository';
export { TopologyQueries } from './lib/topology.queries';
export type { TopologyModel } from './lib/topology.queries';
export { ROLLUP_CHANGED_CHANNEL, StationRollupQueries } from './lib/station-rollup.queries';
export type { StationBucketSummary, StationQuarterLoad } from './lib/station-rollup.queries';
