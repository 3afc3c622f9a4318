import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  localDate,
  quarterHoursInLocalDay,
  startOfLocalDayUtc,
  QUARTER_HOUR_MS,
} from '@gridwerk/shared/util-calendar';
import {
  PROFILE_IDS,
  ProfileFormatError,
  annualProfileSum,
  builtInProfiles,
  dynamisationFactor,
  loadBdewProfiles,
  parseBdewProfileCsv,
  profileSlot,
  profileValue,
  quarterHourShare,
  LoadProfile,
} from './load-profiles';

const BDEW_DIR = path.resolve(__dirname, '../../../../..', 'shared/data/bdew');

function yearShareSum(profile: LoadProfile, year: number): { sum: number; quarters: number } {
  let sum = 0;
  let quarters = 0;
  const start = startOfLocalDayUtc(year, 1, 1);
  const end = startOfLocalDayUtc(year + 1, 1, 1);
  for (let t = start; t < end; t += QUARTER_HOUR_MS) {
    const l = localDate(t);
    sum += quarterHourShare(profile, l, quarterHoursInLocalDay(l.year, l.month, l.day));
    quarters++;
  }
  return { sum, quarters };
}

describe('BDEW load profiles', () => {
  it('finds the reference data', () => {
    expect(existsSync(path.join(BDEW_DIR, 'h25.csv'))).toBe(true);
  });

  const profiles = loadBdewProfiles(BDEW_DIR);

  it('parses all five files in their published layout', () => {
    expect(profileValue(profiles.H25, 1, 'SA', 0)).toBeCloseTo(22.152, 6);
    expect(profileValue(profiles.H25, 1, 'FT', 0)).toBeCloseTo(23.148, 6);
    expect(profileValue(profiles.H25, 1, 'WT', 0)).toBeCloseTo(20.126, 6);
    expect(profileValue(profiles.S25, 12, 'WT', 95)).toBeCloseTo(59.141, 6);
    for (const id of PROFILE_IDS) expect(profiles[id].source).toBe('bdew-file');
  });

  it('is normalised to about 1,000,000 kWh per year (computed, not assumed)', () => {
    for (const id of ['G25', 'L25'] as const) {
      const undynamised = annualProfileSum(profiles[id], 2026);
      expect(undynamised / 1e6).toBeGreaterThan(0.95);
      expect(undynamised / 1e6).toBeLessThan(1.05);
    }
  });

  it('gives quarter-hour shares that sum to exactly 1 over a calendar year, DST included', () => {
    for (const id of PROFILE_IDS) {
      const { sum, quarters } = yearShareSum(profiles[id], 2026);
      expect(quarters).toBe(365 * 96);
      expect(sum).toBeCloseTo(1, 9);
    }
  });

  it('applies the BDEW dynamisation (winter high, summer low)', () => {
    expect(dynamisationFactor(1)).toBeCloseTo(1.2421, 3);
    expect(dynamisationFactor(182)).toBeLessThan(0.85);
    const jan = localDate(Date.parse('2026-01-14T17:00:00Z'));
    const jul = localDate(Date.parse('2026-07-15T16:00:00Z'));
    expect(jan.minuteOfDay).toBe(jul.minuteOfDay);
    expect(quarterHourShare(profiles.H25, jan, 96)).toBeGreaterThan(quarterHourShare(profiles.H25, jul, 96));
  });

  it('maps DST days by the wall clock: skip 02:00-03:00 in spring, repeat it in autumn', () => {
    expect(Array.from({ length: 92 }, (_, q) => profileSlot(q, 92)).slice(6, 10)).toEqual([6, 7, 12, 13]);
    expect(Array.from({ length: 100 }, (_, q) => profileSlot(q, 100)).slice(10, 18)).toEqual([
      10, 11, 8, 9, 10, 11, 12, 13,
    ]);
    expect(profileSlot(99, 100)).toBe(95);
    expect(profileSlot(91, 92)).toBe(95);
    // equals floor(minuteOfDay / 15)
    for (const [y, m, d] of [
      [2026, 3, 29],
      [2026, 10, 25],
    ]) {
      const n = quarterHoursInLocalDay(y, m, d);
      const start = startOfLocalDayUtc(y, m, d);
      for (let q = 0; q < n; q++)
        expect(profileSlot(q, n)).toBe(Math.floor(localDate(start + q * QUARTER_HOUR_MS).minuteOfDay / 15));
    }
  });

  it('names the file and line of a bad value', () => {
    const text = readFileSync(path.join(BDEW_DIR, 'g25.csv'), 'utf8');
    const lines = text.split('\n');
    lines[10] = lines[10].replace(/,([0-9.]+),/, ',12,x3,');
    expect(() => parseBdewProfileCsv(lines.join('\n'), 'G25', 'g25.csv')).toThrow(ProfileFormatError);
    expect(() => parseBdewProfileCsv(lines.join('\n'), 'G25', 'g25.csv')).toThrow(
      /^g25\.csv:11: bad value 'x3'/,
    );

    const dir = mkdtempSync(path.join(tmpdir(), 'bdew-'));
    try {
      for (const id of PROFILE_IDS)
        writeFileSync(
          path.join(dir, `${id.toLowerCase()}.csv`),
          readFileSync(path.join(BDEW_DIR, `${id.toLowerCase()}.csv`)),
        );
      const broken = readFileSync(path.join(dir, 'l25.csv'), 'utf8').split('\n');
      broken[0] = broken[0].replace('Mai', 'Maj');
      writeFileSync(path.join(dir, 'l25.csv'), broken.join('\n'));
      let err: unknown;
      try {
        loadBdewProfiles(dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProfileFormatError);
      expect((err as ProfileFormatError).file).toBe(path.join(dir, 'l25.csv'));
      expect((err as ProfileFormatError).line).toBe(1);
      expect((err as ProfileFormatError).code).toBe('SIMULATOR.PROFILE_FORMAT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts a BOM, CRLF and the German ;-separated variant with decimal commas', () => {
    const text = readFileSync(path.join(BDEW_DIR, 'h25.csv'), 'utf8');
    const german = text
      .split(/\r?\n/)
      .map((l, i) => (i < 2 ? l.replace(/,/g, ';') : l.replace(/,/g, ';').replace(/\./g, ',')))
      .join('\r\n');
    const p = parseBdewProfileCsv(`\uFEFF${german}`, 'H25');
    expect(p.values).toEqual(profiles.H25.values);
  });
});

describe('built-in profiles', () => {
  const builtIn = builtInProfiles();

  it('work without a directory and are normalised like the files', () => {
    for (const id of PROFILE_IDS) {
      expect(builtIn[id].source).toBe('built-in');
      const { sum } = yearShareSum(builtIn[id], 2026);
      expect(sum).toBeCloseTo(1, 9);
    }
    const g = annualProfileSum(builtIn.G25, 2026);
    expect(g / 1e6).toBeGreaterThan(0.9);
    expect(g / 1e6).toBeLessThan(1.1);
  });

  it('have the qualitative shapes: household evening peak, commerce daytime plateau, PV midday dip', () => {
    const at = (p: LoadProfile, month: number, dt: 'WT' | 'SA' | 'FT', hour: number): number =>
      profileValue(p, month, dt, hour * 4);
    expect(at(builtIn.H25, 1, 'WT', 18.5)).toBeGreaterThan(1.5 * at(builtIn.H25, 1, 'WT', 10.5));
    expect(at(builtIn.H25, 1, 'WT', 18.5)).toBeGreaterThan(2 * at(builtIn.H25, 1, 'WT', 3));
    expect(at(builtIn.G25, 1, 'WT', 11)).toBeGreaterThan(2.5 * at(builtIn.G25, 1, 'WT', 22));
    expect(at(builtIn.G25, 1, 'WT', 11)).toBeGreaterThan(2 * at(builtIn.G25, 1, 'FT', 11));
    expect(at(builtIn.P25, 6, 'WT', 13)).toBeLessThan(0.5 * at(builtIn.H25, 6, 'WT', 13));
    expect(at(builtIn.S25, 6, 'WT', 22)).toBeLessThan(0.3 * at(builtIn.H25, 6, 'WT', 22));
  });
});
