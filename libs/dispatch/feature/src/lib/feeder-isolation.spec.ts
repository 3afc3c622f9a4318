import { mapIsolated } from './feeder-isolation';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('mapIsolated (one feeder failing isolates only that feeder)', () => {
  it('a feeder that throws and one that hangs fail alone; the others are planned, in order', async () => {
    const started: string[] = [];
    const out = await mapIsolated(
      ['F1', 'THROWS', 'F3', 'HANGS', 'F5'],
      { concurrency: 2, timeoutMs: 300 },
      async (id) => {
        started.push(id);
        if (id === 'THROWS') throw new Error('repository said no');
        if (id === 'HANGS') await new Promise(() => undefined);
        await sleep(10);
        return `${id} planned`;
      },
    );
    expect(started.sort()).toEqual(['F1', 'F3', 'F5', 'HANGS', 'THROWS']);
    expect(out.map((o) => (o.ok ? o.value : o.code))).toEqual([
      'F1 planned',
      'DISPATCH.FEEDER_FAILED',
      'F3 planned',
      'DISPATCH.FEEDER_TIMEOUT',
      'F5 planned',
    ]);
    const failed = out[1];
    expect(failed?.ok === false && failed.reason).toBe('repository said no');
  });

  it('a synchronous throw is caught like a rejection', async () => {
    const out = await mapIsolated([1, 2], { concurrency: 1, timeoutMs: 1000 }, (n) => {
      if (n === 1) throw new RangeError('bad input');
      return Promise.resolve(n * 2);
    });
    expect(out.map((o) => (o.ok ? o.value : o.code))).toEqual(['DISPATCH.FEEDER_FAILED', 4]);
  });

  it('runs at most `concurrency` at once', async () => {
    let running = 0;
    let most = 0;
    await mapIsolated([1, 2, 3, 4, 5, 6], { concurrency: 3, timeoutMs: 5000 }, async () => {
      running++;
      most = Math.max(most, running);
      await sleep(20);
      running--;
    });
    expect(most).toBe(3);
  });

  it('refuses a concurrency below 1', async () => {
    await expect(
      mapIsolated([1], { concurrency: 0, timeoutMs: 1 }, () => Promise.resolve(1)),
    ).rejects.toThrow(/positive integer/);
  });
});
