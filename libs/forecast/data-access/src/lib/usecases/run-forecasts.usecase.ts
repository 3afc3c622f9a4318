import type { Pool } from 'pg';
import { toUtcInstant } from '@gridwerk/contracts';
import {
  type LoadSeries,
  type QuantileModel,
  bindGlobalModel,
  forecastGuarded,
  isForecastError,
  loadQuantileModel,
  parseGlobalBinding,
} from '@gridwerk/forecast/domain';
import { type JsonLogger } from '@gridwerk/shared/util-logging';
import { ForecastJobError, isForecastJobError } from '../errors';
import { buildForecastIssuedEvent, toContractPoints } from '../forecast-event';
import { type ForecastIssue, ForecastIssueRepository } from '../forecast-issue.repository';
import { ForecastModelRepository, type StoredModel } from '../forecast-model.repository';
import { ForecastGlobalModelRepository } from '../forecast-global-model.repository';
import { checkIssueTime } from '../horizon';
import { LoadSeriesRepository } from '../load-series.repository';
import { type OutboxPublisher, type RelayResult, relayOutbox } from '../outbox.relay';
import { type ForecastHorizonName, type SeriesRef } from '../series-id';
import { type ForecastJobMetrics } from '../forecast-metrics';
import { WeatherForecastRepository } from '../weather-forecast.repository';
import { DEFAULT_WEATHER_MAX_AGE_MS, attachWeather } from '../weather-inputs';

const DAY_MS = 86_400_000;
/**
 * History a forecast needs: lags up to 14 days before a target, imputed from up to 7 days earlier; the
 * targets lie up to ~1.6 days after the issue time. 22 days before the issue covers all of it.
 */
export const FORECAST_LOOKBACK_DAYS = 22;
/** Series per database transaction when writing. */
const WRITE_CHUNK = 100;

export interface RunForecastsCommand {
  series: readonly SeriesRef[] | 'all';
  horizon: ForecastHorizonName;
  issueTimeMs: number;
  /** Series not in the views (`custom:<name>` from CSV), by series id. */
  custom?: ReadonlyMap<string, LoadSeries>;
  /** Largest age of a weather vintage at a target's issue time (default 24 h); older = the feed stopped. */
  weatherMaxAgeMs?: number;
}

export type RunStatus = 'issued' | 'already-issued' | 'failed';

export interface RunSeriesResult {
  seriesId: string;
  status: RunStatus;
  modelVersion?: string;
  points?: number;
  /** Points replaced by the fallback baseline, by reason. */
  replaced?: { envelope: number; inputsMissing: number };
  /** The model needs weather and the feed did not cover every target: those targets fell back (flagged). */
  weatherFallback?: boolean;
  code?: string;
  message?: string;
}

export interface RunSummary {
  horizon: ForecastHorizonName;
  issueTime: string;
  results: RunSeriesResult[];
  issued: number;
  alreadyIssued: number;
  failed: number;
  relay?: RelayResult;
  seconds: { load: number; forecast: number; write: number; relay: number; total: number };
}

/**
 * `forecast run`: for each series with a promoted model, forecast at the issue time and commit rows, run
 * record and outbox event in one transaction; then relay the outbox. A series whose run record exists is
 * skipped (idempotent). Scales by loading all series' recent history with one query per view, caching
 * loaded models per version and writing in batches.
 */
export class RunForecastsUseCase {
  private readonly models: ForecastModelRepository;
  private readonly issues: ForecastIssueRepository;
  private readonly load: LoadSeriesRepository;
  private readonly weather: WeatherForecastRepository;
  /** Loaded TF models by series, horizon and version: a long-lived process (or a bench) loads each once. */
  private readonly cache = new Map<string, QuantileModel>();
  /** Shared networks of global models by version (each series' bound model is cheap and cached above). */
  private readonly globalCache = new Map<string, QuantileModel>();
  private readonly globalModels: ForecastGlobalModelRepository;

  constructor(
    private readonly db: Pool,
    seriesDb: Pool,
    private readonly log: JsonLogger,
    private readonly publisher?: OutboxPublisher,
    private readonly clock: () => number = Date.now,
    private readonly maxCachedModels = 2_000,
    private readonly metrics?: ForecastJobMetrics,
  ) {
    this.weather = new WeatherForecastRepository(db);
    this.models = new ForecastModelRepository(db);
    this.globalModels = new ForecastGlobalModelRepository(db);
    this.issues = new ForecastIssueRepository(db);
    this.load = new LoadSeriesRepository(seriesDb);
  }

