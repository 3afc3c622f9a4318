import { DAY_MS, localDate, startOfLocalDayUtc } from '@gridwerk/shared/util-calendar';
import {
  type ResidualQuantiles,
  type SlpBaseline,
  fitAnnualConsumption,
  fitResidualQuantiles,
  persistence1d,
  persistence7d,
  slpForecast,
} from './baselines';
import { ForecastError } from './errors';
import { type FeatureConfig } from './features';
import { buildRows, defaultTrainingOriginEveryMs, trainForecaster } from './forecast';
import { type Horizon, formatHorizon, horizonOrigins } from './horizons';
import { type ForecastMetrics, type QuantileForecast, computeMetrics } from './metrics';
import { type TrainOptions } from './model';
import { type LoadSeries, endMs } from './series';

const HOUR_MS = 3_600_000;

export interface BacktestOptions {
  horizon: Horizon;
  /** Exogenous ("known in advance") columns to use. */
  exogenous?: readonly string[];
  /** Start of the test period (first target); default: local midnight 28 days before the series end. */
  testFromMs?: number;
  /** Number of rolling-origin folds over the test period; default 4. */
  folds?: number;
  /**
   * Spacing of evaluated origins. Day-ahead: always one per day. Intraday: default every hour (not every
   * 15 minutes) to keep backtests fast; each origin still covers its full horizon step by step.
   */
  originEveryMs?: number;
  /** Spacing of training origins; see defaultTrainingOriginEveryMs. */
  trainingOriginEveryMs?: number;
  maxTrainingSamples?: number;
  /** Days of data required before the first test origin; default 28 (14 for lag features + 14 to learn from). */
  minHistoryDays?: number;
  train?: TrainOptions;
  /** Standard-load-profile baseline; omitted = no SLP row. */
  slp?: SlpBaseline;
  log?: (message: string) => void;
}

export interface SeriesSummary {
  name: string;
  unit?: string;
  stepMinutes: number;
  from: string;
  to: string;
  points: number;
  gaps: number;
  exogenous: string[];
}

export interface BacktestModels {
  model: ForecastMetrics;
  persistence1d: ForecastMetrics;
  persistence7d: ForecastMetrics;
  slp?: ForecastMetrics;
}

export interface FoldReport {
  fold: number;
  firstOrigin: string;
  lastOrigin: string;
  origins: number;
  n: number;
  trainingSamples: number;
  trainingSeconds: number;
  bestEpoch: number;
  modelMae: number;
  /** Share of this fold's targets inside the model's P10–P90 interval. */
  modelCoverage: number;
}

export interface BacktestReport {
  series: SeriesSummary;
  horizon: string;
  folds: number;
  testFrom: string;
  n: number;
  /** Wall-clock seconds spent training, summed over folds. */
  trainingSeconds: number;
  models: BacktestModels;
  /** 100 · (1 − MAE(model) / min MAE over the baselines present). */
  improvementVsBestBaselinePct: number;
  foldReports: FoldReport[];
}

function summarise(series: LoadSeries, exogenous: readonly string[]): SeriesSummary {
  let gaps = 0;
  for (const v of series.values) if (Number.isNaN(v)) gaps++;
  const s: SeriesSummary = {
    name: series.name,
    stepMinutes: series.stepMs / 60_000,
    from: new Date(series.startMs).toISOString(),
    to: new Date(endMs(series) + series.stepMs).toISOString(),
    points: series.values.length,
    gaps,
    exogenous: [...exogenous],
  };
  if (series.unit !== undefined) s.unit = series.unit;
  return s;
}

function withInterval(point: number, q: ResidualQuantiles): QuantileForecast {
  return { p10: point + q.q10, p50: point, p90: point + q.q90 };
}

function defaultTestFrom(series: LoadSeries): number {
  const l = localDate(endMs(series) - 27 * DAY_MS);
  return startOfLocalDayUtc(l.year, l.month, l.day);
}

