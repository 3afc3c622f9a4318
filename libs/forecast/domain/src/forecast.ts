import { persistence1d, persistence7d } from './baselines';
import { chooseFallbackBaseline } from './fallback-baseline';
import {
  type FeatureConfig,
  type FeatureCounters,
  type FeatureRow,
  buildFeatureRow,
  targetTimesRead,
  featureNames,
  newFeatureCounters,
} from './features';
import { type Horizon, horizonOrigins, horizonTargets } from './horizons';
import {
  type InputDecision,
  type StaleRange,
  countDecision,
  fitInputPolicy,
  guardForecast,
  inStaleRange,
  isStaleAt,
  unavailableColumns,
} from './input-guard';
import { type QuantileForecast } from './metrics';
import { type ModelInputs, QuantileModel, type TrainOptions, trainQuantileModel } from './model';
import {
  type PastBand,
  type RecentCalibrationOptions,
  adaptiveWidthScale,
  applyRecentCalibration,
  calibrationOriginEveryMs,
  fitRecentCalibration,
  pastForecastRows,
  recentLevel,
} from './recent-calibration';
import { type LoadSeries, endMs, isKnownAt, valueAt } from './series';

const HOUR_MS = 3_600_000;

export interface RowSet {
  rows: FeatureRow[];
  /** Realised load per row (NaN when not known). */
  actual: number[];
  /** Training targets left out because they lie in a flat (stale) stretch of the target. */
  staleExcluded: number;
}

/**
 * Feature rows for every target of every origin. With `knownBy`, only targets whose realised value is
 * known by then (and not missing) are kept — the rule for training data.
 */
export function buildRows(
  series: LoadSeries,
  cfg: FeatureConfig,
  origins: readonly number[],
  knownBy?: number,
  counters?: FeatureCounters,
  staleRanges: readonly StaleRange[] = [],
): RowSet {
  const rows: FeatureRow[] = [];
  const actual: number[] = [];
  let staleExcluded = 0;
  for (const o of origins) {
    for (const t of horizonTargets(cfg.horizon, o, series.stepMs)) {
      let a = Number.NaN;
      if (knownBy !== undefined) {
        if (!isKnownAt(series, t, knownBy)) continue;
        a = valueAt(series, t);
        if (Number.isNaN(a)) continue;
        if (
          staleRanges.length > 0 &&
          (inStaleRange(staleRanges, t) ||
            targetTimesRead(series, o, t).some((time) => inStaleRange(staleRanges, time)))
        ) {
          staleExcluded++;
          continue;
        }
      } else a = valueAt(series, t);
      const row = buildFeatureRow(series, o, t, cfg, counters);
      if (row === undefined) continue;
      rows.push(row);
      actual.push(a);
    }
  }
  return { rows, actual, staleExcluded };
}

/** Turns feature counters into decisions (stage fit or predict). */
export function counterDecisions(
  counters: FeatureCounters,
  stage: InputDecision['stage'],
  into: InputDecision[] = [],
): InputDecision[] {
  for (const [column, n] of Object.entries(counters.imputed))
    countDecision(
      into,
      { stage, kind: 'impute', column },
      n,
      `${column}: missing values imputed (same local time 1 or 7 days earlier, else the training median)`,
    );
  for (const [column, n] of Object.entries(counters.clipped))
    countDecision(
      into,
      { stage, kind: 'clip', column },
      n,
      `${column}: values outside the training range clipped to it`,
    );
  return into;
}

/** Default spacing of training origins: day-ahead once a day; intraday every hour (cost vs. diversity). */
export function defaultTrainingOriginEveryMs(h: Horizon, stepMs: number): number {
  return h.kind === 'day-ahead' ? 24 * HOUR_MS : Math.max(stepMs, HOUR_MS);
}

export interface TrainForecasterOptions extends TrainOptions {
  /** Only data known at this instant is used (the next forecast's issue time). Default: end of the series. */
  untilMs?: number;
  originEveryMs?: number;
  /** Keep only the most recent samples; default 60,000. */
  maxTrainingSamples?: number;
  /** Calibration fitted after training (see recent-calibration); `false` leaves the model uncalibrated. */
  calibration?: RecentCalibrationOptions | false;
}

/**
 * Builds training rows from a series (targets known by `untilMs`) and trains the quantile model. The input
 * guard decides first which exogenous columns the fit may use (see input-guard); its decisions, the
 * column ranges, the output envelope and the guard's baseline are stored in the model's metadata.
 */
