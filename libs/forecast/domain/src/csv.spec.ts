import { detectStep, parseCsvSeries, parseFeatureSelection, parseIsoTimestamp } from './csv';
import { ForecastError } from './errors';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ForecastError) return e.code;
    throw e;
  }
  return undefined;
}

describe('parseCsvSeries', () => {
  it('parses semicolons, quoted fields, decimal commas, duplicates and gaps', () => {
    const text = [
      'Zeit;"Last; kW";temp;note',
      '2024-03-31T00:00:00+01:00;"1,5";3,0;a',
      '2024-03-31T00:15:00+01:00;2,5;3,1;"b ""q"""',
      '2024-03-31T00:15:00+01:00;3,5;3,1;c',
      '2024-03-30T23:45:00Z;;3,2;d',
      '2024-03-31T00:00:00Z;-4;3,3;e',
    ].join('\r\n');
    const r = parseCsvSeries(text, { target: 'Last; kW', features: { kind: 'all' } });
    expect(r.separator).toBe(';');
    expect(r.timeColumn).toBe('Zeit');
    expect(r.features).toEqual(['temp']);
    expect(r.skippedColumns).toEqual(['note']);
    expect(r.series.stepMs).toBe(15 * 60_000);
    expect(r.series.startMs).toBe(Date.UTC(2024, 2, 30, 23, 0));
    expect(Array.from(r.series.values)).toEqual([1.5, 3, Number.NaN, Number.NaN, -4]);
    expect(r.report.duplicates).toBe(1);
    expect(r.report.gaps).toBe(2);
  });

  it('reports unknown columns, non-numeric targets and naive timestamps with codes and rows', () => {
    const ok = 'time,load\n2024-01-01T00:00:00Z,1\n2024-01-01T01:00:00Z,2\n';
    expect(codeOf(() => parseCsvSeries(ok, { target: 'power' }))).toBe('CSV.UNKNOWN_COLUMN');
    expect(
      codeOf(() => parseCsvSeries(ok, { target: 'load', features: { kind: 'list', columns: ['x'] } })),
    ).toBe('CSV.UNKNOWN_COLUMN');
    expect(() =>
      parseCsvSeries('time,load\n2024-01-01T00:00:00Z,1\n2024-01-01T01:00:00Z,abc\n', { target: 'load' }),
    ).toThrow(/row 3/);
    expect(
      codeOf(() =>
        parseCsvSeries('time,load\n2024-01-01T00:00:00Z,1\n2024-01-01T01:00:00Z,abc\n', { target: 'load' }),
      ),
    ).toBe('CSV.NON_NUMERIC_TARGET');
    expect(codeOf(() => parseCsvSeries('time,load\n2024-01-01 00:00,1\n', { target: 'load' }))).toBe(
      'CSV.BAD_TIMESTAMP',
    );
    expect(parseCsvSeries(ok, { target: 'load' }).series.stepMs).toBe(3_600_000);
  });

  it('parses ISO timestamps with offsets and rejects naive ones', () => {
    expect(parseIsoTimestamp('2024-10-27T02:30:00+02:00')).toBe(Date.UTC(2024, 9, 27, 0, 30));
    expect(parseIsoTimestamp('2024-10-27T02:30:00+01:00')).toBe(Date.UTC(2024, 9, 27, 1, 30));
    expect(parseIsoTimestamp('2024-10-27 02:30+0100')).toBe(Date.UTC(2024, 9, 27, 1, 30));
    expect(parseIsoTimestamp('2024-10-27T02:30:00.500Z')).toBe(Date.UTC(2024, 9, 27, 2, 30, 0, 500));
    expect(parseIsoTimestamp('2024-10-27T02:30:00')).toBeUndefined();
    expect(parseIsoTimestamp('2024-02-30T00:00Z')).toBeUndefined();
  });

  it('detects the step from the median difference and rejects other steps', () => {
    const h = 3_600_000;
    expect(detectStep([0, h, 2 * h, 5 * h, 6 * h])).toBe(h);
    expect(codeOf(() => detectStep([0, 5 * 60_000, 10 * 60_000]))).toBe('CSV.UNSUPPORTED_STEP');
  });

  it('parses feature selections', () => {
    expect(parseFeatureSelection('all')).toEqual({ kind: 'all' });
    expect(parseFeatureSelection('none')).toEqual({ kind: 'none' });
    expect(parseFeatureSelection('a, b')).toEqual({ kind: 'list', columns: ['a', 'b'] });
  });
});
