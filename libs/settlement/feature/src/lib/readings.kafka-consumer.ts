import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { DeadLetterReason, FailedMessage } from '@gridwerk/shared/data-access-kafka';
import type { CommunityRepository, SettlementRepository } from '@gridwerk/settlement/data-access';
import { classifyReadings, SkipReasons, type SkipReason } from './reading-intake';

export interface DeadLetterSink {
  publishAll(
    consumerGroup: string,
    items: readonly { msg: FailedMessage; reason: DeadLetterReason }[],
  ): Promise<unknown>;
}

export interface IntakeLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Every consumed reading is counted once: accepted (stored, duplicates, corrections; `late` counts the
 * closed intervals they reopened, not readings), dead-lettered, or skipped by reason.
 */
export interface IntakeMetrics {
  onReadings(counts: {
    stored: number;
    duplicates: number;
    corrections: number;
    late: number;
    deadLettered: number;
  }): void;
  onSkipped(counts: Readonly<Record<SkipReason, number>>): void;
  /** Wall time of one phase of a chunk's intake: validate and look up memberships, dead-letter, store. */
  onIntakePhase?(phase: 'classify' | 'dead_letter' | 'record', seconds: number): void;
}

export interface ReadingsConsumerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly groupId: string;
  readonly communities: Pick<CommunityRepository, 'membershipOf'>;
  readonly repo: Pick<SettlementRepository, 'recordReadings'>;
  readonly deadLetters: DeadLetterSink;
  readonly log: IntakeLog;
  readonly metrics?: IntakeMetrics;
  readonly chunkSize?: number;
  /**
   * Partitions consumed at once (kafkajs `partitionsConsumedConcurrently`); default 1. Their chunks store
   * in concurrent transactions, which write the shared interval and watermark rows in key order.
   */
  readonly partitionsConcurrently?: number;
  readonly sessionTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Consumes `grid.meter.readings.v1`: validates each message, dead-letters bad input with a reason (the
 * loop goes on), counts the readings of metering points in no community as skipped (no dead letter, no log
 * line), stores member readings in one transaction per chunk, and only then resolves and commits the
 * offsets. A replay after a crash stores nothing twice (same values = duplicate). While the database
 * is unreachable the chunk is retried with back-off, heart-beating, so the partition is not lost.
 */
export class ReadingsConsumer {
  private consumer: Consumer | undefined;
  private running = false;
  private lastError: string | undefined;

  constructor(private readonly o: ReadingsConsumerOptions) {}

  async start(): Promise<void> {
    const consumer = this.o.kafka.consumer({
      groupId: this.o.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.o.sessionTimeoutMs ?? 30_000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.lastError = String((e.payload as { error?: unknown }).error);
      this.o.log.error('readings consumer crashed', { error: this.lastError });
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.o.topic, fromBeginning: true });
    this.running = true;
    await consumer.run({
      partitionsConsumedConcurrently: this.o.partitionsConcurrently ?? 1,
      eachBatchAutoResolve: false,
      autoCommit: true,
      eachBatch: (p) => this.eachBatch(p),
    });
  }

  get healthy(): { ok: boolean; detail?: string } {
    return this.running ? { ok: true } : { ok: false, detail: this.lastError ?? 'not running' };
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.consumer?.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const isRunning = () => payload.isRunning();
    const isStale = () => payload.isStale();
    const heartbeat = () => payload.heartbeat();
    const size = this.o.chunkSize ?? 1_000;
    for (let i = 0; i < batch.messages.length; i += size) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(i, i + size);
      let phaseStart = performance.now();
      const phaseDone = (phase: 'classify' | 'dead_letter' | 'record'): void => {
        const now = performance.now();
        this.o.metrics?.onIntakePhase?.(phase, (now - phaseStart) / 1000);
        phaseStart = now;
      };
      const verdicts = await classifyReadings(chunk, this.o.communities);
      phaseDone('classify');
      const bad = verdicts.flatMap((v, k) =>
        v.kind !== 'dead-letter'
          ? []
          : [
              {
                msg: {
                  topic: batch.topic,
                  partition: batch.partition,
                  offset: chunk[k].offset,
                  key: chunk[k].key,
                  value: chunk[k].value,
                  headers: chunk[k].headers,
                } satisfies FailedMessage,
                reason: v.reason,
              },
            ],
      );
      const good = verdicts.flatMap((v) => (v.kind === 'member' ? [v.reading] : []));
      const skipped: Record<SkipReason, number> = {
        [SkipReasons.notInCommunity]: 0,
        [SkipReasons.outsideMembership]: 0,
      };
      for (const v of verdicts) if (v.kind === 'skip') skipped[v.reason]++;
      for (let attempt = 0; ; attempt++) {
        try {
          if (bad.length > 0) await this.o.deadLetters.publishAll(this.o.groupId, bad);
          phaseDone('dead_letter');
          const counts = await this.o.repo.recordReadings(good);
          phaseDone('record');
          this.o.metrics?.onReadings({ ...counts, deadLettered: bad.length });
          this.o.metrics?.onSkipped(skipped);
          break;
        } catch (err) {
          if (!isRunning()) throw err;
          const wait = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
          this.o.log.warn('storing readings failed, retrying', { error: String(err), attempt, waitMs: wait });
          await sleep(wait);
          await heartbeat();
        }
      }
      payload.resolveOffset(chunk[chunk.length - 1].offset);
      await payload.commitOffsetsIfNecessary();
      await heartbeat();
    }
  }
}
