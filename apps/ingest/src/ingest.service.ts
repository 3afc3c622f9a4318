import {
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { refreshRollups } from '@gridwerk/ingest/data-access';
import { HealthRegistry, MetricsService } from '@gridwerk/shared/feature-ops';
import { createLogger } from '@gridwerk/shared/util-logging';
import type { IngestConfig } from './config/ingest.config';
import { INGEST_CONFIG } from './ingest.tokens';
import { IngestConsumerThreads } from './threads/consumer-threads';
import type { ConsumerTotals } from './threads/protocol';

/**
 * Wires ingestion for the lifetime of the app: INGEST_CONSUMER_THREADS consumer threads (each a
 * consumer-group member with its own connections, see threads/consumer-thread.ts) do the Kafka to
 * PostgreSQL work; this thread serves health and metrics and keeps the rollups up to date.
 */
@Injectable()
export class IngestService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly consumers: IngestConsumerThreads;
  private readonly log;
  private readonly refreshSeconds;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private stopping = false;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    metrics: MetricsService,
    health: HealthRegistry,
    private readonly dataSource: DataSource,
  ) {
    this.log = createLogger('ingest', config.logLevel).child({ context: IngestService.name });
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      max: 2,
      application_name: 'gridwerk-ingest-rollups',
    });
    // A dropped connection is reported on the next query; without a listener it would crash the process.
    this.pool.on('error', (err) => this.log.warn('idle database connection failed', { error: err.message }));
    this.consumers = new IngestConsumerThreads(config, this.log);
    metrics.addSource(() => this.consumers.metrics());
    this.refreshSeconds = metrics.histogram(
      'gridwerk_ingest_rollup_refresh_seconds',
      'time to recompute invalidated rollup hours',
      [0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    );
    health.register({ key: 'ingest-consumer', check: () => this.consumers.status() });
    health.registerLiveness({ key: 'ingest-partitions', check: () => this.consumers.liveness() });
  }

  /** The consumer threads load, connect and subscribe meanwhile the app starts and migrates. */
  onModuleInit(): void {
    this.consumers.prepare(this.config.consumerThreads);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runMigrations) {
      const ran = await this.dataSource.runMigrations({ transaction: 'each' });
      if (ran.length > 0) this.log.info('migrations applied', { migrations: ran.map((m) => m.name) });
    }
    this.refreshTimer = setInterval(() => void this.refreshOnce(), this.config.rollupRefreshMs);
    // Not awaited: the service listens (live) while its consumers join the group, and /health turns
    // ready once every consumer is a member (README, "Health"). A consumer that cannot start stops it.
    this.starting = this.consumers.join().catch((err: unknown) => {
      if (this.stopping) return;
      this.log.fatal('ingest consumers failed to start; stopping the service', {
        error: err instanceof Error ? err.message : String(err),
      });
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    });
  }

  /** Recomputes invalidated rollup hours (native mode); one run at a time, errors logged and retried next tick. */
  refreshOnce(): Promise<void> {
    this.refreshing ??= (async () => {
      const t0 = process.hrtime.bigint();
      try {
        const r = await refreshRollups(this.pool, {
          settleMs: this.config.rollupSettleMs,
          maxStalenessMs: this.config.rollupMaxStalenessMs,
        });
        if (r.hours > 0) this.refreshSeconds.observe(Number(process.hrtime.bigint() - t0) / 1e9);
      } catch (err) {
        this.log.warn('rollup refresh failed; retrying on the next tick', {
          error: err instanceof Error ? err.message : String(err),
        });
      }
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.refreshTimer);
    await this.consumers.stop();
    await this.starting;
    await this.refreshing;
    // a final refresh without settling, so a stopped service leaves the rollups complete
    await refreshRollups(this.pool).catch((err: unknown) =>
      this.log.warn('final rollup refresh failed', {
        error: err instanceof Error ? err.message : String(err),
      }),
    );
    await this.pool.end();
  }

  totals(): ConsumerTotals {
    return this.consumers.totals();
  }
}
