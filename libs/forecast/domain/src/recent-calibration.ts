import { DAY_MS } from '@gridwerk/shared/util-calendar';
import {
  type CalibrationSample,
  type IntervalCalibration,
  type IntervalFactors,
  calibrationFactors,
  fitIntervalCalibration,
} from './calibration';
import { ForecastError } from './errors';
import { type FeatureConfig, type FeatureRow, buildFeatureRow } from './features';
import { type Horizon, horizonOrigins, horizonTargets } from './horizons';
import { type Envelope, unavailableColumns } from './input-guard';
import { type QuantileForecast } from './metrics';
import { type LoadSeries, isKnownAt, valueAt } from './series';

/*
 * Calibration of a per-series model's forecasts, fitted on data before the forecast's issue time, in three
 * steps that the backtest and the production run (`forecastGuarded`) apply identically:
 *
 * 1. Level correction at the issue time o. The model's own forecasts issued in the `windowDays` before o
 *    whose targets are known at o are recomputed from the series; their residuals (actual − P50), weighted
 *    by 0.5^(age / halfLifeDays) of their issue time, give a level b that is added to P50, P10 and P90.
 *    Load levels drift between retrainings (heat-pump load on warm or cold spells, PV on a sunny week), and
 *    the errors of a day-ahead forecast are then correlated from one day to the next; the persistence
 *    baselines follow such drift by construction, the network alone does not. Where the errors are not
 *    correlated (a PV station whose error is the day's cloud forecast), the level is noise: so by default
 *    a level is applied only where it is large against its usual size over the training window
 *    (`significance`); with `significance: 0` the share of the level that is applied (`levelWeight`, one
 *    of 0, ¼, ½, ¾, 1) is instead the one with the lowest MAE over the training window (each row with the
 *    level known at its own issue time).
 * 2. Interval width. Split conformal scaling (calibration.ts) of the distances P50 − P10 and P90 − P50 (per
 *    lead-time bucket if asked; by default one bucket over the horizon), fitted at training time on the model's validation tail (rows the weights were not
 *    fitted on) after the level correction of step 1 was applied to it origin by origin — so the factors
 *    describe the residuals of the corrected forecast, which are what the band must cover.
 * 3. Adaptive width at the issue time (`adaptiveWidthScale`): adaptive conformal inference over the last
 *    `adaptiveDays` (default 4) of the model's calibrated forecasts whose targets are known at o — by
 *    default the band widens after a spell of misses (miss rate above 20 %) and is never narrowed below its
 *    calibrated width. With `adaptiveFit: 'joint'` the factors of step 2 are instead fitted with this step
 *    applied to the tail origin by origin.
 *
 * The result is stored with the model (`ModelMetadata.calibration`) and applied at inference; models
 * without it (older artefacts, global models) are used as they are.
 */

