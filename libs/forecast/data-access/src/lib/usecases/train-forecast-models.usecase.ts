import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import {
  type BacktestReport,
  type ForecastMetrics,
  type LoadSeries,
  endMs,
  formatHorizon,
  isForecastError,
  runBacktest,
  trainForecaster,
} from '@gridwerk/forecast/domain';
import { type JsonLogger } from '@gridwerk/shared/util-logging';
import { ForecastJobError, isForecastJobError } from '../errors';
import { ForecastModelRepository } from '../forecast-model.repository';
import { domainHorizon } from '../horizon';
import { LoadSeriesRepository, trimGaps } from '../load-series.repository';
import { type ForecastHorizonName, type SeriesRef } from '../series-id';
import { type ForecastJobMetrics } from '../forecast-metrics';
import { WeatherForecastRepository } from '../weather-forecast.repository';
import { type WeatherSelection, seriesWithWeather } from '../weather-inputs';

const DAY_MS = 86_400_000;

export interface TrainForecastModelsCommand {
  /** Explicit series, or every feeder, substation and the grid with data in the history window. */
  series: readonly SeriesRef[] | 'all';
  horizon: ForecastHorizonName;
  /** Day-ahead issue time, minutes after local midnight (default 600 = 10:00). */
  dayAheadIssueMinute: number;
  /** Train on data known at this instant; default now floored to the quarter hour (custom series: their end). */
  untilMs?: number;
  historyDays: number;
  /** Rolling-origin folds of the backtest that decides promotion. */
  folds: number;
  seed: number;
  maxEpochs?: number;
  /** Series not in the views (`custom:<name>` from CSV), by series id. */
  custom?: ReadonlyMap<string, LoadSeries>;
  /** Weather points by series and the largest vintage age used; absent: no weather. */
  weather?: WeatherSelection;
}

export type TrainStatus = 'promoted' | 'not-promoted' | 'unchanged' | 'failed';

export interface TrainSeriesResult {
  seriesId: string;
  status: TrainStatus;
  version?: string;
  modelMae?: number;
  bestBaseline?: string;
  bestBaselineMae?: number;
  improvementVsBestBaselinePct?: number;
  seconds?: number;
  /** The weather point used and the input columns the model kept (also in the model registry). */
  weatherPointId?: string;
  features?: string[];
  code?: string;
  message?: string;
}

export interface TrainSummary {
  horizon: ForecastHorizonName;
  until: string;
  results: TrainSeriesResult[];
  promoted: number;
  notPromoted: number;
  unchanged: number;
  failed: number;
}

/** Metrics stored with a model: the backtest of the model and of every baseline on the same pairs. */
export interface StoredMetrics {
  backtest: { horizon: string; testFrom: string; folds: number; n: number; trainingSeconds: number };
  model: ForecastMetrics;
  baselines: Record<string, ForecastMetrics>;
  bestBaseline: string;
  improvementVsBestBaselinePct: number;
}

function bestBaselineOf(report: BacktestReport): { name: string; metrics: ForecastMetrics } {
  const { model: _model, ...baselines } = report.models;
  let best: { name: string; metrics: ForecastMetrics } | undefined;
  for (const [name, metrics] of Object.entries(baselines)) {
    if (metrics !== undefined && (best === undefined || metrics.mae < best.metrics.mae))
      best = { name, metrics };
  }
  if (best === undefined) throw new Error('backtest report without baselines');
  return best;
}

/**
 * Version of a model: horizon, training cut-off and a hash of everything the training depends on (data,
 * horizon settings, training settings). The same inputs give the same version, so a rerun finds it and
 * changes nothing.
 */
export function modelVersion(
  series: LoadSeries,
  horizon: ForecastHorizonName,
  untilMs: number,
  settings: Record<string, unknown>,
): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      horizon,
      untilMs,
      startMs: series.startMs,
      stepMs: series.stepMs,
      settings,
      exogenous: Object.keys(series.exogenous).sort(),
    }),
  );
  h.update(Buffer.from(series.values.buffer, series.values.byteOffset, series.values.byteLength));
  for (const k of Object.keys(series.exogenous).sort()) {
    const col = series.exogenous[k];
    if (col !== undefined) h.update(Buffer.from(col.buffer, col.byteOffset, col.byteLength));
  }
  const until = new Date(untilMs).toISOString().replace(/\.000Z$/, 'Z');
  return `${horizon}-${until}-${h.digest('hex').slice(0, 16)}`;
}

