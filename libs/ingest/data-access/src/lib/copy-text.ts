/**
 * Encoding for PostgreSQL's COPY text format: tab-separated columns, one line per row, \N for NULL.
 * Backslash, tab, newline and carriage return are escaped; everything else is taken literally.
 */
export type CopyValue = string | number | bigint | boolean | Date | null | undefined;

const NEEDS_ESCAPE = /[\\\t\n\r]/;

export function copyTextValue(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') {
    return NEEDS_ESCAPE.test(v)
      ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
      : v;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`INGEST.NON_FINITE_NUMBER: cannot store ${v}`);
    return String(v);
  }
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export function copyTextLine(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    line += copyTextValue(values[i]);
  }
  return line + '\n';
}

/** Yields the COPY text of `rows` in chunks of `rowsPerChunk` lines (bounded memory, few stream writes). */
export function* copyTextChunks<T>(
  rows: readonly T[],
  toValues: (row: T) => readonly CopyValue[],
  rowsPerChunk = 2000,
): Generator<string> {
  for (let i = 0; i < rows.length; i += rowsPerChunk) {
    let chunk = '';
    const end = Math.min(rows.length, i + rowsPerChunk);
    for (let j = i; j < end; j++) chunk += copyTextLine(toValues(rows[j]));
    yield chunk;
  }
}
