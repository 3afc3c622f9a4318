import { LoadQueryError, planLoad } from './load.queries';

const H = 3600_000;
const D = 24 * H;

describe('planLoad', () => {
  it('chooses the resolution by range: raw ≤ 6 h, 15 min ≤ 35 d, 1 h ≤ 400 d', () => {
    expect(planLoad(0, 6 * H, 5000)).toEqual({ resolution: 'raw', bucketMs: 60_000 });
    expect(planLoad(0, 6 * H + 1, 5000)).toEqual({ resolution: '15m', bucketMs: 900_000 });
    expect(planLoad(0, 30 * D, 5000)).toEqual({ resolution: '15m', bucketMs: 900_000 });
    expect(planLoad(0, 35 * D + 1, 5000)).toEqual({ resolution: '1h', bucketMs: H });
    expect(planLoad(0, 200 * D, 5000)).toEqual({ resolution: '1h', bucketMs: H });
  });
  it('caps the number of points with coarser buckets', () => {
    expect(planLoad(0, 400 * D, 5000)).toEqual({ resolution: '1h', bucketMs: 2 * H }); // 9600 h -> 4800 points
    expect(planLoad(0, 30 * D, 1000)).toEqual({ resolution: '15m', bucketMs: 3 * 900_000 });
    expect(planLoad(0, 6 * H, 100)).toEqual({ resolution: '15m', bucketMs: 900_000 });
    for (const [range, cap] of [
      [7 * D, 200],
      [399 * D, 3000],
      [5 * H, 50],
    ] as const) {
      const p = planLoad(0, range, cap);
      expect(Math.ceil(range / p.bucketMs)).toBeLessThanOrEqual(cap);
    }
  });
  it('refuses empty, reversed and too long ranges', () => {
    expect(() => planLoad(10, 10, 100)).toThrow(LoadQueryError);
    expect(() => planLoad(10, 0, 100)).toThrow(/after/);
    expect(() => planLoad(0, 400 * D + 1, 100)).toThrow(/400 days/);
  });
});
