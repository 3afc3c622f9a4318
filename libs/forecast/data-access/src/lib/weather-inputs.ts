import { type Horizon, type LoadSeries, weatherColumnsAsOf, weatherKnownAt } from '@gridwerk/forecast/domain';
import { type JsonLogger } from '@gridwerk/shared/util-logging';
import { ForecastJobError } from './errors';
import { type WeatherForecastRepository } from './weather-forecast.repository';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Which weather point each series uses: `FORECAST_WEATHER_POINTS`, a comma-separated list of
 * `<series id>=<weather point>` and optionally `*=<weather point>` for every other series — the nearest
 * MOSMIX station of a substation (`forecast weather nearest` finds it) or the simulator's grid point
 * (`sim-leipzig`). Empty: no weather.
 */
export interface WeatherPointMap {
  defaultPoint?: string;
  bySeries: ReadonlyMap<string, string>;
}

export function parseWeatherPoints(text: string | undefined): WeatherPointMap {
  const bySeries = new Map<string, string>();
  let defaultPoint: string | undefined;
  for (const part of (text ?? '').split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.lastIndexOf('=');
    const series = eq < 0 ? '' : item.slice(0, eq).trim();
    const point = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (series === '' || point === '' || point.length > 128)
      throw new ForecastJobError(
        'REQUEST.INVALID',
        `weather points: "${item}" is not <series id>=<weather point> or *=<weather point>`,
      );
    if (series === '*') defaultPoint = point;
    else bySeries.set(series, point);
  }
  return { ...(defaultPoint === undefined ? {} : { defaultPoint }), bySeries };
}

export function weatherPointOf(map: WeatherPointMap, seriesId: string): string | undefined {
  return map.bySeries.get(seriesId) ?? map.defaultPoint;
}

export interface SeriesWithWeather {
  series: LoadSeries;
  /** Weather columns attached (empty: no vintage applied anywhere). */
  columns: string[];
  vintages: number;
  /** Latest issue time among the vintages read, NaN if none. */
  latestIssueMs: number;
}

/**
 * Attaches the weather of a point to a series by the vintage rule (`weatherColumnsAsOf`): each target gets
 * the latest vintage issued up to its forecast's issue time (day-ahead: the issue time of its delivery day;
 * intraday: t − duration), at most `maxAgeMs` old. The grid is extended with missing load up to `untilMs`, so
 * that the targets of a run (after the issue time) get their weather too.
 */
export async function attachWeather(
  repo: WeatherForecastRepository,
  series: LoadSeries,
  pointId: string,
  horizon: Horizon,
  opts: { untilMs?: number; maxAgeMs: number },
): Promise<SeriesWithWeather> {
  const end = Math.max(series.startMs + series.values.length * series.stepMs, opts.untilMs ?? 0);
  const length = Math.round((end - series.startMs) / series.stepMs);
  const knownAt = (t: number): number => weatherKnownAt(horizon, t);
  const firstKnown = knownAt(series.startMs) - opts.maxAgeMs - DAY_MS;
  const lastKnown = knownAt(end);
  const vintages = await repo.vintages(pointId, firstKnown, lastKnown + 1);
  const { columns } = weatherColumnsAsOf(
    vintages,
    { startMs: series.startMs, stepMs: series.stepMs, length },
    { knownAt, maxAgeMs: opts.maxAgeMs },
  );
  const values = new Float64Array(length).fill(Number.NaN);
  values.set(series.values.subarray(0, Math.min(length, series.values.length)));
  const exogenous: Record<string, Float64Array> = {};
  for (const [k, col] of Object.entries(series.exogenous)) {
    const c = new Float64Array(length).fill(Number.NaN);
    c.set(col.subarray(0, Math.min(length, col.length)));
    exogenous[k] = c;
  }
  const attached: string[] = [];
  for (const [k, col] of Object.entries(columns)) {
    if (col.some((v) => Number.isFinite(v))) {
      exogenous[k] = col;
      attached.push(k);
    }
  }
  return {
    series: { ...series, values, exogenous },
    columns: attached,
    vintages: vintages.length,
    latestIssueMs: vintages.length === 0 ? Number.NaN : Math.max(...vintages.map((v) => v.issueTimeMs)),
  };
}

export const DEFAULT_WEATHER_MAX_AGE_MS = 24 * HOUR_MS;

/** Where a training job's series get their weather: the point map and the largest vintage age used. */
export interface WeatherSelection {
  points: WeatherPointMap;
  maxAgeMs: number;
}

/**
 * A training series with the weather of its point attached by vintage (`attachWeather`), logged; the series
 * unchanged when no weather is configured for it. Shared by per-series and global training.
 */
export async function seriesWithWeather(
  repo: WeatherForecastRepository,
  log: JsonLogger,
  series: LoadSeries,
  seriesId: string,
  horizon: Horizon,
  weather: WeatherSelection | undefined,
): Promise<{ series: LoadSeries; weatherPointId?: string; columns: string[] }> {
  const weatherPointId = weather === undefined ? undefined : weatherPointOf(weather.points, seriesId);
  if (weather === undefined || weatherPointId === undefined) return { series, columns: [] };
  const w = await attachWeather(repo, series, weatherPointId, horizon, { maxAgeMs: weather.maxAgeMs });
  if (w.columns.length === 0)
    log.warn('no weather forecast of the weather point covers the history: trained without weather', {
      seriesId,
      weatherPointId,
    });
  else
    log.info('weather attached by vintage', {
      seriesId,
      weatherPointId,
      columns: w.columns,
      vintages: w.vintages,
    });
  return { series: w.series, weatherPointId, columns: w.columns };
}
