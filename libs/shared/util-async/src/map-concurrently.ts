export interface MapConcurrentlyOptions {
  /** Asked before each item is started: true starts no further item (those running finish). */
  readonly stop?: () => boolean;
}

/**
 * Runs `work` for every item, at most `concurrency` at once, starting the items in their order; resolves
 * with the results in the items' order once every started item has ended. The first failure starts no
 * further item and, once the running ones have ended, rejects with that failure (the work done by the
 * others stands). With `stop`, an item not started because `stop()` said so has `undefined` as its result.
 */
export function mapConcurrently<I, T>(
  items: readonly I[],
  concurrency: number,
  work: (item: I, index: number) => Promise<T>,
): Promise<T[]>;
export function mapConcurrently<I, T>(
  items: readonly I[],
  concurrency: number,
  work: (item: I, index: number) => Promise<T>,
  options: MapConcurrentlyOptions,
): Promise<(T | undefined)[]>;
export async function mapConcurrently<I, T>(
  items: readonly I[],
  concurrency: number,
  work: (item: I, index: number) => Promise<T>,
  options: MapConcurrentlyOptions = {},
): Promise<(T | undefined)[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const out = new Array<T | undefined>(items.length).fill(undefined);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failed && !(options.stop?.() ?? false)) {
      const i = next++;
      try {
        out[i] = await work(items[i], i);
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  if (failed) throw failure;
  return out;
}
