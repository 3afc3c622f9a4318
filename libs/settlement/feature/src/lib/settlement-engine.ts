import type { Pool } from 'pg';
import type { SettlementLedger } from '@gridwerk/settlement/domain';
import {
  relaySettlementOutbox,
  type CommitterLock,
  type OutboxPublisher,
  type SettlementRepository,
} from '@gridwerk/settlement/data-access';
import type { IntakeLog } from './readings.kafka-consumer';

export interface EngineMetrics {
  onIntervalSettled?(reason: 'close' | 'correction', version: number): void;
  onBatchCommitted?(gasUsed: bigint, alreadyCommitted: boolean): void;
  onPendingBatches?(n: number): void;
  onRole?(active: boolean): void;
}

export interface SettlementEngineOptions {
  readonly pool: Pool;
  readonly repo: SettlementRepository;
  readonly lock: CommitterLock;
  readonly ledger: SettlementLedger;
  readonly publisher: OutboxPublisher;
  readonly graceMs: number;
  readonly tickMs: number;
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
    for (const ref of [
      ...(await this.o.repo.dueIntervals(this.o.graceMs)),
      ...(await this.o.repo.intervalsToResettle()),
    ]) {
      if (!this.o.lock.held) return result;
      const r = await this.o.repo.settleInterval(ref);
      if (r && r.version > 0) {
        result.settled++;
        this.o.metrics?.onIntervalSettled?.(r.reason, r.version);
        this.o.log.info('interval settled', { ...r });
      }
    }
    const pending = await this.o.repo.pendingBatches();
    this.o.metrics?.onPendingBatches?.(pending.length);
    for (const b of pending) {
      if (!this.o.lock.held) break;
      try {
        const receipt = await this.o.ledger.commitBatch(b);
        await this.o.repo.markCommitted(b, receipt);
        result.committed++;
        this.o.metrics?.onBatchCommitted?.(receipt.gasUsed, receipt.alreadyCommitted);
        this.o.log.info('batch committed', {
          batchId: b.batchId,
          txHash: receipt.txHash,
          blockNumber: Number(receipt.blockNumber),
          alreadyCommitted: receipt.alreadyCommitted,
        });
      } catch (err) {
        result.commitError = String(err);
        this.o.log.warn('batch commit failed; it stays pending', {
          batchId: b.batchId,
          error: result.commitError,
        });
        break;
      }
    }
    this.o.metrics?.onPendingBatches?.(pending.length - result.committed);
    if (this.o.lock.held)
      result.published = (await relaySettlementOutbox(this.o.pool, this.o.publisher)).published;
    return result;
  }
}
