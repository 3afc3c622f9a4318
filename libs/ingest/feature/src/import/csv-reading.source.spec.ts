import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CSV_HEADER, CsvReadingSource, parseCsvReading } from './csv-reading.source';
import { fileLines } from './file-lines';
import type { SourceRecord } from './reading-source.port';

const METER = `DE${'0'.repeat(30)}7`;
const LINE = `${METER},2026-03-01T00:00:00Z,2026-03-01T00:15:00Z,PT15M,120,0,1000120,0,measured`;

describe('parseCsvReading', () => {
  it('maps a line of the documented layout to the contract data', () => {
    expect(parseCsvReading(LINE, 'f:2')).toEqual({
      ok: true,
      row: {
        meterPointId: METER,
        intervalStart: '2026-03-01T00:00:00Z',
        intervalEnd: '2026-03-01T00:15:00Z',
        resolution: 'PT15M',
        importWh: 120,
        exportWh: 0,
        registerImportWh: 1000120,
        registerExportWh: 0,
        quality: 'measured',
        eventId: 'f:2',
      },
    });
  });

  it('rejects what the live path dead-letters, with the contract reason, and layout errors with their own', () => {
    expect(parseCsvReading(LINE.replace(',120,', ',12.5,'), 'x')).toMatchObject({
      ok: false,
      code: 'CONTRACT.INVALID',
      message: expect.stringMatching(/importWh/),
    });
    expect(parseCsvReading(LINE.replace('00:15:00Z', '00:00:00Z'), 'x')).toMatchObject({ ok: false });
    expect(parseCsvReading(LINE.replace('measured', 'guessed'), 'x')).toMatchObject({ ok: false });
    expect(parseCsvReading(`${LINE},extra`, 'x')).toMatchObject({ ok: false, code: 'CSV.FIELD_COUNT' });
    expect(parseCsvReading(`"${METER}"${LINE.slice(METER.length)}`, 'x')).toMatchObject({
      ok: false,
      code: 'CSV.QUOTED_FIELD',
    });
  });
});

describe('CsvReadingSource and fileLines', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridwerk-csv-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads lines with their end offsets in small chunks (CRLF too), and resumes at an offset', async () => {
    const file = path.join(dir, 'a.csv');
    fs.writeFileSync(
      file,
      `${CSV_HEADER}\r\n${LINE}\r\n\r\nbad\r\n${LINE.replace('120,0,1000120', '7,0,1000127')}`,
    );
    const lines = [];
    for await (const slice of fileLines(file, 0, 1, 16)) lines.push(...slice);
    expect(lines.map((l) => l.text)).toEqual([CSV_HEADER, LINE, '', 'bad', expect.stringContaining(',7,0,')]);
    expect(lines[lines.length - 1]?.endByte).toBe(fs.statSync(file).size);
    const third = lines[1]?.endByte ?? 0;
    const resumed = [];
    for await (const slice of fileLines(file, third, 3, 7)) resumed.push(...slice);
    expect(resumed.map((l) => [l.line, l.text])).toEqual(lines.slice(2).map((l) => [l.line, l.text]));

    const source = new CsvReadingSource();
    await source.check(file);
    const records: SourceRecord[] = [];
    for await (const slice of source.read(file, { fromByte: 0, fromLine: 1, eventIdPrefix: 'p' }))
      records.push(...slice);
    expect(records.map((r) => r.kind)).toEqual(['skip', 'reading', 'skip', 'reject', 'reading']);
    expect(records[4]).toMatchObject({ kind: 'reading', row: { eventId: 'p:5', importWh: 7 } });
  });

  it('refuses a file whose first line is not the header', async () => {
    const file = path.join(dir, 'b.csv');
    fs.writeFileSync(file, `${LINE}\n`);
    await expect(new CsvReadingSource().check(file)).rejects.toThrow(/IMPORT.CSV_HEADER/);
  });
});
