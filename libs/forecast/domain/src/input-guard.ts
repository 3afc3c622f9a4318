import { type QuantileForecast } from './metrics';
import { type LoadSeries, indexOf } from './series';

/*
 * Input and output guard. Real feature columns break in a few recurring ways; each is decided here, once
 * per fit (on the training window only) and once per prediction, and every decision is returned so the
 * caller logs it, counts it and stores it with the model and the backtest:
 *  - an exogenous column missing in more than MAX_MISSING_SHARE of the training window: dropped for the
 *    fit; missing less: imputed (same local time 1 or 7 days earlier, else the training median), so no
 *    target row is ever dropped because of a feature;
 *  - near-zero variance in training (one value in ≥ NEAR_CONSTANT_SHARE of the rows, or std ≈ 0): dropped —
 *    standardising a column that later takes new values multiplies them by 1/std;
 *  - values outside the training range: clipped to [min, max] of the training window;
 *  - the target flatlining (the same value for ≥ STALE_MIN_STEPS_HOURS, as OpenSTEF's flatliner check): the
 *    series is flagged, the flat stretch is kept out of the training targets;
 *  - at prediction, a column the model needs but that is missing at a target: that target is forecast by
 *    the model's variant without the column (fallback), never imputed with stale weather nor dropped.
 * Output: a forecast outside the series' plausible envelope (training range widened by ENVELOPE_MARGIN of
 * the range on each side) or not finite is replaced by the best baseline and flagged.
 */

export const MAX_MISSING_SHARE = 0.2;
export const NEAR_CONSTANT_SHARE = 0.98;
export const STALE_MIN_HOURS = 24;
export const ENVELOPE_MARGIN = 0.5;

export type InputDecisionKind =
  | 'drop-missing'
  | 'drop-near-constant'
  | 'impute'
  | 'clip'
  | 'stale-target'
  | 'fallback-without'
  | 'output-replaced';

export interface InputDecision {
  stage: 'fit' | 'predict';
  kind: InputDecisionKind;
  /** Exogenous column concerned; absent for target and output decisions. */
  column?: string;
  /** Rows (or target steps) affected. */
  count: number;
  detail: string;
}

export interface ColumnPolicy {
  min: number;
  max: number;
  /** Median of the training window: the last-resort imputation value. */
  fill: number;
}

export interface Envelope {
  lower: number;
  upper: number;
}

export interface StaleRange {
  fromMs: number;
  /** Exclusive. */
  toMs: number;
}

export interface InputPolicy {
  /** Exogenous columns kept for the fit, in the requested order. */
  kept: string[];
  columns: Record<string, ColumnPolicy>;
  envelope: Envelope;
  staleRanges: StaleRange[];
  decisions: InputDecision[];
}

/** Share of the training window the feature scaler sees (the model's validation tail is the last 25 %). */
const SCALER_SHARE = 0.75;

function spread(values: readonly number[]): { dominantShare: number; std: number; mean: number } {
  if (values.length === 0) return { dominantShare: 1, std: 0, mean: 0 };
  const counts = new Map<number, number>();
  let sum = 0;
  for (const v of values) {
    counts.set(v, (counts.get(v) ?? 0) + 1);
    sum += v;
  }
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return {
    dominantShare: Math.max(...counts.values()) / values.length,
    std: Math.sqrt(sq / values.length),
    mean,
  };
}

function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const m = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[m] ?? 0) : ((sorted[m - 1] ?? 0) + (sorted[m] ?? 0)) / 2;
}

