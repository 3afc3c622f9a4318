import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { dayAheadHorizon, intradayHorizon } from '../horizons';
import { parseMosmixKmz } from './mosmix';
import { mosmixVintages, parseWeatherCsv } from './weather-adapters';
import {
  type WeatherForecastVintage,
  nearestStation,
  weatherColumn,
  weatherColumnsAsOf,
  weatherKnownAt,
} from './weather-forecast';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2025-06-02T00:00:00Z');

/** A vintage issued at `issueMs` for 48 hourly steps, every value = `value`. */
function vintage(issueMs: number, value: number, hours = 48): WeatherForecastVintage {
  const first = Math.ceil(issueMs / HOUR) * HOUR;
  const targetsMs = Array.from({ length: hours }, (_, i) => first + i * HOUR);
  return {
    pointId: 'sim',
    source: 'simulator',
    issueTimeMs: issueMs,
    stepMs: HOUR,
    targetsMs,
    values: {
      temperatureC: new Float64Array(hours).fill(value),
      ghiWPerM2: new Float64Array(hours).fill(value),
    },
  };
}

describe('weatherColumnsAsOf: the vintage rule', () => {
  const h = dayAheadHorizon(600);
  const grid = { startMs: T0, stepMs: 900_000, length: 6 * 96 };
  const knownAt = (t: number) => weatherKnownAt(h, t);
  // a vintage every 6 hours; its value encodes its issue time
  const vintages = Array.from({ length: 7 * 4 }, (_, k) => vintage(T0 - DAY + k * 6 * HOUR, k));

  it('uses, for each target, the latest vintage issued at or before the forecast of that target', () => {
    const { columns, vintageMs } = weatherColumnsAsOf(vintages, grid, { knownAt });
    const col = columns[weatherColumn('temperatureC')];
    expect(col).toBeDefined();
    let checked = 0;
    for (let i = 0; i < grid.length; i++) {
      const t = grid.startMs + i * grid.stepMs;
      const known = knownAt(t);
      const expected = vintages
        .filter((v) => v.issueTimeMs <= known && v.targetsMs.some((x) => x <= t && t < x + HOUR))
        .at(-1);
      if (expected === undefined) {
        expect(Number.isNaN(vintageMs[i] ?? 0)).toBe(true);
        continue;
      }
      expect(vintageMs[i]).toBe(expected.issueTimeMs);
      expect(vintageMs[i]).toBeLessThanOrEqual(known);
      expect(col?.[i]).toBe(expected.values.temperatureC?.[0]);
      checked++;
    }
    expect(checked).toBeGreaterThan(4 * 96);
  });

  it('never lets a later vintage leak: changing or adding vintages issued after a target’s issue time changes nothing', () => {
    const base = weatherColumnsAsOf(vintages, grid, { knownAt });
    for (let i = 0; i < grid.length; i += 7) {
      const t = grid.startMs + i * grid.stepMs;
      const known = knownAt(t);
      // every vintage issued after `known` replaced by garbage, plus a perfect "observation" vintage
      const tampered = [
        ...vintages.map((v) => (v.issueTimeMs > known ? vintage(v.issueTimeMs, 9_999) : v)),
        vintage(known + 1, 7_777),
        vintage(t, 5_555),
      ];
      const after = weatherColumnsAsOf(tampered, grid, { knownAt });
      expect(after.vintageMs[i]).toEqual(base.vintageMs[i]);
      expect(after.columns[weatherColumn('ghiWPerM2')]?.[i]).toEqual(
        base.columns[weatherColumn('ghiWPerM2')]?.[i],
      );
    }
  });

  it('leaves targets without a recent enough vintage missing (the feed stopped), so the model falls back', () => {
    const stopped = vintages.filter((v) => v.issueTimeMs < T0 + 2 * DAY);
    const { columns } = weatherColumnsAsOf(stopped, grid, { knownAt, maxAgeMs: 12 * HOUR });
    const col = columns[weatherColumn('temperatureC')] ?? new Float64Array();
    const dayIndex = (d: number) => (d * DAY) / grid.stepMs;
    // targets of day 2 are issued on day 1 at 10:00 local: vintages exist → values
    expect(Number.isFinite(col[dayIndex(2) + 40] ?? Number.NaN)).toBe(true);
    // targets of day 4 are issued on day 3, > 12 h after the last vintage → NaN
    expect(Array.from(col.subarray(dayIndex(4), dayIndex(5))).every(Number.isNaN)).toBe(true);
  });

  it('intraday: a target uses weather known at its earliest origin (t − duration)', () => {
    const intraday = intradayHorizon(4 * HOUR);
    const t = T0 + DAY + 13 * HOUR;
    expect(weatherKnownAt(intraday, t)).toBe(t - 4 * HOUR);
    const { vintageMs } = weatherColumnsAsOf(
      vintages,
      { startMs: t, stepMs: 900_000, length: 1 },
      {
        knownAt: (x) => weatherKnownAt(intraday, x),
      },
    );
    expect(vintageMs[0]).toBe(T0 + DAY + 6 * HOUR);
  });
});

