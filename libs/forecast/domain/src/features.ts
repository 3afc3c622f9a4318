import { DAY_MS, isBridgeDay, isPublicHoliday, localDate } from '@gridwerk/shared/util-calendar';
import { type Horizon } from './horizons';
import { sameLocalTimeDaysBefore } from './local-time';
import { type LoadSeries, exogenousAt, isKnownAt, valueAt } from './series';
import { type GeoLocation, LEIPZIG, solarElevationSin } from './solar';
import { type ColumnPolicy } from './input-guard';

/*
 * Leakage rule, enforced in one place (`knownValue`): a target value enters the features of a forecast
 * issued at origin o only if its interval has ended by o (`timeMs + step <= o`). For a lag of d days
 * that means the lag is available iff (t − d days) + step ≤ o. Exogenous columns are "known in advance"
 * (calendar-like, or forecasts such as a temperature forecast) and may be read at the target time.
 */

export interface FeatureConfig {
  horizon: Horizon;
  /** Exogenous columns of the series to use, in this order. */
  exogenous: readonly string[];
  /** Location for the solar-elevation feature; default Leipzig. */
  location?: GeoLocation;
  /**
   * Per exogenous column, the training window's range and median (see input-guard): values are clipped
   * into the range, and a value still missing after the 1/7-day imputation takes the median. Without a
   * policy, a missing value skips the sample (the behaviour of artefacts trained before the guard).
   */
  columns?: Readonly<Record<string, ColumnPolicy>>;
}

/** How often feature building imputed or clipped an exogenous value, per column. */
export interface FeatureCounters {
  imputed: Record<string, number>;
  clipped: Record<string, number>;
}

export function newFeatureCounters(): FeatureCounters {
  return { imputed: {}, clipped: {} };
}

