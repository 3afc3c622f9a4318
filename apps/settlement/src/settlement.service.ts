import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import {
  CommitterLock,
  CommunityRepository,
  createSettlementPool,
  runSettlementMigrations,
  SettlementRepository,
} from '@gridwerk/settlement/data-access';
import { ReadingsConsumer, SettlementEngine, type SettlementRepos } from '@gridwerk/settlement/feature';
import { EvmSettlementLedger, ledgerEvmMigrations } from '@gridwerk/settlement/ledger-evm';
import { DeadLetterPublisher, KAFKA_CLIENT, KafkaProducer } from '@gridwerk/shared/data-access-kafka';
import { HealthRegistry, MetricsService } from '@gridwerk/shared/feature-ops';
import { createLogger } from '@gridwerk/shared/util-logging';
import type { SettlementConfig } from './config/settlement.config';

export const SETTLEMENT_CONFIG = Symbol('SETTLEMENT_CONFIG');

/**
 * Wires settlement for the lifetime of the app: the readings intake (Kafka → settlement's own copy of the
 * member readings, bad input dead-lettered, readings of metering points in no community counted as
 * skipped), the committer (closes intervals by event time, settles corrections as new versions, commits
 * batches on chain through the EVM ledger, relays the outbox) and the repositories the HTTP API reads.
 * Every replica consumes; only the holder of the committer lock commits.
 */
