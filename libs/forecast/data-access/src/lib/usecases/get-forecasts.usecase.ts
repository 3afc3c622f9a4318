import type { Pool } from 'pg';
import { parseIsoTimestamp } from '@gridwerk/forecast/domain';
import { ForecastJobError } from '../errors';
import { ForecastIssueRepository } from '../forecast-issue.repository';
import { ForecastModelRepository } from '../forecast-model.repository';
import { LoadSeriesRepository } from '../load-series.repository';
import { type ForecastHorizonName, HORIZON_NAMES, isHorizonName, parseSeriesId } from '../series-id';

const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 900_000;
export const MAX_QUERY_DAYS = 93;

/** Raw query parameters as they arrive (HTTP); validated into a typed query by `parseGetForecastsQuery`. */
export interface GetForecastsParams {
  seriesId: string;
  horizon?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface GetForecastsQuery {
  seriesId: string;
  horizon: ForecastHorizonName;
  fromMs: number;
  toMs: number;
}

export interface ForecastsView {
  seriesId: string;
  horizon: ForecastHorizonName;
  model: {
    version: string;
    trainedAt: string;
    metrics: unknown;
    /** Input columns the model was trained with (weather_* = weather forecasts by vintage). */
    features: string[];
    weatherPointId: string | null;
  } | null;
  points: {
    targetStart: string;
    p10Wh: number;
    p50Wh: number;
    p90Wh: number;
    issueTime: string;
    actualWh: number | null;
    /** Present when the point is the fallback baseline, not the model's forecast (see the contract). */
    replaced?: 'envelope' | 'inputs-missing';
  }[];
}

function instant(name: string, text: string | undefined): number {
  if (text === undefined || text === '')
    throw new ForecastJobError(
      'REQUEST.INVALID',
      `query parameter "${name}" is required (ISO-8601 with offset or Z)`,
    );
  const ms = parseIsoTimestamp(text);
  if (ms === undefined)
    throw new ForecastJobError(
      'REQUEST.INVALID',
      `query parameter "${name}" must be an ISO-8601 timestamp with offset or Z, got "${text}"`,
    );
  return ms;
}

/** Validates the parameters; throws REQUEST.INVALID / SERIES.BAD_ID with a message naming the parameter. */
export function parseGetForecastsQuery(p: GetForecastsParams): GetForecastsQuery {
  const ref = parseSeriesId(p.seriesId);
  const horizon = p.horizon ?? 'day-ahead';
  if (!isHorizonName(horizon))
    throw new ForecastJobError(
      'REQUEST.INVALID',
      `query parameter "horizon" must be one of ${HORIZON_NAMES.join(', ')}, got "${horizon}"`,
    );
  const fromMs = instant('from', p.from);
  const toMs = instant('to', p.to);
  if (!(fromMs < toMs)) throw new ForecastJobError('REQUEST.INVALID', `"from" must be before "to"`);
  if (toMs - fromMs > MAX_QUERY_DAYS * DAY_MS)
    throw new ForecastJobError(
      'REQUEST.INVALID',
      `the range from..to may span at most ${MAX_QUERY_DAYS} days`,
    );
  return { seriesId: ref.id, horizon, fromMs, toMs };
}

/**
 * `GET /forecasts/:seriesId`: the latest issued quantiles per target step in the range, with the realised
 * load where it is known, and the promoted model's version and backtest metrics.
 */
export class GetForecastsUseCase {
  private readonly models: ForecastModelRepository;
  private readonly issues: ForecastIssueRepository;
  private readonly load: LoadSeriesRepository;

  constructor(db: Pool, seriesDb: Pool) {
    this.models = new ForecastModelRepository(db);
    this.issues = new ForecastIssueRepository(db);
    this.load = new LoadSeriesRepository(seriesDb);
  }

  async execute(params: GetForecastsParams): Promise<ForecastsView> {
    const q = parseGetForecastsQuery(params);
    if (!(await this.models.isKnown(q.seriesId))) {
      throw new ForecastJobError(
        'SERIES.UNKNOWN',
        `no model and no forecast known for series "${q.seriesId}"`,
        { seriesId: q.seriesId },
      );
    }
    const ref = parseSeriesId(q.seriesId);
    const alignedFrom = Math.floor(q.fromMs / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
    const [model, points, actuals] = await Promise.all([
      this.models.findPromotedMeta(q.seriesId, q.horizon),
      this.issues.latestPoints(q.seriesId, q.horizon, q.fromMs, q.toMs),
      ref.kind === 'custom'
        ? Promise.resolve(new Map<number, number>())
        : this.load.actuals(ref, alignedFrom, q.toMs),
    ]);
    return {
      seriesId: q.seriesId,
      horizon: q.horizon,
      model:
        model === undefined
          ? null
          : {
              version: model.version,
              trainedAt: model.trainedAt,
              metrics: model.metrics,
              features: model.features,
              weatherPointId: model.weatherPointId,
            },
      points: points.map((p) => ({ ...p, actualWh: actuals.get(Date.parse(p.targetStart)) ?? null })),
    };
  }
}
