import { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FailedMessage } from '@gridwerk/shared/data-access-kafka';
import type { JsonLogger } from '@gridwerk/shared/util-logging';
import { BatchOutcome, IngestBatchHandler, IngestTopics } from './ingest-batch.handler';

export interface IngestConsumerOptions {
  groupId: string;
  topics: IngestTopics;
  /** Rows per database transaction (a fetched batch is cut into chunks of this size). */
  maxBatchRows: number;
  /** How long the broker may wait to fill a fetch (batching by time). */
  maxWaitMs: number;
  /** Back-off limits while the database (or the DLQ producer) is unavailable. */
  retryInitialMs?: number;
  /** Partitions handled at once: parsing of one overlaps the database round trip of another. */
  partitionsConcurrently?: number;
  /** How soon the group notices a dead member (kill -9) and moves its partitions. */
  sessionTimeoutMs?: number;
  retryMaxMs?: number;
}

interface IngestMetrics {
  rows: Counter<'table' | 'result'>;
  deadLetters: Counter<'reason'>;
  batchSize: Histogram;
  batchSeconds: Histogram;
  lag: Gauge<'topic' | 'partition'>;
  failures: Counter<'stage'>;
}

function createMetrics(registry: Registry): IngestMetrics {
  const get = <T>(name: string): T | undefined => registry.getSingleMetric(name) as T | undefined;
  return {
    rows:
      get('gridwerk_ingest_rows_total') ??
      new Counter({
        name: 'gridwerk_ingest_rows_total',
        help: 'rows written (result=inserted|duplicate)',
        labelNames: ['table', 'result'],
        registers: [registry],
      }),
    deadLetters:
      get('gridwerk_ingest_dead_letters_total') ??
      new Counter({
        name: 'gridwerk_ingest_dead_letters_total',
        help: 'messages sent to grid.dlq.v1 by reason',
        labelNames: ['reason'],
        registers: [registry],
      }),
    batchSize:
      get('gridwerk_ingest_batch_size') ??
      new Histogram({
        name: 'gridwerk_ingest_batch_size',
        help: 'messages per database transaction',
        buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 20000],
        registers: [registry],
      }),
    batchSeconds:
      get('gridwerk_ingest_batch_seconds') ??
      new Histogram({
        name: 'gridwerk_ingest_batch_seconds',
        help: 'time to validate, write and commit one batch',
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
    lag:
      get('gridwerk_ingest_consumer_lag') ??
      new Gauge({
        name: 'gridwerk_ingest_consumer_lag',
        help: 'messages behind the high watermark, per partition',
        labelNames: ['topic', 'partition'],
        registers: [registry],
      }),
    failures:
      get('gridwerk_ingest_failures_total') ??
      new Counter({
        name: 'gridwerk_ingest_failures_total',
        help: 'infrastructure failures that paused ingestion (retried)',
        labelNames: ['stage'],
        registers: [registry],
      }),
  };
}

/** kafkajs errors that mean "this member no longer owns the partition" (a rebalance), not an outage. */
const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);

function isRebalanceError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const type = 'type' in err && typeof err.type === 'string' ? err.type : '';
  const name = 'name' in err && typeof err.name === 'string' ? err.name : '';
  return REBALANCE_ERRORS.has(type) || name === 'KafkaJSStaleTopicMetadataAssignment';
}

/**
 * The Kafka side of ingestion: batches by size and time, hands each chunk to the handler, and
 * commits the offsets only after the database transaction committed. While the database is down
 * it keeps the partition paused in place (retrying with back-off and heart-beating), so nothing is
 * skipped and nothing is committed early.
 */
export class IngestConsumer {
  private consumer: Consumer | undefined;
  private readonly metrics: IngestMetrics;
  private stopping = false;
  private lastError: string | undefined;
  private crashed: string | undefined;
  readonly totals = { inserted: 0, duplicates: 0, deadLettered: 0, batches: 0 };

  constructor(
    private readonly kafka: Kafka,
    private readonly handler: IngestBatchHandler,
    private readonly opts: IngestConsumerOptions,
    registry: Registry,
    private readonly log: JsonLogger,
  ) {
    this.metrics = createMetrics(registry);
  }

