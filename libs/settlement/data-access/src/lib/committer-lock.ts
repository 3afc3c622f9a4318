import { Client } from 'pg';

/** Key of the PostgreSQL advisory lock that makes one settlement process the active committer. */
export const COMMITTER_LOCK_KEY = 4_242_042_001;

/**
 * Exactly one active committer: a session-level `pg_try_advisory_lock` held on a dedicated connection.
 * Whoever holds it closes intervals, commits batches and relays the outbox; other replicas only wait
 * (and take over within one poll when the holder dies, because PostgreSQL releases the lock with its
 * session). If the connection breaks, `held` turns false at once, before any further commit.
 */
export class CommitterLock {
  private client: Client | undefined;
  private isHeld = false;

  constructor(
    private readonly url: string,
    private readonly key = COMMITTER_LOCK_KEY,
  ) {}

  get held(): boolean {
    return this.isHeld;
  }

  /** Tries to take the lock (non-blocking); true if this process holds it afterwards. */
  async tryAcquire(): Promise<boolean> {
    if (this.isHeld && this.client) {
      // Still the same live session?
      try {
        await this.client.query('SELECT 1');
        return true;
      } catch {
        await this.drop();
      }
    }
    try {
      this.client ??= await this.connect();
      const res = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
        this.key,
      ]);
      this.isHeld = res.rows[0]?.ok === true;
      return this.isHeld;
    } catch {
      await this.drop();
      return false;
    }
  }

  async release(): Promise<void> {
    if (this.client && this.isHeld) {
      await this.client.query('SELECT pg_advisory_unlock($1)', [this.key]).catch(() => undefined);
    }
    await this.drop();
  }

  private async connect(): Promise<Client> {
    const c = new Client({ connectionString: this.url, application_name: 'gridwerk-settlement-committer' });
    c.on('error', () => {
      this.isHeld = false;
    });
    await c.connect();
    return c;
  }

  private async drop(): Promise<void> {
    this.isHeld = false;
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
