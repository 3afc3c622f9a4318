import { ForecastError } from './errors';

export const STEP_15_MIN_MS = 900_000;
export const STEP_60_MIN_MS = 3_600_000;
export type StepMs = typeof STEP_15_MIN_MS | typeof STEP_60_MIN_MS;

/**
 * A regular load series. `values[i]` belongs to the interval starting at `startMs + i * stepMs` (UTC);
 * the value of that interval is known once the interval has ended. The unit is whatever the source
 * used (kW, Wh per step, ...) and is only carried along. Missing values are NaN. Negative values are
 * legal (net feed-in). Exogenous columns are aligned with `values` and are "known in advance"
 * (calendar-like or forecast inputs such as a temperature forecast).
 */
export interface LoadSeries {
  name: string;
  unit?: string;
  startMs: number;
  stepMs: StepMs;
  values: Float64Array;
  exogenous: Readonly<Record<string, Float64Array>>;
}

/** One raw observation before regularisation. */
export interface RawPoint {
  timeMs: number;
  value: number;
  exogenous?: Readonly<Record<string, number>>;
}

export interface RegularisationReport {
  /** Raw points given. */
  inputPoints: number;
  /** Points removed because another point had the same timestamp (their values were averaged in). */
  duplicates: number;
  /** Points dropped because their timestamp was not on the step grid anchored at the first timestamp. */
  offGrid: number;
  /** Grid slots with no target value (NaN), including NaN values given explicitly. */
  gaps: number;
  /** Length of the regular series. */
  length: number;
}

export interface RegularisedSeries {
  series: LoadSeries;
  report: RegularisationReport;
}

export function isSupportedStep(stepMs: number): stepMs is StepMs {
  return stepMs === STEP_15_MIN_MS || stepMs === STEP_60_MIN_MS;
}

/** Index of a timestamp in the series, or -1 when off-grid or out of range. */
export function indexOf(series: LoadSeries, timeMs: number): number {
  const offset = timeMs - series.startMs;
  if (offset < 0 || offset % series.stepMs !== 0) return -1;
  const i = offset / series.stepMs;
  return i < series.values.length ? i : -1;
}

/** Value at a timestamp, NaN when missing, off-grid or outside the series. */
export function valueAt(series: LoadSeries, timeMs: number): number {
  const i = indexOf(series, timeMs);
  return i < 0 ? Number.NaN : (series.values[i] ?? Number.NaN);
}

export function exogenousAt(series: LoadSeries, column: string, timeMs: number): number {
  const col = series.exogenous[column];
  const i = indexOf(series, timeMs);
  return col === undefined || i < 0 ? Number.NaN : (col[i] ?? Number.NaN);
}

export function timeAt(series: LoadSeries, index: number): number {
  return series.startMs + index * series.stepMs;
}

/** Timestamp of the last slot (its interval ends one step later). */
export function endMs(series: LoadSeries): number {
  return timeAt(series, series.values.length - 1);
}

/** Whether the value of the interval starting at `timeMs` is known at issue time `originMs`. */
export function isKnownAt(series: Pick<LoadSeries, 'stepMs'>, timeMs: number, originMs: number): boolean {
  return timeMs + series.stepMs <= originMs;
}

/**
 * Sorts raw points, averages duplicated timestamps (target and exogenous alike, ignoring NaN), drops
 * off-grid timestamps and lays the rest on a regular grid; missing slots become NaN.
 */
export function regularise(
  points: readonly RawPoint[],
  options: { name: string; unit?: string; stepMs: StepMs; exogenous?: readonly string[] },
): RegularisedSeries {
  if (points.length === 0)
    throw new ForecastError('SERIES.INVALID', `series "${options.name}" has no points`);
  const { stepMs } = options;
  const exoNames = options.exogenous ?? [];
  const sorted = [...points].sort((a, b) => a.timeMs - b.timeMs);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) throw new ForecastError('SERIES.INVALID', 'no points');
  const startMs = first.timeMs;
  const length = Math.floor((last.timeMs - startMs) / stepMs) + 1;
  const sum = new Float64Array(length);
  const count = new Uint32Array(length);
  const seen = new Uint32Array(length);
  const exoSum = exoNames.map(() => new Float64Array(length));
  const exoCount = exoNames.map(() => new Uint32Array(length));
  let offGrid = 0;
  let duplicates = 0;
  for (const p of sorted) {
    const offset = p.timeMs - startMs;
    if (offset % stepMs !== 0) {
      offGrid++;
      continue;
    }
    const i = offset / stepMs;
    if ((seen[i] ?? 0) > 0) duplicates++;
    seen[i] = (seen[i] ?? 0) + 1;
    if (Number.isFinite(p.value)) {
      sum[i] = (sum[i] ?? 0) + p.value;
      count[i] = (count[i] ?? 0) + 1;
    }
    exoNames.forEach((name, k) => {
      const v = p.exogenous?.[name];
      const s = exoSum[k];
      const c = exoCount[k];
      if (v !== undefined && Number.isFinite(v) && s !== undefined && c !== undefined) {
        s[i] = (s[i] ?? 0) + v;
        c[i] = (c[i] ?? 0) + 1;
      }
    });
  }
  const values = new Float64Array(length);
  let gaps = 0;
  for (let i = 0; i < length; i++) {
    const c = count[i] ?? 0;
    values[i] = c > 0 ? (sum[i] ?? 0) / c : Number.NaN;
    if (c === 0) gaps++;
  }
  const exogenous: Record<string, Float64Array> = {};
  exoNames.forEach((name, k) => {
    const col = new Float64Array(length);
    const s = exoSum[k] ?? new Float64Array(length);
    const c = exoCount[k] ?? new Uint32Array(length);
    for (let i = 0; i < length; i++) col[i] = (c[i] ?? 0) > 0 ? (s[i] ?? 0) / (c[i] ?? 1) : Number.NaN;
    exogenous[name] = col;
  });
  const series: LoadSeries = { name: options.name, stepMs, startMs, values, exogenous };
  if (options.unit !== undefined) series.unit = options.unit;
  return { series, report: { inputPoints: points.length, duplicates, offGrid, gaps, length } };
}