export interface RecentCalibrationOptions {
  /** A fixed share of the level instead of the one chosen on the training window. */
  levelWeight?: number;
  /**
   * Apply only a significant level: with c set, a level b counts as b·max(0, 1 − (c·s / b)²), s the RMS of
   * the level over the training window's issue times (its usual size when nothing drifts); the share is
   * then 1 unless `levelWeight` is given. Default 1.5; 0 chooses the share on the training window instead.
   */
  significance?: number;
  /** Rows the level share is chosen on: the whole training window (default) or the validation tail. */
  levelSelection?: 'training' | 'validation';
  /**
   * How the interval factors are fitted on the tail: 'conformal' (default; share of targets beyond each
   * outer quantile) or 'pinball' (pinball-optimal scaling, which weights wide bands more).
   */
  intervalFit?: 'conformal' | 'pinball';
  /** The outer quantiles are fitted to 0.1 − margin and 0.9 + margin; default 0. */
  margin?: number;
  /**
   * Adaptive width (adaptive conformal inference over a sliding window, see `adaptiveWidthScale`): at the
   * issue time, the share r of the model's calibrated forecasts of the last `adaptiveDays` whose known
   * targets fell outside their band sets the band's miss rate to α = 0.2 − gain·(r − 0.2), clipped to
   * [0.02, 0.2] ('widen-only': it only widens) or to [0.02, 0.5] ('symmetric': it also narrows after
   * hits); widths scale by z(1 − α/2) / z(0.9). Default gain 1, 4 days, 'widen-only'; gain 0 = off. With
   * the level's 4 days a run recomputes 8 days of past forecasts: the 22-day look-back of the run
   * (`FORECAST_LOOKBACK_DAYS`) covers them with their 14-day lags (keep windowDays + adaptiveDays ≤ 8).
   */
  adaptiveGain?: number;
  adaptiveDays?: number;
  adaptiveMode?: AdaptiveMode;
  /**
   * How the interval factors account for the adaptive step: 'separate' (default) keeps the conformal
   * factors, so the step widens on top of a band fitted for 80 %; 'joint' scales them by the factor m
   * nearest to 1 for which the validation tail, with the adaptive step applied at each of its issue times
   * (each window judged against the bands with m), is covered at the nominal 80 % (see the README for
   * both on the quality bench).
   */
  adaptiveFit?: 'joint' | 'separate';
  /** Days of the model's past forecasts the level correction looks back on; default 4. */
  windowDays?: number;
  /** Half-life of the weights by issue-time age, days; default 1. */
  halfLifeDays?: number;
  /**
   * Width of a lead-time bucket of the interval factors, hours; default 48: one bucket over a day-ahead or
   * intraday horizon. Per-6-hour factors from a three-week tail were too noisy on the quality bench (the
   * band covered 76 % instead of 79 % on the PV-heavy station).
   */
  bucketHours?: number;
}

/**
 * 'symmetric': the adaptive step widens and narrows; 'widen-only': it only widens (the behaviour of
 * artefacts whose `adaptive` has no `mode`, trained before the symmetric step).
 */
export type AdaptiveMode = 'symmetric' | 'widen-only';

export interface RecentCalibration {
  method: 'recent-level+split-conformal';
  windowDays: number;
  halfLifeDays: number;
  /** Share of the level added to the forecast, chosen on the validation tail (0 = no level correction). */
  levelWeight: number;
  /** With significance c: the level's RMS s over the training window; levels are shrunk by (c·s / b)². */
  significance?: { c: number; rms: number };
  /** Adaptive width from recent misses (see options); absent = off; `mode` absent = 'widen-only'. */
  adaptive?: { gain: number; days: number; mode?: AdaptiveMode };
  /** Interval factors per lead-time bucket, fitted on the level-corrected validation tail. */
  interval: IntervalCalibration;
  /** What the calibration was fitted on, and what it did there. */
  fit: {
    samples: number;
    /** First and last target of the validation tail (ISO). */
    from: string;
    to: string;
    /** P10–P90 coverage of the model's own band on the validation tail. */
    coverageBefore: number;
    /** The same after the level correction and the interval factors (without the adaptive step). */
    coverageAfter: number;
    /**
     * With `adaptiveFit: 'joint'`: the factor m the conformal factors were scaled by, and the tail's
     * coverage with the adaptive step applied at each of its issue times, on the conformal factors
     * (`coverageSeparate`) and on the scaled ones (`coverage`).
     */
    joint?: { factor: number; coverageSeparate: number; coverage: number };
    /** Mean absolute level over the validation tail's issue times (before `levelWeight`). */
    meanAbsLevel: number;
    /** Rows (training and validation, each with a full look-back) the level share was chosen on. */
    selectionSamples: number;
    /** Their MAE of P50 without the level correction and with the chosen share. */
    maeBefore: number;
    maeAfter: number;
  };
}

/** One past forecast of the model: issue time, target, realised value and P50. */
export interface PastForecast {
  originMs: number;
  targetMs: number;
  actual: number;
  p50: number;
}