describe('weather CSV adapter', () => {
  it('reads vintages in the documented layout, empty cells missing, steps detected', () => {
    const csv = [
      'weather_point_id;issue_time;target_start;ghi_w_per_m2;temperature_c',
      'P1;2025-06-01T03:00:00Z;2025-06-01T04:00:00Z;12,5;14',
      'P1;2025-06-01T03:00:00Z;2025-06-01T05:00:00Z;;15',
      'P1;2025-06-01T09:00:00+02:00;2025-06-01T08:00:00Z;300;18',
    ].join('\n');
    const v = parseWeatherCsv(csv);
    expect(v).toHaveLength(2);
    expect(v[0]).toMatchObject({
      pointId: 'P1',
      source: 'csv',
      stepMs: HOUR,
      issueTimeMs: Date.parse('2025-06-01T03:00:00Z'),
    });
    expect(Array.from(v[0]?.values.ghiWPerM2 ?? [])).toEqual([12.5, Number.NaN]);
    expect(v[0]?.values.cloudCoverPct).toBeUndefined();
    expect(v[1]?.issueTimeMs).toBe(Date.parse('2025-06-01T07:00:00Z'));
  });

  it('rejects a bad file with WEATHER.BAD_CSV and the line', () => {
    expect(() =>
      parseWeatherCsv(
        'weather_point_id,issue_time,target_start\nP,2025-06-01T00:00:00Z,2025-06-01T01:00:00Z',
      ),
    ).toThrow(/WEATHER.BAD_CSV: no weather column/);
    expect(() =>
      parseWeatherCsv(
        'weather_point_id,issue_time,target_start,temperature_c\nP,2025-06-01T00:00:00,2025-06-01T01:00:00Z,3',
      ),
    ).toThrow(/line 2: issue_time and target_start must be ISO-8601/);
    expect(() =>
      parseWeatherCsv(
        'weather_point_id,issue_time,target_start,temperature_c\nP,2025-06-01T05:00:00Z,2025-06-01T01:00:00Z,3',
      ),
    ).toThrow(/ends before the issue time: not a forecast/);
    expect(() =>
      parseWeatherCsv(
        'weather_point_id,issue_time,target_start,temperature_c\nP,2025-06-01T00:00:00Z,2025-06-01T01:00:00Z,warm',
      ),
    ).toThrow(/line 2: temperature_c "warm" is not a number/);
  });
});

describe('MOSMIX adapter (real MOSMIX_L file of the DWD)', () => {
  function sampleFile(): string {
    const name = 'shared/data/dwd/MOSMIX_L_2023100809_5stations.kmz';
    for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    throw new Error(`${name} not found above ${__dirname}`);
  }

  it('gives one hourly vintage per station, steps ending at the valid times, units converted, gaps NaN', async () => {
    const f = await parseMosmixKmz(createReadStream(sampleFile()));
    const v = mosmixVintages(f);
    expect(v.map((x) => x.pointId)).toEqual(['L130', 'L299', 'L511', 'L678', 'L821']);
    const l299 = v[1];
    expect(l299?.issueTimeMs).toBe(Date.parse('2023-10-08T09:00:00Z'));
    expect(l299?.targetsMs[0]).toBe(Date.parse('2023-10-08T09:00:00Z')); // the hour ending 10:00
    expect(l299?.targetsMs).toHaveLength(247);
    expect(l299?.values.ghiWPerM2?.[0]).toBeCloseTo(125, 6);
    expect(l299?.values.temperatureC?.[0]).toBeCloseTo(11.8, 6);
    expect(Array.from(v[0]?.values.ghiWPerM2 ?? []).every(Number.isNaN)).toBe(true);
    // station mapping by config: the nearest station to Wiesbaden is L821
    expect(nearestStation(f.stations, 50.08, 8.24)?.station.id).toBe('L821');
  });
});