export async function trainForecaster(
  series: LoadSeries,
  cfg: FeatureConfig,
  options: TrainForecasterOptions = {},
): Promise<QuantileModel> {
  const untilMs = options.untilMs ?? endMs(series) + series.stepMs;
  const every = options.originEveryMs ?? defaultTrainingOriginEveryMs(cfg.horizon, series.stepMs);
  const origins = horizonOrigins(cfg.horizon, series.startMs, untilMs, series.stepMs, every);
  const policy = fitInputPolicy(series, cfg.exogenous, untilMs);
  const fitCfg: FeatureConfig = { ...cfg, exogenous: policy.kept, columns: policy.columns };
  const counters = newFeatureCounters();
  const set = buildRows(series, fitCfg, origins, untilMs, counters, policy.staleRanges);
  const max = options.maxTrainingSamples ?? 60_000;
  const from = Math.max(0, set.rows.length - max);
  const rows = set.rows.slice(from);
  const actual = set.actual.slice(from);
  const decisions = policy.decisions.filter((d) => d.kind !== 'impute');
  counterDecisions(counters, 'fit', decisions);
  // The guard's fallback: the persistence baseline with the lower training MAE, with its residual band.
  const fallback = chooseFallbackBaseline(series, rows, actual);
  const inputs: ModelInputs = {
    requested: [...cfg.exogenous],
    columns: policy.columns,
    envelope: policy.envelope,
    staleRanges: policy.staleRanges,
    staleExcluded: set.staleExcluded,
    decisions,
    fallback,
  };
  const model = await trainQuantileModel(
    {
      rows,
      actual,
      horizon: cfg.horizon,
      stepMs: series.stepMs,
      features: featureNames(fitCfg),
      exogenous: [...policy.kept],
      inputs,
      base: fallback.baseline,
    },
    options,
  );
  if (options.calibration === false) return model;
  const calibration = fitRecentCalibration(
    rows,
    actual,
    model.predict(rows),
    model.metadata.training.validationSamples,
    series.stepMs,
    policy.envelope,
    options.calibration,
  );
  options.log?.(
    `calibration: validation-tail P10–P90 coverage ${calibration.fit.coverageBefore.toFixed(3)} → ${calibration.fit.coverageAfter.toFixed(3)}, interval factors ${calibration.interval.pooled.lower.toFixed(2)}/${calibration.interval.pooled.upper.toFixed(2)}, level weight ${calibration.levelWeight} (validation MAE ${calibration.fit.maeBefore.toFixed(3)} → ${calibration.fit.maeAfter.toFixed(3)})`,
  );
  return new QuantileModel(model.sharedNetwork, { ...model.metadata, calibration });
}

/**
 * The model's forecasts for feature rows with its calibration applied (see recent-calibration): per issue
 * time, the level from the model's own recent forecasts whose targets are known by then, and the interval
 * factors by lead time. Uncalibrated models' forecasts are returned as they are.
 */
export function predictCalibrated(
  model: QuantileModel,
  series: LoadSeries,
  rows: readonly FeatureRow[],
): { forecasts: QuantileForecast[]; levels: Map<number, { level: number; n: number; widthScale: number }> } {
  const raw = model.predict(rows);
  const cal = model.metadata.calibration;
  const levels = new Map<number, { level: number; n: number; widthScale: number }>();
  if (cal === undefined) return { forecasts: raw, levels };
  const cfg = modelFeatureConfig(model);
  const envelope = model.metadata.inputs?.envelope;
  const every = calibrationOriginEveryMs(cfg.horizon, series.stepMs);
  const adaptiveDays = cal.adaptive?.days ?? 0;
  for (const r of rows) {
    // Without a level share and without the adaptive width, past forecasts are not needed.
    if ((cal.levelWeight === 0 && adaptiveDays === 0) || levels.has(r.originMs)) continue;
    const past = pastForecastRows(series, cfg, r.originMs, cal.windowDays + adaptiveDays, every);
    const predicted = model.predict(past.rows);
    const table: PastBand[] = [];
    past.rows.forEach((p, i) => {
      const q = predicted[i];
      if (
        q === undefined ||
        (envelope !== undefined &&
          ![q.p10, q.p50, q.p90].every((v) => v >= envelope.lower && v <= envelope.upper))
      )
        return;
      table.push({
        originMs: p.originMs,
        targetMs: p.targetMs,
        actual: past.actual[i] ?? Number.NaN,
        p10: q.p10,
        p50: q.p50,
        p90: q.p90,
      });
    });
    const level = recentLevel(table, r.originMs, series.stepMs, cal);
    const adaptive = adaptiveWidthScale(cal, table, r.originMs, series.stepMs);
    levels.set(r.originMs, { ...level, widthScale: adaptive.scale });
  }
  const forecasts = raw.map((q, i) => {
    const r = rows[i];
    if (r === undefined) return q;
    const l = levels.get(r.originMs);
    return applyRecentCalibration(cal, q, l?.level ?? 0, r.targetMs - r.originMs, l?.widthScale ?? 1);
  });
  return { forecasts, levels };
}

