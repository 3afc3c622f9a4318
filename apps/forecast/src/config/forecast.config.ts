import { type Env, cfg } from '@gridwerk/shared/util-config';
import { loadServiceConfig } from '@gridwerk/shared/feature-ops';

/** forecast's own variables; HTTP, logging, Kafka and database come from the platform spec. */
export const forecastConfigSpec = {
  seriesDatabaseUrl: cfg.optional(
    cfg.url(
      'FORECAST_SERIES_DATABASE_URL',
      'database with the rollup views load_15m_* to read load from (default: DATABASE_URL)',
      ['postgres', 'postgresql'],
    ),
  ),
  runMigrations: cfg.bool('FORECAST_RUN_MIGRATIONS', 'apply the forecast migrations at start-up', true),
};

export const loadForecastConfig = (env?: Env) => loadServiceConfig('forecast', 3002, forecastConfigSpec, env);
export type ForecastConfig = ReturnType<typeof loadForecastConfig>;
