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
import { type FeatureConfig, type FeatureCounters, type FeatureRow, newFeatureCounters } from './features';
import {
  type ForecastPoint,
  buildRows,
  counterDecisions,
  defaultTrainingOriginEveryMs,
  modelFeatureConfig,
  predictGuarded,
  trainForecaster,
} from './forecast';
import { type Horizon, formatHorizon, horizonOrigins, horizonTargets } from './horizons';
import { type InputDecision, countDecision, unavailableColumns } from './input-guard';
import { type ForecastMetrics, type QuantileForecast, computeMetrics } from './metrics';
import { type QuantileModel, type TrainOptions } from './model';
import { type AdaptiveMode } from './recent-calibration';
import { type ErrorBreakdown, errorBreakdown } from './report-html';
import { type LoadSeries, endMs, valueAt } from './series';

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
  /** Keep every scored point in the report (for charts). */
  keepPoints?: boolean;
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
  /** Targets of the fold's origins whose actual value exists: what should be scored. */
  pointsExpected: number;
  /** Targets actually scored (equals n). */
  pointsScored: number;
  /** Forecasts replaced by the fallback baseline because they left the envelope. */
  replaced: number;
  /** Exogenous columns of the fold's main model (after the input guard). */
  exogenous: string[];
  /** The fold's main model's calibration (see recent-calibration), fitted before the fold's first origin. */
  calibration?: FoldCalibration;
}

/** What a fold's calibration was fitted on and did (for the JSON and the HTML report). */
export interface FoldCalibration {
  method: string;
  /** Pooled factors on P50 − P10 and P90 − P50. */
  lowerFactor: number;
  upperFactor: number;
  /** Validation-tail samples it was fitted on, and that tail's P10–P90 coverage before and after. */
  samples: number;
  coverageBefore: number;
  coverageAfter: number;
  /** Level correction: look-back and half-life (days), mean absolute level on the validation tail. */
  windowDays: number;
  halfLifeDays: number;
  meanAbsLevel: number;
  /** Share of the level applied, chosen on the validation tail, and that tail's MAE without and with it. */
  levelWeight: number;
  validationMaeBefore: number;
  validationMaeAfter: number;
  /** The adaptive width step applied at each issue time (see recent-calibration); absent = off. */
  adaptive?: { mode: AdaptiveMode; gain: number; days: number };
  /**
   * Joint fit of the interval factors with the adaptive step (see recent-calibration): the factor on the
   * conformal factors (already in lower/upperFactor) and the tail's coverage with the step, before and after.
   */
  joint?: { factor: number; coverageSeparate: number; coverage: number };
}

/** A model trained in the backtest: the fold's main model, or its variant without missing columns. */
export interface TrainedModelInfo {
  fold: number;
  exogenous: string[];
  variant: boolean;
  trainingSeconds: number;
}