const HOUR_MS = 3_600_000;
/** Defaults, chosen on the quality bench (tools/bench/forecast; see the README). */
const DEFAULT_SIGNIFICANCE = 1.5;
const DEFAULT_MARGIN = 0;
const DEFAULT_ADAPTIVE_GAIN = 1;
/** Nominal miss rate of the P10–P90 band, and the bounds of the adaptive step's miss rate. */
const NOMINAL_MISS = 0.2;
const MIN_MISS = 0.02;
const MAX_MISS = 0.5;
/** Candidate shares of the level, tried on the validation tail (0 is the default). */
const LEVEL_WEIGHTS = [0.25, 0.5, 0.75, 1];

function resolved(
  options: RecentCalibrationOptions,
): Required<Omit<RecentCalibrationOptions, 'levelWeight'>> & { levelWeight?: number } {
  const o = {
    windowDays: 4,
    halfLifeDays: 1,
    bucketHours: 48,
    levelSelection: 'training' as const,
    intervalFit: 'conformal' as const,
    significance: DEFAULT_SIGNIFICANCE,
    margin: DEFAULT_MARGIN,
    adaptiveGain: DEFAULT_ADAPTIVE_GAIN,
    adaptiveDays: 4,
    adaptiveMode: 'widen-only' as AdaptiveMode,
    adaptiveFit: 'separate' as 'joint' | 'separate',
    ...options,
  };
  if (!(o.margin >= 0 && o.margin < 0.09))
    throw new ForecastError('CALIBRATION.BAD_OPTIONS', `margin must lie in [0, 0.09), got ${o.margin}`);
  if (!(o.adaptiveGain >= 0 && o.adaptiveDays > 0))
    throw new ForecastError(
      'CALIBRATION.BAD_OPTIONS',
      `adaptiveGain must be ≥ 0 and adaptiveDays > 0, got ${o.adaptiveGain}, ${o.adaptiveDays}`,
    );
  if (!(o.windowDays > 0 && o.halfLifeDays > 0 && o.bucketHours > 0))
    throw new ForecastError(
      'CALIBRATION.BAD_OPTIONS',
      `windowDays, halfLifeDays and bucketHours must be > 0, got ${o.windowDays}, ${o.halfLifeDays}, ${o.bucketHours}`,
    );
  return o;
}

/**
 * The level correction at `originMs`: exponentially weighted mean residual of the past forecasts issued in
 * [originMs − windowDays, originMs) whose target interval has ended by `originMs`; 0 when there is none.
 * `past` must be sorted by issue time.
 */
export function recentLevel(
  past: readonly PastForecast[],
  originMs: number,
  stepMs: number,
  cal: Pick<RecentCalibration, 'windowDays' | 'halfLifeDays'>,
): { level: number; n: number } {
  const from = originMs - cal.windowDays * DAY_MS;
  let lo = 0;
  let hi = past.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((past[mid]?.originMs ?? Number.POSITIVE_INFINITY) < from) lo = mid + 1;
    else hi = mid;
  }
  let sw = 0;
  let s = 0;
  let n = 0;
  for (let i = lo; i < past.length; i++) {
    const p = past[i];
    if (p === undefined || p.originMs >= originMs) break;
    if (p.targetMs + stepMs > originMs) continue;
    const e = p.actual - p.p50;
    if (!Number.isFinite(e)) continue;
    const w = 0.5 ** ((originMs - p.originMs) / (cal.halfLifeDays * DAY_MS));
    sw += w;
    s += w * e;
    n++;
  }
  return { level: n > 0 ? s / sw : 0, n };
}

/** The level a forecast is moved by: share × level, shrunk towards 0 unless significant (see options). */
export function effectiveLevel(
  cal: Pick<RecentCalibration, 'levelWeight' | 'significance'>,
  level: number,
): number {
  const sig = cal.significance;
  if (sig === undefined || level === 0) return cal.levelWeight * level;
  const r = (sig.c * sig.rms) / Math.abs(level);
  return cal.levelWeight * level * Math.max(0, 1 - r * r);
}

