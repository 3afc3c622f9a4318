import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AggregatorRegistry } from 'prom-client';
import type { JsonLogger } from '@gridwerk/shared/util-logging';
import type { IngestConfig } from '../config/ingest.config';
import type {
  ConsumerStatus,
  ConsumerThreadData,
  ConsumerTotals,
  FromThread,
  ThreadMetrics,
  ToThread,
} from './protocol';

interface Thread {
  index: number;
  worker: Worker;
  status: ConsumerStatus;
  totals: ConsumerTotals;
  /** Last metrics received, served when a thread does not answer a scrape in time. */
  metrics: ThreadMetrics;
  exited: boolean;
}

const COLLECT_TIMEOUT_MS = 2_000;

const emptyTotals = (): ConsumerTotals => ({
  inserted: 0,
  duplicates: 0,
  corrections: 0,
  deadLettered: 0,
  batches: 0,
});
const STOP_TIMEOUT_MS = 60_000;

/**
 * Code that starts the thread body: compiled (the image), `consumer-thread.js` beside `main.js`; under
 * ts-node (`npm run start:ingest`, the e2e tests) the worker inherits the `--require` hooks, and when
 * started through the ts-node CLI instead it registers them itself.
 */
function bootstrapSource(file: string): string {
  return [
    `if (${JSON.stringify(file)}.endsWith('.ts') && !require.extensions['.ts']) {`,
    `  require('ts-node').register({ transpileOnly: true });`,
    `  require('tsconfig-paths/register');`,
    `}`,
    `require(${JSON.stringify(file)});`,
  ].join('\n');
}

/**
 * Runs `count` ingest consumers in worker threads of this process. They join one consumer group and
 * share its partitions; offsets are committed per thread after its own database commit, exactly as
 * with one consumer. Health and metrics of all threads are merged here.
 */
export class IngestConsumerThreads {
  private readonly threads: Thread[] = [];
  private nextId = 0;
  private readonly pending = new Map<number, { left: Set<number>; done: () => void }>();
  private failure: string | undefined;
  private stopped = false;
  private running = false;
  private prepared: Promise<void>[] = [];
  private started: Promise<void>[] = [];

  constructor(
    private readonly config: IngestConfig,
    private readonly log: JsonLogger,
  ) {}

  /** `prepare(count)` then `join()`. */
  async start(count: number): Promise<void> {
    this.prepare(count);
    await this.join();
  }