  async execute(cmd: RunForecastsCommand): Promise<RunSummary> {
    const started = Date.now();
    checkIssueTime(cmd.horizon, cmd.issueTimeMs);
    const issueTime = toUtcInstant(cmd.issueTimeMs);
    const fromMs = cmd.issueTimeMs - FORECAST_LOOKBACK_DAYS * DAY_MS;
    const refs = cmd.series === 'all' ? await this.load.listSeries(fromMs, cmd.issueTimeMs) : cmd.series;
    const results: RunSeriesResult[] = [];
    const ids = refs.map((r) => r.id);

    const done = await this.issues.existingRuns(ids, cmd.horizon, issueTime);
    for (const id of done) {
      results.push({ seriesId: id, status: 'already-issued' });
      this.log.info('forecast already issued: nothing to do', {
        seriesId: id,
        horizon: cmd.horizon,
        issueTime,
      });
    }
    const todo = refs.filter((r) => !done.has(r.id));
    const promoted = await this.models.findPromoted(
      todo.map((r) => r.id),
      cmd.horizon,
    );
    const withModel: SeriesRef[] = [];
    for (const ref of todo) {
      if (promoted.has(ref.id)) withModel.push(ref);
      else
        results.push(
          this.failure(
            ref,
            new ForecastJobError(
              'RUN.NO_PROMOTED_MODEL',
              `series ${ref.id} has no promoted ${cmd.horizon} model (run "forecast train" first)`,
            ),
            cmd,
          ),
        );
    }
    const history = await this.load.loadMany(withModel, fromMs, cmd.issueTimeMs);
    const loadSeconds = (Date.now() - started) / 1000;

    const t1 = Date.now();
    const issues: ForecastIssue[] = [];
    const replacedBySeries = new Map<string, { envelope: number; inputsMissing: number }>();
    for (const ref of withModel) {
      const stored = promoted.get(ref.id);
      if (stored === undefined) continue;
      try {
        const series = ref.kind === 'custom' ? cmd.custom?.get(ref.id) : history.get(ref.id);
        if (series === undefined)
          throw new ForecastJobError('SERIES.NO_DATA', `custom series ${ref.id} needs its data from --csv`);
        const model = await this.modelFor(stored);
        const input = await this.withWeather(series, model, stored, cmd);
        const guarded = forecastGuarded(model, input, cmd.issueTimeMs);
        const points = toContractPoints(guarded.points);
        const replaced = {
          envelope: guarded.points.filter((p) => p.replaced === 'envelope').length,
          inputsMissing: guarded.points.filter((p) => p.replaced === 'inputs-missing').length,
        };
        replacedBySeries.set(ref.id, replaced);
        this.metrics?.countDecisions(guarded.decisions);
        this.metrics?.pointsReplaced.inc({ reason: 'envelope', horizon: cmd.horizon }, replaced.envelope);
        this.metrics?.pointsReplaced.inc(
          { reason: 'inputs-missing', horizon: cmd.horizon },
          replaced.inputsMissing,
        );
        if (replaced.inputsMissing > 0 && model.metadata.exogenous.some((c) => c.startsWith('weather_'))) {
          this.metrics?.weatherFallbackSeries.inc({ horizon: cmd.horizon });
          this.log.warn('weather missing for the model: targets forecast by its fallback baseline, flagged', {
            seriesId: ref.id,
            issueTime,
            weatherPointId: stored.weatherPointId,
            replaced: replaced.inputsMissing,
            of: guarded.points.length,
          });
        }
        if (guarded.decisions.length > 0 || guarded.staleTarget) {
          // Counted per decision kind (and column) in the log; the replaced points carry their reason.
          this.log.warn('forecast guard acted', {
            seriesId: ref.id,
            issueTime,
            staleTarget: guarded.staleTarget,
            decisions: guarded.decisions.map((d) => ({
              kind: d.kind,
              column: d.column ?? null,
              count: d.count,
              detail: d.detail,
            })),
          });
        }
        if (points.length === 0) {
          throw new ForecastJobError(
            'RUN.NO_FORECAST',
            `no target of ${ref.id} could be forecast at ${issueTime}: too little recent data (lags of up to ${FORECAST_LOOKBACK_DAYS} days are needed)`,
          );
        }
        const event = buildForecastIssuedEvent(
          ref,
          cmd.horizon,
          issueTime,
          stored.version,
          points,
          this.clock(),
        );
        issues.push({
          seriesId: ref.id,
          horizon: cmd.horizon,
          issueTime,
          modelVersion: stored.version,
          points,
          event,
        });
      } catch (e) {
        if (!isForecastError(e) && !isForecastJobError(e)) throw e;
        results.push(this.failure(ref, e, cmd));
      }
    }
    const forecastSeconds = (Date.now() - t1) / 1000;

    const t2 = Date.now();
    for (let i = 0; i < issues.length; i += WRITE_CHUNK) {
      const chunk = issues.slice(i, i + WRITE_CHUNK);
      const written = new Set(await this.issues.write(chunk));
      for (const issue of chunk) {
        const status: RunStatus = written.has(issue.seriesId) ? 'issued' : 'already-issued';
        const replaced = replacedBySeries.get(issue.seriesId);
        results.push({
          seriesId: issue.seriesId,
          status,
          modelVersion: issue.modelVersion,
          points: issue.points.length,
          ...(replaced === undefined ? {} : { replaced, weatherFallback: replaced.inputsMissing > 0 }),
        });
        this.log.info(
          status === 'issued' ? 'forecast issued' : 'forecast already issued by a concurrent run',
          {
            seriesId: issue.seriesId,
            horizon: cmd.horizon,
            issueTime,
            modelVersion: issue.modelVersion,
            points: issue.points.length,
          },
        );
      }
    }
    const writeSeconds = (Date.now() - t2) / 1000;

    const t3 = Date.now();
    let relay: RelayResult | undefined;
    if (this.publisher !== undefined) {
      relay = await relayOutbox(this.db, this.publisher);
      this.log.info('outbox relayed', { published: relay.published });
    }
    const relaySeconds = (Date.now() - t3) / 1000;
    const count = (s: RunStatus) => results.filter((r) => r.status === s).length;
    const round = (s: number) => Math.round(s * 100) / 100;
    return {
      horizon: cmd.horizon,
      issueTime,
      results,
      issued: count('issued'),
      alreadyIssued: count('already-issued'),
      failed: count('failed'),
      ...(relay === undefined ? {} : { relay }),
      seconds: {
        load: round(loadSeconds),
        forecast: round(forecastSeconds),
        write: round(writeSeconds),
        relay: round(relaySeconds),
        total: round((Date.now() - started) / 1000),
      },
    };
  }