/** A forecast with the calibration applied: P50 moved by the level, the outer distances rescaled. */
export function applyRecentCalibration(
  cal: RecentCalibration,
  q: QuantileForecast,
  level: number,
  leadMs: number,
  widthScale = 1,
): QuantileForecast {
  const k = calibrationFactors(cal.interval, leadMs);
  const p50 = q.p50 + effectiveLevel(cal, level);
  return {
    p10: p50 - widthScale * k.lower * Math.max(0, q.p50 - q.p10),
    p50,
    p90: p50 + widthScale * k.upper * Math.max(0, q.p90 - q.p50),
  };
}

function inside(q: QuantileForecast, envelope: Envelope | undefined): boolean {
  return (
    envelope === undefined ||
    [q.p10, q.p50, q.p90].every((v) => Number.isFinite(v) && v >= envelope.lower && v <= envelope.upper)
  );
}

/**
 * Pinball-optimal factor k on the distance of one outer quantile from P50: the minimiser of
 * Σ pinball(y, P50 + k·(outer − P50), τ), i.e. the τ-quantile of the scores (y − P50)/(outer − P50) weighted
 * by the distances; clipped into [0.25, 8], 1 without samples.
 */
function pinballFactor(
  samples: readonly CalibrationSample[],
  tau: number,
  outer: (q: QuantileForecast) => number,
): number {
  const pts: { s: number; w: number }[] = [];
  for (const x of samples) {
    const d = outer(x.forecast) - x.forecast.p50;
    if (!(Math.abs(d) > 1e-9)) continue;
    pts.push({ s: (x.actual - x.forecast.p50) / d, w: Math.abs(d) });
  }
  if (pts.length === 0) return 1;
  // For the lower quantile d < 0, so y < P50 + k·d ⇔ s > k: the share below is the weight of s > k.
  const below = tau < 0.5 ? 1 - tau : tau;
  pts.sort((a, b) => a.s - b.s);
  const total = pts.reduce((t, p) => t + p.w, 0);
  let acc = 0;
  for (const p of pts) {
    acc += p.w;
    if (acc >= below * total) return Math.min(8, Math.max(0.25, p.s));
  }
  return Math.min(8, Math.max(0.25, pts[pts.length - 1]?.s ?? 1));
}

/** A past forecast's score against its calibrated band (see bandScore), for the joint fit. */
interface ScoredForecast {
  originMs: number;
  targetMs: number;
  score: number;
  validation: boolean;
}

/**
 * The smallest u for which the band P50 + b − u·k_lower·(P50 − P10) … P50 + b + u·k_upper·(P90 − P50)
 * holds `actual`: the forecast is inside the band scaled by s iff its score ≤ s (∞ where the band has no
 * width on the actual's side).
 */
function bandScore(q: QuantileForecast, actual: number, level: number, k: IntervalFactors): number {
  const p50 = q.p50 + level;
  if (actual === p50) return 0;
  const d = actual < p50 ? k.lower * Math.max(0, q.p50 - q.p10) : k.upper * Math.max(0, q.p90 - q.p50);
  return d > 0 ? Math.abs(actual - p50) / d : Number.POSITIVE_INFINITY;
}

/** The interval factors scaled by m (every bucket and the pooled ones). */
function scaledInterval(cal: IntervalCalibration, m: number): IntervalCalibration {
  const scale = (f: IntervalFactors): IntervalFactors => ({ ...f, lower: m * f.lower, upper: m * f.upper });
  return {
    ...cal,
    buckets: cal.buckets.map((b) => (b === null ? null : scale(b))),
    pooled: scale(cal.pooled),
  };
}

