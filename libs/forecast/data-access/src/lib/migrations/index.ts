import { ForecastTables1731000000000 } from './1731000000000-forecast-tables.migration';

/** The forecast service's migrations, in order. Explicit, never synchronize. */
export const FORECAST_MIGRATIONS = [ForecastTables1731000000000];

export { ForecastTables1731000000000 };
