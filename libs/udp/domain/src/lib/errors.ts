/** Stable error codes of the SensorThings gateway; `status` is the HTTP status the spec asks for. */
export type StaErrorCode =
  | 'UDP.BAD_QUERY'
  | 'UDP.BAD_PATH'
  | 'UDP.NOT_FOUND'
  | 'UDP.QUERY_TOO_EXPENSIVE'
  | 'UDP.METHOD_NOT_ALLOWED'
  | 'UDP.RATE_LIMITED'
  | 'UDP.TIMEOUT';

const STATUS: Record<StaErrorCode, number> = {
  'UDP.BAD_QUERY': 400,
  'UDP.BAD_PATH': 404,
  'UDP.NOT_FOUND': 404,
  'UDP.QUERY_TOO_EXPENSIVE': 400,
  'UDP.METHOD_NOT_ALLOWED': 405,
  'UDP.RATE_LIMITED': 429,
  'UDP.TIMEOUT': 503,
};

export class StaError extends Error {
  readonly status: number;
  constructor(
    readonly code: StaErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StaError';
    this.status = STATUS[code];
  }

  /** The body FROST-Server and the OGC test suite expect: `{ code, type, message }`, plus our stable code. */
  body(): { code: number; type: 'error'; message: string; errorCode: StaErrorCode } {
    return { code: this.status, type: 'error', message: this.message, errorCode: this.code };
  }
}

export const badQuery = (message: string): StaError => new StaError('UDP.BAD_QUERY', message);
