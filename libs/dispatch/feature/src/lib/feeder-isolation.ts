import { mapConcurrently } from '@gridwerk/shared/util-async';

export type IsolatedOutcome<T> =
  | { ok: true; value: T; ms: number }
  | { ok: false; code: 'DISPATCH.FEEDER_FAILED' | 'DISPATCH.FEEDER_TIMEOUT'; reason: string; ms: number };

/**
 * Runs `work` for every item, at most `concurrency` at a time, each cut off after `timeoutMs`: an item
 * that throws or does not settle in time yields a failed outcome and the others go on. Outcomes are in
 * the items' order. (A timed-out item's work is not cancelled here; what it holds — a solver worker —
 * has its own limit.)
 */
export async function mapIsolated<I, T>(
  items: readonly I[],
  options: { concurrency: number; timeoutMs: number },
  work: (item: I) => Promise<T>,
): Promise<IsolatedOutcome<T>[]> {
  return mapConcurrently(items, options.concurrency, (item) => isolate(() => work(item), options.timeoutMs));
}

const TIMEOUT: unique symbol = Symbol('timeout');

async function isolate<T>(work: () => Promise<T>, timeoutMs: number): Promise<IsolatedOutcome<T>> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), timeoutMs);
  });
  try {
    // a synchronous throw inside `work` is caught like a rejection
    const result = await Promise.race([Promise.resolve().then(work), timeout]);
    if (result === TIMEOUT)
      return {
        ok: false,
        code: 'DISPATCH.FEEDER_TIMEOUT',
        reason: `not planned within ${timeoutMs} ms`,
        ms: Date.now() - started,
      };
    return { ok: true, value: result, ms: Date.now() - started };
  } catch (err) {
    return {
      ok: false,
      code: 'DISPATCH.FEEDER_FAILED',
      reason: err instanceof Error ? err.message : String(err),
      ms: Date.now() - started,
    };
  } finally {
    clearTimeout(timer);
  }
}
