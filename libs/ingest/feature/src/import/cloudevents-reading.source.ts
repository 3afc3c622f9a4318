import { deadLetterReasonFor, EventTypes, parseEvent } from '@gridwerk/contracts';
import type { MeterReadingRow } from '../ingest-batch.handler';
import { fileLines } from './file-lines';
import type { ReadingSourceReader, SourceReadOptions, SourceRecord } from './reading-source.port';

/**
 * CloudEvents adapter of the import's reader port: one `de.gridwerk.meter.reading.v1` event per line
 * (NDJSON), exactly the message values the simulator publishes and ingest consumes. Parsed and validated
 * by the contracts' parseEvent like a Kafka message (envelope, data, semantics, the subject naming the
 * meter point). The event id is kept, so an event already ingested live is a duplicate.
 */
export class CloudEventsReadingSource implements ReadingSourceReader {
  readonly format = 'cloudevents';

  constructor(private readonly maxLineBytes = 64 * 1024) {}

  check(): Promise<void> {
    return Promise.resolve();
  }

  async *read(path: string, o: SourceReadOptions): AsyncIterable<SourceRecord[]> {
    for await (const lines of fileLines(path, o.fromByte, o.fromLine)) {
      const out: SourceRecord[] = [];
      for (const { line, text, endByte } of lines) {
        if (text.trim() === '') {
          out.push({ kind: 'skip', line, endByte });
          continue;
        }
        const bytes = Buffer.byteLength(text);
        if (bytes > this.maxLineBytes) {
          out.push({
            kind: 'reject',
            line,
            endByte,
            text,
            reason: {
              code: 'MESSAGE.TOO_LARGE',
              message: `the line has ${bytes} bytes; at most ${this.maxLineBytes} are accepted`,
            },
          });
          continue;
        }
        const parsed = parseEvent(text, EventTypes.meterReading);
        if (!parsed.ok) {
          const reason = deadLetterReasonFor(parsed.problems);
          out.push({
            kind: 'reject',
            line,
            endByte,
            text,
            reason: { code: reason.code, message: reason.message },
          });
          continue;
        }
        const row = parsed.value.data as MeterReadingRow;
        row.eventId = parsed.value.id;
        out.push({ kind: 'reading', line, endByte, row });
      }
      yield out;
    }
  }
}