  private failure(
    ref: SeriesRef,
    e: { code: string; message: string },
    cmd: RunForecastsCommand,
  ): RunSeriesResult {
    this.log.error('series could not be forecast', {
      seriesId: ref.id,
      horizon: cmd.horizon,
      code: e.code,
      reason: e.message,
    });
    return { seriesId: ref.id, status: 'failed', code: e.code, message: e.message };
  }

  /**
   * A model trained with weather gets the weather of its point by the vintage rule, over the history and
   * the targets; where no vintage is recent enough the columns stay missing and forecastGuarded falls back
   * (flagged `inputs-missing`).
   */
  private async withWeather(
    series: LoadSeries,
    model: QuantileModel,
    stored: StoredModel,
    cmd: RunForecastsCommand,
  ): Promise<LoadSeries> {
    if (!model.metadata.exogenous.some((c) => c.startsWith('weather_')) || stored.weatherPointId === null)
      return series;
    const w = await attachWeather(this.weather, series, stored.weatherPointId, model.metadata.horizon, {
      untilMs: cmd.issueTimeMs + 3 * DAY_MS,
      maxAgeMs: cmd.weatherMaxAgeMs ?? DEFAULT_WEATHER_MAX_AGE_MS,
    });
    if (Number.isFinite(w.latestIssueMs))
      this.metrics?.weatherFeedAge.set(
        { point: stored.weatherPointId },
        Math.max(0, (cmd.issueTimeMs - w.latestIssueMs) / 1000),
      );
    return w.series;
  }

  private async modelFor(stored: StoredModel): Promise<QuantileModel> {
    const key = `${stored.seriesId}|${stored.horizon}|${stored.version}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const model =
      stored.globalVersion === undefined || stored.globalVersion === null
        ? await loadQuantileModel(stored.artefact)
        : bindGlobalModel(await this.globalModel(stored.globalVersion), parseGlobalBinding(stored.artefact));
    if (this.cache.size >= this.maxCachedModels) {
      const [oldestKey, oldest] = this.cache.entries().next().value ?? [];
      if (oldestKey !== undefined) this.cache.delete(oldestKey);
      oldest?.dispose();
    }
    this.cache.set(key, model);
    return model;
  }

  private async globalModel(version: string): Promise<QuantileModel> {
    const hit = this.globalCache.get(version);
    if (hit !== undefined) return hit;
    const artefact = await this.globalModels.artefact(version);
    if (artefact === undefined)
      throw new ForecastJobError('RUN.NO_PROMOTED_MODEL', `global model ${version} is not in the registry`);
    const model = await loadQuantileModel(artefact);
    this.globalCache.set(version, model);
    return model;
  }

  /** Frees the cached TF models. */
  dispose(): void {
    for (const m of this.cache.values()) m.dispose();
    this.cache.clear();
    for (const m of this.globalCache.values()) m.dispose();
    this.globalCache.clear();
  }
}
