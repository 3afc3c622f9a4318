import { decimateMinMax } from './decimate';

describe('decimateMinMax', () => {
  const year = 35_040;
  const x = Array.from({ length: year }, (_, i) => 1_767_225_600 + i * 900);
  const y = x.map((_, i) => 100 + 50 * Math.sin(i / 20) + (i === 20_000 ? 400 : 0));
  const p90 = y.map((v) => v * 1.2);

  it('keeps at most two points per bucket, ascending, with the companions aligned', () => {
    const d = decimateMinMax({ x, series: [y, p90] }, 1000);
    expect(d.x.length).toBeLessThanOrEqual(2000);
    expect(d.x.length).toBeGreaterThan(1000);
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]).toBeGreaterThan(d.x[i - 1]);
    d.x.forEach((t, i) => {
      const src = (t - x[0]) / 900;
      expect(d.series[0][i]).toBe(y[src]);
      expect(d.series[1][i]).toBe(p90[src]);
    });
  });

  it('keeps the global peak and the global minimum', () => {
    const d = decimateMinMax({ x, series: [y] }, 800);
    const ys = d.series[0] as number[];
    expect(Math.max(...ys)).toBe(Math.max(...y));
    expect(Math.min(...ys)).toBe(Math.min(...y));
  });

  it('keeps a gap as a null so the line breaks', () => {
    const withGap = y.map((v, i) => (i >= 10_000 && i < 10_500 ? null : v));
    const d = decimateMinMax({ x, series: [withGap] }, 500);
    expect(d.series[0].filter((v) => v === null).length).toBeGreaterThan(0);
  });

  it('returns small inputs unchanged', () => {
    const d = decimateMinMax({ x: [1, 2, 3], series: [[5, null, 7]] }, 100);
    expect(d).toEqual({ x: [1, 2, 3], series: [[5, null, 7]] });
    expect(decimateMinMax({ x: [], series: [[]] }, 10)).toEqual({ x: [], series: [[]] });
  });
});