/**
 * Rolling-origin backtest. The test origins are split into `folds` contiguous blocks; for each block
 * the model is trained on what is known at the block's first origin, then forecasts every origin of the
 * block (features of later origins use the data known at those origins, the model is not refitted).
 * Baselines are scored on exactly the same (origin, target) pairs; their P10/P90 come from residual
 * quantiles over the same training window.
 */
export async function runBacktest(series: LoadSeries, options: BacktestOptions): Promise<BacktestReport> {
  const log = options.log ?? (() => undefined);
  const exogenous = [...(options.exogenous ?? [])];
  for (const c of exogenous) {
    if (series.exogenous[c] === undefined)
      throw new ForecastError('BACKTEST.BAD_OPTIONS', `series has no exogenous column "${c}"`, { column: c });
  }
  const cfg: FeatureConfig = { horizon: options.horizon, exogenous };
  const step = series.stepMs;
  const seriesEnd = endMs(series) + step;
  const testFromMs = options.testFromMs ?? defaultTestFrom(series);
  if (!(testFromMs < seriesEnd)) {
    throw new ForecastError(
      'BACKTEST.BAD_OPTIONS',
      `test period start ${new Date(testFromMs).toISOString()} is not before the series end ${new Date(seriesEnd).toISOString()}`,
    );
  }
  const every =
    options.horizon.kind === 'intraday' ? (options.originEveryMs ?? Math.max(step, HOUR_MS)) : undefined;
  const origins = horizonOrigins(options.horizon, testFromMs, seriesEnd, step, every);
  const minHistoryDays = options.minHistoryDays ?? 28;
  const firstOrigin = origins[0];
  const historyDays = firstOrigin === undefined ? 0 : (firstOrigin - series.startMs) / DAY_MS;
  if (firstOrigin === undefined || historyDays < minHistoryDays) {
    throw new ForecastError(
      'BACKTEST.TOO_LITTLE_HISTORY',
      `the backtest needs at least ${minHistoryDays} days of history before the first forecast origin, ` +
        `the series has ${Math.max(0, historyDays).toFixed(1)} days before ${firstOrigin === undefined ? 'the end' : new Date(firstOrigin).toISOString()} ` +
        `(supply more history, or start the test period later)`,
      { neededDays: minHistoryDays, presentDays: Math.max(0, historyDays) },
    );
  }
  const nFolds = Math.max(1, Math.min(options.folds ?? 4, origins.length));
  const trainingOriginEveryMs =
    options.trainingOriginEveryMs ?? defaultTrainingOriginEveryMs(options.horizon, step);

  const actual: number[] = [];
  const fc: Record<'model' | 'persistence1d' | 'persistence7d' | 'slp', QuantileForecast[]> = {
    model: [],
    persistence1d: [],
    persistence7d: [],
    slp: [],
  };
  const foldReports: FoldReport[] = [];
  let trainingSeconds = 0;

  for (let f = 0; f < nFolds; f++) {
    const foldOrigins = origins.slice(
      Math.floor((f * origins.length) / nFolds),
      Math.floor(((f + 1) * origins.length) / nFolds),
    );
    const trainUntil = foldOrigins[0];
    if (trainUntil === undefined) continue;
    log(`fold ${f + 1}/${nFolds}: training on data known at ${new Date(trainUntil).toISOString()}`);
    const t0 = Date.now();
    const model = await trainForecaster(series, cfg, {
      ...options.train,
      untilMs: trainUntil,
      originEveryMs: trainingOriginEveryMs,
      ...(options.maxTrainingSamples === undefined ? {} : { maxTrainingSamples: options.maxTrainingSamples }),
    });
    const seconds = (Date.now() - t0) / 1000;
    trainingSeconds += seconds;

    // Baseline intervals and the SLP scale are fitted on the training window only.
    const train = buildRows(
      series,
      cfg,
      horizonOrigins(options.horizon, series.startMs, trainUntil, step, trainingOriginEveryMs),
      trainUntil,
    );
    const p1Train = train.rows.map((r) => persistence1d(series, r.originMs, r.targetMs));
    const p7Train = train.rows.map((r) => persistence7d(series, r.originMs, r.targetMs));
    const q1 = fitResidualQuantiles(train.actual, p1Train);
    const q7 = fitResidualQuantiles(train.actual, p7Train);
    let slpAnnual = Number.NaN;
    let qSlp: ResidualQuantiles = { q10: 0, q90: 0 };
    if (options.slp !== undefined) {
      const { profile } = options.slp;
      slpAnnual =
        options.slp.annualConsumption ??
        fitAnnualConsumption(
          series,
          profile,
          train.rows.map((r) => r.targetMs),
          trainUntil,
        );
      qSlp = fitResidualQuantiles(
        train.actual,
        train.rows.map((r) => slpForecast(profile, slpAnnual, r.targetMs)),
      );
    }

    const test = buildRows(series, cfg, foldOrigins);
    const keep: number[] = [];
    const p1: number[] = [];
    const p7: number[] = [];
    const slp: number[] = [];
    test.rows.forEach((r, i) => {
      const a = test.actual[i] ?? Number.NaN;
      const v1 = persistence1d(series, r.originMs, r.targetMs);
      const v7 = persistence7d(series, r.originMs, r.targetMs);
      const vs = options.slp === undefined ? 0 : slpForecast(options.slp.profile, slpAnnual, r.targetMs);
      if ([a, v1, v7, vs].some((v) => Number.isNaN(v))) return;
      keep.push(i);
      p1.push(v1);
      p7.push(v7);
      slp.push(vs);
    });
    const rows = keep.map((i) => test.rows[i]).filter((r) => r !== undefined);
    const predicted = model.predict(rows);
    let foldAbs = 0;
    let foldInside = 0;
    keep.forEach((i, k) => {
      const a = test.actual[i] ?? Number.NaN;
      const m = predicted[k];
      if (m === undefined) return;
      actual.push(a);
      fc.model.push(m);
      fc.persistence1d.push(withInterval(p1[k] ?? Number.NaN, q1));
      fc.persistence7d.push(withInterval(p7[k] ?? Number.NaN, q7));
      fc.slp.push(withInterval(slp[k] ?? Number.NaN, qSlp));
      foldAbs += Math.abs(m.p50 - a);
      if (a >= m.p10 && a <= m.p90) foldInside++;
    });
    const meta = model.metadata.training;
    model.dispose();
    const report: FoldReport = {
      fold: f + 1,
      firstOrigin: new Date(trainUntil).toISOString(),
      lastOrigin: new Date(foldOrigins[foldOrigins.length - 1] ?? trainUntil).toISOString(),
      origins: foldOrigins.length,
      n: keep.length,
      trainingSamples: meta.samples + meta.validationSamples,
      trainingSeconds: seconds,
      bestEpoch: meta.bestEpoch,
      modelMae: keep.length > 0 ? foldAbs / keep.length : Number.NaN,
      modelCoverage: keep.length > 0 ? foldInside / keep.length : Number.NaN,
    };
    foldReports.push(report);
    log(
      `fold ${f + 1}/${nFolds}: ${report.n} targets over ${report.origins} origins, model MAE ${report.modelMae.toFixed(3)}, P10–P90 coverage ${report.modelCoverage.toFixed(3)}, trained in ${seconds.toFixed(1)} s`,
    );
  }

  const models: BacktestModels = {
    model: computeMetrics(actual, fc.model),
    persistence1d: computeMetrics(actual, fc.persistence1d),
    persistence7d: computeMetrics(actual, fc.persistence7d),
  };
  if (options.slp !== undefined) models.slp = computeMetrics(actual, fc.slp);
  const baselineMae = Math.min(
    models.persistence1d.mae,
    models.persistence7d.mae,
    models.slp?.mae ?? Number.POSITIVE_INFINITY,
  );
  return {
    series: summarise(series, exogenous),
    horizon: formatHorizon(options.horizon),
    folds: foldReports.length,
    testFrom: new Date(testFromMs).toISOString(),
    n: actual.length,
    trainingSeconds: Math.round(trainingSeconds * 10) / 10,
    models,
    improvementVsBestBaselinePct: 100 * (1 - models.model.mae / baselineMae),
    foldReports,
  };
}