/** Number of values ≤ x in an ascending array. */
function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? Number.POSITIVE_INFINITY) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Candidate factors of the joint fit: jointFactor(j) = 0.5 + j·0.005, j = 0 … 2·JOINT_STEPS (1 at JOINT_STEPS). */
const JOINT_STEPS = 100;
function jointFactor(j: number): number {
  return 0.5 + j * 0.005;
}

/**
 * The joint fit of the interval factors and the adaptive step: the factor m (on a 0.005 grid in [0.5, 1.5])
 * on the conformal factors nearest to 1 for which the validation tail, with the adaptive step applied at
 * each of its issue times exactly as at inference (the window before the issue time judged against the
 * bands with m), is covered at `nominal`. On the conformal factors alone the tail is covered at the
 * nominal rate, and a widen-only step then covers more on top of it.
 */
function jointAdaptiveFactor(
  scored: readonly ScoredForecast[],
  adaptive: NonNullable<RecentCalibration['adaptive']>,
  stepMs: number,
  nominal: number,
): { factor: number; coverageSeparate: number; coverage: number } {
  const tail = new Map<number, number[]>();
  for (const x of scored) {
    if (!x.validation) continue;
    const scores = tail.get(x.originMs);
    if (scores === undefined) tail.set(x.originMs, [x.score]);
    else scores.push(x.score);
  }
  const groups: { window: Float64Array; tail: Float64Array }[] = [];
  for (const [originMs, scores] of tail) {
    const from = originMs - adaptive.days * DAY_MS;
    const window: number[] = [];
    for (const x of scored)
      if (x.originMs >= from && x.originMs < originMs && x.targetMs + stepMs <= originMs)
        window.push(x.score);
    groups.push({
      window: Float64Array.from(window).sort(),
      tail: Float64Array.from(scores).sort(),
    });
  }
  const coverage = (m: number): number => {
    let covered = 0;
    let n = 0;
    for (const g of groups) {
      const scale = adaptiveScale(adaptive, g.window, m);
      covered += countAtMost(g.tail, m * scale);
      n += g.tail.length;
    }
    return n > 0 ? covered / n : Number.NaN;
  };
  const coverageSeparate = coverage(1);
  if (!(coverageSeparate >= 0)) return { factor: 1, coverageSeparate, coverage: coverageSeparate };
  // From m = 1, the nearest m that keeps the tail covered at the nominal rate: narrowing stops before the
  // first m below it (a far smaller m can be covered again by a step that widens all the time).
  let factor = 1;
  let c = coverageSeparate;
  if (c >= nominal) {
    for (let j = JOINT_STEPS - 1; j >= 0; j--) {
      const m = jointFactor(j);
      const cm = coverage(m);
      if (cm < nominal) break;
      factor = m;
      c = cm;
    }
  } else {
    for (let j = JOINT_STEPS + 1; j <= 2 * JOINT_STEPS; j++) {
      factor = jointFactor(j);
      c = coverage(factor);
      if (c >= nominal) break;
    }
  }
  return { factor, coverageSeparate, coverage: c };
}

/**
 * Fits the calibration on a model's training rows (time-ordered, as trained): `predicted` are the model's
 * raw forecasts of every row, the last `validationSamples` rows are its validation tail. Rows whose raw
 * forecast leaves the envelope (the output guard would replace it) are left out.
 */
