export {
  INGEST_MIGRATIONS,
  IngestImportCheckpoint1730000000600,
  IngestLoadRollups1730000000200,
  IngestRawSeries1730000000100,
  IngestReadingVersions1730000000300,
  IngestRollupNotify1730000000800,
  IngestRollupNotifyInRefresh1767100000000,
  ROLLUP_CHANGED_CHANNEL,
} from './lib/migrations';
export { MeterReadingWriter } from './lib/meter-reading.writer';
export type { MeterReadingWriterOptions } from './lib/meter-reading.writer';
export { ReadingCopyBatch } from './lib/reading-copy-batch';
// The topology lives in @gridwerk/shared/data-access-topology; re-exported for callers of this lib.
export { TopologyRepository } from '@gridwerk/shared/data-access-topology';
export type {
  TopologyCounts,
  TopologyMeterPoint,
  TopologySnapshot,
} from '@gridwerk/shared/data-access-topology';
export { LoadQueries } from './lib/load.queries';
export { ReadingHistoryQueries } from './lib/reading-history.queries';
export type { ReadingVersion } from './lib/reading-history.queries';
export {
  contiguousHourRuns,
  rebuildLoadRollups,
  refreshRollups,
  refreshRollupWindow,
} from './lib/load-rollup.maintenance';
export { ReadingImportStore } from './lib/reading-import.store';
export type { ImportBatchPath, ImportCheckpoint } from './lib/reading-import.store';
export type { RefreshOptions, RefreshResult } from './lib/load-rollup.maintenance';
export { BUCKET_WIDTHS, ROLLUP_LEVELS, rollupRelation } from './lib/load-rollup.sql';
export { dropExpiredPartitions, ensurePartitions } from './lib/partitions';
export { verifyRollups } from './lib/verify-rollups';
export type {
  RollupDifference,
  RollupDifferenceKind,
  RollupLevelReport,
  RollupValues,
  RollupVerification,
} from './lib/verify-rollups';
export { decideStorageMode, detectStorageMode } from './lib/storage-mode';
export type { StorageModeDecision } from './lib/storage-mode';
export * from './lib/storage-settings';
export { readingRowOf, telemetryRowOf } from './lib/types';
export type {
  CorrectionSample,
  ReadingWriteResult,
  BucketWidth,
  LoadBucket,
  ReadingRow,
  RollupLevel,
  StorageMode,
  TelemetryRow,
  WriteResult,
} from './lib/types';
export type { SqlExecutor } from './lib/db';
export {
  createIngestTestDb,
  meterId,
  minuteReadings,
  pauseTimescaleJobs,
  quarterHourReadings,
  refreshRollupsNow,
  smallTopology,
  smallTopologyWithBattery,
} from './testing/ingest-test-db';
export type { IngestTestDb } from './testing/ingest-test-db';
