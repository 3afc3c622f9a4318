import { copyTextValue } from './copy-text';
import type { ReadingRow } from './types';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** A chunk handed to the COPY stream is cut at a line end once it holds this many bytes. */
const CHUNK_BYTES = 1 << 20;

const iso = (v: string | Date): string => (typeof v === 'string' ? v : v.toISOString());

/**
 * A batch of readings held as their COPY text (meter_reading's columns, see COPY_READING_DIRECT), encoded
 * as each reading is accepted. The hot path keeps no object per reading while the batch waits for the
 * database: a parsed event becomes garbage at once, and young-generation collections find almost nothing
 * alive to copy (holding the parsed events of a 10,000-reading batch through its COPY promoted them all;
 * measured: about a third less CPU per reading in the consumer thread).
 *
 * Fields whose contract rules out tabs, newlines and backslashes (validated ids, instants, enums,
 * integers) are written as they are; the meter point and event ids are escaped. Lines are in the order
 * added, i.e. Kafka offset order: the arrival order of versions. It also collects the distinct UTC hours
 * (rollup invalidation) and days (partitions) of the readings' interval starts.
 */
export class ReadingCopyBatch {
  private buf: Buffer;
  private at = 0;
  /** ends[i]: the byte offset just after line i. */
  private ends: Uint32Array;
  private count = 0;
  private hourSet: Set<string>;
  private daySet: Set<number>;
  private hourPrefix = '';
  private dayPrefix = '';

  constructor(expectedRows = 1024) {
    // a reading's line takes about 170 bytes; the buffer doubles when that is not enough
    this.buf = Buffer.allocUnsafe(Math.max(1, expectedRows) * 192);
    this.ends = new Uint32Array(Math.max(1, expectedRows));
    this.hourSet = new Set();
    this.daySet = new Set();
  }

  /** A batch of the given rows (the import path, tests and tools hand the writer arrays). */
  static of(rows: readonly ReadingRow[]): ReadingCopyBatch {
    const b = new ReadingCopyBatch(rows.length);
    for (const r of rows) b.add(r, r.eventId);
    return b;
  }

  /** Readings in the batch. */
  get length(): number {
    return this.count;
  }

  /** Appends one reading (the contract's data) with its event id. */
  add(r: Omit<ReadingRow, 'eventId'>, eventId: string): void {
    const start = iso(r.intervalStart);
    const line = `${copyTextValue(r.meterPointId)}\t${start}\t${iso(r.intervalEnd)}\t${r.resolution}\t${r.importWh}\t${r.exportWh}\t${r.registerImportWh}\t${r.registerExportWh}\t${r.quality}\t${copyTextValue(eventId)}\n`;
    // a line's UTF-8 takes at most 3 bytes per UTF-16 unit
    if (this.at + line.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + line.length * 3));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    this.at += this.buf.write(line, this.at, 'utf8');
    if (this.count === this.ends.length) {
      const bigger = new Uint32Array(this.ends.length * 2);
      bigger.set(this.ends);
      this.ends = bigger;
    }
    this.ends[this.count++] = this.at;
    this.note(start);
  }

  /**
   * Readings [lo, hi) as a batch of their own, sharing this one's bytes (bisecting a batch the database
   * refused). Its hours and days are this batch's: a superset, which costs at most a recomputed hour.
   */
  slice(lo: number, hi: number): ReadingCopyBatch {
    const from = Math.max(0, Math.min(lo, this.count));
    const to = Math.max(from, Math.min(hi, this.count));
    const base = from === 0 ? 0 : (this.ends[from - 1] ?? 0);
    const s = Object.create(ReadingCopyBatch.prototype) as ReadingCopyBatch;
    const end = to === 0 ? 0 : (this.ends[to - 1] ?? 0);
    s.buf = this.buf.subarray(base, end);
    s.at = end - base;
    s.ends = this.ends.slice(from, to).map((e) => e - base);
    s.count = to - from;
    s.hourSet = this.hourSet;
    s.daySet = this.daySet;
    s.hourPrefix = '';
    s.dayPrefix = '';
    return s;
  }

  /** The COPY text, in chunks of about 1 MiB cut at line ends (views of the batch's bytes, no copy). */
  *chunks(): Generator<Buffer> {
    let from = 0;
    let line = 0;
    while (from < this.at) {
      let to = from;
      while (line < this.count && (this.ends[line] ?? 0) - from <= CHUNK_BYTES) to = this.ends[line++] ?? to;
      if (to === from) to = this.ends[line++] ?? this.at; // one line longer than a chunk
      yield this.buf.subarray(from, to);
      from = to;
    }
  }

  /** Distinct UTC hours (ISO strings, sorted) of the interval starts. */
  hours(): string[] {
    return [...this.hourSet].sort();
  }

  /**
   * The whole UTC hours the interval starts fall in, as [earliest hour, latest hour + 1 h) in epoch ms:
   * every rollup bucket of the batch lies inside (buckets go by interval start). Undefined when empty.
   */
  startHours(): { from: number; to: number } | undefined {
    let from = Infinity;
    let to = -Infinity;
    for (const h of this.hourSet) {
      const ms = Date.parse(h);
      if (ms < from) from = ms;
      if (ms + HOUR_MS > to) to = ms + HOUR_MS;
    }
    return from < to ? { from, to } : undefined;
  }

  /** Distinct UTC day numbers (days since the epoch) of the interval starts. */
  days(): number[] {
    return [...this.daySet];
  }

  /** The rows back from their text: for tests and diagnostics, not the hot path. */
  rows(): ReadingRow[] {
    const text = this.buf.subarray(0, this.at).toString('utf8');
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const f = l.split('\t').map(unescapeCopy);
        return {
          meterPointId: f[0] ?? '',
          intervalStart: f[1] ?? '',
          intervalEnd: f[2] ?? '',
          resolution: f[3] as ReadingRow['resolution'],
          importWh: Number(f[4]),
          exportWh: Number(f[5]),
          registerImportWh: Number(f[6]),
          registerExportWh: Number(f[7]),
          quality: f[8] as ReadingRow['quality'],
          eventId: f[9] ?? '',
        };
      });
  }

  /**
   * Validated instants end in Z, so 'YYYY-MM-DDTHH' names the UTC hour without parsing a date per row;
   * readings arrive in runs of one interval, so most only compare their prefix with the previous one.
   */
  private note(start: string): void {
    if (start.endsWith('Z') && start.length >= 13) {
      if (this.hourPrefix === '' || !start.startsWith(this.hourPrefix)) {
        this.hourPrefix = start.slice(0, 13);
        this.hourSet.add(`${this.hourPrefix}:00:00Z`);
      }
      if (this.dayPrefix === '' || !start.startsWith(this.dayPrefix)) {
        this.dayPrefix = start.slice(0, 10);
        this.daySet.add(
          Math.floor(
            Date.UTC(Number(start.slice(0, 4)), Number(start.slice(5, 7)) - 1, Number(start.slice(8, 10))) /
              DAY_MS,
          ),
        );
      }
      return;
    }
    this.hourPrefix = '';
    this.dayPrefix = '';
    const ms = new Date(start).getTime();
    this.hourSet.add(new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString());
    this.daySet.add(Math.floor(ms / DAY_MS));
  }
}

function unescapeCopy(v: string): string {
  return v.includes('\\')
    ? v.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c))
    : v;
}
