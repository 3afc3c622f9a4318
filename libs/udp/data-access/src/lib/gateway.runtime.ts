import { Client, type Pool } from 'pg';
import {
  buildCatalog,
  Catalog,
  DcatSettings,
  SensorThingsService,
  SensorThingsSettings,
} from '@gridwerk/udp/domain';
import { detectNewObservations, ObservationPublisher, relayObservations } from './live-observations';
import { PgObservationSource } from './observation.source';
import { readTopology } from './topology.reader';

export interface GatewayRuntimeSettings {
  k: number;
  sta: SensorThingsSettings;
  pollMs: number;
  lookbackMs: number;
  catalogRefreshMs: number;
  relayBatchSize: number;
  /** Prepended to every MQTT topic (empty in production; lets tests share a broker). */
  topicPrefix: string;
  /** Connection string for the LISTEN connection (ingest's rollup notifications); polling alone without. */
  listenUrl?: string;
}

/** Ingest's channel announcing rewritten rollups (refreshRollups, in native mode), payload the first bucket. */
export const ROLLUP_CHANGED_CHANNEL = 'rollup_load_changed';

export interface GatewayRuntimeEvents {
  onError(what: string, err: unknown): void;
  onPublished(count: number, delaysMs: readonly number[]): void;
}

/**
 * The gateway's moving parts: the catalogue (re-read from the topology), the SensorThings service over it,
 * and the live loop (detect changed quarter hours → outbox → MQTT). One instance per process.
 */
export class GatewayRuntime {
  private current: Catalog | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private loopRunning = false;
  /** A notification arrived while a pass ran: run again, from this bucket (undefined = full lookback). */
  private rerun: { from: Date | undefined } | undefined;
  private listener: Client | undefined;
  private lastFullPassAt = 0;
  /** Whether ingest's rollups notify (native mode); without, the poll is the path at its full rate. */
  private notifying = false;
  lastLoopOkAt = 0;
  lastLoopError: string | undefined;
  readonly service: SensorThingsService;

  constructor(
    private readonly pool: Pool,
    private readonly publisher: ObservationPublisher,
    private readonly settings: GatewayRuntimeSettings,
    private readonly events: GatewayRuntimeEvents,
  ) {
    this.service = new SensorThingsService(
      () => this.catalog(),
      new PgObservationSource(pool, settings.k),
      settings.sta,
    );
  }

  catalog(): Catalog {
    if (this.current === undefined) throw new Error('catalogue not loaded yet');
    return this.current;
  }

  async refreshCatalog(): Promise<void> {
    this.current = buildCatalog(await readTopology(this.pool), this.settings.k);
  }

  async start(): Promise<void> {
    await this.refreshCatalog();
    this.timers.push(
      setInterval(() => {
        this.refreshCatalog().catch((err: unknown) => this.events.onError('catalog refresh', err));
      }, this.settings.catalogRefreshMs),
    );
    this.timers.push(
      setInterval(() => {
        // while LISTEN works, the full comparison is a safety net, not the path: every 10 polls (≥ 5 s)
        const every = Math.max(5000, 10 * this.settings.pollMs);
        if (this.listener !== undefined && this.notifying && Date.now() - this.lastFullPassAt < every) return;
        void this.liveOnce();
      }, this.settings.pollMs),
    );
    if (this.settings.listenUrl !== undefined) await this.listen(this.settings.listenUrl);
  }

  /**
   * LISTEN for ingest's rollup notifications: a new quarter hour is detected at the commit of its refresh,
   * not at the next poll, and only the buckets from the announced one on are compared. The poll stays as
   * the safety net (a lost connection, TimescaleDB mode without notifications). Reconnects on its own.
   */
  private async listen(url: string): Promise<void> {
    const client = new Client({ connectionString: url, application_name: 'gridwerk-udp-gateway-listen' });
    const retry = (err: unknown): void => {
      if (this.listener === client) this.listener = undefined;
      client.removeAllListeners();
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.events.onError('rollup listener', err);
      this.timers.push(setTimeout(() => void this.listen(url), 1000));
    };
    client.on('error', retry);
    client.on('notification', (n) => {
      const from = n.payload !== undefined ? new Date(n.payload) : undefined;
      void this.liveOnce(from !== undefined && !Number.isNaN(from.getTime()) ? from : undefined, true);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${ROLLUP_CHANGED_CHANNEL}`);
      // native mode (a rollup_load table) announces every refresh; TimescaleDB mode has none: poll there
      const native = await client.query<{ ok: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass('rollup_load') AND relkind IN ('r', 'p')) AS ok`,
      );
      this.notifying = native.rows[0]?.ok === true;
      this.listener = client;
    } catch (err) {
      retry(err);
    }
  }

  /**
   * One pass of the live loop. A pass asked for while one runs is not lost: it runs right after, from the
   * earliest bucket asked for (a poll asks for the whole lookback).
   */
  async liveOnce(changedFrom?: Date, notified = false): Promise<void> {
    if (this.stopped) return;
    if (this.loopRunning) {
      const prev = this.rerun;
      const from = notified ? changedFrom : undefined;
      this.rerun = {
        from:
          prev === undefined
            ? from
            : prev.from === undefined || from === undefined
              ? undefined
              : new Date(Math.min(prev.from.getTime(), from.getTime())),
      };
      return;
    }
    this.loopRunning = true;
    if (!notified || changedFrom === undefined) this.lastFullPassAt = Date.now();
    try {
      await detectNewObservations(this.pool, this.catalog(), {
        k: this.settings.k,
        lookbackMs: this.settings.lookbackMs,
        ...(notified && changedFrom !== undefined ? { changedFrom } : {}),
      });
      const r = await relayObservations(this.pool, this.publisher, {
        baseUrl: this.settings.sta.baseUrl,
        batchSize: this.settings.relayBatchSize,
        topicPrefix: this.settings.topicPrefix,
      });
      if (r.published > 0) this.events.onPublished(r.published, r.delaysMs);
      this.lastLoopOkAt = Date.now();
      this.lastLoopError = undefined;
    } catch (err) {
      this.lastLoopError = err instanceof Error ? err.message : String(err);
      this.events.onError('live loop', err);
    } finally {
      this.loopRunning = false;
    }
    const again = this.rerun;
    this.rerun = undefined;
    if (again !== undefined) await this.liveOnce(again.from, again.from !== undefined);
  }

  /** The earliest quarter hour the rollups hold (the catalogue's temporal coverage). */
  async coverageStart(): Promise<Date> {
    const r = await this.pool.query<{ t: Date | null }>(
      'SELECT min(bucket_start) AS t FROM load_15m_substation',
    );
    return r.rows[0]?.t ?? new Date();
  }

  dcatSettings(
    publisherName: string,
    publisherUrl: string,
    mqttUrl: string,
    coverageStart: Date,
  ): DcatSettings {
    return { baseUrl: this.settings.sta.baseUrl, publisherName, publisherUrl, mqttUrl, coverageStart };
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const l = this.listener;
    this.listener = undefined;
    l?.removeAllListeners();
    void l?.end().catch(() => undefined);
  }
}