/** The instant a training job trains on data known at: the given one, or now floored to the quarter hour. */
export function trainingCutOff(untilMs: number | undefined, clock: () => number): number {
  return untilMs ?? Math.floor(clock() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
}

const QUARTER_HOUR_MS = 900_000;

/** [fromMs, untilMs) of a series, trimmed of leading/trailing gaps. */
function window(series: LoadSeries, fromMs: number, untilMs: number): LoadSeries | undefined {
  const a = Math.max(0, Math.ceil((fromMs - series.startMs) / series.stepMs));
  const b = Math.min(
    series.values.length,
    Math.max(0, Math.ceil((untilMs - series.startMs) / series.stepMs)),
  );
  if (b <= a) return undefined;
  const exogenous: Record<string, Float64Array> = {};
  for (const [k, col] of Object.entries(series.exogenous)) exogenous[k] = col.slice(a, b);
  return trimGaps({
    ...series,
    startMs: series.startMs + a * series.stepMs,
    values: series.values.slice(a, b),
    exogenous,
  });
}

/**
 * `forecast train`: per series, a rolling-origin backtest of model and baselines, then the model trained on
 * all history, stored as a versioned artefact with its backtest metrics. Promoted only if its MAE beats the
 * best baseline's. A series that cannot be trained (too little history, no data) is reported, the others go on.
 */
export class TrainForecastModelsUseCase {
  private readonly models: ForecastModelRepository;
  private readonly load: LoadSeriesRepository;
  private readonly weather: WeatherForecastRepository;

  constructor(
    db: Pool,
    seriesDb: Pool,
    private readonly log: JsonLogger,
    private readonly clock: () => number = Date.now,
    private readonly metrics?: ForecastJobMetrics,
  ) {
    this.models = new ForecastModelRepository(db);
    this.load = new LoadSeriesRepository(seriesDb);
    this.weather = new WeatherForecastRepository(db);
  }

  async execute(cmd: TrainForecastModelsCommand): Promise<TrainSummary> {
    const viewUntil = trainingCutOff(cmd.untilMs, this.clock);
    const fromMs = viewUntil - cmd.historyDays * DAY_MS;
    const refs = cmd.series === 'all' ? await this.load.listSeries(fromMs, viewUntil) : cmd.series;
    if (refs.length === 0)
      this.log.warn('no series to train', {
        from: new Date(fromMs).toISOString(),
        until: new Date(viewUntil).toISOString(),
      });
    const loaded = await this.load.loadMany(refs, fromMs, viewUntil);
    const results: TrainSeriesResult[] = [];
    for (const ref of refs) {
      const t0 = Date.now();
      let result: TrainSeriesResult;
      try {
        result = await this.trainOne(ref, cmd, loaded.get(ref.id), viewUntil);
      } catch (e) {
        if (!isForecastError(e) && !isForecastJobError(e)) throw e;
        result = { seriesId: ref.id, status: 'failed', code: e.code, message: e.message };
        this.log.error('series could not be trained', {
          seriesId: ref.id,
          horizon: cmd.horizon,
          code: e.code,
          reason: e.message,
        });
      }
      results.push({ ...result, seconds: Math.round((Date.now() - t0) / 100) / 10 });
    }
    const count = (s: TrainStatus) => results.filter((r) => r.status === s).length;
    return {
      horizon: cmd.horizon,
      until: new Date(viewUntil).toISOString(),
      results,
      promoted: count('promoted'),
      notPromoted: count('not-promoted'),
      unchanged: count('unchanged'),
      failed: count('failed'),
    };
  }

  private async trainOne(
    ref: SeriesRef,
    cmd: TrainForecastModelsCommand,
    fromView: LoadSeries | undefined,
    viewUntil: number,
  ): Promise<TrainSeriesResult> {
    const custom = ref.kind === 'custom' ? cmd.custom?.get(ref.id) : undefined;
    if (ref.kind === 'custom' && custom === undefined) {
      throw new ForecastJobError('SERIES.NO_DATA', `custom series ${ref.id} needs its data from --csv`, {
        seriesId: ref.id,
      });
    }
    const untilMs = custom === undefined ? viewUntil : (cmd.untilMs ?? endMs(custom) + custom.stepMs);
    const raw = custom ?? fromView;
    const windowed =
      raw === undefined
        ? undefined
        : window({ ...raw, name: ref.id }, untilMs - cmd.historyDays * DAY_MS, untilMs);
    if (windowed === undefined) {
      throw new ForecastJobError(
        'SERIES.NO_DATA',
        `series ${ref.id} has no data in the ${cmd.historyDays} days before ${new Date(untilMs).toISOString()}`,
        { seriesId: ref.id },
      );
    }
    const horizon = domainHorizon(cmd.horizon, cmd.dayAheadIssueMinute);
    const { series, weatherPointId } = await seriesWithWeather(
      this.weather,
      this.log,
      windowed,
      ref.id,
      horizon,
      cmd.weather,
    );
    const settings = {
      horizon: formatHorizon(horizon),
      issueMinute: cmd.dayAheadIssueMinute,
      folds: cmd.folds,
      seed: cmd.seed,
      maxEpochs: cmd.maxEpochs ?? null,
      historyDays: cmd.historyDays,
      // only with weather: a series without it keeps the version it had before weather existed
      ...(cmd.weather !== undefined && weatherPointId !== undefined
        ? { weatherPointId, weatherMaxAgeMs: cmd.weather.maxAgeMs }
        : {}),
    };
    const version = modelVersion(series, cmd.horizon, untilMs, settings);
    const existing = await this.models.find(ref.id, cmd.horizon, version);
    if (existing !== undefined) {
      this.log.info('model version exists already: nothing to do', {
        seriesId: ref.id,
        horizon: cmd.horizon,
        version,
        promoted: existing.promoted,
      });
      return { seriesId: ref.id, status: 'unchanged', version };
    }
    const train = { seed: cmd.seed, ...(cmd.maxEpochs === undefined ? {} : { maxEpochs: cmd.maxEpochs }) };
    const exogenous = Object.keys(series.exogenous);
    const report = await runBacktest(series, { horizon, exogenous, folds: cmd.folds, train });
    const best = bestBaselineOf(report);
    const modelMae = report.models.model.mae;
    const promote = Number.isFinite(modelMae) && modelMae < best.metrics.mae;
    const model = await trainForecaster(series, { horizon, exogenous }, { ...train, untilMs });
    const { model: modelMetrics, ...baselines } = report.models;
    const metrics: StoredMetrics = {
      backtest: {
        horizon: report.horizon,
        testFrom: report.testFrom,
        folds: report.folds,
        n: report.n,
        trainingSeconds: report.trainingSeconds,
      },
      model: modelMetrics,
      baselines,
      bestBaseline: best.name,
      improvementVsBestBaselinePct: report.improvementVsBestBaselinePct,
    };
    let artefact: unknown;
    try {
      artefact = await model.toArtefact({
        mae: modelMetrics.mae,
        rmse: modelMetrics.rmse,
        pinball: modelMetrics.pinball,
        coverage: modelMetrics.coverage,
      });
    } finally {
      model.dispose();
    }
    const trainedAt = model.metadata.trainedAt;
    const features = [...model.metadata.exogenous];
    const usesWeather = features.some((f) => f.startsWith('weather_'));
    this.metrics?.countDecisions(report.inputDecisions);
    await this.models.save(
      {
        seriesId: ref.id,
        seriesKind: ref.kind,
        horizon: cmd.horizon,
        version,
        trainedAt,
        artefact,
        metrics,
        features,
        ...(usesWeather && weatherPointId !== undefined ? { weatherPointId } : {}),
      },
      promote,
    );
    const fields = {
      seriesId: ref.id,
      horizon: cmd.horizon,
      version,
      modelMae,
      bestBaseline: best.name,
      bestBaselineMae: best.metrics.mae,
      improvementVsBestBaselinePct: report.improvementVsBestBaselinePct,
      n: report.n,
      features,
      weatherPointId: usesWeather ? (weatherPointId ?? null) : null,
    };
    if (promote) this.log.info('model trained and promoted', fields);
    else this.log.warn('model trained but NOT promoted: its MAE does not beat the best baseline', fields);
    return {
      seriesId: ref.id,
      status: promote ? 'promoted' : 'not-promoted',
      version,
      modelMae,
      bestBaseline: best.name,
      bestBaselineMae: best.metrics.mae,
      improvementVsBestBaselinePct: report.improvementVsBestBaselinePct,
      features,
      ...(usesWeather && weatherPointId !== undefined ? { weatherPointId } : {}),
    };
  }
}
