import { ForecastError } from './errors';
import { type QuantileForecast } from './metrics';

/*
 * Interval calibration by split conformal quantile rescaling. A quantile model's P10/P90 are often too
 * narrow or too wide on data it was not fitted on; on a held-out calibration set (e.g. the validation tail
 * of the training window) the distance of each outer quantile from P50 is rescaled by the factor that puts
 * the wanted share of held-out targets beyond it:
 *   lower score s = (P50 − y) / (P50 − P10),   k_lower = conformal quantile of s at level 1 − τ_lower
 *   upper score s = (y − P50) / (P90 − P50),   k_upper = conformal quantile of s at level τ_upper
 * so that y < P50 − k_lower·(P50 − P10) on a share τ_lower of the held-out targets, and y > P50 +
 * k_upper·(P90 − P50) on a share 1 − τ_upper. The conformal quantile is the ⌈(n + 1)·level⌉-th smallest
 * score (finite-sample correction). Factors are fitted per lead-time bucket (errors grow with the lead
 * time and differ by time of day), with the pooled factor for buckets with too few samples. P50 is never
 * moved, and P10 ≤ P50 ≤ P90 holds after calibration because factors are ≥ 0.
 * Pure maths, no framework: the per-series model and a global model store the result with their model
 * version and apply it at inference.
 */

export interface CalibrationSample {
  /** Realised value. */
  actual: number;
  forecast: QuantileForecast;
  /** Target time − issue time, ms. */
  leadMs: number;
}

export interface IntervalFactors {
  /** Factor on P50 − P10. */
  lower: number;
  /** Factor on P90 − P50. */
  upper: number;
  /** Calibration samples the factors were fitted on. */
  n: number;
}

export interface IntervalCalibration {
  method: 'split-conformal-scale';
  /** Quantile levels the outer quantiles are calibrated to (e.g. 0.1 and 0.9). */
  lowerTau: number;
  upperTau: number;
  /** Width of a lead-time bucket, hours; bucket i covers leads [i·h, (i + 1)·h). */
  bucketHours: number;
  /** Factors per bucket index; null where the bucket had fewer than `minBucketSamples` samples. */
  buckets: (IntervalFactors | null)[];
  /** Factors over all samples, used for buckets without their own. */
  pooled: IntervalFactors;
}

export interface CalibrationOptions {
  /** Default 0.1. */
  lowerTau?: number;
  /** Default 0.9. */
  upperTau?: number;
  /** Default 6 hours. */
  bucketHours?: number;
  /** Samples a bucket needs for its own factors; default 200. */
  minBucketSamples?: number;
  /** Factors are clipped into [minFactor, maxFactor]; defaults 0.25 and 8. */
  minFactor?: number;
  maxFactor?: number;
}

const HOUR_MS = 3_600_000;
/** Distances below this (in the forecast's unit) count as zero width; the score then uses this floor. */
const MIN_DISTANCE = 1e-9;

/**
 * The conformal quantile of `scores` at `level` ∈ (0, 1): the ⌈(n + 1)·level⌉-th smallest score, or the
 * largest when that rank exceeds n. NaN scores are ignored; NaN when none is left.
 */
export function conformalQuantile(scores: readonly number[], level: number): number {
  if (!(level > 0 && level < 1))
    throw new ForecastError('CALIBRATION.BAD_OPTIONS', `level must lie in (0, 1), got ${level}`);
  const s = scores.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const rank = Math.min(s.length, Math.ceil((s.length + 1) * level));
  return s[Math.max(0, rank - 1)] ?? Number.NaN;
}

