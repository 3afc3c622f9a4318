import type { Pool } from 'pg';
import { CoalescedPasses, PgListener } from '@gridwerk/shared/data-access-database';
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
  /** Live passes, one at a time; those asked for meanwhile run once, from the earliest bucket asked for. */
  private readonly passes = new CoalescedPasses((from) => this.livePass(from));
  private listener: PgListener | undefined;
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
        if (this.listener?.listening === true && this.notifying && Date.now() - this.lastFullPassAt < every)
          return;
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
    this.listener = new PgListener({
      connectionString: url,
      channel: ROLLUP_CHANGED_CHANNEL,
      applicationName: 'gridwerk-udp-gateway-listen',
      retryMs: 1000,
      onNotify: (from) => void this.liveOnce(from, true),
      onError: (err) => this.events.onError('rollup listener', err),
      onConnected: async (client) => {
        // native mode (a rollup_load table) announces every refresh; TimescaleDB mode has none: poll there
        const native = await client.query<{ ok: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass('rollup_load') AND relkind IN ('r', 'p')) AS ok`,
        );
        this.notifying = native.rows[0]?.ok === true;
      },
    });
    await this.listener.start();
  }

  /**
   * One pass of the live loop. A pass asked for while one runs is not lost: it runs right after, from the
   * earliest bucket asked for (a poll asks for the whole lookback).
   */
  async liveOnce(changedFrom?: Date, notified = false): Promise<void> {
    if (this.stopped) return;
    await this.passes.request(notified ? changedFrom : undefined);
  }

  /** One pass: from `from` (a notified bucket), or over the whole lookback when undefined. */
  private async livePass(from: Date | undefined): Promise<void> {
    if (this.stopped) return;
    if (from === undefined) this.lastFullPassAt = Date.now();
    try {
      await detectNewObservations(this.pool, this.catalog(), {
        k: this.settings.k,
        lookbackMs: this.settings.lookbackMs,
        ...(from !== undefined ? { changedFrom: from } : {}),
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
    }
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
    this.listener?.stop();
  }
}