export function fitRecentCalibration(
  rows: readonly FeatureRow[],
  actual: readonly number[],
  predicted: readonly QuantileForecast[],
  validationSamples: number,
  stepMs: number,
  envelope: Envelope | undefined,
  options: RecentCalibrationOptions = {},
): RecentCalibration {
  const o = resolved(options);
  const usable = (q: QuantileForecast | undefined): q is QuantileForecast =>
    q !== undefined && inside(q, envelope);
  const past: PastForecast[] = [];
  rows.forEach((r, i) => {
    const q = predicted[i];
    if (usable(q))
      past.push({ originMs: r.originMs, targetMs: r.targetMs, actual: actual[i] ?? Number.NaN, p50: q.p50 });
  });
  past.sort((a, b) => a.originMs - b.originMs || a.targetMs - b.targetMs);
  const cal = { windowDays: o.windowDays, halfLifeDays: o.halfLifeDays };
  const first = Math.max(0, rows.length - validationSamples);
  const levels = new Map<number, number>();
  const validationOrigins = new Set<number>();
  const raw: CalibrationSample[] = [];
  const sampleLevels: number[] = [];
  // The level share is chosen over every row with a full look-back (residual persistence is a property
  // of the series, and a three-week tail holds too few days to judge it); the factors on the tail only.
  const selection: { error: number; level: number }[] = [];
  const firstOrigin = rows[0]?.originMs ?? 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const q = predicted[i];
    const a = actual[i] ?? Number.NaN;
    if (r === undefined || !usable(q) || !Number.isFinite(a)) continue;
    const isValidation = i >= first;
    if (!isValidation && r.originMs < firstOrigin + o.windowDays * DAY_MS) continue;
    let level = levels.get(r.originMs);
    if (level === undefined) {
      level = recentLevel(past, r.originMs, stepMs, cal).level;
      levels.set(r.originMs, level);
    }
    if (isValidation || o.levelSelection === 'training') selection.push({ error: a - q.p50, level });
    if (!isValidation) continue;
    validationOrigins.add(r.originMs);
    raw.push({ actual: a, forecast: q, leadMs: r.targetMs - r.originMs });
    sampleLevels.push(level);
  }
  let absLevel = 0;
  for (const origin of validationOrigins) absLevel += Math.abs(levels.get(origin) ?? 0);
  let sq = 0;
  for (const l of levels.values()) sq += l * l;
  const significance = !(o.significance > 0)
    ? undefined
    : { c: o.significance, rms: levels.size > 0 ? Math.sqrt(sq / levels.size) : 0 };
  const eff = (w: number, level: number): number =>
    effectiveLevel({ levelWeight: w, ...(significance === undefined ? {} : { significance }) }, level);
  const maeWith = (w: number): number => {
    let sum = 0;
    for (const x of selection) sum += Math.abs(x.error - eff(w, x.level));
    return selection.length > 0 ? sum / selection.length : Number.NaN;
  };
  let levelWeight = 0;
  let maeAfter = maeWith(0);
  const maeBefore = maeAfter;
  if (o.levelWeight !== undefined || significance !== undefined) {
    levelWeight = o.levelWeight ?? 1;
    maeAfter = maeWith(levelWeight);
  } else
    for (const w of LEVEL_WEIGHTS) {
      const m = maeWith(w);
      if (m < maeAfter - 1e-12) {
        maeAfter = m;
        levelWeight = w;
      }
    }
  const shifted: CalibrationSample[] = raw.map((x, i) => {
    const b = eff(levelWeight, sampleLevels[i] ?? 0);
    const q = x.forecast;
    return {
      actual: x.actual,
      forecast: { p10: q.p10 + b, p50: q.p50 + b, p90: q.p90 + b },
      leadMs: x.leadMs,
    };
  });
  const lowerTau = 0.1 - o.margin;
  const upperTau = 0.9 + o.margin;
  const conformal = fitIntervalCalibration(shifted, { bucketHours: o.bucketHours, lowerTau, upperTau });
  const fitted: IntervalCalibration =
    o.intervalFit === 'conformal'
      ? conformal
      : {
          ...conformal,
          buckets: [],
          pooled: {
            lower: pinballFactor(shifted, lowerTau, (q) => q.p10),
            upper: pinballFactor(shifted, upperTau, (q) => q.p90),
            n: shifted.length,
          },
        };
  const adaptive =
    o.adaptiveGain > 0 ? { gain: o.adaptiveGain, days: o.adaptiveDays, mode: o.adaptiveMode } : undefined;
  let joint: RecentCalibration['fit']['joint'];
  let interval = fitted;
  if (adaptive !== undefined && o.adaptiveFit === 'joint') {
    // Every row's score against the fitted band, with the level known at its own issue time: the
    // adaptive step at a tail origin judges the model's forecasts of the days before it, training rows too.
    const scored: ScoredForecast[] = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const q = predicted[i];
      const a = actual[i] ?? Number.NaN;
      if (r === undefined || !usable(q) || !Number.isFinite(a)) continue;
      let level = levels.get(r.originMs);
      if (level === undefined) {
        level = recentLevel(past, r.originMs, stepMs, cal).level;
        levels.set(r.originMs, level);
      }
      const k = calibrationFactors(fitted, r.targetMs - r.originMs);
      scored.push({
        originMs: r.originMs,
        targetMs: r.targetMs,
        score: bandScore(q, a, eff(levelWeight, level), k),
        validation: i >= first,
      });
    }
    joint = jointAdaptiveFactor(scored, adaptive, stepMs, upperTau - lowerTau);
    interval = scaledInterval(fitted, joint.factor);
  }
  const covered = (
    s: readonly CalibrationSample[],
    f: (x: CalibrationSample) => QuantileForecast,
  ): number => {
    let k = 0;
    for (const x of s) {
      const q = f(x);
      if (x.actual >= q.p10 && x.actual <= q.p90) k++;
    }
    return s.length > 0 ? k / s.length : Number.NaN;
  };
  const lastRow = rows[rows.length - 1];
  const firstRow = rows[first];
  return {
    method: 'recent-level+split-conformal',
    windowDays: o.windowDays,
    halfLifeDays: o.halfLifeDays,
    levelWeight,
    ...(significance === undefined ? {} : { significance }),
    ...(adaptive === undefined ? {} : { adaptive }),
    interval,
    fit: {
      samples: shifted.length,
      from: firstRow === undefined ? '' : new Date(firstRow.targetMs).toISOString(),
      to: lastRow === undefined ? '' : new Date(lastRow.targetMs).toISOString(),
      coverageBefore: covered(raw, (x) => x.forecast),
      coverageAfter: covered(shifted, (x) => {
        const k = calibrationFactors(interval, x.leadMs);
        const q = x.forecast;
        return { p10: q.p50 - k.lower * (q.p50 - q.p10), p50: q.p50, p90: q.p50 + k.upper * (q.p90 - q.p50) };
      }),
      ...(joint === undefined ? {} : { joint }),
      meanAbsLevel: validationOrigins.size > 0 ? absLevel / validationOrigins.size : 0,
      selectionSamples: selection.length,
      maeBefore,
      maeAfter,
    },
  };
}