/** Points of one fold for charts: per target, the actual, the model's band and the baselines' P50. */
export interface BacktestPoint {
  fold: number;
  originMs: number;
  targetMs: number;
  actual: number;
  model: QuantileForecast;
  persistence1d: number;
  persistence7d: number;
  slp?: number;
  replaced: boolean;
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
  pointsExpected: number;
  pointsScored: number;
  /** Forecasts replaced by the fallback baseline (outside the envelope), all flagged. */
  replaced: number;
  /** Scored forecasts outside their model's envelope that were NOT replaced and flagged (must be 0). */
  outsideEnvelopeUnflagged: number;
  /** Every decision of the input and output guard over all folds (counts summed). */
  inputDecisions: InputDecision[];
  modelsTrained: TrainedModelInfo[];
  /** The target flatlined somewhere before a fold's training cut (the series is flagged). */
  staleTarget: boolean;
  /** MAE of the model and the persistence baselines per local hour of the target. */
  errorByHour: ErrorBreakdown['byHour'];
  /** The same per day type (workday, Saturday, Sunday or holiday). */
  errorByDayType: ErrorBreakdown['byDayType'];
  /** Every scored point, for reports; only with `keepPoints`. */
  points?: BacktestPoint[];
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

/** The same (origin, target) pairs built with another model's feature config (one build per origin). */
function rebuildRows(
  series: LoadSeries,
  cfg: FeatureConfig,
  rows: readonly FeatureRow[],
  counters: FeatureCounters,
): FeatureRow[] {
  const out: FeatureRow[] = [];
  const byOrigin = new Map<number, Set<number>>();
  for (const r of rows) {
    const set = byOrigin.get(r.originMs) ?? new Set<number>();
    set.add(r.targetMs);
    byOrigin.set(r.originMs, set);
  }
  for (const [o, targets] of byOrigin)
    out.push(...buildRows(series, cfg, [o], undefined, counters).rows.filter((r) => targets.has(r.targetMs)));
  return out;
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
  const decisions: InputDecision[] = [];
  const modelsTrained: TrainedModelInfo[] = [];
  const points: BacktestPoint[] = [];
  let staleTarget = false;
  let replacedTotal = 0;
  let expectedTotal = 0;
  let outsideUnflagged = 0;

  for (let f = 0; f < nFolds; f++) {
    const foldOrigins = origins.slice(
      Math.floor((f * origins.length) / nFolds),
      Math.floor(((f + 1) * origins.length) / nFolds),
    );
    const trainUntil = foldOrigins[0];
    if (trainUntil === undefined) continue;
    log(`fold ${f + 1}/${nFolds}: training on data known at ${new Date(trainUntil).toISOString()}`);
    const trainOpts = {
      ...options.train,
      untilMs: trainUntil,
      originEveryMs: trainingOriginEveryMs,
      ...(options.maxTrainingSamples === undefined ? {} : { maxTrainingSamples: options.maxTrainingSamples }),
    };
    const t0 = Date.now();
    const model = await trainForecaster(series, cfg, trainOpts);
    const seconds = (Date.now() - t0) / 1000;
    trainingSeconds += seconds;
    modelsTrained.push({
      fold: f + 1,
      exogenous: [...model.metadata.exogenous],
      variant: false,
      trainingSeconds: seconds,
    });
    for (const d of model.metadata.inputs?.decisions ?? []) {
      countDecision(
        decisions,
        { stage: d.stage, kind: d.kind, ...(d.column === undefined ? {} : { column: d.column }) },
        d.count,
        d.detail,
      );
      if (d.kind === 'stale-target') staleTarget = true;
    }

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

    // Every target of the fold with an actual is expected to be scored. Targets where a column of the
    // main model is missing go to a variant trained (same cut) without the missing columns.
    const groups = new Map<string, { columns: string[]; rows: FeatureRow[]; actual: number[] }>();
    let pointsExpected = 0;
    const counters = newFeatureCounters();
    const mainCfg = modelFeatureConfig(model);
    for (const o of foldOrigins) {
      const built = new Map<string, Map<number, FeatureRow>>();
      for (const t of horizonTargets(options.horizon, o, step)) {
        const a = valueAt(series, t);
        if (Number.isNaN(a)) continue;
        pointsExpected++;
        const missing = unavailableColumns(series, mainCfg.exogenous, t);
        const columns = mainCfg.exogenous.filter((c) => !missing.includes(c));
        for (const column of missing)
          countDecision(
            decisions,
            { stage: 'predict', kind: 'fallback-without', column },
            1,
            `${column} missing at the target: forecast by the fold's variant trained without it`,
          );
        const key = columns.join('\u0000');
        const g = groups.get(key) ?? { columns, rows: [], actual: [] };
        groups.set(key, g);
        let byTarget = built.get(key);
        if (byTarget === undefined) {
          const groupCfg: FeatureConfig = { ...mainCfg, exogenous: columns };
          byTarget = new Map(
            buildRows(series, groupCfg, [o], undefined, counters).rows.map((r) => [r.targetMs, r]),
          );
          built.set(key, byTarget);
        }
        const r = byTarget.get(t);
        if (r === undefined) continue;
        g.rows.push(r);
        g.actual.push(a);
      }
    }
    const mainKey = mainCfg.exogenous.join('\u0000');
    const testRows: FeatureRow[] = [];
    const testActual: number[] = [];
    const predictedAll: ForecastPoint[] = [];
    for (const [key, g] of groups) {
      let m: QuantileModel = model;
      if (key !== mainKey) {
        const tv = Date.now();
        m = await trainForecaster(series, { ...cfg, exogenous: g.columns }, trainOpts);
        const sv = (Date.now() - tv) / 1000;
        trainingSeconds += sv;
        modelsTrained.push({
          fold: f + 1,
          exogenous: [...m.metadata.exogenous],
          variant: true,
          trainingSeconds: sv,
        });
        log(
          `fold ${f + 1}/${nFolds}: variant without ${mainCfg.exogenous.filter((c) => !g.columns.includes(c)).join(', ')} for ${g.rows.length} targets`,
        );
      }
      // Rows of a variant are rebuilt with the variant's own column policy.
      const rows = m === model ? g.rows : rebuildRows(series, modelFeatureConfig(m), g.rows, counters);
      const actualByTarget = new Map(
        g.rows.map((r, i) => [`${r.originMs}/${r.targetMs}`, g.actual[i] ?? Number.NaN]),
      );
      const pred = predictGuarded(m, series, rows, decisions);
      const envelope = m.metadata.inputs?.envelope;
      rows.forEach((r, i) => {
        const p = pred[i];
        if (p === undefined) return;
        // Audit of the guard: a forecast the model kept must lie inside its envelope.
        if (
          p.replaced === undefined &&
          envelope !== undefined &&
          [p.p10, p.p50, p.p90].some((v) => !(v >= envelope.lower && v <= envelope.upper))
        )
          outsideUnflagged++;
        testRows.push(r);
        testActual.push(actualByTarget.get(`${r.originMs}/${r.targetMs}`) ?? Number.NaN);
        predictedAll.push(p);
      });
      if (m !== model) m.dispose();
    }
    counterDecisions(counters, 'predict', decisions);

    let foldAbs = 0;
    let foldInside = 0;
    let n = 0;
    let foldReplaced = 0;
    testRows.forEach((r, k) => {
      const a = testActual[k] ?? Number.NaN;
      const m = predictedAll[k];
      const v1 = persistence1d(series, r.originMs, r.targetMs);
      const v7 = persistence7d(series, r.originMs, r.targetMs);
      const vs = options.slp === undefined ? 0 : slpForecast(options.slp.profile, slpAnnual, r.targetMs);
      if (m === undefined || [a, v1, v7, vs].some((v) => Number.isNaN(v))) return;
      n++;
      actual.push(a);
      fc.model.push(m);
      fc.persistence1d.push(withInterval(v1, q1));
      fc.persistence7d.push(withInterval(v7, q7));
      fc.slp.push(withInterval(vs, qSlp));
      foldAbs += Math.abs(m.p50 - a);
      if (a >= m.p10 && a <= m.p90) foldInside++;
      if (m.replaced !== undefined) foldReplaced++;
      {
        const point: BacktestPoint = {
          fold: f + 1,
          originMs: r.originMs,
          targetMs: r.targetMs,
          actual: a,
          model: { p10: m.p10, p50: m.p50, p90: m.p90 },
          persistence1d: v1,
          persistence7d: v7,
          replaced: m.replaced !== undefined,
        };
        if (options.slp !== undefined) point.slp = vs;
        points.push(point);
      }
    });
    const meta = model.metadata.training;
    const foldExogenous = [...model.metadata.exogenous];
    const cal = model.metadata.calibration;
    model.dispose();
    replacedTotal += foldReplaced;
    expectedTotal += pointsExpected;
    const report: FoldReport = {
      fold: f + 1,
      firstOrigin: new Date(trainUntil).toISOString(),
      lastOrigin: new Date(foldOrigins[foldOrigins.length - 1] ?? trainUntil).toISOString(),
      origins: foldOrigins.length,
      n,
      trainingSamples: meta.samples + meta.validationSamples,
      trainingSeconds: seconds,
      bestEpoch: meta.bestEpoch,
      modelMae: n > 0 ? foldAbs / n : Number.NaN,
      modelCoverage: n > 0 ? foldInside / n : Number.NaN,
      pointsExpected,
      pointsScored: n,
      replaced: foldReplaced,
      exogenous: foldExogenous,
      ...(cal === undefined
        ? {}
        : {
            calibration: {
              method: cal.method,
              lowerFactor: cal.interval.pooled.lower,
              upperFactor: cal.interval.pooled.upper,
              samples: cal.fit.samples,
              coverageBefore: cal.fit.coverageBefore,
              coverageAfter: cal.fit.coverageAfter,
              windowDays: cal.windowDays,
              halfLifeDays: cal.halfLifeDays,
              meanAbsLevel: cal.fit.meanAbsLevel,
              levelWeight: cal.levelWeight,
              validationMaeBefore: cal.fit.maeBefore,
              validationMaeAfter: cal.fit.maeAfter,
              ...(cal.fit.joint === undefined ? {} : { joint: cal.fit.joint }),
              ...(cal.adaptive === undefined
                ? {}
                : {
                    adaptive: {
                      mode: cal.adaptive.mode ?? 'widen-only',
                      gain: cal.adaptive.gain,
                      days: cal.adaptive.days,
                    },
                  }),
            },
          }),
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
  const breakdown = errorBreakdown(points);
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
    pointsExpected: expectedTotal,
    pointsScored: actual.length,
    replaced: replacedTotal,
    outsideEnvelopeUnflagged: outsideUnflagged,
    inputDecisions: decisions,
    modelsTrained,
    staleTarget,
    errorByHour: breakdown.byHour,
    errorByDayType: breakdown.byDayType,
    ...(options.keepPoints === true ? { points } : {}),
  };
}
