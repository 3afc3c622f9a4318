import { DAY_MS } from '@gridwerk/shared/util-calendar';
import {
  type CalibrationSample,
  type IntervalCalibration,
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
 * Calibration of a per-series model's forecasts, fitted on data before the forecast's issue time, in two
 * steps that the backtest and the production run (`forecastGuarded`) apply identically:
 *
 * 1. Level correction at the issue time o. The model's own forecasts issued in the `windowDays` before o
 *    whose targets are known at o are recomputed from the series; their residuals (actual − P50), weighted
 *    by 0.5^(age / halfLifeDays) of their issue time, give a level b that is added to P50, P10 and P90.
 *    Load levels drift between retrainings (heat-pump load on warm or cold spells, PV on a sunny week), and
 *    the errors of a day-ahead forecast are strongly correlated from one day to the next; the persistence
 *    baselines follow such drift by construction, the network alone does not.
 * 2. Interval width. Split conformal scaling (calibration.ts) of the distances P50 − P10 and P90 − P50 per
 *    lead-time bucket, fitted at training time on the model's validation tail (rows the weights were not
 *    fitted on) after the level correction of step 1 was applied to it origin by origin — so the factors
 *    describe the residuals of the corrected forecast, which are what the band must cover.
 *
 * The result is stored with the model (`ModelMetadata.calibration`) and applied at inference; models
 * without it (older artefacts, global models) are used as they are.
 */

export interface RecentCalibrationOptions {
  /** Days of the model's past forecasts the level correction looks back on; default 4. */
  windowDays?: number;
  /** Half-life of the weights by issue-time age, days; default 1. */
  halfLifeDays?: number;
  /** Width of a lead-time bucket of the interval factors, hours; default 6. */
  bucketHours?: number;
}

export interface RecentCalibration {
  method: 'recent-level+split-conformal';
  windowDays: number;
  halfLifeDays: number;
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
    /** The same after the level correction and the interval factors. */
    coverageAfter: number;
    /** Mean absolute level correction over the validation tail's issue times. */
    meanAbsLevel: number;
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

function resolved(options: RecentCalibrationOptions): Required<RecentCalibrationOptions> {
  const o = { windowDays: 4, halfLifeDays: 1, bucketHours: 6, ...options };
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

/** A forecast with the calibration applied: P50 moved by the level, the outer distances rescaled. */
export function applyRecentCalibration(
  cal: RecentCalibration,
  q: QuantileForecast,
  level: number,
  leadMs: number,
): QuantileForecast {
  const k = calibrationFactors(cal.interval, leadMs);
  const p50 = q.p50 + level;
  return {
    p10: p50 - k.lower * Math.max(0, q.p50 - q.p10),
    p50,
    p90: p50 + k.upper * Math.max(0, q.p90 - q.p50),
  };
}

function inside(q: QuantileForecast, envelope: Envelope | undefined): boolean {
  return (
    envelope === undefined ||
    [q.p10, q.p50, q.p90].every((v) => Number.isFinite(v) && v >= envelope.lower && v <= envelope.upper)
  );
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
  const past: PastForecast[] = [];
  rows.forEach((r, i) => {
    const q = predicted[i];
    if (q !== undefined && inside(q, envelope))
      past.push({ originMs: r.originMs, targetMs: r.targetMs, actual: actual[i] ?? Number.NaN, p50: q.p50 });
  });
  past.sort((a, b) => a.originMs - b.originMs || a.targetMs - b.targetMs);
  const cal = { windowDays: o.windowDays, halfLifeDays: o.halfLifeDays };
  const first = Math.max(0, rows.length - validationSamples);
  const levels = new Map<number, number>();
  const raw: CalibrationSample[] = [];
  const shifted: CalibrationSample[] = [];
  let absLevel = 0;
  for (let i = first; i < rows.length; i++) {
    const r = rows[i];
    const q = predicted[i];
    const a = actual[i] ?? Number.NaN;
    if (r === undefined || q === undefined || !Number.isFinite(a) || !inside(q, envelope)) continue;
    let level = levels.get(r.originMs);
    if (level === undefined) {
      level = recentLevel(past, r.originMs, stepMs, cal).level;
      levels.set(r.originMs, level);
      absLevel += Math.abs(level);
    }
    const leadMs = r.targetMs - r.originMs;
    raw.push({ actual: a, forecast: q, leadMs });
    shifted.push({
      actual: a,
      forecast: { p10: q.p10 + level, p50: q.p50 + level, p90: q.p90 + level },
      leadMs,
    });
  }
  const interval = fitIntervalCalibration(shifted, { bucketHours: o.bucketHours });
  const covered = (s: readonly CalibrationSample[], f: (x: CalibrationSample) => QuantileForecast): number => {
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
      meanAbsLevel: levels.size > 0 ? absLevel / levels.size : 0,
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