/**
 * Feature rows of the model's forecasts issued in [originMs − windowDays, originMs) whose targets are known
 * at `originMs` (and not missing), with their realised values. Targets where an exogenous column of the
 * model is missing are left out (their forecast would be the fallback, not the model's).
 */
export function pastForecastRows(
  series: LoadSeries,
  cfg: FeatureConfig & { horizon: Horizon },
  originMs: number,
  windowDays: number,
  originEveryMs: number,
): { rows: FeatureRow[]; actual: number[] } {
  const from = originMs - windowDays * DAY_MS;
  const origins = horizonOrigins(
    cfg.horizon,
    from - 2 * DAY_MS,
    originMs + 2 * DAY_MS,
    series.stepMs,
    originEveryMs,
  ).filter((o) => o >= from && o < originMs);
  const rows: FeatureRow[] = [];
  const actual: number[] = [];
  for (const o of origins) {
    for (const t of horizonTargets(cfg.horizon, o, series.stepMs)) {
      if (!isKnownAt(series, t, originMs)) continue;
      const a = valueAt(series, t);
      if (Number.isNaN(a) || unavailableColumns(series, cfg.exogenous, t).length > 0) continue;
      const row = buildFeatureRow(series, o, t, cfg);
      if (row === undefined) continue;
      rows.push(row);
      actual.push(a);
    }
  }
  return { rows, actual };
}

