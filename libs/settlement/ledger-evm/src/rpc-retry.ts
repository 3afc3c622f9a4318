import {
  BaseError,
  HttpRequestError,
  LimitExceededRpcError,
  ResourceUnavailableRpcError,
  SocketClosedError,
  TimeoutError,
} from 'viem';
import { LedgerError } from './ledger.errors';

/** True for failures worth retrying: the endpoint unreachable or overloaded, not a refused request. */
export function isTransientRpcError(err: unknown): boolean {
  if (!(err instanceof BaseError)) {
    return err instanceof Error && /ECONNREFUSED|ECONNRESET|fetch failed|socket hang up/i.test(err.message);
  }
  const hit = err.walk(
    (e) =>
      e instanceof TimeoutError ||
      e instanceof SocketClosedError ||
      e instanceof LimitExceededRpcError ||
      e instanceof ResourceUnavailableRpcError ||
      (e instanceof HttpRequestError && (e.status === undefined || e.status === 429 || e.status >= 500)),
  );
  return hit !== null && hit !== undefined;
}

export interface RetryPolicy {
  readonly retries: number;
  /** First back-off in ms; doubled per attempt, with jitter, capped at 5 s. */
  readonly baseDelayMs: number;
  readonly onRetry?: (what: string, attempt: number, err: unknown) => void;
}

export async function withRpcRetry<T>(what: string, policy: RetryPolicy, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransientRpcError(err)) throw err;
      if (attempt >= policy.retries) {
        throw new LedgerError(
          'LEDGER.RPC_UNAVAILABLE',
          `${what}: the EVM endpoint failed ${attempt + 1} times: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
          { cause: err },
        );
      }
      policy.onRetry?.(what, attempt + 1, err);
      const delay = Math.min(5_000, policy.baseDelayMs * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
