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
export { fingerprintFile, IMPORT_FORMATS, importReadings, readerFor } from './import/import-readings.usecase';
export type {
  ImportFormat,
  ImportProgress,
  ImportReadingsCommand,
  ImportResult,
} from './import/import-readings.usecase';
export { CSV_COLUMNS, CSV_HEADER, CsvReadingSource, parseCsvReading } from './import/csv-reading.source';
export { CloudEventsReadingSource } from './import/cloudevents-reading.source';
export { fileLines } from './import/file-lines';
export { ImportFileError } from './import/reading-source.port';
export type {
  ReadingSourceReader,
  RejectReason,
  SourceReadOptions,
  SourceRecord,
} from './import/reading-source.port';
