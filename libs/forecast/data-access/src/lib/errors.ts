/**
 * Errors of the forecast jobs and queries, with stable codes. Adapters map them: the CLI to exit codes
 * (input errors → 2, per-series failures → 3), HTTP to 400/404.
 */
export type ForecastJobErrorCode =
  | 'SERIES.BAD_ID'
  | 'SERIES.UNKNOWN'
  | 'SERIES.NO_DATA'
  | 'REQUEST.INVALID'
  | 'RUN.NO_PROMOTED_MODEL'
  | 'RUN.NO_FORECAST'
  | 'RUN.INVALID_EVENT';

export class ForecastJobError extends Error {
  override readonly name = 'ForecastJobError';

  constructor(
    readonly code: ForecastJobErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(`${code}: ${message}`);
  }

  /** The caller asked for something malformed (as opposed to something that does not exist or failed). */
  get isInputError(): boolean {
    return this.code === 'SERIES.BAD_ID' || this.code === 'REQUEST.INVALID';
  }
}

export function isForecastJobError(e: unknown): e is ForecastJobError {
  return e instanceof ForecastJobError;
}
