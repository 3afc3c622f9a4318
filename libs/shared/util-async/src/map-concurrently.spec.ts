import { mapConcurrently } from './map-concurrently';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('mapConcurrently', () => {
  it('runs at most `concurrency` at once and keeps the items’ order in the results', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const out = await mapConcurrently([30, 5, 20, 1, 10, 2, 8], 3, async (ms, i) => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await sleep(ms);
      running--;
      return ms * 2;
    });
    expect(most).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(out).toEqual([60, 10, 40, 2, 20, 4, 16]);
  });

  it('on the first failure starts nothing more, lets the running ones finish, then rejects with it', async () => {
    const started: string[] = [];
    const finished: string[] = [];
    const run = mapConcurrently(['fails-first', 'fails-later', 'succeeds', 'never'], 3, async (id) => {
      started.push(id);
      await sleep({ 'fails-first': 5, 'fails-later': 20 }[id] ?? 40);
      if (id.startsWith('fails')) throw new Error(`${id} said no`);
      finished.push(id);
      return id;
    });
    await expect(run).rejects.toThrow('fails-first said no');
    expect(started).toEqual(['fails-first', 'fails-later', 'succeeds']);
    expect(finished).toEqual(['succeeds']); // ended before the promise rejected
  });

  it('a synchronous throw inside `work` counts as its failure', async () => {
    await expect(
      mapConcurrently([1, 2], 1, (n) => {
        if (n === 1) throw new RangeError('bad input');
        return Promise.resolve(n);
      }),
    ).rejects.toThrow(RangeError);
  });

  it('`stop` ends the run before the next item; the items not started have no result', async () => {
    let done = 0;
    const out = await mapConcurrently(
      ['a', 'b', 'c', 'd', 'e'],
      1,
      async (id) => {
        await sleep(1);
        done++;
        return id.toUpperCase();
      },
      { stop: () => done >= 2 },
    );
    expect(out).toEqual(['A', 'B', undefined, undefined, undefined]);
  });

  it('does nothing for no items and refuses a concurrency that is not a positive integer', async () => {
    await expect(mapConcurrently([], 4, () => Promise.resolve(1))).resolves.toEqual([]);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(mapConcurrently([1], bad, () => Promise.resolve(1))).rejects.toThrow(/positive integer/);
    }
  });
});
