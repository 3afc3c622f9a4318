import { ReadingCopyBatch } from './reading-copy-batch';
import type { ReadingRow } from './types';

const reading = (n: number, start: string, over: Partial<ReadingRow> = {}): ReadingRow => ({
  meterPointId: `DE${String(n).padStart(31, '0')}`,
  intervalStart: start,
  intervalEnd: new Date(Date.parse(start) + 900_000).toISOString(),
  resolution: 'PT15M',
  importWh: 100 + n,
  exportWh: n % 3,
  registerImportWh: 1_000_000 + n,
  registerExportWh: 0,
  quality: 'measured',
  eventId: `ev-${n}`,
  ...over,
});

const text = (b: ReadingCopyBatch): string => Buffer.concat([...b.chunks()]).toString('utf8');

describe('ReadingCopyBatch', () => {
  it('holds the COPY text of meter_reading in the order added, and gives the rows back', () => {
    const rows = [reading(1, '2026-03-02T00:00:00.000Z'), reading(2, '2026-03-02T00:15:00Z')];
    const b = ReadingCopyBatch.of(rows);
    expect(b.length).toBe(2);
    expect(text(b)).toBe(
      `DE${'0'.repeat(30)}1\t2026-03-02T00:00:00.000Z\t2026-03-02T00:15:00.000Z\tPT15M\t101\t1\t1000001\t0\tmeasured\tev-1\n` +
        `DE${'0'.repeat(30)}2\t2026-03-02T00:15:00Z\t2026-03-02T00:30:00.000Z\tPT15M\t102\t2\t1000002\t0\tmeasured\tev-2\n`,
    );
    expect(b.rows()).toEqual(rows);
  });

  it('escapes the ids and writes Date instants as ISO strings', () => {
    const b = new ReadingCopyBatch(1);
    b.add(
      { ...reading(3, '2026-03-02T01:00:00Z'), intervalStart: new Date('2026-03-02T01:00:00Z') },
      'id\twith\\tab\nand newline',
    );
    expect(text(b)).toContain('\t2026-03-02T01:00:00.000Z\t');
    expect(text(b)).toContain('\tid\\twith\\\\tab\\nand newline\n');
    expect(b.rows()[0]?.eventId).toBe('id\twith\\tab\nand newline');
  });

  it('grows past its expected size and cuts chunks of about 1 MiB at line ends', () => {
    const b = new ReadingCopyBatch(1);
    const n = 30_000; // ~3.5 MiB of text
    for (let i = 0; i < n; i++) b.add(reading(i, '2026-03-02T00:00:00Z'), `ev-${i}`);
    const chunks = [...b.chunks()];
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(1 << 20);
      expect(c[c.length - 1]).toBe(0x0a);
    }
    expect(b.rows().map((r) => r.eventId)).toEqual(Array.from({ length: n }, (_, i) => `ev-${i}`));
  });

  it('slices [lo, hi) into a batch of its own for bisecting', () => {
    const rows = Array.from({ length: 7 }, (_, i) => reading(i, '2026-03-02T00:00:00Z'));
    const b = ReadingCopyBatch.of(rows);
    expect(b.slice(2, 5).rows()).toEqual(rows.slice(2, 5));
    expect(b.slice(0, 1).rows()).toEqual(rows.slice(0, 1));
    expect(b.slice(6, 7).slice(0, 1).rows()).toEqual(rows.slice(6, 7));
    expect(b.slice(3, 3).length).toBe(0);
    expect([...b.slice(3, 3).chunks()]).toEqual([]);
  });

  it('collects the distinct UTC hours and days of the interval starts', () => {
    const b = ReadingCopyBatch.of([
      reading(1, '2026-03-02T23:45:00Z'),
      reading(2, '2026-03-02T23:00:00.000Z'),
      reading(3, '2026-03-03T00:00:00Z'),
      reading(4, '2026-03-02T23:30:00Z'),
      { ...reading(5, '2026-03-04T10:15:00Z'), intervalStart: new Date('2026-03-04T10:15:00Z') },
    ]);
    expect(b.hours()).toEqual(['2026-03-02T23:00:00Z', '2026-03-03T00:00:00Z', '2026-03-04T10:00:00Z']);
    const day = (iso: string): number => Date.parse(iso) / 86_400_000;
    expect(b.days().sort()).toEqual([day('2026-03-02'), day('2026-03-03'), day('2026-03-04')]);
  });

  it('spans the whole UTC hours of its interval starts, for the rollup window of an import batch', () => {
    const b = ReadingCopyBatch.of([
      reading(1, '2026-03-02T23:45:00Z'),
      reading(2, '2026-03-02T21:15:00Z'),
      reading(3, '2026-03-03T00:30:00Z'),
    ]);
    expect(b.startHours()).toEqual({
      from: Date.parse('2026-03-02T21:00:00Z'),
      to: Date.parse('2026-03-03T01:00:00Z'),
    });
    expect(new ReadingCopyBatch().startHours()).toBeUndefined();
  });
});
