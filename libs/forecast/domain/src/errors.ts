/**
 * Domain errors with stable codes. Callers (CLI, HTTP, workers) map the code family to their own
 * transport: `CSV.*`, `SERIES.*`, `HORIZON.*`, `BACKTEST.*`, `CALIBRATION.*`, `WEATHER.*` and `MODEL.BAD_ARTEFACT` are input errors,
 * `MODEL.BACKEND_UNAVAILABLE` is an environment error.
 */
export type ForecastErrorCode =
  | 'CSV.EMPTY'
  | 'CSV.RAGGED_ROW'
  | 'CSV.UNKNOWN_COLUMN'
  | 'CSV.BAD_TIMESTAMP'
  | 'CSV.NON_NUMERIC_TARGET'
  | 'CSV.NON_NUMERIC_FEATURE'
  | 'CSV.UNSUPPORTED_STEP'
  | 'SERIES.INVALID'
  | 'HORIZON.INVALID'
  | 'BACKTEST.TOO_LITTLE_HISTORY'
  | 'BACKTEST.BAD_OPTIONS'
  | 'CALIBRATION.BAD_OPTIONS'
  | 'MODEL.BAD_ARTEFACT'
  | 'MODEL.BACKEND_UNAVAILABLE'
  | 'WEATHER.BAD_MOSMIX'
  | 'WEATHER.BAD_CSV'
  | 'WEATHER.BAD_FORECAST';

export class ForecastError extends Error {
  override readonly name = 'ForecastError';

  constructor(
    readonly code: ForecastErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(`${code}: ${message}`);
  }

  /** Whether the error is caused by the caller's input (flags, files, options) rather than the environment. */
  get isInputError(): boolean {
    return this.code !== 'MODEL.BACKEND_UNAVAILABLE';
  }
}

export function isForecastError(e: unknown): e is ForecastError {
  return e instanceof ForecastError;
}
