import type { Pool } from 'pg';
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
}

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
    this.timers.push(setInterval(() => void this.liveOnce(), this.settings.pollMs));
  }

  /** One pass of the live loop; skipped while the previous one still runs. */
  async liveOnce(): Promise<void> {
    if (this.loopRunning || this.stopped) return;
    this.loopRunning = true;
    try {
      await detectNewObservations(this.pool, this.catalog(), {
        k: this.settings.k,
        lookbackMs: this.settings.lookbackMs,
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
  }
}
