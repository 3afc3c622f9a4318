import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import {
  type GlobalSeriesInput,
  type LoadSeries,
  formatHorizon,
  globalPromotionDecision,
  runGlobalBacktest,
  shardOf,
  trainGlobalModel,
} from '@gridwerk/forecast/domain';
import { type JsonLogger } from '@gridwerk/shared/util-logging';
import { type ForecastJobMetrics } from '../forecast-metrics';
import { ForecastGlobalModelRepository, type GlobalSeriesRow } from '../forecast-global-model.repository';
import { domainHorizon } from '../horizon';
import { LoadSeriesRepository, trimGaps } from '../load-series.repository';
import { SeriesStaticsRepository } from '../series-statics.repository';
import { type ForecastHorizonName, type SeriesRef } from '../series-id';
import { WeatherForecastRepository } from '../weather-forecast.repository';
import { type WeatherSelection, seriesWithWeather } from '../weather-inputs';
import { trainingCutOff } from './train-forecast-models.usecase';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface TrainGlobalModelCommand {
  /** Explicit series (custom series are not supported), or every series with data in the history window. */
  series: readonly SeriesRef[] | 'all';
  horizon: ForecastHorizonName;
  dayAheadIssueMinute: number;
  untilMs?: number;
  historyDays: number;
  /** Days at the end of the history the promotion backtest scores (one fold). */
  testDays: number;
  /** This job's shard (the Indexed Job's completion index) and the number of shards. */
  shardIndex: number;
  shardCount: number;
  seed: number;
  maxEpochs?: number;
  /** Pooled training pairs at most (default: the domain's 100,000). */
  maxSamples?: number;
  /**
   * Weather points by series and the largest vintage age, as for per-series training; absent: no weather.
   * The global model uses the weather columns every series of the shard has (one network, one input layout).
   */
  weather?: WeatherSelection;
}

export type GlobalSeriesStatus = 'promoted' | 'not-promoted' | 'skipped';

export interface GlobalSeriesResult {
  seriesId: string;
  status: GlobalSeriesStatus;
  modelMae?: number;
  bestBaseline?: string;
  bestBaselineMae?: number;
  incumbentMae?: number;
  reason: string;
}

export interface GlobalTrainSummary {
  horizon: ForecastHorizonName;
  until: string;
  shard: { index: number; count: number };
  /** 'trained', or 'unchanged' when this version exists already (same data and settings). */
  status: 'trained' | 'unchanged' | 'no-series';
  version?: string;
  series: number;
  promoted: number;
  notPromoted: number;
  skipped: number;
  samples?: number;
  topologyStatics: boolean;
  /** Weather columns the model was trained with (those every series of the shard has). */
  weatherColumns: string[];
  results: GlobalSeriesResult[];
  seconds: { load: number; backtest: number; final: number; save: number; total: number };
}

/** Version of a shard's global model: horizon, cut-off, shard and a hash of every series' data and the settings. */
export function globalModelVersion(
  series: readonly LoadSeries[],
  horizon: ForecastHorizonName,
  untilMs: number,
  settings: Record<string, unknown>,
): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ horizon, untilMs, settings }));
  for (const s of [...series].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    h.update(JSON.stringify({ name: s.name, startMs: s.startMs, stepMs: s.stepMs }));
    h.update(Buffer.from(s.values.buffer, s.values.byteOffset, s.values.byteLength));
    // weather columns (none without weather: such a version is what it was before weather existed)
    for (const k of Object.keys(s.exogenous).sort()) {
      const col = s.exogenous[k];
      if (col === undefined) continue;
      h.update(k);
      h.update(Buffer.from(col.buffer, col.byteOffset, col.byteLength));
    }
  }
  const until = new Date(untilMs).toISOString().replace(/\.000Z$/, 'Z');
  return `global-${horizon}-${until}-${h.digest('hex').slice(0, 16)}`;
}

/**
 * `forecast train --global`: one global model for the series of this shard (series hashed onto
 * `shardCount` shards, so N completions of an Indexed Job split a city without coordination). A one-fold
 * backtest over the last `testDays` scores the global model per series against the persistence baselines;
 * the final model is trained on all history and stored once; each series gets its own row (binding +
 * metrics) and is promoted only where the backtest beats the baselines and the series' promoted model.
 */
export class TrainGlobalModelUseCase {
  private readonly models: ForecastGlobalModelRepository;
  private readonly load: LoadSeriesRepository;
  private readonly statics: SeriesStaticsRepository;
  private readonly weather: WeatherForecastRepository;

