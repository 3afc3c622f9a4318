import { HOUR_MS } from '@gridwerk/shared/util-calendar';
import { CityWeather } from './pv';
import { observedWeather, simulatedWeatherForecast, weatherIssueTimes } from './weather-forecast';

const ISSUE = Date.parse('2025-06-01T06:00:00Z');

describe('simulated weather forecasts', () => {
  const weather = new CityWeather(7);

  it('are deterministic per seed and issue time, and differ between vintages', () => {
    const a = simulatedWeatherForecast(weather, ISSUE);
    expect(simulatedWeatherForecast(new CityWeather(7), ISSUE)).toEqual(a);
    expect(a.steps).toHaveLength(48);
    expect(a.steps[0]?.targetStartMs).toBe(ISSUE);
    const b = simulatedWeatherForecast(weather, ISSUE - 6 * HOUR_MS);
    const same = b.steps.find((s) => s.targetStartMs === ISSUE + 12 * HOUR_MS);
    expect(same?.ghiWPerM2).not.toBe(a.steps[12]?.ghiWPerM2);
  });

  it('have an error that grows with the lead time', () => {
    // over many issue times, the mean absolute error of day 2 exceeds that of the first hours
    const err = { near: 0, far: 0, n: 0 };
    for (const issue of weatherIssueTimes(ISSUE, ISSUE + 60 * 24 * HOUR_MS, 24)) {
      const f = simulatedWeatherForecast(weather, issue);
      for (const [i, s] of f.steps.entries()) {
        const e = Math.abs(s.temperatureC - observedWeather(weather, s.targetStartMs).temperatureC);
        if (i < 6) err.near += e;
        if (i >= 42) err.far += e;
      }
      err.n++;
    }
    expect(err.far / err.n).toBeGreaterThan(2 * (err.near / err.n));
  });

  it('are never negative in irradiance, have no sun at night, and keep cloud cover in 0–100 %', () => {
    const f = simulatedWeatherForecast(weather, ISSUE);
    for (const s of f.steps) {
      expect(s.ghiWPerM2).toBeGreaterThanOrEqual(0);
      expect(s.cloudCoverPct).toBeGreaterThanOrEqual(0);
      expect(s.cloudCoverPct).toBeLessThanOrEqual(100);
    }
    const midnight = f.steps.find((s) => new Date(s.targetStartMs).getUTCHours() === 23);
    expect(midnight?.ghiWPerM2).toBe(0);
  });

  it('are issued every 6 h at 00, 06, 12, 18 UTC', () => {
    expect(
      weatherIssueTimes(ISSUE - HOUR_MS, ISSUE + 13 * HOUR_MS).map((t) => new Date(t).toISOString()),
    ).toEqual(['2025-06-01T06:00:00.000Z', '2025-06-01T12:00:00.000Z', '2025-06-01T18:00:00.000Z']);
  });
});
