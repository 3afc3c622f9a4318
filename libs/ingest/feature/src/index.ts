export { DEFAULT_INGEST_RULES, DEFAULT_INGEST_TOPICS, IngestBatchHandler } from './ingest-batch.handler';
export type {
  BatchOutcome,
  CorrectionSample,
  IngestRules,
  IngestTopics,
  DeadLetterSink,
  MeterReadingRow,
  ReadingSink,
  ReadingWriteResult,
  TelemetryRow,
  WriteResult,
} from './ingest-batch.handler';
export { classifyFailure } from './failure-taxonomy';
export type { FailureKind } from './failure-taxonomy';
export { IngestConsumer } from './ingest.consumer';
export type { IngestConsumerOptions } from './ingest.consumer';
export { REPLAYED_FROM_HEADER, replayDeadLetters, ReplayUsageError } from './replay-dead-letters.usecase';
export type { ReplayDeadLettersCommand, ReplayProgress, ReplayResult } from './replay-dead-letters.usecase';