  /**
   * Starts `count` threads, which load, connect and subscribe, and wait for `join()`. Returns at once;
   * a thread that fails fails `join()`.
   */
  prepare(count: number): void {
    const file = path.join(__dirname, `consumer-thread${path.extname(__filename)}`);
    const prepared: Promise<void>[] = [];
    const started: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      const data: ConsumerThreadData = { index, config: this.config };
      const worker = new Worker(bootstrapSource(file), { eval: true, workerData: data });
      const thread: Thread = {
        index,
        worker,
        status: { ok: false, detail: 'starting', live: true },
        totals: emptyTotals(),
        metrics: [],
        exited: false,
      };
      this.threads.push(thread);
      let fail: (err: Error) => void = () => undefined;
      const failed = new Promise<never>((_, reject) => {
        fail = reject;
      });
      // both stages fail with the thread; a rejection nobody awaits yet must not go unhandled
      failed.catch(() => undefined);
      prepared.push(
        Promise.race([
          new Promise<void>((resolve) =>
            worker.on('message', (m: FromThread) => m.type === 'prepared' && resolve()),
          ),
          failed,
        ]),
      );
      started.push(
        Promise.race([
          new Promise<void>((resolve) =>
            worker.on('message', (m: FromThread) => m.type === 'started' && resolve()),
          ),
          failed,
        ]),
      );
      worker.on('message', (m: FromThread) => {
        if (m.type === 'failed') fail(new Error(`consumer thread ${index}: ${m.error}`));
        this.onMessage(thread, m);
      });
      worker.on('error', (err) => {
        this.failure ??= `consumer thread ${index} failed: ${err.message}`;
        this.log.error('consumer thread failed', { thread: index, error: err.message });
        fail(err);
      });
      worker.on('exit', (code) => {
        thread.exited = true;
        this.settleCollections(thread.index);
        fail(new Error(`consumer thread ${index} exited with code ${code}`));
        if (!this.stopped) {
          this.failure ??= `consumer thread ${index} exited (code ${code})`;
          if (this.running) {
            // A replica with a dead consumer would hold partitions it never reads: stop the whole
            // service (gracefully, the other threads commit what they hold) so that it is restarted.
            this.log.fatal('consumer thread exited; stopping the service', { thread: index, code });
            process.exitCode = 70;
            process.kill(process.pid, 'SIGTERM');
          }
        }
      });
    }
    this.prepared = prepared;
    this.started = started;
  }

  /**
   * Resolves when every thread has joined the group, rejects if one cannot start. The threads join
   * together, once all are connected and subscribed: members that join one after the other each start
   * a rebalance, which the members already in the group notice only at their next heartbeat (up to
   * 3 s, during which the whole group waits, and so this replica's readiness).
   */
  async join(): Promise<void> {
    await Promise.all(this.prepared);
    if (this.stopped) return;
    for (const t of this.threads) t.worker.postMessage({ type: 'join' } satisfies ToThread);
    await Promise.all(this.started);
    this.running = true;
    this.log.info('ingest consumer threads running', {
      threads: this.threads.length,
      group: this.config.consumerGroup,
    });
  }

  private onMessage(thread: Thread, m: FromThread): void {
    switch (m.type) {
      case 'status':
        thread.status = m.status;
        break;
      case 'metrics':
        thread.metrics = m.metrics;
        thread.totals = m.totals;
        this.pending.get(m.id)?.left.delete(thread.index);
        this.settle(m.id);
        break;
      case 'stopped':
        thread.totals = m.totals;
        break;
      case 'failed':
        this.failure ??= `consumer thread ${thread.index}: ${m.error}`;
        break;
      case 'prepared':
      case 'started':
        break;
    }
  }

  private settle(id: number): void {
    const p = this.pending.get(id);
    if (p && p.left.size === 0) {
      this.pending.delete(id);
      p.done();
    }
  }

  private settleCollections(index: number): void {
    for (const [id, p] of this.pending) {
      p.left.delete(index);
      this.settle(id);
    }
  }

  /** Readiness: every thread has joined the group, and none has failed or is retrying a failure. */
  status(): { ok: boolean; detail?: string } {
    if (this.failure) return { ok: false, detail: this.failure };
    const bad = this.threads.find((t) => !t.status.ok);
    return bad
      ? { ok: false, detail: `thread ${bad.index}: ${bad.status.detail ?? 'unhealthy'}` }
      : { ok: true };
  }

  /** Liveness: every thread runs and none has a partition stalled with messages waiting. */
  liveness(): { ok: boolean; detail?: string } {
    if (this.failure) return { ok: false, detail: this.failure };
    const bad = this.threads.find((t) => !t.status.live);
    return bad
      ? { ok: false, detail: `thread ${bad.index}: ${bad.status.liveDetail ?? 'stalled'}` }
      : { ok: true };
  }

  /** The threads' metrics merged (counters summed), fresh from each thread at scrape time. */
  async metrics(): Promise<string> {
    const live = this.threads.filter((t) => !t.exited);
    if (live.length > 0) {
      const id = this.nextId++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          resolve();
        }, COLLECT_TIMEOUT_MS);
        this.pending.set(id, {
          left: new Set(live.map((t) => t.index)),
          done: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        for (const t of live) t.worker.postMessage({ type: 'collect', id } satisfies ToThread);
      });
    }
    const lists = this.threads.map((t) => t.metrics).filter((m) => m.length > 0);
    if (lists.length === 0) return '';
    return AggregatorRegistry.aggregate(lists).metrics();
  }

  totals(): ConsumerTotals {
    const sum = emptyTotals();
    for (const t of this.threads)
      for (const k of Object.keys(sum) as (keyof ConsumerTotals)[]) sum[k] += t.totals[k];
    return sum;
  }

  /** Graceful stop: each thread finishes and commits the batch in hand, then leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(
      this.threads
        .filter((t) => !t.exited)
        .map((t) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              this.log.warn('consumer thread did not stop in time; terminating it', { thread: t.index });
              resolve();
            }, STOP_TIMEOUT_MS);
            t.worker.on('message', (m: FromThread) => {
              if (m.type === 'stopped') {
                clearTimeout(timer);
                resolve();
              }
            });
            t.worker.on('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            t.worker.postMessage({ type: 'stop' } satisfies ToThread);
          }).then(() => t.worker.terminate()),
        ),
    );
    this.log.info('ingest consumer threads stopped', { ...this.totals() });
  }
}
