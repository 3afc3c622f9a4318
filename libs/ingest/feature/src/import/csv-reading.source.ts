import { deadLetterReasonFor, EventTypes, validateEventData } from '@gridwerk/contracts';
import type { MeterReadingRow } from '../ingest-batch.handler';
import { fileLines, firstLineOf } from './file-lines';
import {
  ImportFileError,
  type ReadingSourceReader,
  type SourceReadOptions,
  type SourceRecord,
} from './reading-source.port';

/** The documented CSV layout: this header, then one reading per line (root README, "Importing history"). */
export const CSV_COLUMNS = [
  'meter_point_id',
  'interval_start',
  'interval_end',
  'resolution',
  'import_wh',
  'export_wh',
  'register_import_wh',
  'register_export_wh',
  'quality',
] as const;
export const CSV_HEADER = CSV_COLUMNS.join(',');

const INTEGER = /^-?[0-9]+$/;

/** Reject codes of the CSV adapter (contract problems keep the contract's codes). */
export const CsvRejectCodes = {
  fieldCount: 'CSV.FIELD_COUNT',
  quoted: 'CSV.QUOTED_FIELD',
} as const;

/**
 * One CSV line -> a reading validated against the contract (`de.gridwerk.meter.reading.v1` data), or a
 * reject with the reason the live path would dead-letter it with. Integers are converted only when they
 * are integers, so that "12.5" or "" is reported by the contract ("must be integer"), not coerced.
 */
export function parseCsvReading(
  text: string,
  eventId: string,
): { ok: true; row: MeterReadingRow } | { ok: false; code: string; message: string } {
  if (text.includes('"'))
    return { ok: false, code: CsvRejectCodes.quoted, message: 'quoted fields are not part of the layout' };
  const f = text.split(',');
  if (f.length !== CSV_COLUMNS.length)
    return {
      ok: false,
      code: CsvRejectCodes.fieldCount,
      message: `expected ${CSV_COLUMNS.length} fields (${CSV_HEADER}), got ${f.length}`,
    };
  const int = (s: string | undefined): string | number =>
    s !== undefined && INTEGER.test(s) ? Number(s) : (s ?? '');
  const data = {
    meterPointId: f[0],
    intervalStart: f[1],
    intervalEnd: f[2],
    resolution: f[3],
    importWh: int(f[4]),
    exportWh: int(f[5]),
    registerImportWh: int(f[6]),
    registerExportWh: int(f[7]),
    quality: f[8],
  };
  const v = validateEventData(EventTypes.meterReading, data);
  if (!v.ok) {
    const reason = deadLetterReasonFor(v.problems);
    return { ok: false, code: reason.code, message: reason.message };
  }
  return { ok: true, row: { ...v.value, eventId } };
}

/**
 * CSV adapter of the import's reader port: header line required and checked; each data line's event id
 * is `<eventIdPrefix>:<line number>`, so a re-import of the same file repeats ids (duplicates, stored once).
 */
export class CsvReadingSource implements ReadingSourceReader {
  readonly format = 'csv';

  async check(path: string): Promise<void> {
    const header = (await firstLineOf(path)).replace(/^\uFEFF/, '').trim();
    if (header !== CSV_HEADER)
      throw new ImportFileError(
        'IMPORT.CSV_HEADER',
        `the first line must be the header "${CSV_HEADER}", found "${header.slice(0, 200)}"`,
      );
  }

  async *read(path: string, o: SourceReadOptions): AsyncIterable<SourceRecord[]> {
    for await (const lines of fileLines(path, o.fromByte, o.fromLine)) {
      const out: SourceRecord[] = [];
      for (const { line, text, endByte } of lines) {
        if (line === 1 || text.trim() === '') {
          out.push({ kind: 'skip', line, endByte });
          continue;
        }
        const r = parseCsvReading(text, `${o.eventIdPrefix}:${line}`);
        out.push(
          r.ok
            ? { kind: 'reading', line, endByte, row: r.row }
            : { kind: 'reject', line, endByte, text, reason: { code: r.code, message: r.message } },
        );
      }
      yield out;
    }
  }
}
