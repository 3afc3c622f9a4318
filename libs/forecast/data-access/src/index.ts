export { FORECAST_MIGRATIONS, ForecastTables1731000000000 } from './lib/migrations';
export { ForecastJobError, isForecastJobError } from './lib/errors';
export type { ForecastJobErrorCode } from './lib/errors';
export { HORIZON_NAMES, isHorizonName, parseSeriesId, seriesRef } from './lib/series-id';
export type { ForecastHorizonName, SeriesKind, SeriesRef } from './lib/series-id';
export { checkIssueTime, defaultIssueTime, domainHorizon } from './lib/horizon';
export { LoadSeriesRepository, trimGaps } from './lib/load-series.repository';
export { ForecastModelRepository } from './lib/forecast-model.repository';
export { ForecastGlobalModelRepository } from './lib/forecast-global-model.repository';
export type { GlobalSeriesRow, NewGlobalModel } from './lib/forecast-global-model.repository';
export { SeriesStaticsRepository } from './lib/series-statics.repository';
export { TrainGlobalModelUseCase, globalModelVersion } from './lib/usecases/train-global-model.usecase';
export type {
  GlobalSeriesResult,
  GlobalSeriesStatus,
  GlobalTrainSummary,
  TrainGlobalModelCommand,
} from './lib/usecases/train-global-model.usecase';
export type { NewModel, StoredModel, StoredModelMeta } from './lib/forecast-model.repository';
export { ForecastIssueRepository } from './lib/forecast-issue.repository';
export type { ForecastIssue, StoredForecastPoint } from './lib/forecast-issue.repository';
export {
  FORECAST_EVENT_SOURCE,
  buildForecastIssuedEvent,
  forecastEventId,
  toContractPoints,
} from './lib/forecast-event';
export { pendingOutboxCount, relayOutbox } from './lib/outbox.relay';
export type { OutboxPublisher, RelayResult } from './lib/outbox.relay';
export { TrainForecastModelsUseCase, modelVersion } from './lib/usecases/train-forecast-models.usecase';
export type {
  StoredMetrics,
  TrainForecastModelsCommand,
  TrainSeriesResult,
  TrainStatus,
  TrainSummary,
} from './lib/usecases/train-forecast-models.usecase';
export { FORECAST_LOOKBACK_DAYS, RunForecastsUseCase } from './lib/usecases/run-forecasts.usecase';
export type {
  RunForecastsCommand,
  RunSeriesResult,
  RunStatus,
  RunSummary,
} from './lib/usecases/run-forecasts.usecase';
export {
  GetForecastsUseCase,
  MAX_QUERY_DAYS,
  parseGetForecastsQuery,
} from './lib/usecases/get-forecasts.usecase';
export type {
  ForecastsView,
  GetForecastsParams,
  GetForecastsQuery,
} from './lib/usecases/get-forecasts.usecase';
export { KafkaOutboxPublisher, createForecastPool, runForecastMigrations } from './lib/forecast-db';
export { ForecastJobMetrics } from './lib/forecast-metrics';
export { WeatherForecastRepository } from './lib/weather-forecast.repository';
export {
  DEFAULT_WEATHER_MAX_AGE_MS,
  attachWeather,
  parseWeatherPoints,
  weatherPointOf,
} from './lib/weather-inputs';
export type { SeriesWithWeather, WeatherPointMap } from './lib/weather-inputs';
export {
  StoreWeatherForecastUseCase,
  WEATHER_CONSUMER_GROUP,
  consumeWeatherForecasts,
  vintageOfEvent,
} from './lib/usecases/ingest-weather-forecasts.usecase';
export type {
  ConsumeWeatherSummary,
  DeadLetterSink,
  WeatherMessageResult,
} from './lib/usecases/ingest-weather-forecasts.usecase';