function clip(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function factorsOf(
  samples: readonly CalibrationSample[],
  lowerTau: number,
  upperTau: number,
  minFactor: number,
  maxFactor: number,
): IntervalFactors {
  const lower: number[] = [];
  const upper: number[] = [];
  for (const { actual, forecast: q } of samples) {
    if ([actual, q.p10, q.p50, q.p90].some((v) => !Number.isFinite(v))) continue;
    lower.push((q.p50 - actual) / Math.max(MIN_DISTANCE, q.p50 - q.p10));
    upper.push((actual - q.p50) / Math.max(MIN_DISTANCE, q.p90 - q.p50));
  }
  const kl = conformalQuantile(lower, 1 - lowerTau);
  const ku = conformalQuantile(upper, upperTau);
  return {
    lower: Number.isNaN(kl) ? 1 : clip(kl, minFactor, maxFactor),
    upper: Number.isNaN(ku) ? 1 : clip(ku, minFactor, maxFactor),
    n: lower.length,
  };
}

/** Fits per-lead-time-bucket factors on held-out samples (see the module comment). */
export function fitIntervalCalibration(
  samples: readonly CalibrationSample[],
  options: CalibrationOptions = {},
): IntervalCalibration {
  const lowerTau = options.lowerTau ?? 0.1;
  const upperTau = options.upperTau ?? 0.9;
  const bucketHours = options.bucketHours ?? 6;
  const minBucketSamples = options.minBucketSamples ?? 200;
  const minFactor = options.minFactor ?? 0.25;
  const maxFactor = options.maxFactor ?? 8;
  if (!(lowerTau > 0 && lowerTau < 0.5 && upperTau > 0.5 && upperTau < 1))
    throw new ForecastError(
      'CALIBRATION.BAD_OPTIONS',
      `need 0 < lowerTau < 0.5 < upperTau < 1, got ${lowerTau} and ${upperTau}`,
    );
  if (!(bucketHours > 0) || !(minFactor >= 0) || !(maxFactor >= minFactor))
    throw new ForecastError(
      'CALIBRATION.BAD_OPTIONS',
      `need bucketHours > 0 and 0 ≤ minFactor ≤ maxFactor, got ${bucketHours}, ${minFactor}, ${maxFactor}`,
    );
  const byBucket: CalibrationSample[][] = [];
  for (const s of samples) {
    if (!(s.leadMs >= 0)) continue;
    const b = Math.floor(s.leadMs / (bucketHours * HOUR_MS));
    (byBucket[b] ??= []).push(s);
  }
  const buckets: (IntervalFactors | null)[] = Array.from(byBucket, (group) =>
    group !== undefined && group.length >= minBucketSamples
      ? factorsOf(group, lowerTau, upperTau, minFactor, maxFactor)
      : null,
  );
  return {
    method: 'split-conformal-scale',
    lowerTau,
    upperTau,
    bucketHours,
    buckets,
    pooled: factorsOf(samples, lowerTau, upperTau, minFactor, maxFactor),
  };
}

/** The factors for a lead time: its bucket's, else the pooled ones. */
export function calibrationFactors(cal: IntervalCalibration, leadMs: number): IntervalFactors {
  const b = leadMs >= 0 ? Math.floor(leadMs / (cal.bucketHours * HOUR_MS)) : -1;
  return cal.buckets[b] ?? cal.pooled;
}

/** Applies a calibration to one forecast: P50 kept, the outer quantiles' distances to it rescaled. */
export function calibrateInterval(
  cal: IntervalCalibration,
  q: QuantileForecast,
  leadMs: number,
): QuantileForecast {
  const k = calibrationFactors(cal, leadMs);
  return {
    p10: q.p50 - k.lower * Math.max(0, q.p50 - q.p10),
    p50: q.p50,
    p90: q.p50 + k.upper * Math.max(0, q.p90 - q.p50),
  };
}

/** Share of samples inside [P10, P90] (after calibration when `cal` is given). */
export function intervalCoverage(samples: readonly CalibrationSample[], cal?: IntervalCalibration): number {
  let inside = 0;
  let n = 0;
  for (const s of samples) {
    if (!Number.isFinite(s.actual)) continue;
    const q = cal === undefined ? s.forecast : calibrateInterval(cal, s.forecast, s.leadMs);
    n++;
    if (s.actual >= q.p10 && s.actual <= q.p90) inside++;
  }
  return n > 0 ? inside / n : Number.NaN;
}
