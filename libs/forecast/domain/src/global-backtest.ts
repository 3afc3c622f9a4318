import { fitResidualQuantiles, persistence1d, persistence7d } from './baselines';
import { ForecastError } from './errors';
import { type FeatureRow } from './features';
import { buildRows, modelFeatureConfig, predictGuarded } from './forecast';
import {
  type GlobalSeriesInput,
  type GlobalSkip,
  type GlobalTrainOptions,
  bindGlobalModel,
  trainGlobalModel,
} from './global-model';
import { type Horizon, formatHorizon, horizonOrigins, horizonTargets } from './horizons';
import { type InputDecision } from './input-guard';
import { type ForecastMetrics, type QuantileForecast, computeMetrics } from './metrics';
import { type LoadSeries, endMs, isKnownAt, valueAt } from './series';

const HOUR_MS = 3_600_000;
/** Training origins whose residuals give the baselines' P10/P90 (the most recent ones before the cut). */
const BASELINE_BAND_ORIGINS = 14;

export interface GlobalBacktestOptions {
  horizon: Horizon;
  exogenous?: readonly string[];
  /** First test target; the folds split the origins from here to the series' end (as runBacktest). */
  testFromMs: number;
  folds?: number;
  /** Intraday: spacing of evaluated origins (default 1 h, as runBacktest). */
  originEveryMs?: number;
  /** Pooled training settings (sampling, network, seed). */
  train?: Omit<GlobalTrainOptions, 'horizon' | 'untilMs' | 'exogenous'>;
  /** Series to score (default all); every series still feeds the training pool. */
  evaluate?: (name: string) => boolean;
  log?: (message: string) => void;
}

export interface GlobalSeriesBacktest {
  series: string;
  n: number;
  model: ForecastMetrics;
  persistence1d: ForecastMetrics;
  persistence7d: ForecastMetrics;
  bestBaseline: 'persistence1d' | 'persistence7d';
  bestBaselineMae: number;
  /** 100 · (1 − MAE(model) / MAE(best baseline)). */
  improvementVsBestBaselinePct: number;
  /** Forecasts replaced by the fallback baseline (outside the envelope), flagged. */
  replaced: number;
}

export interface GlobalBacktestReport {
  horizon: string;
  testFrom: string;
  folds: number;
  series: GlobalSeriesBacktest[];
  /** Series left out of a fold's training (and hence of scoring), with the reason. */
  skipped: GlobalSkip[];
  trainingSeconds: number;
  samplesPerFold: number[];
  decisions: InputDecision[];
}

function withBand(point: number, q: { q10: number; q90: number }): QuantileForecast {
  return { p10: point + q.q10, p50: point, p90: point + q.q90 };
}

/** Residual quantiles of both persistence baselines over the last training origins before the cut. */
function baselineBands(
  series: LoadSeries,
  horizon: Horizon,
  cutMs: number,
): { q1: { q10: number; q90: number }; q7: { q10: number; q90: number } } {
  const every = horizon.kind === 'day-ahead' ? undefined : HOUR_MS;
  const origins = horizonOrigins(horizon, series.startMs, cutMs, series.stepMs, every).slice(
    -BASELINE_BAND_ORIGINS,
  );
  // Baselines need no feature rows: the realised values and the two persistence values only.
  const actual: number[] = [];
  const p1: number[] = [];
  const p7: number[] = [];
  for (const o of origins)
    for (const t of horizonTargets(horizon, o, series.stepMs)) {
      if (!isKnownAt(series, t, cutMs)) continue;
      const a = valueAt(series, t);
      if (Number.isNaN(a)) continue;
      actual.push(a);
      p1.push(persistence1d(series, o, t));
      p7.push(persistence7d(series, o, t));
    }
  return { q1: fitResidualQuantiles(actual, p1), q7: fitResidualQuantiles(actual, p7) };
}

/**
 * Rolling-origin backtest of a global model: the test origins are split into `folds` blocks as in
 * runBacktest; per block one global model is trained on what every series knew at the block's first
 * origin, bound to each series and scored on exactly the (origin, target) pairs runBacktest scores
 * (targets with an actual and both persistence baselines). Per-series metrics of the model and baselines.
 */
