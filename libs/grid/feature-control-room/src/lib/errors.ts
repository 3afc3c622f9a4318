import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { AlarmError, ThresholdError } from '@gridwerk/grid/alarms';
import { ConcurrentChangeError, LoadQueryError } from '@gridwerk/grid/read-model';

/** An error with a stable code that the API returns as `{ statusCode, error, code, message }`. */
export class ApiError extends HttpException {
  constructor(status: number, code: string, message: string, problems?: readonly string[]) {
    super(
      {
        statusCode: status,
        error: HttpStatus[status] ?? 'Error',
        code,
        message,
        ...(problems ? { problems } : {}),
      },
      status,
    );
  }
}

export const badRequest = (message: string, problems?: readonly string[]) =>
  new ApiError(400, 'REQUEST.INVALID', message, problems);
export const notFound = (code: string, message: string) => new ApiError(404, code, message);

/** Domain and data errors translated at the edge, with their codes. */
@Catch(AlarmError, ThresholdError, ConcurrentChangeError, LoadQueryError)
export class ControlRoomErrorFilter implements ExceptionFilter {
  catch(err: Error & { code: string }, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<{ status(n: number): { json(b: unknown): void } }>();
    const status =
      err instanceof ConcurrentChangeError ||
      (err instanceof AlarmError && err.code === 'ALARM.ILLEGAL_TRANSITION')
        ? 409
        : 400;
    res.status(status).json({
      statusCode: status,
      error: HttpStatus[status],
      code: err.code,
      message: err.message,
      ...(err instanceof ThresholdError ? { problems: err.problems } : {}),
    });
  }
}
