import { computeMetrics, pinballLoss } from './metrics';

describe('metrics', () => {
  it('computes MAE, RMSE, rMAE, bias, pinball, coverage and n', () => {
    const actual = [0, 10, -10, Number.NaN];
    const f = [
      { p10: -1, p50: 1, p90: 2 },
      { p10: 5, p50: 7, p90: 9 },
      { p10: -12, p50: -10, p90: -8 },
      { p10: 0, p50: 0, p90: 0 },
    ];
    const m = computeMetrics(actual, f);
    expect(m.n).toBe(3);
    expect(m.mae).toBeCloseTo(4 / 3);
    expect(m.rmse).toBeCloseTo(Math.sqrt(10 / 3));
    expect(m.rmae).toBeCloseTo(4 / 3 / 20);
    expect(m.bias).toBeCloseTo(-2 / 3);
    expect(m.coverage).toBeCloseTo(2 / 3);
    const pin = (a: number, q: { p10: number; p50: number; p90: number }): number =>
      (pinballLoss(a, q.p10, 0.1) + pinballLoss(a, q.p50, 0.5) + pinballLoss(a, q.p90, 0.9)) / 3;
    expect(m.pinball).toBeCloseTo((pin(0, f[0]) + pin(10, f[1]) + pin(-10, f[2])) / 3);
    expect(m.pinballByQuantile.p50).toBeCloseTo((0.5 * 1 + 0.5 * 3 + 0) / 3);
    expect(m.pinballByQuantile.p10).toBeCloseTo((0.1 * 1 + 0.1 * 5 + 0.1 * 2) / 3);
    // below P10: none; below P50: 0 (0 < 1) and 10 (10 > 7: no) → 1 of 3; below P90: 0 < 2, 10 > 9 no, −10 < −8 → 2 of 3
    expect(m.reliability).toEqual([
      { quantile: 0.1, observed: 0 },
      { quantile: 0.5, observed: 1 / 3 },
      { quantile: 0.9, observed: 2 / 3 },
    ]);
    expect(pinballLoss(10, 8, 0.9)).toBeCloseTo(1.8);
    expect(pinballLoss(10, 12, 0.9)).toBeCloseTo(0.2);
  });
});
