import {
  fitAnnualConsumption,
  fitResidualQuantiles,
  persistence1d,
  persistence7d,
  slpForecast,
} from './baselines';
import { dayAheadHorizon, horizonTargets } from './horizons';
import { sameLocalTimeDaysBefore } from './local-time';
import { valueAt } from './series';
import { syntheticFeederLoad } from './testing/synthetic-load';

describe('baselines', () => {
  const series = syntheticFeederLoad({ startIso: '2024-05-01T00:00:00+02:00', days: 20, seed: 5 });
  const origin = Date.UTC(2024, 4, 14, 8); // 14 May 10:00 CEST

  it('persistence-1d is the most recent whole-day lag known at the origin; persistence-7d is t−7d', () => {
    const targets = horizonTargets(dayAheadHorizon(), origin, 15 * 60_000);
    const early = targets[8] ?? 0; // 02:00 local
    const late = targets[80] ?? 0; // 20:00 local
    expect(persistence1d(series, origin, early)).toBe(valueAt(series, sameLocalTimeDaysBefore(early, 1)));
    expect(persistence1d(series, origin, late)).toBe(valueAt(series, sameLocalTimeDaysBefore(late, 2)));
    expect(persistence7d(series, origin, late)).toBe(valueAt(series, sameLocalTimeDaysBefore(late, 7)));
  });

  it('SLP = annual consumption × profile value; the scale can be fitted on training data', () => {
    const profile = (): number => 0.0001;
    expect(slpForecast(profile, 2_000_000, 0)).toBeCloseTo(200);
    const times = [Date.UTC(2024, 4, 2), Date.UTC(2024, 4, 3)];
    const annual = fitAnnualConsumption(series, profile, times, origin);
    expect(annual * 0.0001 * 2).toBeCloseTo(times.reduce((s, t) => s + valueAt(series, t), 0));
  });

  it('residual quantiles bracket the point forecast', () => {
    const q = fitResidualQuantiles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], new Array<number>(11).fill(6));
    expect(q.q10).toBeCloseTo(-4);
    expect(q.q90).toBeCloseTo(4);
  });
});