/** Features of one (origin, target) pair, unscaled, plus the seasonal-naive base the model predicts on top of. */
export interface FeatureRow {
  originMs: number;
  targetMs: number;
  features: Float64Array;
  /** Persistence 7 d (same local time a week before, imputed if missing): the model predicts load − base. */
  base: number;
  /**
   * Persistence 1 d (the most recent known whole day at the target's local time, imputed if missing): the
   * base of models fitted with `base: 'persistence1d'` (see ModelMetadata.base).
   */
  base1d?: number;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** Largest whole-day lag tried for "most recent known day" (covers horizons up to 6 days). */
const MAX_DAY_LAG = 6;

export function featureNames(cfg: FeatureConfig): string[] {
  return [
    'lag7d',
    'lagDayMinusLag7d',
    'lagDayIs1d',
    'lag14dMinusLag7d',
    'lastKnownMinusWeekBefore',
    'mean4MinusWeekBefore',
    'lastKnownMinusMean4',
    'horizonDays',
    'quarterHourSin',
    'quarterHourCos',
    'solarElevationSin',
    ...WEEKDAYS.map((d) => `weekday_${d}`),
    'holiday',
    'bridgeDay',
    'holidayAtLagDay',
    'holidayAt7d',
    ...cfg.exogenous.flatMap((c) => [`exo_${c}`, `exo_${c}_minus7d`]),
  ];
}

/** Target value at `timeMs` if known at `originMs`, else NaN. The only place target values are read. */
export function knownValue(series: LoadSeries, timeMs: number, originMs: number): number {
  return isKnownAt(series, timeMs, originMs) ? valueAt(series, timeMs) : Number.NaN;
}

/**
 * Known value at `timeMs`; if missing, imputed from the same local quarter hour 1 day, then 7 days
 * before (both earlier, hence known too). NaN when all three are missing.
 */
export function imputedKnownValue(series: LoadSeries, timeMs: number, originMs: number): number {
  const v = knownValue(series, timeMs, originMs);
  if (!Number.isNaN(v)) return v;
  const v1 = knownValue(series, sameLocalTimeDaysBefore(timeMs, 1), originMs);
  if (!Number.isNaN(v1)) return v1;
  return knownValue(series, sameLocalTimeDaysBefore(timeMs, 7), originMs);
}

/** Smallest whole local-day lag (1..6) whose value at the target's local time is known at the origin. */
export function mostRecentKnownDayLag(
  series: LoadSeries,
  originMs: number,
  targetMs: number,
): number | undefined {
  for (let d = 1; d <= MAX_DAY_LAG; d++) {
    if (isKnownAt(series, sameLocalTimeDaysBefore(targetMs, d), originMs)) return d;
  }
  return undefined;
}

/** Start of the last interval that has ended by the origin. */
export function lastKnownSlot(series: LoadSeries, originMs: number): number {
  return series.startMs + (Math.floor((originMs - series.startMs) / series.stepMs) - 1) * series.stepMs;
}

function exoImputed(series: LoadSeries, column: string, timeMs: number): number {
  const v = exogenousAt(series, column, timeMs);
  if (!Number.isNaN(v)) return v;
  const v1 = exogenousAt(series, column, sameLocalTimeDaysBefore(timeMs, 1));
  return Number.isNaN(v1) ? exogenousAt(series, column, sameLocalTimeDaysBefore(timeMs, 7)) : v1;
}

function exoGuarded(
  series: LoadSeries,
  column: string,
  timeMs: number,
  policy: ColumnPolicy | undefined,
  counters: FeatureCounters | undefined,
): number {
  let v = exoImputed(series, column, timeMs);
  if (policy === undefined) return v;
  if (Number.isNaN(v)) {
    v = policy.fill;
    if (counters !== undefined) counters.imputed[column] = (counters.imputed[column] ?? 0) + 1;
  }
  if (v < policy.min || v > policy.max) {
    v = Math.min(policy.max, Math.max(policy.min, v));
    if (counters !== undefined) counters.clipped[column] = (counters.clipped[column] ?? 0) + 1;
  }
  return v;
}

function holidayAt(timeMs: number): number {
  const l = localDate(timeMs);
  return isPublicHoliday(l.year, l.month, l.day) ? 1 : 0;
}

/**
 * Features for target `targetMs` of a forecast issued at `originMs`, or undefined when a needed value
 * is missing even after imputation (the sample is skipped).
 */
export function buildFeatureRow(
  series: LoadSeries,
  originMs: number,
  targetMs: number,
  cfg: FeatureConfig,
  counters?: FeatureCounters,
): FeatureRow | undefined {
  const lag7Time = sameLocalTimeDaysBefore(targetMs, 7);
  const lag7 = imputedKnownValue(series, lag7Time, originMs);
  const dayLag = mostRecentKnownDayLag(series, originMs, targetMs);
  if (dayLag === undefined || Number.isNaN(lag7)) return undefined;
  const lagDayTime = sameLocalTimeDaysBefore(targetMs, dayLag);
  const lagDay = imputedKnownValue(series, lagDayTime, originMs);
  const lag14 = imputedKnownValue(series, sameLocalTimeDaysBefore(targetMs, 14), originMs);

  const last = lastKnownSlot(series, originMs);
  const lastKnown = imputedKnownValue(series, last, originMs);
  let sum = 0;
  let count = 0;
  for (let k = 0; k < 4; k++) {
    const v = knownValue(series, last - k * series.stepMs, originMs);
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
  }
  const mean4 = count > 0 ? sum / count : lastKnown;
  const weekBefore = imputedKnownValue(series, sameLocalTimeDaysBefore(last, 7), originMs);
  if ([lagDay, lag14, lastKnown, mean4, weekBefore].some((v) => Number.isNaN(v))) return undefined;

  const l = localDate(targetMs);
  const angle = (2 * Math.PI * l.minuteOfDay) / 1440;
  const f: number[] = [
    lag7,
    lagDay - lag7,
    dayLag === 1 ? 1 : 0,
    lag14 - lag7,
    lastKnown - weekBefore,
    mean4 - weekBefore,
    lastKnown - mean4,
    (targetMs - originMs) / DAY_MS,
    Math.sin(angle),
    Math.cos(angle),
    solarElevationSin(targetMs, cfg.location ?? LEIPZIG),
    ...WEEKDAYS.map((_, i) => (l.weekday === i + 1 ? 1 : 0)),
    isPublicHoliday(l.year, l.month, l.day) ? 1 : 0,
    isBridgeDay(l.year, l.month, l.day) ? 1 : 0,
    holidayAt(lagDayTime),
    holidayAt(lag7Time),
  ];
  for (const c of cfg.exogenous) {
    const policy = cfg.columns?.[c];
    const x = exoGuarded(series, c, targetMs, policy, counters);
    const x7 = exoGuarded(series, c, lag7Time, policy, counters);
    if (Number.isNaN(x) || Number.isNaN(x7)) return undefined;
    f.push(x, x - x7);
  }
  return { originMs, targetMs, features: Float64Array.from(f), base: lag7, base1d: lagDay };
}

/**
 * The times of the target values the features of (origin, target) read (see buildFeatureRow, before any
 * imputation): the lags of 7 and 14 days and of the most recent known day at the target's local time, the
 * last 4 known steps and the week before the last one.
 */
export function targetTimesRead(series: LoadSeries, originMs: number, targetMs: number): number[] {
  const last = lastKnownSlot(series, originMs);
  const dayLag = mostRecentKnownDayLag(series, originMs, targetMs);
  return [
    sameLocalTimeDaysBefore(targetMs, 7),
    sameLocalTimeDaysBefore(targetMs, 14),
    ...(dayLag === undefined ? [] : [sameLocalTimeDaysBefore(targetMs, dayLag)]),
    ...[0, 1, 2, 3].map((k) => last - k * series.stepMs),
    sameLocalTimeDaysBefore(last, 7),
  ];
}

/** Per-feature standardisation (z-score), fitted on training rows only. */
export interface FeatureScaler {
  mean: number[];
  std: number[];
}

export function fitScaler(rows: readonly Float64Array[]): FeatureScaler {
  const width = rows[0]?.length ?? 0;
  const mean = new Array<number>(width).fill(0);
  const sq = new Array<number>(width).fill(0);
  for (const r of rows) for (let j = 0; j < width; j++) mean[j] = (mean[j] ?? 0) + (r[j] ?? 0);
  const n = Math.max(rows.length, 1);
  for (let j = 0; j < width; j++) mean[j] = (mean[j] ?? 0) / n;
  for (const r of rows) {
    for (let j = 0; j < width; j++) {
      const d = (r[j] ?? 0) - (mean[j] ?? 0);
      sq[j] = (sq[j] ?? 0) + d * d;
    }
  }
  const std = sq.map((s) => {
    const sd = Math.sqrt(s / n);
    return sd > 1e-9 ? sd : 1;
  });
  return { mean, std };
}

/** Scales rows into one row-major Float32Array (the model's input layout). */
export function applyScaler(scaler: FeatureScaler, rows: readonly Float64Array[]): Float32Array {
  const width = scaler.mean.length;
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => {
    for (let j = 0; j < width; j++)
      out[i * width + j] = ((r[j] ?? 0) - (scaler.mean[j] ?? 0)) / (scaler.std[j] ?? 1);
  });
  return out;
}
