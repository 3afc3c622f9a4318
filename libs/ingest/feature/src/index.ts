export { DEFAULT_INGEST_TOPICS, IngestBatchHandler } from './ingest-batch.handler';
export type {
  BatchOutcome,
  IngestTopics,
  DeadLetterSink,
  MeterReadingRow,
  ReadingSink,
  TelemetryRow,
  WriteResult,
} from './ingest-batch.handler';
export { IngestConsumer } from './ingest.consumer';
export type { IngestConsumerOptions } from './ingest.consumer';
