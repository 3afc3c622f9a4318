import { Client } from 'pg';
import { CoalescedPasses, earliestFrom, PgListener } from './listen';
import { createTestDatabase, type TestDatabase } from './testing/test-database';

const at = (iso: string): Date => new Date(iso);

describe('CoalescedPasses', () => {
  /** Passes that record their `from`; the first one waits until `release()`. */
  function gatedPasses() {
    const seen: (string | undefined)[] = [];
    const gate: { release: () => void } = { release: () => undefined };
    const passes = new CoalescedPasses(async (from) => {
      seen.push(from?.toISOString());
      if (seen.length === 1) await new Promise<void>((r) => (gate.release = r));
    });
    return { passes, seen, release: () => gate.release() };
  }

  it('merges the passes asked for while one runs into one follow-up from the earliest instant', async () => {
    const { passes, seen, release } = gatedPasses();
    const first = passes.request(at('2026-01-13T16:00:00Z'));
    expect(passes.busy).toBe(true);
    await passes.request(at('2026-01-13T17:00:00Z'));
    await passes.request(at('2026-01-13T16:30:00Z'));
    release();
    await first;
    expect(seen).toEqual(['2026-01-13T16:00:00.000Z', '2026-01-13T16:30:00.000Z']);
    expect(passes.busy).toBe(false);
  });

  it('turns a follow-up into a whole pass when any request asked for one', async () => {
    const { passes, seen, release } = gatedPasses();
    const first = passes.request(at('2026-01-13T16:00:00Z'));
    await passes.request(undefined);
    await passes.request(at('2026-01-13T15:00:00Z'));
    release();
    await first;
    expect(seen).toEqual(['2026-01-13T16:00:00.000Z', undefined]);
  });

  it('runs the follow-up of a failed pass, and the failure reaches its caller', async () => {
    const seen: (string | undefined)[] = [];
    let release: () => void = () => undefined;
    const passes = new CoalescedPasses(async (from) => {
      seen.push(from?.toISOString());
      if (seen.length === 1) {
        await new Promise<void>((r) => (release = r));
        throw new Error('boom');
      }
    });
    const first = passes.request(at('2026-01-13T16:00:00Z'));
    await passes.request(at('2026-01-13T17:00:00Z'));
    release();
    await expect(first).rejects.toThrow('boom');
    expect(seen).toEqual(['2026-01-13T16:00:00.000Z', '2026-01-13T17:00:00.000Z']);
    await passes.request();
    expect(seen).toHaveLength(3);
  });

  it('earliestFrom: undefined (a whole pass) wins', () => {
    expect(earliestFrom(at('2026-01-13T16:00:00Z'), at('2026-01-13T15:00:00Z'))).toEqual(
      at('2026-01-13T15:00:00Z'),
    );
    expect(earliestFrom(undefined, at('2026-01-13T15:00:00Z'))).toBeUndefined();
  });
});

describe('PgListener (real server)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('pg_listen');
  });
  afterAll(async () => {
    await db.drop();
  });

  async function notify(payload: string): Promise<void> {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query(`SELECT pg_notify('gridwerk_probe', $1)`, [payload]);
    } finally {
      await c.end();
    }
  }

  it('delivers notifications as instants, and reconnects after its connection is killed', async () => {
    const got: (string | undefined)[] = [];
    const errors: unknown[] = [];
    let probed = 0;
    const l = new PgListener({
      connectionString: db.url,
      channel: 'gridwerk_probe',
      applicationName: 'gridwerk-listen-probe',
      retryMs: 100,
      onNotify: (from) => got.push(from?.toISOString()),
      onError: (err) => errors.push(err),
      onConnected: async (client) => {
        probed += (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one ?? 0;
      },
    });
    try {
      await l.start();
      expect(l.listening).toBe(true);
      await notify('2026-01-13T16:00:00Z');
      await notify('not an instant');
      await waitFor(() => got.length === 2);
      expect(got).toEqual(['2026-01-13T16:00:00.000Z', undefined]);

      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'gridwerk-listen-probe'`,
      );
      await admin.end();
      await waitFor(() => errors.length >= 1 && l.listening && probed === 2);
      await notify('2026-01-13T16:15:00Z');
      await waitFor(() => got.length === 3);
      expect(got[2]).toBe('2026-01-13T16:15:00.000Z');
    } finally {
      l.stop();
    }
    expect(l.listening).toBe(false);
  });
});

async function waitFor(ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