export async function runGlobalBacktest(
  inputs: readonly GlobalSeriesInput[],
  options: GlobalBacktestOptions,
): Promise<GlobalBacktestReport> {
  const log = options.log ?? (() => undefined);
  const first = inputs[0]?.series;
  if (first === undefined) throw new ForecastError('BACKTEST.BAD_OPTIONS', 'no series to backtest');
  const { horizon } = options;
  const every = horizon.kind === 'intraday' ? (options.originEveryMs ?? HOUR_MS) : undefined;
  const seriesEnd = Math.max(...inputs.map((i) => endMs(i.series) + i.series.stepMs));
  const origins = horizonOrigins(horizon, options.testFromMs, seriesEnd, first.stepMs, every);
  if (origins.length === 0)
    throw new ForecastError('BACKTEST.BAD_OPTIONS', 'no forecast origin between the test start and the end');
  const nFolds = Math.max(1, Math.min(options.folds ?? 4, origins.length));
  const cuts = Array.from(
    { length: nFolds },
    (_, f) => origins.slice(Math.floor((f * origins.length) / nFolds))[0] ?? seriesEnd,
  );
  const evaluate = options.evaluate ?? (() => true);
  const acc = new Map<
    string,
    {
      actual: number[];
      model: QuantileForecast[];
      p1: QuantileForecast[];
      p7: QuantileForecast[];
      replaced: number;
    }
  >();
  const skipped: GlobalSkip[] = [];
  const samplesPerFold: number[] = [];
  const decisions: InputDecision[] = [];
  let trainingSeconds = 0;
  for (let f = 0; f < nFolds; f++) {
    const cut = cuts[f] ?? seriesEnd;
    const next = cuts[f + 1] ?? seriesEnd + 1;
    const foldOrigins = origins.filter((o) => o >= cut && o < next);
    log(`global backtest fold ${f + 1}/${nFolds}: training on data known at ${new Date(cut).toISOString()}`);
    const t0 = Date.now();
    const trained = await trainGlobalModel(inputs, {
      ...options.train,
      horizon,
      exogenous: options.exogenous ?? [],
      untilMs: cut,
    });
    trainingSeconds += (Date.now() - t0) / 1000;
    samplesPerFold.push(trained.samples);
    skipped.push(...trained.skipped.map((s) => ({ ...s, message: `fold ${f + 1}: ${s.message}` })));
    for (const input of inputs) {
      const { series } = input;
      const binding = trained.bindings.get(series.name);
      if (binding === undefined || !evaluate(series.name)) continue;
      const bound = bindGlobalModel(trained.model, binding);
      const rows: FeatureRow[] = [];
      const actual: number[] = [];
      const built = buildRows(series, modelFeatureConfig(bound), foldOrigins);
      built.rows.forEach((r, i) => {
        const a = built.actual[i] ?? Number.NaN;
        if (Number.isNaN(a) || Number.isNaN(valueAt(series, r.targetMs))) return;
        if (Number.isNaN(persistence1d(series, r.originMs, r.targetMs))) return;
        if (Number.isNaN(persistence7d(series, r.originMs, r.targetMs))) return;
        rows.push(r);
        actual.push(a);
      });
      const pred = predictGuarded(bound, series, rows, decisions);
      const bands = baselineBands(series, horizon, cut);
      const s = acc.get(series.name) ?? { actual: [], model: [], p1: [], p7: [], replaced: 0 };
      acc.set(series.name, s);
      rows.forEach((r, i) => {
        const p = pred[i];
        if (p === undefined) return;
        s.actual.push(actual[i] ?? Number.NaN);
        s.model.push({ p10: p.p10, p50: p.p50, p90: p.p90 });
        if (p.replaced !== undefined) s.replaced++;
        s.p1.push(withBand(persistence1d(series, r.originMs, r.targetMs), bands.q1));
        s.p7.push(withBand(persistence7d(series, r.originMs, r.targetMs), bands.q7));
      });
    }
    trained.model.dispose();
    log(
      `global backtest fold ${f + 1}/${nFolds}: ${trained.samples} pooled pairs, ${trained.bindings.size} series, fit ${trained.seconds.fit.toFixed(1)} s`,
    );
  }
  const series: GlobalSeriesBacktest[] = [];
  for (const [name, s] of acc) {
    const model = computeMetrics(s.actual, s.model);
    const p1 = computeMetrics(s.actual, s.p1);
    const p7 = computeMetrics(s.actual, s.p7);
    const best = p1.mae <= p7.mae ? 'persistence1d' : 'persistence7d';
    const bestMae = Math.min(p1.mae, p7.mae);
    series.push({
      series: name,
      n: model.n,
      model,
      persistence1d: p1,
      persistence7d: p7,
      bestBaseline: best,
      bestBaselineMae: bestMae,
      improvementVsBestBaselinePct: 100 * (1 - model.mae / bestMae),
      replaced: s.replaced,
    });
  }
  return {
    horizon: formatHorizon(horizon),
    testFrom: new Date(options.testFromMs).toISOString(),
    folds: nFolds,
    series,
    skipped,
    trainingSeconds: Math.round(trainingSeconds * 10) / 10,
    samplesPerFold,
    decisions,
  };
}

/**
 * The promotion rule per series: the global model is used for a series only if its backtest MAE beats the
 * best baseline's and, where the series has a promoted model already, that incumbent's backtest MAE.
 */
export function globalPromotionDecision(
  result: Pick<GlobalSeriesBacktest, 'model' | 'bestBaselineMae'>,
  incumbentMae?: number,
): { promote: boolean; reason: string } {
  const mae = result.model.mae;
  if (!Number.isFinite(mae)) return { promote: false, reason: 'no scored backtest point' };
  if (!(mae < result.bestBaselineMae))
    return { promote: false, reason: 'its MAE does not beat the best baseline' };
  if (incumbentMae !== undefined && Number.isFinite(incumbentMae) && !(mae < incumbentMae))
    return { promote: false, reason: 'its MAE does not beat the promoted model' };
  return { promote: true, reason: 'beats the best baseline and the incumbent' };
}
