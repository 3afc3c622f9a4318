import { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FailedMessage } from '@gridwerk/shared/data-access-kafka';
import type { JsonLogger } from '@gridwerk/shared/util-logging';
import { BatchOutcome, IngestBatchHandler, IngestTopics } from './ingest-batch.handler';
import { PerKeyRateLimit } from './per-key-rate-limit';

export interface IngestConsumerOptions {
  groupId: string;
  topics: IngestTopics;
  /** Rows per database transaction (a fetched batch is cut into chunks of this size). */
  maxBatchRows: number;
  /** How long the broker may wait to fill a fetch (batching by time). */
  maxWaitMs: number;
  /**
   * Most bytes of one fetch (default 8 MiB; a partition at most 8 MiB of it). The raw response and the
   * messages decoded from it are held until the batch is written, so this bounds a thread's memory.
   */
  fetchMaxBytes?: number;
  /** Back-off limits while the database (or the DLQ producer) is unavailable. */
  retryInitialMs?: number;
  /** Partitions handled at once: parsing of one overlaps the database round trip of another. */
  partitionsConcurrently?: number;
  /** How soon the group notices a dead member (kill -9) and moves its partitions. */
  sessionTimeoutMs?: number;
  /**
   * How often a member heartbeats, and so how soon it learns of a rebalance that a joining or leaving
   * member started (the whole group waits for that). Default 3 s; at most a third of the session.
   */
  heartbeatIntervalMs?: number;
  /** Longest back-off between retries of a paused partition (the bound of a transient stall). */
  retryMaxMs?: number;
  /** Liveness fails when a partition with messages waiting made no progress for this long. */
  livenessStallMs?: number;
  /** How often the lag of owned partitions is read from the broker (also while they are paused). */
  lagRefreshMs?: number;
  /** Dead letters are logged at most once per reason per this interval (with the count since). */
  deadLetterLogIntervalMs?: number;
}

