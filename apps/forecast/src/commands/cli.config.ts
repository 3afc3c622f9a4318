import { type TfBackendName, TF_BACKENDS, isTfBackendName } from '@gridwerk/forecast/domain';
import { databaseConfigSpec } from '@gridwerk/shared/data-access-database';
import { type KafkaSettings, kafkaConfigSpec, kafkaSettingsFrom } from '@gridwerk/shared/data-access-kafka';
import { type ConfigOf, type Env, ConfigError, cfg, loadConfig } from '@gridwerk/shared/util-config';
import { type WeatherPointMap, isForecastJobError, parseWeatherPoints } from '@gridwerk/forecast/data-access';

/** Environment of the forecast CLI, validated once. */
export interface ForecastCliConfig {
  /** FORECAST_TF_BACKEND: 'wasm' (default), 'cpu' or 'tensorflow' (needs @tensorflow/tfjs-node). */
  tfBackend: TfBackendName;
}

export function loadForecastCliConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ForecastCliConfig {
  const raw = env['FORECAST_TF_BACKEND']?.trim();
  if (raw === undefined || raw === '') return { tfBackend: 'wasm' };
  if (!isTfBackendName(raw)) {
    throw new Error(`FORECAST_TF_BACKEND must be one of ${TF_BACKENDS.join(', ')}, got "${raw}"`);
  }
  return { tfBackend: raw };
}

/** Variables of the database-backed jobs (`train`, `run`, `relay`, `migrate`). */
export const forecastJobConfigSpec = {
  ...databaseConfigSpec,
  ...kafkaConfigSpec,
  seriesDatabaseUrl: cfg.optional(
    cfg.url(
      'FORECAST_SERIES_DATABASE_URL',
      'database with the rollup views load_15m_* to read load from (default: DATABASE_URL)',
      ['postgres', 'postgresql'],
    ),
  ),
  logLevel: cfg.oneOf('LOG_LEVEL', 'minimum log level', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  tfBackend: cfg.oneOf(
    'FORECAST_TF_BACKEND',
    'TensorFlow.js backend: wasm, cpu or tensorflow (needs @tensorflow/tfjs-node)',
    TF_BACKENDS,
    'wasm',
  ),
  dayAheadIssueAt: cfg.string(
    'FORECAST_DAY_AHEAD_ISSUE_AT',
    'day-ahead issue time, HH:MM Europe/Berlin, before 12:00',
    '10:00',
  ),
  weatherPoints: cfg.optional(
    cfg.string(
      'FORECAST_WEATHER_POINTS',
      'weather point per series: <series id>=<point>,…,*=<point> (a MOSMIX station id or sim-leipzig); unset: no weather',
    ),
  ),
  weatherMaxAgeHours: cfg.int(
    'FORECAST_WEATHER_MAX_AGE_HOURS',
    'a weather forecast older than this at a target’s issue time is not used (the feed stopped: fallback, flagged)',
    { min: 1, max: 240, default: 24 },
  ),
  metricsFile: cfg.optional(
    cfg.string(
      'FORECAST_METRICS_FILE',
      'write the job’s Prometheus metrics to this file at its end (node-exporter textfile collector)',
    ),
  ),
};

export type ForecastJobConfig = ConfigOf<typeof forecastJobConfigSpec> & {
  kafka: KafkaSettings;
  seriesUrl: string;
  dayAheadIssueMinute: number;
  weather: { points: WeatherPointMap; maxAgeMs: number };
};

export function loadForecastJobConfig(env: Env = process.env): ForecastJobConfig {
  const c = loadConfig('forecast', forecastJobConfigSpec, env);
  const m = /^(\d{1,2}):(\d{2})$/.exec(c.dayAheadIssueAt.trim());
  const minute = m === null ? Number.NaN : Number(m[1]) * 60 + Number(m[2]);
  if (!(minute >= 0 && minute < 720) || Number(m?.[2]) >= 60) {
    throw new ConfigError('forecast', [
      `FORECAST_DAY_AHEAD_ISSUE_AT must be HH:MM before 12:00, got "${c.dayAheadIssueAt}"`,
    ]);
  }
  let points: WeatherPointMap;
  try {
    points = parseWeatherPoints(c.weatherPoints);
  } catch (e) {
    if (isForecastJobError(e)) throw new ConfigError('forecast', [`FORECAST_WEATHER_POINTS: ${e.message}`]);
    throw e;
  }
  return {
    ...c,
    weather: { points, maxAgeMs: c.weatherMaxAgeHours * 3_600_000 },
    kafka: kafkaSettingsFrom('forecast', c),
    seriesUrl: c.seriesDatabaseUrl ?? c.databaseUrl,
    dayAheadIssueMinute: minute,
  };
}
