import type { Pool } from 'pg';
import type { LedgerCommitReceipt, SettlementLedger } from '@gridwerk/settlement/domain';
import {
  relaySettlementOutbox,
  type CommitterLock,
  type OutboxPublisher,
  type SettlementRepository,
  type StoredBatch,
} from '@gridwerk/settlement/data-access';
import type { IntakeLog } from './readings.kafka-consumer';

/** Batches per multi-batch commit (the EVM contract's MAX_BATCHES_PER_CALL). */
const MULTI_COMMIT_CHUNK = 200;
/** Pending batches read per tick when the ledger commits many per transaction (one per community). */
const MULTI_COMMIT_PENDING = 4_000;
/** Due intervals settled per tick: a city's quarter hour (3,716 communities at 350,000 meters) in one. */
const SETTLE_PER_TICK = 4_000;

export interface EngineMetrics {
  onIntervalSettled?(reason: 'close' | 'correction', version: number): void;
  onBatchCommitted?(gasUsed: bigint, alreadyCommitted: boolean): void;
  onPendingBatches?(n: number): void;
  onRole?(active: boolean): void;
  /** Wall time of one phase of a committer tick (settle intervals, commit on chain, relay the outbox). */
  onTickPhase?(phase: TickPhase, seconds: number): void;
}

export type TickPhase = 'settle' | 'commit' | 'relay';

export interface SettlementEngineOptions {
  readonly pool: Pool;
  readonly repo: SettlementRepository;
  readonly lock: CommitterLock;
  readonly ledger: SettlementLedger;
  readonly publisher: OutboxPublisher;
  readonly graceMs: number;
  readonly tickMs: number;
  /** Intervals settled at once (each in its own transaction); default 1. */
  readonly settleConcurrency?: number;
  readonly log: IntakeLog;
  readonly metrics?: EngineMetrics;
}

export interface TickResult {
  active: boolean;
  settled: number;
  committed: number;
  published: number;
  commitError?: string;
}

/**
 * The committer: on every tick, if this process holds the committer lock, it closes the intervals the
 * watermark has passed (plus grace), re-settles corrected ones, commits pending batches on chain in order
 * (interval, version) and relays the outbox. A failed commit (chain down) stops the tick; the batch stays
 * pending and is retried, and the ledger adapter never sends a batch twice.
 */
export class SettlementEngine {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<TickResult> | undefined;
  private stopped = false;
  private lastTick: TickResult | undefined;

  constructor(private readonly o: SettlementEngineOptions) {}

  start(): void {
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      this.current = this.tick().catch((err: unknown) => {
        this.o.log.error('settlement tick failed', { error: String(err) });
        return { active: this.o.lock.held, settled: 0, committed: 0, published: 0, commitError: String(err) };
      });
      this.lastTick = await this.current;
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.o.tickMs);
    };
    void loop();
  }

  get status(): TickResult | undefined {
    return this.lastTick;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
    await this.o.lock.release();
  }

  async tick(): Promise<TickResult> {
    const active = await this.o.lock.tryAcquire();
    this.o.metrics?.onRole?.(active);
    const result: TickResult = { active, settled: 0, committed: 0, published: 0 };
    if (!active) return result;
    let phaseStart = performance.now();
    const phaseDone = (phase: TickPhase): void => {
      const now = performance.now();
      this.o.metrics?.onTickPhase?.(phase, (now - phaseStart) / 1000);
      phaseStart = now;
    };
    // a city's communities close the same quarter hour together: settled `settleConcurrency` at a time
    await this.o.repo.settleIntervals(
      [
        ...(await this.o.repo.dueIntervals(this.o.graceMs, SETTLE_PER_TICK)),
        ...(await this.o.repo.intervalsToResettle()),
      ],
      {
        concurrency: this.o.settleConcurrency ?? 1,
        stop: () => !this.o.lock.held,
        onSettled: (r) => {
          if (r.version === 0) return;
          result.settled++;
          this.o.metrics?.onIntervalSettled?.(r.reason, r.version);
          this.o.log.info('interval settled', { ...r });
        },
      },
    );
    phaseDone('settle');
    if (!this.o.lock.held) return result;
    const many = this.o.ledger.commitBatches?.bind(this.o.ledger);
    const pending = await this.o.repo.pendingBatches(many === undefined ? undefined : MULTI_COMMIT_PENDING);
    this.o.metrics?.onPendingBatches?.(pending.length);
    if (many !== undefined && pending.length > 1) {
      // a city's communities per quarter hour: many batches per on-chain transaction
      for (let i = 0; i < pending.length && this.o.lock.held; i += MULTI_COMMIT_CHUNK) {
        const chunk = pending.slice(i, i + MULTI_COMMIT_CHUNK);
        let receipts: LedgerCommitReceipt[] | undefined;
        try {
          receipts = await many(chunk);
        } catch (err) {
          // one refused batch fails its whole transaction: commit this chunk one by one to isolate it
          this.o.log.warn('multi-batch commit failed; committing its batches one by one', {
            batches: chunk.length,
            error: String(err),
          });
        }
        if (receipts === undefined) {
          if (!(await this.commitEach(chunk, result))) break;
          continue;
        }
        const got = receipts;
        await this.recordCommits(
          chunk.flatMap((batch, k) => {
            const receipt = got[k];
            return receipt === undefined ? [] : [{ batch, receipt }];
          }),
          result,
        );
      }
    } else {
      await this.commitEach(pending, result);
    }
    this.o.metrics?.onPendingBatches?.(pending.length - result.committed);
    phaseDone('commit');
    if (this.o.lock.held) {
      result.published = (await relaySettlementOutbox(this.o.pool, this.o.publisher)).published;
      phaseDone('relay');
    }
    return result;
  }

  /** Commits batches one by one, in order; stops at the first failure (it stays pending). False then. */
  private async commitEach(batches: readonly StoredBatch[], result: TickResult): Promise<boolean> {
    for (const b of batches) {
      if (!this.o.lock.held) return false;
      try {
        await this.recordCommit(b, await this.o.ledger.commitBatch(b), result);
      } catch (err) {
        result.commitError = String(err);
        this.o.log.warn('batch commit failed; it stays pending', {
          batchId: b.batchId,
          error: result.commitError,
        });
        return false;
      }
    }
    return true;
  }

  private async recordCommit(b: StoredBatch, receipt: LedgerCommitReceipt, result: TickResult) {
    await this.recordCommits([{ batch: b, receipt }], result);
  }

  /** Records on-chain commits (one database transaction for all of them), with a metric and a log line each. */
  private async recordCommits(
    commits: readonly { batch: StoredBatch; receipt: LedgerCommitReceipt }[],
    result: TickResult,
  ): Promise<void> {
    if (commits.length === 0) return;
    await this.o.repo.markCommittedMany(commits);
    for (const { batch, receipt } of commits) {
      result.committed++;
      this.o.metrics?.onBatchCommitted?.(receipt.gasUsed, receipt.alreadyCommitted);
      this.o.log.info('batch committed', {
        batchId: batch.batchId,
        txHash: receipt.txHash,
        blockNumber: Number(receipt.blockNumber),
        alreadyCommitted: receipt.alreadyCommitted,
      });
    }
  }
}
