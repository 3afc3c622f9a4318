import { createTestDatabase, type TestDatabase } from '@gridwerk/shared/data-access-database';
import { type Pool } from 'pg';
import {
  type LoadSeries,
  type WeatherForecastVintage,
  dayAheadHorizon,
  weatherColumn,
} from '@gridwerk/forecast/domain';
import { createForecastPool, runForecastMigrations } from './forecast-db';
import { WeatherForecastRepository } from './weather-forecast.repository';
import { attachWeather, parseWeatherPoints, weatherPointOf } from './weather-inputs';

/** Vintages in real PostgreSQL: round trip, replays, and the vintage rule applied to what the table holds. */
let db: TestDatabase;
let pool: Pool;
let repo: WeatherForecastRepository;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2025-06-02T00:00:00Z');

function vintage(issueMs: number, value: number): WeatherForecastVintage {
  const targetsMs = Array.from({ length: 48 }, (_, i) => Math.ceil(issueMs / HOUR) * HOUR + i * HOUR);
  return {
    pointId: 'P1',
    source: 'csv',
    issueTimeMs: issueMs,
    stepMs: HOUR,
    targetsMs,
    values: {
      temperatureC: Float64Array.from(targetsMs, (_, i) => (i === 3 ? Number.NaN : value)),
      ghiWPerM2: new Float64Array(48).fill(value * 10),
    },
  };
}

beforeAll(async () => {
  db = await createTestDatabase('forecast_weather_repo');
  await runForecastMigrations(db.url);
  pool = createForecastPool(db.url);
  repo = new WeatherForecastRepository(pool);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('WeatherForecastRepository', () => {
  it('stores a vintage once, reads it back with its gaps, and leaves a replay as it was', async () => {
    const v = vintage(T0, 12);
    expect(await repo.save(v)).toBe(48);
    expect(await repo.save({ ...v, values: { temperatureC: new Float64Array(48).fill(99) } })).toBe(0);
    const [back] = await repo.vintages('P1', T0, T0 + 1);
    expect(back).toMatchObject({ pointId: 'P1', source: 'csv', issueTimeMs: T0, stepMs: HOUR });
    expect(back?.targetsMs).toEqual(v.targetsMs);
    expect(back?.values.temperatureC?.[0]).toBe(12);
    expect(Number.isNaN(back?.values.temperatureC?.[3] ?? 0)).toBe(true);
    expect(back?.values.cloudCoverPct).toBeUndefined();
    expect(await repo.latestIssue('P1')).toBe(T0);
  });

  it('refuses a vintage that is not a forecast (a step ending before its issue time) with WEATHER.BAD_FORECAST', async () => {
    const v = vintage(T0 + 6 * HOUR, 1);
    await expect(repo.save({ ...v, targetsMs: v.targetsMs.map((t) => t - 12 * HOUR) })).rejects.toMatchObject(
      {
        code: 'WEATHER.BAD_FORECAST',
      },
    );
  });

  it('attaches, per target, the vintage known at its day-ahead issue time, never a later one', async () => {
    for (let k = 1; k < 8; k++) await repo.save(vintage(T0 + k * 6 * HOUR, 12 + k));
    const series: LoadSeries = {
      name: 'x',
      startMs: T0 + DAY,
      stepMs: 900_000,
      values: new Float64Array(96).fill(1),
      exogenous: {},
    };
    const w = await attachWeather(repo, series, 'P1', dayAheadHorizon(600), {
      maxAgeMs: DAY,
      untilMs: T0 + 2 * DAY,
    });
    // Targets of 3 June (local; grid indices 0–87) are forecast on 2 June at 10:00 CEST = 08:00Z: the last
    // vintage known then is 06:00Z (k = 1, value 13), not those of 12:00Z, 18:00Z, 00:00Z that also cover
    // them. Targets of 4 June (from 3 June 22:00Z, indices 88–95) take the vintage of 3 June 06:00Z (k = 5).
    const col = Array.from(w.series.exogenous[weatherColumn('temperatureC')] ?? []);
    expect(new Set(col.slice(0, 88))).toEqual(new Set([13]));
    expect(new Set(col.slice(88, 96))).toEqual(new Set([17]));
    expect(w.columns.sort()).toEqual([weatherColumn('ghiWPerM2'), weatherColumn('temperatureC')]);
    expect(w.series.values).toHaveLength(96);
  });

  it('maps series to weather points by config', () => {
    const map = parseWeatherPoints('feeder:F-1=10469, *=sim-leipzig');
    expect(weatherPointOf(map, 'feeder:F-1')).toBe('10469');
    expect(weatherPointOf(map, 'grid')).toBe('sim-leipzig');
    expect(weatherPointOf(parseWeatherPoints(undefined), 'grid')).toBeUndefined();
    expect(() => parseWeatherPoints('feeder:F-1')).toThrow(/REQUEST.INVALID/);
  });
});
