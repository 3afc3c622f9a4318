import { DAY_MS } from '@gridwerk/shared/util-calendar';
import {
  buildFeatureRow,
  featureNames,
  fitScaler,
  applyScaler,
  imputedKnownValue,
  mostRecentKnownDayLag,
} from './features';
import { dayAheadHorizon, horizonTargets, intradayHorizon } from './horizons';
import { sameLocalTimeDaysBefore } from './local-time';
import { type LoadSeries, STEP_15_MIN_MS, indexOf } from './series';
import { syntheticFeederLoad } from './testing/synthetic-load';

const Q = STEP_15_MIN_MS;

function withGarbageAfter(series: LoadSeries, originMs: number): LoadSeries {
  const values = Float64Array.from(series.values, (v, i) =>
    series.startMs + (i + 1) * Q > originMs ? 1e9 * (i % 7) - 5e8 : v,
  );
  return { ...series, values };
}

describe('features', () => {
  const series = syntheticFeederLoad({ startIso: '2024-03-01T00:00:00+01:00', days: 40, seed: 3 });
  const h = dayAheadHorizon();
  const origin = Date.UTC(2024, 3, 2, 8); // 2 Apr 10:00 CEST, delivery day 3 Apr
  const cfg = { horizon: h, exogenous: ['temperature'] };

  it('uses t−1d only when its interval has ended by the origin, else t−2d', () => {
    const targets = horizonTargets(h, origin, Q);
    const lags = targets.map((t) => mostRecentKnownDayLag(series, origin, t));
    // 00:00..09:45 local: t−1d ended by 10:00 the day before; 10:00 onwards: t−1d is after the origin.
    expect(lags.slice(0, 40).every((d) => d === 1)).toBe(true);
    expect(lags.slice(40).every((d) => d === 2)).toBe(true);
    const intraday = intradayHorizon();
    expect(
      horizonTargets(intraday, origin, Q).every((t) => mostRecentKnownDayLag(series, origin, t) === 1),
    ).toBe(true);
  });

  it('lags are whole local days across DST (23 h before on the day after spring forward)', () => {
    const t = Date.UTC(2024, 3, 1, 10); // 1 Apr 12:00 CEST
    expect(t - sameLocalTimeDaysBefore(t, 1)).toBe(DAY_MS);
    const afterSwitch = Date.UTC(2024, 2, 31, 10); // 31 Mar 12:00 CEST
    expect(afterSwitch - sameLocalTimeDaysBefore(afterSwitch, 1)).toBe(23 * 3_600_000);
  });

  it('NEVER looks past the origin: garbage after the origin leaves every feature unchanged', () => {
    const corrupted = withGarbageAfter(series, origin);
    for (const horizon of [h, intradayHorizon()]) {
      const c = { horizon, exogenous: ['temperature'] };
      for (const t of horizonTargets(horizon, origin, Q)) {
        const clean = buildFeatureRow(series, origin, t, c);
        const dirty = buildFeatureRow(corrupted, origin, t, c);
        expect(clean).toBeDefined();
        expect(dirty).toEqual(clean);
      }
    }
  });

  it('has one value per feature name and calendar flags for Saxon holidays', () => {
    const easterMonday = Date.UTC(2024, 3, 1, 10);
    const row = buildFeatureRow(series, Date.UTC(2024, 2, 31, 8), easterMonday, cfg);
    const names = featureNames(cfg);
    expect(row?.features.length).toBe(names.length);
    expect(row?.features[names.indexOf('holiday')]).toBe(1);
    expect(row?.features[names.indexOf('weekday_mon')]).toBe(1);
  });

  it('imputes missing lags from 1 or 7 days before, else skips the sample', () => {
    const values = Float64Array.from(series.values);
    const t = Date.UTC(2024, 2, 20, 12);
    values[indexOf(series, t)] = Number.NaN;
    const gappy = { ...series, values };
    expect(imputedKnownValue(gappy, t, origin)).toBe(values[indexOf(series, sameLocalTimeDaysBefore(t, 1))]);
    const empty = { ...series, values: new Float64Array(series.values.length).fill(Number.NaN) };
    expect(buildFeatureRow(empty, origin, horizonTargets(h, origin, Q)[0] ?? 0, cfg)).toBeUndefined();
  });

  it('standardises with statistics of the rows it was fitted on', () => {
    const rows = [Float64Array.from([1, 10]), Float64Array.from([3, 10])];
    const s = fitScaler(rows);
    expect(s).toEqual({ mean: [2, 10], std: [1, 1] });
    expect(Array.from(applyScaler(s, [Float64Array.from([4, 12])]))).toEqual([2, 2]);
  });
});