/** Default spacing of the past issue times the level is computed from: day-ahead daily, intraday hourly. */
export function calibrationOriginEveryMs(h: Horizon, stepMs: number): number {
  return h.kind === 'day-ahead' ? DAY_MS : Math.max(stepMs, HOUR_MS);
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new ForecastError('CALIBRATION.BAD_OPTIONS', `p must lie in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number): number => k.reduce((acc, v) => acc * x + v, 0);
  const lowP = 0.02425;
  if (p < lowP) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - lowP) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/** A past forecast with its raw band, for the adaptive width. */
export interface PastBand extends PastForecast {
  p10: number;
  p90: number;
}

/**
 * The width scale of the adaptive step at `originMs` (1 when off or with fewer than 48 known targets):
 * the calibrated bands of the past forecasts issued in the last `adaptive.days` (each with the level known
 * at its own issue time) are checked against the targets known at `originMs`.
 *
 * This is adaptive conformal inference (Gibbs & Candès, 2021: α_{t+1} = α_t + γ·(α − err_t)) restarted at
 * the nominal α = 0.2 at the start of a sliding window: over the window's n known targets with miss share
 * r it gives α − γ·n·(r − α), i.e. the step here with gain = γ·n (gain 0.5 over ~230 targets of a day-ahead
 * model: γ ≈ 0.002, the order Gibbs & Candès use). Being stateless, a run needs no stored state, and the
 * backtest and the run compute the same α from the same data. 'widen-only' (the default) never narrows
 * the band below its calibrated width; 'symmetric' also narrows after a spell of hits. On the quality
 * bench the symmetric step covered less than no step at all (day-level errors come in clusters: the band
 * narrowed on calm days and the next bad day fell outside it), see the README.
 */
export function adaptiveWidthScale(
  cal: RecentCalibration,
  past: readonly PastBand[],
  originMs: number,
  stepMs: number,
): { scale: number; missRate: number; n: number } {
  const a = cal.adaptive;
  if (a === undefined || !(a.gain > 0)) return { scale: 1, missRate: Number.NaN, n: 0 };
  const levels = new Map<number, number>();
  const scores: number[] = [];
  for (const p of past) {
    if (p.originMs < originMs - a.days * DAY_MS || p.originMs >= originMs) continue;
    if (p.targetMs + stepMs > originMs || !Number.isFinite(p.actual)) continue;
    let level = levels.get(p.originMs);
    if (level === undefined) {
      level = recentLevel(past, p.originMs, stepMs, cal).level;
      levels.set(p.originMs, level);
    }
    const k = calibrationFactors(cal.interval, p.targetMs - p.originMs);
    scores.push(bandScore(p, p.actual, effectiveLevel(cal, level), k));
  }
  const sorted = Float64Array.from(scores).sort();
  const n = sorted.length;
  const miss = n - countAtMost(sorted, 1);
  return { scale: adaptiveScale(a, sorted, 1), missRate: n > 0 ? miss / n : Number.NaN, n };
}

/** Fewest known targets in the window for the adaptive step to act. */
const MIN_ADAPTIVE_TARGETS = 48;

/**
 * The adaptive step's width scale for a band whose factors are m times the calibrated ones, from the
 * ascending scores (see bandScore, against the calibrated band) of the window's known targets.
 */
function adaptiveScale(
  a: NonNullable<RecentCalibration['adaptive']>,
  sorted: Float64Array,
  m: number,
): number {
  const n = sorted.length;
  if (n < MIN_ADAPTIVE_TARGETS) return 1;
  const r = (n - countAtMost(sorted, m)) / n;
  const upper = a.mode === 'symmetric' ? MAX_MISS : NOMINAL_MISS;
  const alpha = Math.min(upper, Math.max(MIN_MISS, NOMINAL_MISS - a.gain * (r - NOMINAL_MISS)));
  return normalQuantile(1 - alpha / 2) / normalQuantile(1 - NOMINAL_MISS / 2);
}
