import { sameLocalTimeDaysBefore } from './local-time';
import { mostRecentKnownDayLag, knownValue } from './features';
import { type LoadSeries } from './series';

/*
 * Baselines, all at the same local wall-clock time (DST-safe: "1 day" is 23/24/25 hours):
 * - persistence-1d: the most recent whole-day lag of the target's local time whose value is known at
 *   the origin — t−1d if (t−1d)+step ≤ o, else t−2d, ... For day-ahead issued 10:00 that is t−1d for
 *   targets up to 09:45 and t−2d afterwards; for intraday it is always t−1d.
 * - persistence-7d: the value at t−7d (always known for horizons under 7 days).
 * - SLP: annual consumption × a standard-load-profile value supplied by the caller (the domain does not
 *   read BDEW files).
 * Missing values are not imputed for baselines: such samples are left out of every model's evaluation.
 */

export function persistence1d(series: LoadSeries, originMs: number, targetMs: number): number {
  const d = mostRecentKnownDayLag(series, originMs, targetMs);
  return d === undefined ? Number.NaN : knownValue(series, sameLocalTimeDaysBefore(targetMs, d), originMs);
}

export function persistence7d(series: LoadSeries, originMs: number, targetMs: number): number {
  return knownValue(series, sameLocalTimeDaysBefore(targetMs, 7), originMs);
}

/**
 * A standard load profile: the value at a UTC instant for an annual consumption of 1 (in the series'
 * unit per annual-consumption unit), e.g. a BDEW H0 value in W at 1,000 kWh/a divided by 1,000.
 */
export type SlpProfile = (timeMs: number) => number;

export interface SlpBaseline {
  profile: SlpProfile;
  /** Annual consumption; omitted = fitted on the training window as Σ load / Σ profile. */
  annualConsumption?: number;
}

export function slpForecast(profile: SlpProfile, annualConsumption: number, targetMs: number): number {
  return annualConsumption * profile(targetMs);
}

/** Least-squares-free scale: Σ actual / Σ profile over the given times (ignoring missing values). */
export function fitAnnualConsumption(
  series: LoadSeries,
  profile: SlpProfile,
  timesMs: readonly number[],
  originMs: number,
): number {
  let a = 0;
  let p = 0;
  for (const t of timesMs) {
    const v = knownValue(series, t, originMs);
    const q = profile(t);
    if (!Number.isNaN(v) && Number.isFinite(q)) {
      a += v;
      p += q;
    }
  }
  return p !== 0 ? a / p : Number.NaN;
}

/** Empirical residual quantiles that turn a point baseline into a P10/P50/P90 forecast. */
export interface ResidualQuantiles {
  q10: number;
  q90: number;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

/** P10/P90 of (actual − point) over training samples; P50 stays the point forecast. */
export function fitResidualQuantiles(actual: readonly number[], point: readonly number[]): ResidualQuantiles {
  const r: number[] = [];
  actual.forEach((a, i) => {
    const p = point[i] ?? Number.NaN;
    if (!Number.isNaN(a) && !Number.isNaN(p)) r.push(a - p);
  });
  r.sort((x, y) => x - y);
  return { q10: Math.min(0, quantile(r, 0.1)), q90: Math.max(0, quantile(r, 0.9)) };
}