  constructor(
    db: Pool,
    seriesDb: Pool,
    private readonly log: JsonLogger,
    private readonly clock: () => number = Date.now,
    private readonly metrics?: ForecastJobMetrics,
  ) {
    this.models = new ForecastGlobalModelRepository(db);
    this.load = new LoadSeriesRepository(seriesDb);
    this.statics = new SeriesStaticsRepository(seriesDb);
    this.weather = new WeatherForecastRepository(db);
  }

  async execute(cmd: TrainGlobalModelCommand): Promise<GlobalTrainSummary> {
    const started = Date.now();
    const untilMs = trainingCutOff(cmd.untilMs, this.clock);
    const fromMs = untilMs - cmd.historyDays * DAY_MS;
    const all = cmd.series === 'all' ? await this.load.listSeries(fromMs, untilMs) : cmd.series;
    const refs = all.filter((r) => r.kind !== 'custom' && shardOf(r.id, cmd.shardCount) === cmd.shardIndex);
    const shard = { index: cmd.shardIndex, count: cmd.shardCount };
    const base = {
      horizon: cmd.horizon,
      until: new Date(untilMs).toISOString(),
      shard,
    };
    this.log.info('global model: series of this shard', { ...base, series: refs.length, of: all.length });
    const results: GlobalSeriesResult[] = [];
    const loaded = await this.load.loadMany(refs, fromMs, untilMs);
    const { statics, topology } = await this.statics.load(refs);
    if (!topology)
      this.log.warn(
        'no grid topology in the series database: the global model runs without static features',
        {
          ...base,
        },
      );
    const horizon = domainHorizon(cmd.horizon, cmd.dayAheadIssueMinute);
    const inputs: GlobalSeriesInput[] = [];
    const kindOf = new Map(refs.map((r) => [r.id, r.kind]));
    const weatherOf = new Map<string, string>();
    let weatherColumns: string[] | undefined;
    for (const ref of refs) {
      const raw = loaded.get(ref.id);
      const s = raw === undefined ? undefined : trimGaps(raw);
      if (s === undefined) {
        results.push({
          seriesId: ref.id,
          status: 'skipped',
          reason: 'SERIES.NO_DATA: no data in the history window',
        });
        continue;
      }
      const w = await seriesWithWeather(this.weather, this.log, s, ref.id, horizon, cmd.weather);
      if (w.weatherPointId !== undefined) weatherOf.set(ref.id, w.weatherPointId);
      weatherColumns =
        weatherColumns === undefined ? w.columns : weatherColumns.filter((c) => w.columns.includes(c));
      const st = statics.get(ref.id);
      inputs.push({ series: w.series, ...(st === undefined ? {} : { statics: st }) });
    }
    const exogenous = [...(weatherColumns ?? [])].sort();
    if (cmd.weather !== undefined)
      this.log.info('global model: weather columns every series has', { ...base, columns: exogenous });
    const loadSeconds = (Date.now() - started) / 1000;
    const count = (st: GlobalSeriesStatus) => results.filter((r) => r.status === st).length;
    const summary = (
      status: GlobalTrainSummary['status'],
      extra: Partial<GlobalTrainSummary>,
      seconds: Partial<GlobalTrainSummary['seconds']>,
    ): GlobalTrainSummary => ({
      ...base,
      status,
      series: refs.length,
      promoted: count('promoted'),
      notPromoted: count('not-promoted'),
      skipped: count('skipped'),
      topologyStatics: topology,
      weatherColumns: exogenous,
      results,
      ...extra,
      seconds: {
        load: round(loadSeconds),
        backtest: 0,
        final: 0,
        save: 0,
        ...seconds,
        total: round((Date.now() - started) / 1000),
      },
    });
    if (inputs.length === 0) {
      this.log.warn('global model: no series with data in this shard', base);
      return summary('no-series', {}, {});
    }
    const settings = {
      horizon: formatHorizon(horizon),
      issueMinute: cmd.dayAheadIssueMinute,
      historyDays: cmd.historyDays,
      testDays: cmd.testDays,
      seed: cmd.seed,
      maxEpochs: cmd.maxEpochs ?? null,
      maxSamples: cmd.maxSamples ?? null,
      shard,
      statics: [...statics.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      // only with weather: without it a shard keeps the version it had before weather existed
      ...(exogenous.length > 0
        ? {
            exogenous,
            weatherMaxAgeMs: cmd.weather?.maxAgeMs ?? null,
            weatherPoints: [...weatherOf.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
          }
        : {}),
    };
    const version = globalModelVersion(
      inputs.map((i) => i.series),
      cmd.horizon,
      untilMs,
      settings,
    );
    if (await this.models.exists(version)) {
      this.log.info('global model version exists already: nothing to do', { ...base, version });
      return summary('unchanged', { version }, {});
    }
    const train = {
      seed: cmd.seed,
      ...(cmd.maxEpochs === undefined ? {} : { maxEpochs: cmd.maxEpochs }),
      ...(cmd.maxSamples === undefined ? {} : { maxSamples: cmd.maxSamples }),
      progress: (m: string) => this.log.info(m, { ...base }),
      log: () => undefined,
    };

    const t1 = Date.now();
    const backtest = await runGlobalBacktest(inputs, {
      horizon,
      exogenous,
      testFromMs: untilMs - cmd.testDays * DAY_MS,
      folds: 1,
      originEveryMs: 4 * HOUR_MS,
      train,
      log: (m) => this.log.info(m, { ...base }),
    });
    const backtestSeconds = (Date.now() - t1) / 1000;
    this.metrics?.countDecisions(backtest.decisions);

    const t2 = Date.now();
    const final = await trainGlobalModel(inputs, { ...train, horizon, exogenous, untilMs });
    const finalSeconds = (Date.now() - t2) / 1000;

    const t3 = Date.now();
    const incumbent = await this.models.incumbentMae(
      inputs.map((i) => i.series.name),
      cmd.horizon,
    );
    const rows: GlobalSeriesRow[] = [];
    const scored = new Map(backtest.series.map((s) => [s.series, s]));
    const skippedWhy = new Map([...backtest.skipped, ...final.skipped].map((s) => [s.series, s]));
    for (const input of inputs) {
      const id = input.series.name;
      const binding = final.bindings.get(id);
      const bt = scored.get(id);
      if (binding === undefined || bt === undefined) {
        const why = skippedWhy.get(id);
        results.push({
          seriesId: id,
          status: 'skipped',
          reason: why === undefined ? 'no backtest point scored' : `${why.code}: ${why.message}`,
        });
        continue;
      }
      const inc = incumbent.get(id);
      const point = weatherOf.get(id);
      const decision = globalPromotionDecision(bt, inc);
      const { model, persistence1d, persistence7d } = bt;
      rows.push({
        seriesId: id,
        seriesKind: kindOf.get(id) ?? 'feeder',
        binding,
        metrics: {
          backtest: {
            horizon: backtest.horizon,
            testFrom: backtest.testFrom,
            folds: backtest.folds,
            n: bt.n,
            trainingSeconds: backtest.trainingSeconds,
          },
          model,
          baselines: { persistence1d, persistence7d },
          bestBaseline: bt.bestBaseline,
          improvementVsBestBaselinePct: bt.improvementVsBestBaselinePct,
          global: { version, shard, incumbentMae: inc ?? null, decision: decision.reason },
        },
        features: [...final.model.metadata.exogenous],
        ...(exogenous.length > 0 && point !== undefined ? { weatherPointId: point } : {}),
        promote: decision.promote,
      });
      results.push({
        seriesId: id,
        status: decision.promote ? 'promoted' : 'not-promoted',
        modelMae: model.mae,
        bestBaseline: bt.bestBaseline,
        bestBaselineMae: bt.bestBaselineMae,
        ...(inc === undefined ? {} : { incumbentMae: inc }),
        reason: decision.reason,
      });
    }
    let artefact: unknown;
    try {
      artefact = await final.model.toArtefact();
    } finally {
      final.model.dispose();
    }
    await this.models.save(
      {
        version,
        horizon: cmd.horizon,
        shardIndex: cmd.shardIndex,
        shardCount: cmd.shardCount,
        trainedAt: final.model.metadata.trainedAt,
        artefact,
        metrics: {
          samples: final.samples,
          samplesPerSeries: final.samplesPerSeries,
          training: final.model.metadata.training,
          backtest: { testFrom: backtest.testFrom, samples: backtest.samplesPerFold },
          skipped: [...skippedWhy.values()],
        },
      },
      rows,
    );
    const saveSeconds = (Date.now() - t3) / 1000;
    const out = summary(
      'trained',
      { version, samples: final.samples },
      { backtest: round(backtestSeconds), final: round(finalSeconds), save: round(saveSeconds) },
    );
    this.log.info('global model trained and stored', {
      ...base,
      version,
      series: out.series,
      promoted: out.promoted,
      notPromoted: out.notPromoted,
      skipped: out.skipped,
      samples: final.samples,
      seconds: out.seconds,
    });
    return out;
  }
}

function round(s: number): number {
  return Math.round(s * 100) / 100;
}
