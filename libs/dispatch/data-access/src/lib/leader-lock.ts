import { Client } from 'pg';

/**
 * Exactly one active planner: a PostgreSQL session-level advisory lock held on a dedicated connection.
 * A second replica (a rolling update, a split brain in Kubernetes) stays standby until the holder's
 * session ends — its process dies or its connection breaks — and then takes over on its next try.
 */
export class AdvisoryLeaderLock {
  private client: Client | undefined;
  private held = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly key: bigint,
  ) {}

  get isLeader(): boolean {
    return this.held;
  }

  /** Tries to take (or confirms) the lock; never blocks. */
  async tryAcquire(): Promise<boolean> {
    try {
      if (!this.client) {
        const c = new Client({
          connectionString: this.databaseUrl,
          application_name: 'gridwerk-dispatch-leader',
        });
        c.on('error', () => this.reset());
        await c.connect();
        this.client = c;
      }
      if (this.held) {
        await this.client.query('SELECT 1');
        return true;
      }
      const res = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
        this.key.toString(),
      ]);
      this.held = res.rows[0]?.ok === true;
      return this.held;
    } catch {
      this.reset();
      return false;
    }
  }

  private reset(): void {
    this.held = false;
    const c = this.client;
    this.client = undefined;
    if (c) void c.end().catch(() => undefined);
  }

  async release(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.held = false;
    if (c) await c.end().catch(() => undefined);
  }
}
