import { startOfLocalDayUtc, QUARTER_HOUR_MS } from '@gridwerk/shared/util-calendar';
import { CityWeather, ambientTemperatureC, clearSkyGhi, pvYieldWhPerWp, solarPosition } from './pv';

describe('PV model', () => {
  it('computes the solar position for Leipzig', () => {
    // summer solstice around solar noon (~11:10 UTC at 12.37° E): elevation 90 - 51.34 + 23.44 ≈ 62.1°
    let best = -90;
    for (let m = 0; m < 180; m++)
      best = Math.max(best, solarPosition(Date.parse('2026-06-21T10:00:00Z') + m * 60_000).elevationDeg);
    expect(best).toBeGreaterThan(61.5);
    expect(best).toBeLessThan(62.6);
    const noonWinter = solarPosition(Date.parse('2026-12-21T11:10:00Z'));
    expect(noonWinter.elevationDeg).toBeGreaterThan(14.6);
    expect(noonWinter.elevationDeg).toBeLessThan(15.8);
    expect(noonWinter.azimuthDeg).toBeGreaterThan(170);
    expect(noonWinter.azimuthDeg).toBeLessThan(190);
    expect(solarPosition(Date.parse('2026-06-21T23:00:00Z')).cosZenith).toBeLessThan(0);
    // equation of time peaks around +16 min in early November
    expect(solarPosition(Date.parse('2026-11-03T12:00:00Z')).equationOfTimeMin).toBeCloseTo(16.4, 0);
  });

  it('gives clear-sky GHI of the right magnitude', () => {
    expect(clearSkyGhi(Math.sin((62 * Math.PI) / 180))).toBeGreaterThan(850);
    expect(clearSkyGhi(Math.sin((62 * Math.PI) / 180))).toBeLessThan(950);
    expect(clearSkyGhi(-0.1)).toBe(0);
  });

  it('yields a plausible annual specific yield for Leipzig (800-1100 kWh/kWp)', () => {
    const w = new CityWeather('leipzig');
    const start = startOfLocalDayUtc(2026, 1, 1);
    let wh = 0;
    for (let q = 0; q < 365 * 96; q++) wh += pvYieldWhPerWp(w, start + q * QUARTER_HOUR_MS, 15);
    expect(wh).toBeGreaterThan(800);
    expect(wh).toBeLessThan(1100);
  });

  it('has a deterministic, start-independent city weather', () => {
    const a = new CityWeather(5);
    const b = new CityWeather(5);
    const t = Date.parse('2026-06-14T11:00:00Z');
    b.stateOfDay(Date.parse('2030-01-01T12:00:00Z')); // b is asked in another order
    expect(a.stateOfDay(t)).toBe(b.stateOfDay(t));
    expect(a.clearSkyIndex(t)).toBe(b.clearSkyIndex(t));
    const states = new Set<string>();
    for (let d = 0; d < 60; d++) states.add(a.stateOfDay(t + d * 86_400_000));
    expect(states.size).toBe(3);
  });

  it('models a Leipzig climate', () => {
    expect(ambientTemperatureC(Date.parse('2026-01-15T06:00:00Z'))).toBeLessThan(3);
    expect(ambientTemperatureC(Date.parse('2026-07-15T13:00:00Z'))).toBeGreaterThan(20);
  });
});