/** Why a forecast value is not the model's own: it left the envelope, or an input it needs was missing. */
export type ForecastFlag = 'envelope' | 'inputs-missing';

export interface ForecastPoint extends QuantileForecast {
  targetMs: number;
  /** Set when the value is the fallback baseline instead of the model's forecast. */
  replaced?: ForecastFlag;
}

export interface GuardedForecastSet {
  points: ForecastPoint[];
  decisions: InputDecision[];
  /** The target flatlines up to the issue time (an ongoing flatliner): the series is flagged. */
  staleTarget: boolean;
}

/** The guard's fallback forecast (best persistence baseline with its training residual band). */
export function fallbackForecast(
  model: QuantileModel,
  series: LoadSeries,
  originMs: number,
  targetMs: number,
): QuantileForecast {
  const fb = model.metadata.inputs?.fallback;
  const p =
    fb?.baseline === 'persistence1d'
      ? persistence1d(series, originMs, targetMs)
      : persistence7d(series, originMs, targetMs);
  return { p10: p + (fb?.q10 ?? 0), p50: p, p90: p + (fb?.q90 ?? 0) };
}

/**
 * Model forecasts for feature rows with the output guard applied: a forecast outside the model's envelope
 * is replaced by the fallback baseline and flagged. Rows must be built with the model's feature config.
 */
export function predictGuarded(
  model: QuantileModel,
  series: LoadSeries,
  rows: readonly FeatureRow[],
  decisions: InputDecision[],
): ForecastPoint[] {
  const envelope = model.metadata.inputs?.envelope;
  return predictCalibrated(model, series, rows).forecasts.map((q, i) => {
    const r = rows[i];
    const targetMs = r?.targetMs ?? Number.NaN;
    if (envelope === undefined || r === undefined) return { targetMs, ...q };
    const g = guardForecast(q, envelope, fallbackForecast(model, series, r.originMs, r.targetMs));
    if (!g.guarded) return { targetMs, p10: q.p10, p50: q.p50, p90: q.p90 };
    countDecision(
      decisions,
      { stage: 'predict', kind: 'output-replaced' },
      1,
      `forecast outside the envelope [${envelope.lower.toPrecision(4)}, ${envelope.upper.toPrecision(4)}] (training range ± ${50} % of it) replaced by ${model.metadata.inputs?.fallback.baseline ?? 'the baseline'}`,
    );
    return { targetMs, p10: g.p10, p50: g.p50, p90: g.p90, replaced: 'envelope' };
  });
}

/** The model's feature config: its horizon, kept columns and their training ranges. */
export function modelFeatureConfig(model: QuantileModel): FeatureConfig {
  const cols = model.metadata.inputs?.columns;
  return {
    horizon: model.metadata.horizon,
    exogenous: model.metadata.exogenous,
    ...(cols === undefined ? {} : { columns: cols }),
  };
}

/**
 * Forecast issued at `originMs` with a trained model, guarded. Targets where a column the model needs is
 * missing (the weather feed stopped) get the fallback baseline, flagged `inputs-missing`; targets whose
 * lag features are missing are left out.
 */
export function forecastGuarded(
  model: QuantileModel,
  series: LoadSeries,
  originMs: number,
): GuardedForecastSet {
  const cfg = modelFeatureConfig(model);
  const counters = newFeatureCounters();
  const decisions: InputDecision[] = [];
  const points: ForecastPoint[] = [];
  const modelRows: FeatureRow[] = [];
  for (const t of horizonTargets(cfg.horizon, originMs, series.stepMs)) {
    const missing = model.metadata.inputs === undefined ? [] : unavailableColumns(series, cfg.exogenous, t);
    if (missing.length > 0) {
      const fb = fallbackForecast(model, series, originMs, t);
      if (Number.isNaN(fb.p50)) continue;
      for (const column of missing)
        countDecision(
          decisions,
          { stage: 'predict', kind: 'fallback-without', column },
          1,
          `${column} missing at the target: forecast by the ${model.metadata.inputs?.fallback.baseline ?? 'baseline'} fallback`,
        );
      points.push({ targetMs: t, ...fb, replaced: 'inputs-missing' });
      continue;
    }
    const row = buildFeatureRow(series, originMs, t, cfg, counters);
    if (row !== undefined) modelRows.push(row);
  }
  points.push(...predictGuarded(model, series, modelRows, decisions));
  points.sort((a, b) => a.targetMs - b.targetMs);
  counterDecisions(counters, 'predict', decisions);
  return { points, decisions, staleTarget: isStaleAt(series, originMs) };
}

/** Forecast issued at `originMs` with a trained model (guarded; see forecastGuarded). */
export function forecastAt(model: QuantileModel, series: LoadSeries, originMs: number): ForecastPoint[] {
  return forecastGuarded(model, series, originMs).points;
}