@Injectable()
export class SettlementService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly pool: Pool;
  readonly repos: SettlementRepos;
  private readonly log;
  private ledger: EvmSettlementLedger | undefined;
  private consumer: ReadingsConsumer | undefined;
  private engine: SettlementEngine | undefined;
  private consumerStart: Promise<void> | undefined;

  constructor(
    @Inject(SETTLEMENT_CONFIG) private readonly config: SettlementConfig,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly producer: KafkaProducer,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly metrics: MetricsService,
    private readonly health: HealthRegistry,
    private readonly dataSource: DataSource,
  ) {
    this.log = createLogger('settlement', config.logLevel).child({ context: SettlementService.name });
    this.pool = createSettlementPool(config.databaseUrl, config.databasePoolMax);
    // A dropped idle connection surfaces on the next query; without a listener it would end the process.
    this.pool.on('error', (err) => this.log.warn('idle database connection failed', { error: err.message }));
    this.repos = {
      communities: new CommunityRepository(this.pool),
      settlement: new SettlementRepository(this.pool, {
        transactions: config.transactionsTopic,
        batches: config.batchesTopic,
      }),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config;
    if (c.runMigrations) {
      const ran = await runSettlementMigrations(c.databaseUrl, ledgerEvmMigrations);
      if (ran.length > 0) this.log.info('migrations applied', { migrations: ran });
    }
    const m = this.metrics;
    const readings = m.counter(
      'gridwerk_settlement_readings_total',
      'meter readings taken in by settlement, by outcome',
      ['outcome'],
    );
    // valid readings of metering points in no community: counted, not dead-lettered (most of a city's meters)
    const skipped = m.counter(
      'gridwerk_settlement_readings_skipped_total',
      'valid meter readings skipped: their metering point is in no community at the reading (by reason)',
      ['reason'],
    );
    const intervals = m.counter(
      'gridwerk_settlement_intervals_settled_total',
      'interval versions settled: close = version 1 at closing, correction = a later version',
      ['reason'],
    );
    const batches = m.counter(
      'gridwerk_settlement_batches_committed_total',
      'batches committed on chain (already = found on chain after a crash, not sent again)',
      ['already'],
    );
    const pendingBatches = m.gauge('gridwerk_settlement_batches_pending', 'settled batches not yet on chain');
    const confirmations = m.gauge(
      'gridwerk_settlement_confirmations_pending',
      'our chain transactions broadcast and not yet final',
    );
    const gas = m.counter('gridwerk_settlement_gas_used_total', 'gas used by our chain transactions', [
      'kind',
    ]);
    const rpcRetries = m.counter('gridwerk_settlement_rpc_retries_total', 'transient RPC failures retried', [
      'call',
    ]);
    const active = m.gauge('gridwerk_settlement_committer_active', '1 while this replica is the committer');
    const tickPhase = m.histogram(
      'gridwerk_settlement_tick_phase_seconds',
      "wall time of a committer tick's phases: settle the due intervals, commit batches on chain, relay the outbox",
      [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
      ['phase'],
    );
    const intakePhase = m.histogram(
      'gridwerk_settlement_intake_phase_seconds',
      "wall time of a readings chunk's intake phases: classify (validate, memberships), dead_letter, record",
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      ['phase'],
    );

    const ledger = EvmSettlementLedger.fromConfig(c, {
      dataSource: this.dataSource,
      service: 'settlement',
      log: this.log.child({ context: 'EvmSettlementLedger' }),
      metrics: {
        onGasUsed: (used, kind) => gas.inc({ kind }, Number(used)),
        onConfirmationsPending: (n) => confirmations.set(n),
        onRpcRetry: (what) => rpcRetries.inc({ call: what }),
      },
    });
    this.ledger = ledger;
    this.consumer = new ReadingsConsumer({
      kafka: this.kafka,
      topic: c.readingsTopic,
      groupId: c.consumerGroup,
      communities: this.repos.communities,
      repo: this.repos.settlement,
      deadLetters: this.deadLetters,
      partitionsConcurrently: c.intakePartitions,
      log: this.log.child({ context: ReadingsConsumer.name }),
      metrics: {
        onReadings: (n) => {
          for (const [outcome, count] of Object.entries(n)) if (count > 0) readings.inc({ outcome }, count);
        },
        onIntakePhase: (phase, seconds) => intakePhase.observe({ phase }, seconds),
        onSkipped: (n) => {
          for (const [reason, count] of Object.entries(n)) if (count > 0) skipped.inc({ reason }, count);
        },
      },
    });
    this.engine = new SettlementEngine({
      pool: this.pool,
      repo: this.repos.settlement,
      lock: new CommitterLock(c.databaseUrl),
      ledger,
      // the outbox rows carry the configured topics (SettlementRepository above)
      publisher: { send: (topic, messages) => this.producer.send(topic, messages) },
      graceMs: c.graceMs,
      tickMs: c.tickMs,
      settleConcurrency: c.settleConcurrency,
      log: this.log.child({ context: SettlementEngine.name }),
      metrics: {
        onIntervalSettled: (reason) => intervals.inc({ reason }),
        onBatchCommitted: (_gas, already) => batches.inc({ already: String(already) }),
        onPendingBatches: (n) => pendingBatches.set(n),
        onRole: (isActive) => active.set(isActive ? 1 : 0),
        onTickPhase: (phase, seconds) => tickPhase.observe({ phase }, seconds),
      },
    });
    this.health.register({ key: 'chain', check: () => this.chainHealth() });
    this.health.register({ key: 'readings-consumer', check: () => this.consumerHealth() });
    // Joining the consumer group takes a rebalance round; the service serves (health says "joining")
    // meanwhile, and a failure to join is logged and shown by /health instead of ending the process.
    this.consumerStart = this.consumer.start().catch((err: unknown) => {
      this.log.error('readings consumer failed to start', { error: String(err) });
    });
    this.engine.start();
    this.log.info('settlement wired', {
      contract: c.settlementContractAddress,
      chainId: c.evmChainId,
      signer: ledger.signerAddress,
      graceMs: c.graceMs,
      consumerGroup: c.consumerGroup,
    });
  }

  private async chainHealth(): Promise<{ ok: boolean; detail?: string }> {
    if (!this.ledger) return { ok: false, detail: 'not started' };
    const h = await this.ledger.health();
    return h.ok ? { ok: true, detail: `chain ${h.chainId}, block ${String(h.blockNumber)}` } : h;
  }

  private consumerHealth(): { ok: boolean; detail?: string } {
    return this.consumer?.healthy ?? { ok: false, detail: 'not started' };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.engine?.stop();
    await this.consumer?.stop().catch(() => undefined);
    await this.consumerStart;
    await this.pool.end();
  }
}