  /** Health: false after the consumer crashed for good, or while retries fail. */
  status(): { ok: boolean; detail?: string } {
    if (this.crashed) return { ok: false, detail: `consumer crashed: ${this.crashed}` };
    if (this.lastError) return { ok: false, detail: `retrying: ${this.lastError}` };
    return { ok: true };
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.opts.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.opts.maxWaitMs,
      minBytes: 64 * 1024,
      maxBytes: 32 * 1024 * 1024,
      maxBytesPerPartition: 8 * 1024 * 1024,
      sessionTimeout: this.opts.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((this.opts.sessionTimeoutMs ?? 30_000) / 3)),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      const err = e.payload.error;
      this.crashed = err.message;
      this.log.error('consumer crashed', { error: err.message, restart: e.payload.restart });
      if (e.payload.restart) this.crashed = undefined;
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: [this.opts.topics.readings, this.opts.topics.telemetry],
      fromBeginning: true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.partitionsConcurrently ?? 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.log.info('ingest consumer running', {
      group: this.opts.groupId,
      maxBatchRows: this.opts.maxBatchRows,
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // kafkajs lets the batch in hand finish (and commit) before it leaves the group.
    await this.consumer?.disconnect();
    this.log.info('ingest consumer stopped', this.totals);
  }

  private async onBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const msgs = batch.messages;
    for (let i = 0; i < msgs.length; i += this.opts.maxBatchRows) {
      if (!p.isRunning() || p.isStale()) return;
      const chunk = msgs.slice(i, i + this.opts.maxBatchRows);
      const failed: FailedMessage[] = chunk.map((m) => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        headers: m.headers,
      }));
      const t0 = process.hrtime.bigint();
      const outcome = await this.withRetry(() => this.handler.handle(failed), p);
      if (outcome === undefined) return; // stopping: nothing committed, the batch is redelivered
      // the rows are durable now, whatever happens to the offset commit
      this.record(outcome, chunk.length, Number(process.hrtime.bigint() - t0) / 1e9, batch.topic);
      const last = chunk[chunk.length - 1];
      if (!last) continue;
      const next = (BigInt(last.offset) + 1n).toString();
      p.resolveOffset(last.offset);
      try {
        await this.withRetry(() => this.commit(batch.topic, batch.partition, next), p, isRebalanceError);
      } catch (err) {
        // The group moved this partition while the batch was written: its new owner starts from the
        // last committed offset and re-reads the chunk, which stores nothing twice (idempotent writes).
        this.log.info('partition reassigned before the offset commit; the new owner re-reads the chunk', {
          topic: batch.topic,
          partition: batch.partition,
          error: err instanceof Error ? err.message : String(err),
        });
        return;
      }
      await p.heartbeat();
      const hw = BigInt(batch.highWatermark);
      this.metrics.lag.set(
        { topic: batch.topic, partition: String(batch.partition) },
        Number(hw > BigInt(next) ? hw - BigInt(next) : 0n),
      );
    }
  }

  private async commit(topic: string, partition: number, offset: string): Promise<void> {
    await this.consumer?.commitOffsets([{ topic, partition, offset }]);
  }

  private record(o: BatchOutcome, size: number, seconds: number, topic: string): void {
    const table = topic === this.opts.topics.telemetry ? 'battery_telemetry' : 'meter_reading';
    const inserted = o.readings.inserted + o.telemetry.inserted;
    const duplicates = o.readings.duplicates + o.telemetry.duplicates;
    this.metrics.rows.inc({ table, result: 'inserted' }, inserted);
    this.metrics.rows.inc({ table, result: 'duplicate' }, duplicates);
    for (const [reason, n] of Object.entries(o.reasons)) this.metrics.deadLetters.inc({ reason }, n);
    this.metrics.batchSize.observe(size);
    this.metrics.batchSeconds.observe(seconds);
    this.totals.inserted += inserted;
    this.totals.duplicates += duplicates;
    this.totals.deadLettered += o.deadLettered;
    this.totals.batches += 1;
  }

  /** Retries infrastructure failures with back-off, heart-beating so the group keeps the partition. */
  private async withRetry<T>(
    fn: () => Promise<T>,
    p: EachBatchPayload,
    giveUp: (err: unknown) => boolean = () => false,
  ): Promise<T | undefined> {
    let delay = this.opts.retryInitialMs ?? 200;
    for (;;) {
      try {
        const r = await fn();
        if (this.lastError) this.log.info('ingestion resumed', { after: this.lastError });
        this.lastError = undefined;
        return r;
      } catch (err) {
        if (giveUp(err)) throw err;
        // the partition moved to another member: leave the chunk to it (nothing committed here)
        if (p.isStale()) return undefined;
        const message = err instanceof Error ? err.message : String(err);
        this.metrics.failures.inc({ stage: 'batch' });
        if (this.lastError !== message)
          this.log.warn('batch failed; pausing and retrying', { error: message, retryInMs: delay });
        this.lastError = message;
        if (this.stopping || !p.isRunning()) return undefined;
        const until = Date.now() + delay;
        while (Date.now() < until) {
          await new Promise((r) => setTimeout(r, Math.min(1_000, until - Date.now())));
          await p.heartbeat().catch(() => undefined);
          if (this.stopping || !p.isRunning()) return undefined;
        }
        delay = Math.min(delay * 2, this.opts.retryMaxMs ?? 10_000);
      }
    }
  }
}
