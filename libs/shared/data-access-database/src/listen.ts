import { Client } from 'pg';

/** The earlier of two "from" instants, where `undefined` means "from the start" (a whole pass). */
export function earliestFrom(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (a === undefined || b === undefined) return undefined;
  return a.getTime() <= b.getTime() ? a : b;
}

/**
 * Runs one pass at a time. A pass asked for while one runs is not lost and not run twice: requests made
 * meanwhile are merged into one follow-up pass from the earliest instant asked for (`undefined`: all).
 */
export class CoalescedPasses {
  private running = false;
  private again: { from: Date | undefined } | undefined;

  constructor(private readonly pass: (from: Date | undefined) => Promise<void>) {}

  get busy(): boolean {
    return this.running;
  }

  /**
   * Runs a pass from `from` now, or merges it into the follow-up of the running one. A pass that throws
   * rejects the request that ran it (after its follow-up); passes should report their own errors.
   */
  async request(from?: Date): Promise<void> {
    if (this.running) {
      this.again = { from: this.again === undefined ? from : earliestFrom(this.again.from, from) };
      return;
    }
    this.running = true;
    let failure: { err: unknown } | undefined;
    try {
      await this.pass(from);
    } catch (err) {
      failure = { err };
    } finally {
      this.running = false;
    }
    // the follow-up runs even when this pass failed; the failure goes to this pass's caller
    const again = this.again;
    this.again = undefined;
    if (again !== undefined) await this.request(again.from).catch(() => undefined);
    if (failure !== undefined) throw failure.err;
  }
}

export interface PgListenerOptions {
  connectionString: string;
  channel: string;
  applicationName: string;
  /** Called per notification with its payload read as an instant (`undefined` when it is none). */
  onNotify: (at: Date | undefined) => void;
  /** Called when the connection fails or is lost; the listener retries after `retryMs`. */
  onError: (err: unknown) => void;
  /** Run once per connection after LISTEN, e.g. to probe what the database announces. */
  onConnected?: (client: Client) => Promise<void>;
  retryMs: number;
}

/**
 * A dedicated connection that LISTENs on one channel and reconnects on its own. Payloads are read as
 * ISO instants, as ingest's rollup notification sends them.
 */
export class PgListener {
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: PgListenerOptions) {}

  /** True while a connection is LISTENing. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Connects and LISTENs; a failure is reported to `onError` and retried, never thrown. */
  async start(): Promise<void> {
    if (this.stopped) return;
    const o = this.options;
    const client = new Client({ connectionString: o.connectionString, application_name: o.applicationName });
    const retry = (err: unknown): void => {
      if (this.client === client) this.client = undefined;
      client.removeAllListeners();
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      o.onError(err);
      this.timer = setTimeout(() => void this.start(), o.retryMs);
      this.timer.unref();
    };
    client.on('error', retry);
    client.on('notification', (n) => {
      const at = n.payload !== undefined && n.payload !== '' ? new Date(n.payload) : undefined;
      o.onNotify(at !== undefined && !Number.isNaN(at.getTime()) ? at : undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${o.channel}`);
      if (o.onConnected !== undefined) await o.onConnected(client);
      if (this.stopped) {
        client.removeAllListeners();
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
    } catch (err) {
      retry(err);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    c?.removeAllListeners();
    void c?.end().catch(() => undefined);
  }
}