/** Runs of one repeated target value lasting at least `minSteps` steps, within [from, until). */
export function findStaleRanges(
  series: LoadSeries,
  fromMs: number,
  untilMs: number,
  minSteps: number,
): StaleRange[] {
  const out: StaleRange[] = [];
  const first = Math.max(0, Math.ceil((fromMs - series.startMs) / series.stepMs));
  const last = Math.min(series.values.length, Math.floor((untilMs - series.startMs) / series.stepMs));
  let runStart = first;
  const close = (end: number): void => {
    if (end - runStart >= minSteps) {
      out.push({
        fromMs: series.startMs + runStart * series.stepMs,
        toMs: series.startMs + end * series.stepMs,
      });
    }
  };
  for (let i = first + 1; i < last; i++) {
    const v = series.values[i] ?? Number.NaN;
    const prev = series.values[i - 1] ?? Number.NaN;
    if (Number.isNaN(v) || Number.isNaN(prev) || v !== prev) {
      close(i);
      runStart = i;
    }
  }
  if (last > first) close(last);
  return out;
}

export function inStaleRange(ranges: readonly StaleRange[], timeMs: number): boolean {
  return ranges.some((r) => timeMs >= r.fromMs && timeMs < r.toMs);
}

/**
 * Decides, on the training window [series start, untilMs), which exogenous columns a fit may use and how,
 * flags a flatlining target and states the output envelope.
 */
export function fitInputPolicy(
  series: LoadSeries,
  exogenous: readonly string[],
  untilMs: number,
  fromMs: number = series.startMs,
): InputPolicy {
  const i0 = Math.max(0, Math.ceil((fromMs - series.startMs) / series.stepMs));
  const i1 = Math.min(series.values.length, Math.floor((untilMs - series.startMs) / series.stepMs));
  const rows = Math.max(0, i1 - i0);
  const decisions: InputDecision[] = [];
  const kept: string[] = [];
  const columns: Record<string, ColumnPolicy> = {};
  for (const c of exogenous) {
    const col = series.exogenous[c];
    const present: number[] = [];
    if (col !== undefined) {
      for (let i = i0; i < i1; i++) {
        const v = col[i] ?? Number.NaN;
        if (Number.isFinite(v)) present.push(v);
      }
    }
    const missing = rows - present.length;
    const missingShare = rows > 0 ? missing / rows : 1;
    if (missingShare > MAX_MISSING_SHARE) {
      decisions.push({
        stage: 'fit',
        kind: 'drop-missing',
        column: c,
        count: missing,
        detail: `${(100 * missingShare).toFixed(1)} % of the training window missing (> ${100 * MAX_MISSING_SHARE} %): column dropped for this fit`,
      });
      continue;
    }
    // Judged on the part of the window the feature scaler is fitted on (the model's training rows, before
    // its validation tail): a column that starts to vary only in the tail would still be scaled by ~1/0.
    const scalerPart: number[] = [];
    if (col !== undefined) {
      const end = i0 + Math.round(SCALER_SHARE * rows);
      for (let i = i0; i < end; i++) {
        const v = col[i] ?? Number.NaN;
        if (Number.isFinite(v)) scalerPart.push(v);
      }
    }
    const { dominantShare, std, mean } = spread(scalerPart.length > 0 ? scalerPart : present);
    if (dominantShare >= NEAR_CONSTANT_SHARE || std <= 1e-9 * (1 + Math.abs(mean))) {
      decisions.push({
        stage: 'fit',
        kind: 'drop-near-constant',
        column: c,
        count: present.length,
        detail: `one value in ${(100 * dominantShare).toFixed(1)} % of the rows the scaler is fitted on (std ${std.toPrecision(3)}): column dropped for this fit`,
      });
      continue;
    }
    present.sort((a, b) => a - b);
    const policy: ColumnPolicy = {
      min: present[0] ?? 0,
      max: present[present.length - 1] ?? 0,
      fill: median(present),
    };
    columns[c] = policy;
    kept.push(c);
    if (missing > 0) {
      decisions.push({
        stage: 'fit',
        kind: 'impute',
        column: c,
        count: missing,
        detail: `${missing} missing training values imputed (same local time 1 or 7 days earlier, else the median ${policy.fill.toPrecision(4)})`,
      });
    }
  }

  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = i0; i < i1; i++) {
    const v = series.values[i] ?? Number.NaN;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo;
  // A constant training target (range 0) gets half its magnitude (at least 1) as the margin.
  const pad = ENVELOPE_MARGIN * (range > 0 ? range : Math.max(Math.abs(hi), 1));
  const envelope: Envelope = Number.isFinite(range)
    ? { lower: lo - pad, upper: hi + pad }
    : { lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY };

  const staleRanges = findStaleRanges(
    series,
    series.startMs + i0 * series.stepMs,
    untilMs,
    Math.round((STALE_MIN_HOURS * 3_600_000) / series.stepMs),
  );
  if (staleRanges.length > 0) {
    const steps = staleRanges.reduce((s, r) => s + (r.toMs - r.fromMs) / series.stepMs, 0);
    decisions.push({
      stage: 'fit',
      kind: 'stale-target',
      count: steps,
      detail: `target flat for ≥ ${STALE_MIN_HOURS} h in ${staleRanges.length} stretch(es) (${staleRanges.map((r) => `${new Date(r.fromMs).toISOString()}–${new Date(r.toMs).toISOString()}`).join(', ')}): series flagged, these targets and the rows whose lags read them left out of training`,
    });
  }
  return { kept, columns, envelope, staleRanges, decisions };
}

