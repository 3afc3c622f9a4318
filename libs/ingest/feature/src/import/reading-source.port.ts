import type { MeterReadingRow } from '../ingest-batch.handler';

/** Why a line of an import file was not stored: a stable code (as on the dead-letter topic) and a text. */
export interface RejectReason {
  code: string;
  message: string;
}

/** One line of an import file, decoded: a reading to validate-and-store, a reject, or nothing (header, blank). */
export type SourceRecord =
  | { kind: 'reading'; line: number; endByte: number; row: MeterReadingRow }
  | { kind: 'reject'; line: number; endByte: number; text: string; reason: RejectReason }
  | { kind: 'skip'; line: number; endByte: number };

export interface SourceReadOptions {
  /** Byte offset to resume at (a line start); 0 = the whole file. */
  fromByte: number;
  /** Number of the line at fromByte (1 at the start). */
  fromLine: number;
  /** Prefix of event ids the source derives for rows that carry none (CSV): unique per file. */
  eventIdPrefix: string;
}

/**
 * The import's reader port: a file format in, readings in file order out, in slices (bounded memory).
 * Contract validation belongs to the adapter (each format maps to the contract's data differently); the
 * ingest rules common to every source (retention, clock skew) are applied by the import use case.
 * Adapters: CSV (`csv-reading.source.ts`), CloudEvents NDJSON as the simulator and Kafka carry them
 * (`cloudevents-reading.source.ts`); MSCONS can follow as another adapter.
 */
export interface ReadingSourceReader {
  readonly format: string;
  /** Checks the file before anything is written (e.g. the CSV header); throws ImportFileError if unusable. */
  check(path: string): Promise<void>;
  read(path: string, options: SourceReadOptions): AsyncIterable<SourceRecord[]>;
}

/** The file cannot be imported at all (wrong header, unreadable); the message says why. */
export class ImportFileError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ImportFileError';
  }
}
