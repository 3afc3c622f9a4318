import { type FeatureConfig, type FeatureRow, buildFeatureRow, featureNames } from './features';
import { type Horizon, horizonOrigins, horizonTargets } from './horizons';
import { type QuantileForecast } from './metrics';
import { type QuantileModel, type TrainOptions, trainQuantileModel } from './model';
import { type LoadSeries, endMs, isKnownAt, valueAt } from './series';

const HOUR_MS = 3_600_000;

export interface RowSet {
  rows: FeatureRow[];
  /** Realised load per row (NaN when not known). */
  actual: number[];
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
): RowSet {
  const rows: FeatureRow[] = [];
  const actual: number[] = [];
  for (const o of origins) {
    for (const t of horizonTargets(cfg.horizon, o, series.stepMs)) {
      let a = Number.NaN;
      if (knownBy !== undefined) {
        if (!isKnownAt(series, t, knownBy)) continue;
        a = valueAt(series, t);
        if (Number.isNaN(a)) continue;
      } else a = valueAt(series, t);
      const row = buildFeatureRow(series, o, t, cfg);
      if (row === undefined) continue;
      rows.push(row);
      actual.push(a);
    }
  }
  return { rows, actual };
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
}

/** Builds training rows from a series (targets known by `untilMs`) and trains the quantile model. */
export async function trainForecaster(
  series: LoadSeries,
  cfg: FeatureConfig,
  options: TrainForecasterOptions = {},
): Promise<QuantileModel> {
  const untilMs = options.untilMs ?? endMs(series) + series.stepMs;
  const every = options.originEveryMs ?? defaultTrainingOriginEveryMs(cfg.horizon, series.stepMs);
  const origins = horizonOrigins(cfg.horizon, series.startMs, untilMs, series.stepMs, every);
  const set = buildRows(series, cfg, origins, untilMs);
  const max = options.maxTrainingSamples ?? 60_000;
  const from = Math.max(0, set.rows.length - max);
  return trainQuantileModel(
    {
      rows: set.rows.slice(from),
      actual: set.actual.slice(from),
      horizon: cfg.horizon,
      stepMs: series.stepMs,
      features: featureNames(cfg),
      exogenous: [...cfg.exogenous],
    },
    options,
  );
}

export interface ForecastPoint extends QuantileForecast {
  targetMs: number;
}

/** Forecast issued at `originMs` with a trained model; targets whose features are missing are left out. */
export function forecastAt(model: QuantileModel, series: LoadSeries, originMs: number): ForecastPoint[] {
  const cfg: FeatureConfig = { horizon: model.metadata.horizon, exogenous: model.metadata.exogenous };
  const { rows } = buildRows(series, cfg, [originMs]);
  return model.predict(rows).map((q, i) => ({ targetMs: rows[i]?.targetMs ?? Number.NaN, ...q }));
}
