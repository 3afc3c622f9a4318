import {
  type CalibrationSample,
  calibrateInterval,
  calibrationFactors,
  conformalQuantile,
  fitIntervalCalibration,
  intervalCoverage,
} from './calibration';
import { mulberry32 } from './model';

const HOUR = 3_600_000;

/** Standard normal by Box–Muller from a seeded uniform source. */
function normals(seed: number): () => number {
  const u = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}

/** Samples y ~ N(0, sigma(lead)) with a forecast interval of ±1 around P50 = 0 (far too narrow or wide). */
function samples(n: number, seed: number, sigma: (leadH: number) => number): CalibrationSample[] {
  const z = normals(seed);
  const out: CalibrationSample[] = [];
  for (let i = 0; i < n; i++) {
    const leadH = i % 24;
    out.push({ actual: sigma(leadH) * z(), forecast: { p10: -1, p50: 0, p90: 1 }, leadMs: leadH * HOUR });
  }
  return out;
}

describe('conformalQuantile', () => {
  it('takes the ⌈(n + 1)·level⌉-th smallest score', () => {
    const s = [5, 1, 4, 2, 3, 9, 8, 7, 6, 10];
    expect(conformalQuantile(s, 0.5)).toBe(6); // ⌈11 · 0.5⌉ = 6th
    expect(conformalQuantile(s, 0.9)).toBe(10); // ⌈9.9⌉ = 10th
    expect(conformalQuantile(s, 0.95)).toBe(10); // rank 11 > n: the largest
    expect(conformalQuantile(s, 0.05)).toBe(1);
  });

  it('ignores NaN and is NaN without scores', () => {
    expect(conformalQuantile([Number.NaN, 2, 1], 0.5)).toBe(2);
    expect(conformalQuantile([], 0.5)).toBeNaN();
  });

  it('rejects a level outside (0, 1)', () => {
    expect(() => conformalQuantile([1], 1)).toThrow(/CALIBRATION.BAD_OPTIONS/);
    expect(() => conformalQuantile([1], 0)).toThrow(/CALIBRATION.BAD_OPTIONS/);
  });
});

describe('fitIntervalCalibration', () => {
  it('stretches a too narrow interval to the normal P10/P90 (±1.2816 σ)', () => {
    const cal = fitIntervalCalibration(
      samples(20_000, 1, () => 3),
      { bucketHours: 24 },
    );
    expect(cal.pooled.lower).toBeGreaterThan(3 * 1.2816 * 0.95);
    expect(cal.pooled.lower).toBeLessThan(3 * 1.2816 * 1.05);
    expect(cal.pooled.upper).toBeGreaterThan(3 * 1.2816 * 0.95);
    expect(cal.pooled.upper).toBeLessThan(3 * 1.2816 * 1.05);
    expect(cal.pooled.n).toBe(20_000);
  });

  it('brings coverage of new data from the same process to 80 %', () => {
    const fit = samples(10_000, 2, () => 0.4);
    const test = samples(10_000, 3, () => 0.4);
    expect(intervalCoverage(test)).toBeGreaterThan(0.95); // ±1 is far too wide for σ = 0.4
    const cal = fitIntervalCalibration(fit);
    const c = intervalCoverage(test, cal);
    expect(c).toBeGreaterThan(0.78);
    expect(c).toBeLessThan(0.82);
  });

  it('fits each lead-time bucket on its own, and pools buckets with too few samples', () => {
    // σ = 1 for leads under 12 h, 4 from 12 h on; 6-hour buckets 0..3.
    const fit = samples(24_000, 4, (h) => (h < 12 ? 1 : 4));
    const cal = fitIntervalCalibration(fit, { bucketHours: 6 });
    expect(cal.buckets).toHaveLength(4);
    const early = calibrationFactors(cal, 3 * HOUR);
    const late = calibrationFactors(cal, 20 * HOUR);
    expect(early.upper).toBeGreaterThan(1.2);
    expect(early.upper).toBeLessThan(1.4);
    expect(late.upper).toBeGreaterThan(4.8);
    expect(late.upper).toBeLessThan(5.5);
    // A lead beyond the fitted buckets takes the pooled factors.
    expect(calibrationFactors(cal, 40 * HOUR)).toBe(cal.pooled);
    const test = samples(24_000, 5, (h) => (h < 12 ? 1 : 4));
    for (const part of [
      test.filter((s) => s.leadMs < 12 * HOUR),
      test.filter((s) => s.leadMs >= 12 * HOUR),
    ]) {
      const c = intervalCoverage(part, cal);
      expect(c).toBeGreaterThan(0.77);
      expect(c).toBeLessThan(0.83);
    }
    const sparse = fitIntervalCalibration(fit.slice(0, 300), { bucketHours: 6, minBucketSamples: 200 });
    expect(sparse.buckets.every((b) => b === null)).toBe(true);
  });

  it('calibrates an asymmetric error to its own sides', () => {
    const z = normals(6);
    const fit: CalibrationSample[] = Array.from({ length: 10_000 }, () => ({
      actual: Math.abs(z()) * 2, // all above P50: nothing below P10 is needed
      forecast: { p10: -1, p50: 0, p90: 1 },
      leadMs: 0,
    }));
    const cal = fitIntervalCalibration(fit, { minFactor: 0.25 });
    expect(cal.pooled.lower).toBe(0.25);
    expect(cal.pooled.upper).toBeGreaterThan(2 * 1.645 * 0.95);
    expect(cal.pooled.upper).toBeLessThan(2 * 1.645 * 1.05);
  });

  it('rejects bad levels and bucket widths', () => {
    expect(() => fitIntervalCalibration([], { lowerTau: 0.6 })).toThrow(/CALIBRATION.BAD_OPTIONS/);
    expect(() => fitIntervalCalibration([], { bucketHours: 0 })).toThrow(/CALIBRATION.BAD_OPTIONS/);
    expect(() => fitIntervalCalibration([], { minFactor: 2, maxFactor: 1 })).toThrow(
      /CALIBRATION.BAD_OPTIONS/,
    );
  });

  it('keeps factor 1 without samples and skips non-finite ones', () => {
    const cal = fitIntervalCalibration([
      { actual: Number.NaN, forecast: { p10: 0, p50: 1, p90: 2 }, leadMs: 0 },
    ]);
    expect(cal.pooled).toEqual({ lower: 1, upper: 1, n: 0 });
  });
});

describe('calibrateInterval', () => {
  it('keeps P50 and rescales the distances, never crossing', () => {
    const cal = fitIntervalCalibration([], {});
    const manual = { ...cal, pooled: { lower: 2, upper: 0.5, n: 1 } };
    expect(calibrateInterval(manual, { p10: 8, p50: 10, p90: 14 }, 0)).toEqual({ p10: 6, p50: 10, p90: 12 });
    // A crossed input interval is treated as zero width, not flipped.
    expect(calibrateInterval(manual, { p10: 11, p50: 10, p90: 9 }, 0)).toEqual({ p10: 10, p50: 10, p90: 10 });
  });
});
