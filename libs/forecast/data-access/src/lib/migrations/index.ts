import { ForecastTables1731000000000 } from './1731000000000-forecast-tables.migration';
import { ForecastReplaced1765000000000 } from './1765000000000-forecast-replaced.migration';
import { SecondarySubstationSeries1765000000100 } from './1765000000100-secondary-substation-series.migration';
import { WeatherForecasts1765000000200 } from './1765000000200-weather-forecasts.migration';
import { GlobalModels1765000000500 } from './1765000000500-global-models.migration';

/** The forecast service's migrations, in order. Explicit, never synchronize. */
export const FORECAST_MIGRATIONS = [
  ForecastTables1731000000000,
  ForecastReplaced1765000000000,
  SecondarySubstationSeries1765000000100,
  WeatherForecasts1765000000200,
  GlobalModels1765000000500,
];

export {
  ForecastTables1731000000000,
  ForecastReplaced1765000000000,
  SecondarySubstationSeries1765000000100,
  WeatherForecasts1765000000200,
  GlobalModels1765000000500,
};