/** Whether the series' target is flat up to `untilMs` (an ongoing flatliner: the meter stopped). */
export function isStaleAt(series: LoadSeries, untilMs: number): boolean {
  const minSteps = Math.round((STALE_MIN_HOURS * 3_600_000) / series.stepMs);
  const ranges = findStaleRanges(series, untilMs - (minSteps + 1) * series.stepMs, untilMs, minSteps);
  return ranges.some((r) => r.toMs >= untilMs);
}

/** Columns the model needs whose raw value at `timeMs` is missing (the weather feed stopped). */
export function unavailableColumns(series: LoadSeries, columns: readonly string[], timeMs: number): string[] {
  const i = indexOf(series, timeMs);
  return columns.filter((c) => {
    const v = i < 0 ? Number.NaN : (series.exogenous[c]?.[i] ?? Number.NaN);
    return !Number.isFinite(v);
  });
}

export interface GuardedForecast extends QuantileForecast {
  /** True when the model's forecast left the envelope and was replaced. */
  guarded: boolean;
}

/**
 * Guards one forecast: outside the envelope (any quantile) or not finite → the baseline (its band),
 * flagged; if the baseline is missing as well, the model's quantiles clamped into the envelope, flagged.
 */
export function guardForecast(
  f: QuantileForecast,
  envelope: Envelope,
  baseline: QuantileForecast,
): GuardedForecast {
  const inside = (v: number): boolean => Number.isFinite(v) && v >= envelope.lower && v <= envelope.upper;
  if (inside(f.p10) && inside(f.p50) && inside(f.p90)) return { ...f, guarded: false };
  if (Number.isFinite(baseline.p50)) return { ...baseline, guarded: true };
  const clamp = (v: number): number =>
    Number.isFinite(v) ? Math.min(envelope.upper, Math.max(envelope.lower, v)) : envelope.upper;
  const p50 = clamp(f.p50);
  return {
    p10: Math.min(clamp(f.p10), p50),
    p50,
    p90: Math.max(clamp(f.p90), p50),
    guarded: true,
  };
}

/** Adds a count to a decision list, merging with an existing one of the same stage, kind and column. */
export function countDecision(
  decisions: InputDecision[],
  d: Omit<InputDecision, 'count' | 'detail'>,
  count: number,
  detail: string,
): void {
  if (count <= 0) return;
  const existing = decisions.find((x) => x.stage === d.stage && x.kind === d.kind && x.column === d.column);
  if (existing !== undefined) existing.count += count;
  else decisions.push({ ...d, count, detail });
}