interface IngestMetrics {
  rows: Counter<'table' | 'result'>;
  deadLetters: Counter<'reason'>;
  batchSize: Histogram;
  batchSeconds: Histogram;
  lag: Gauge<'topic' | 'partition'>;
  failures: Counter<'stage'>;
  corrections: Counter<'result'>;
  truncated: Counter;
  paused: Gauge;
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
        help: 'transient failures that paused a partition (retried with back-off)',
        labelNames: ['stage'],
        registers: [registry],
      }),
    corrections:
      get('gridwerk_ingest_corrections_total') ??
      new Counter({
        name: 'gridwerk_ingest_corrections_total',
        help: 'new versions of stored readings (result=applied: became current | kept: history only)',
        labelNames: ['result'],
        registers: [registry],
      }),
    truncated:
      get('gridwerk_ingest_dead_letters_truncated_total') ??
      new Counter({
        name: 'gridwerk_ingest_dead_letters_truncated_total',
        help: 'dead letters cut down to fit the dead-letter topic (original size and sha256 recorded)',
        registers: [registry],
      }),
    paused:
      get('gridwerk_ingest_partitions_paused') ??
      new Gauge({
        name: 'gridwerk_ingest_partitions_paused',
        help: 'partitions paused after a transient failure, waiting for their retry',
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

/** What the consumer knows about one partition it owns. */
interface PartitionState {
  topic: string;
  partition: number;
  /** Last time a chunk was committed (or the partition was assigned / found caught up). */
  progressAt: number;
  /** Messages known to wait (high watermark beyond the committed offset). */
  lag: number;
  /** Transient failures in a row; 0 when the last attempt succeeded. */
  failures: number;
  lastError?: string;
  resumeTimer?: NodeJS.Timeout;
}

const keyOf = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * The Kafka side of ingestion: batches by size and time, hands each chunk to the handler, and commits
 * the offsets only after the database transaction committed. A transient failure pauses only its
 * partition: the chunk is not resolved, the partition is resumed after a back-off (doubling up to
 * retryMaxMs) and re-fetched from the failed chunk, while every other partition keeps flowing. Nothing is
 * skipped and nothing is committed early.
 */
export class IngestConsumer {
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private readonly metrics: IngestMetrics;
  private stopping = false;
  private crashed: string | undefined;
  private readonly partitions = new Map<string, PartitionState>();
  private lagTimer: NodeJS.Timeout | undefined;
  private joinedAt: number | undefined;
  private readonly deadLetterLog: PerKeyRateLimit;
  readonly totals = {
    inserted: 0,
    duplicates: 0,
    corrections: 0,
    deadLettered: 0,
    batches: 0,
  };

  constructor(
    private readonly kafka: Kafka,
    private readonly handler: IngestBatchHandler,
    private readonly opts: IngestConsumerOptions,
    registry: Registry,
    private readonly log: JsonLogger,
    private readonly clock: () => number = Date.now,
  ) {
    this.metrics = createMetrics(registry);
    this.deadLetterLog = new PerKeyRateLimit(opts.deadLetterLogIntervalMs ?? 10_000, clock);
  }

  /**
   * Readiness: true once this member has joined the group (it takes part in the partition assignment),
   * false until then, after the consumer crashed for good, or while a partition is retrying a failure.
   */
  status(): { ok: boolean; detail?: string; live: boolean; liveDetail?: string } {
    const live = this.liveness();
    const base = { live: live.ok, ...(live.detail ? { liveDetail: live.detail } : {}) };
    if (this.crashed) return { ok: false, detail: `consumer crashed: ${this.crashed}`, ...base };
    if (!this.joined) return { ok: false, detail: `joining consumer group ${this.opts.groupId}`, ...base };
    const failing = [...this.partitions.values()].find((s) => s.failures > 0);
    if (failing)
      return {
        ok: false,
        detail: `retrying ${keyOf(failing.topic, failing.partition)}: ${failing.lastError ?? ''}`,
        ...base,
      };
    return { ok: true, ...base };
  }

  /** Liveness: no owned partition has had messages waiting without progress for livenessStallMs. */
  liveness(): { ok: boolean; detail?: string } {
    const limit = this.opts.livenessStallMs ?? 300_000;
    const now = this.clock();
    for (const s of this.partitions.values()) {
      if (s.lag > 0 && now - s.progressAt > limit)
        return {
          ok: false,
          detail: `${keyOf(s.topic, s.partition)}: no progress for ${Math.round((now - s.progressAt) / 1000)} s with ${s.lag} messages waiting${s.lastError ? ` (${s.lastError})` : ''}`,
        };
    }
    return { ok: true };
  }

  /** True once this member has joined the group (received its first assignment, which may be empty). */
  get joined(): boolean {
    return this.joinedAt !== undefined;
  }

  /** Connects, subscribes and joins the group: `prepare()` then `join()`. */
  async start(): Promise<void> {
    await this.prepare();
    await this.join();
  }

  /**
   * Everything before the group join: the consumer's and the admin client's connections and the
   * subscription. Several members of one process prepare first and then join together (see `join`).
   */
  async prepare(): Promise<void> {
    const sessionTimeout = this.opts.sessionTimeoutMs ?? 30_000;
    const consumer = this.kafka.consumer({
      groupId: this.opts.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.opts.maxWaitMs,
      minBytes: 64 * 1024,
      maxBytes: this.opts.fetchMaxBytes ?? 8 * 1024 * 1024,
      maxBytesPerPartition: Math.min(8 * 1024 * 1024, this.opts.fetchMaxBytes ?? 8 * 1024 * 1024),
      sessionTimeout,
      heartbeatInterval: Math.min(this.opts.heartbeatIntervalMs ?? 3_000, Math.floor(sessionTimeout / 3)),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      const err = e.payload.error;
      this.crashed = err.message;
      this.log.error('consumer crashed', { error: err.message, restart: e.payload.restart });
      if (e.payload.restart) this.crashed = undefined;
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joinedAt ??= this.clock();
      this.onAssignment(e.payload.memberAssignment);
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: [this.opts.topics.readings, this.opts.topics.telemetry],
      fromBeginning: true,
    });
    this.admin = this.kafka.admin();
    await this.admin.connect();
  }

  /** Joins the group and starts consuming; resolves once the first join and sync are done. */
  async join(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) throw new Error('IngestConsumer.join() before prepare()');
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.partitionsConcurrently ?? 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
    const every = this.opts.lagRefreshMs ?? 5_000;
    this.lagTimer = setInterval(() => void this.refreshLag().catch(() => undefined), every);
    this.log.info('ingest consumer running', {
      group: this.opts.groupId,
      maxBatchRows: this.opts.maxBatchRows,
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.lagTimer);
    for (const s of this.partitions.values()) clearTimeout(s.resumeTimer);
    // kafkajs lets the batch in hand finish (and commit) before it leaves the group.
    await this.consumer?.disconnect();
    await this.admin?.disconnect().catch(() => undefined);
    this.log.info('ingest consumer stopped', this.totals);
  }

  /** A new assignment: partitions kept keep their state, new ones start now, lost ones are forgotten. */
  private onAssignment(assignment: Record<string, number[]>): void {
    const owned = new Set<string>();
    for (const [topic, parts] of Object.entries(assignment))
      for (const partition of parts) {
        const k = keyOf(topic, partition);
        owned.add(k);
        if (!this.partitions.has(k))
          this.partitions.set(k, { topic, partition, progressAt: this.clock(), lag: 0, failures: 0 });
      }
    for (const [k, s] of this.partitions)
      if (!owned.has(k)) {
        // a partition lost while paused must not come back paused for ever
        if (s.resumeTimer) this.consumer?.resume([{ topic: s.topic, partitions: [s.partition] }]);
        clearTimeout(s.resumeTimer);
        this.partitions.delete(k);
        this.metrics.lag.remove({ topic: s.topic, partition: String(s.partition) });
      }
    this.metrics.paused.set([...this.partitions.values()].filter((s) => s.resumeTimer).length);
  }

  private state(topic: string, partition: number): PartitionState {
    const k = keyOf(topic, partition);
    let s = this.partitions.get(k);
    if (!s) {
      s = { topic, partition, progressAt: this.clock(), lag: 0, failures: 0 };
      this.partitions.set(k, s);
    }
    return s;
  }

  private setLag(s: PartitionState, lag: number): void {
    s.lag = lag;
    if (lag === 0) s.progressAt = this.clock();
    this.metrics.lag.set({ topic: s.topic, partition: String(s.partition) }, lag);
  }

  /**
   * The real lag of every owned partition (high watermark minus committed offset), read from the broker:
   * a paused or stuck partition receives no batches, so only this keeps its gauge (and liveness) true.
   */
  private async refreshLag(): Promise<void> {
    const admin = this.admin;
    if (!admin || this.partitions.size === 0) return;
    const topics = [...new Set([...this.partitions.values()].map((s) => s.topic))];
    const committed = await admin.fetchOffsets({ groupId: this.opts.groupId, topics });
    for (const topic of topics) {
      const high = await admin.fetchTopicOffsets(topic);
      for (const h of high) {
        const s = this.partitions.get(keyOf(topic, h.partition));
        if (!s) continue;
        const c = committed
          .find((t) => t.topic === topic)
          ?.partitions.find((p) => p.partition === h.partition);
        const next = c && Number(c.offset) >= 0 ? BigInt(c.offset) : BigInt(h.low);
        const hw = BigInt(h.high);
        this.setLag(s, Number(hw > next ? hw - next : 0n));
      }
    }
  }

  private async onBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const msgs = batch.messages;
    const s = this.state(batch.topic, batch.partition);
    const hw = BigInt(batch.highWatermark);
    const first = msgs[0];
    if (first) this.setLag(s, Number(hw > BigInt(first.offset) ? hw - BigInt(first.offset) : 0n));
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
      let outcome: BatchOutcome;
      try {
        outcome = await this.handler.handle(failed);
      } catch (err) {
        // transient (the handler dead-letters what is permanent): pause this partition only
        this.pauseAfterFailure(s, p, err);
        return;
      }
      if (s.failures > 0)
        this.log.info('partition resumed', { topic: s.topic, partition: s.partition, after: s.lastError });
      s.failures = 0;
      s.lastError = undefined;
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
      s.progressAt = this.clock();
      await p.heartbeat();
      this.setLag(s, Number(hw > BigInt(next) ? hw - BigInt(next) : 0n));
    }
  }

  /** Pauses the partition and schedules its resumption after a back-off doubling up to retryMaxMs. */
  private pauseAfterFailure(s: PartitionState, p: EachBatchPayload, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    s.failures += 1;
    const initial = this.opts.retryInitialMs ?? 200;
    const delay = Math.min(initial * 2 ** Math.min(s.failures - 1, 20), this.opts.retryMaxMs ?? 10_000);
    this.metrics.failures.inc({ stage: 'batch' });
    if (s.lastError !== message)
      this.log.warn('batch failed; pausing the partition and retrying', {
        topic: s.topic,
        partition: s.partition,
        error: message,
        retryInMs: delay,
      });
    s.lastError = message;
    if (this.stopping || p.isStale()) return;
    const resume = p.pause();
    clearTimeout(s.resumeTimer);
    s.resumeTimer = setTimeout(() => {
      s.resumeTimer = undefined;
      this.metrics.paused.set([...this.partitions.values()].filter((x) => x.resumeTimer).length);
      if (!this.stopping) resume();
    }, delay);
    this.metrics.paused.set([...this.partitions.values()].filter((x) => x.resumeTimer).length);
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
    this.metrics.rows.inc({ table, result: 'correction' }, o.readings.corrections);
    this.metrics.corrections.inc({ result: 'applied' }, o.readings.correctionsApplied);
    this.metrics.corrections.inc({ result: 'kept' }, o.readings.corrections - o.readings.correctionsApplied);
    if (o.truncated > 0) this.metrics.truncated.inc(o.truncated);
    for (const [reason, n] of Object.entries(o.reasons)) this.metrics.deadLetters.inc({ reason }, n);
    this.metrics.batchSize.observe(size);
    this.metrics.batchSeconds.observe(seconds);
    this.totals.inserted += inserted;
    this.totals.duplicates += duplicates;
    this.totals.corrections += o.readings.corrections;
    this.totals.deadLettered += o.deadLettered;
    this.totals.batches += 1;
    if (o.readings.corrections > 0)
      this.log.info('corrections stored', {
        corrections: o.readings.corrections,
        applied: o.readings.correctionsApplied,
        samples: o.readings.correctionSamples ?? [],
      });
    this.logDeadLetters(o);
  }

  /** One line per reason at most every deadLetterLogIntervalMs, with how many were not logged since. */
  private logDeadLetters(o: BatchOutcome): void {
    for (const [reason, n] of Object.entries(o.reasons)) {
      const admitted = this.deadLetterLog.admit(reason, n);
      if (!admitted.admitted) continue;
      this.log.warn('messages dead-lettered', {
        reason,
        count: n,
        suppressedSinceLastLine: admitted.suppressed,
        samples: o.deadLetterSamples.filter((d) => d.code === reason),
        ...(o.truncated > 0 ? { truncatedInBatch: o.truncated } : {}),
      });
    }
  }

  /** Retries the offset commit with back-off, heart-beating so the group keeps the partition. */
  private async withRetry<T>(
    fn: () => Promise<T>,
    p: EachBatchPayload,
    giveUp: (err: unknown) => boolean = () => false,
  ): Promise<T | undefined> {
    let delay = this.opts.retryInitialMs ?? 200;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (giveUp(err)) throw err;
        if (p.isStale()) return undefined;
        const message = err instanceof Error ? err.message : String(err);
        this.metrics.failures.inc({ stage: 'commit' });
        this.log.warn('offset commit failed; retrying', { error: message, retryInMs: delay });
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
