import { Worker } from 'node:worker_threads';
import { Kafka, KafkaConfig, Partitioners, PartitionMetadata } from 'kafkajs';
import type { Message } from 'kafkajs';
import type { EventSink } from './kafka-sink';

/**
 * Worker body, plain JavaScript (no TypeScript loader inside the worker): one kafkajs producer per
 * worker; the main thread already chose each message's partition.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Kafka, logLevel, CompressionTypes } = require('kafkajs');
const kafka = new Kafka({ ...workerData.client, logLevel: logLevel.ERROR });
const producer = kafka.producer({ allowAutoTopicCreation: false });
const ready = producer.connect();
// one produce request at a time: a chunk retried by kafkajs (say, while a new topic elects its
// leader) must not be overtaken by the next one, or per-partition order would depend on timing
let tail = Promise.resolve();
parentPort.on('message', (m) => { tail = tail.then(() => handle(m)); });
async function handle(m) {
  if (m.type === 'close') { await ready.catch(() => {}); await producer.disconnect().catch(() => {}); parentPort.postMessage({ type: 'closed' }); return; }
  try {
    await ready;
    const messages = new Array(m.keys.length);
    for (let i = 0; i < m.keys.length; i++) messages[i] = { key: m.keys[i], value: m.values[i], partition: m.partitions[i] };
    await producer.send({ topic: m.topic, messages, acks: -1, compression: CompressionTypes.None });
    parentPort.postMessage({ type: 'ack', id: m.id });
  } catch (err) {
    parentPort.postMessage({ type: 'error', id: m.id, message: err && err.message ? err.message : String(err) });
  }
}
`;

interface WorkerSlot {
  worker: Worker;
  inFlight: number;
}

/**
 * Bulk producer that spreads the produce work over worker threads (kafkajs spends most of a core
 * encoding record batches). Each partition is served by exactly one worker and each worker sends
 * its chunks one after another (`inFlightPerWorker` bounds the chunks queued at a worker), so the
 * order within every partition is that of the simulation, whatever the timing.
 */
export class ParallelKafkaEventSink implements EventSink {
  private readonly slots: WorkerSlot[] = [];
  private readonly partitionCache = new Map<string, number>();
  private readonly partitionCounts = new Map<string, number>();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private nextId = 0;
  private readonly ackListeners: (() => void)[] = [];
  private failure: Error | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly client: KafkaConfig,
    private readonly opts: { workers: number; chunkSize: number; inFlightPerWorker: number } = {
      workers: 2,
      chunkSize: 10_000,
      inFlightPerWorker: 2,
    },
  ) {}

  async connect(topics: string[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      for (const t of meta.topics) this.partitionCounts.set(t.name, t.partitions.length);
    } finally {
      await admin.disconnect();
    }
    const { logCreator: _ignored, ...client } = this.client;
    for (let i = 0; i < this.opts.workers; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { client } });
      const slot: WorkerSlot = { worker, inFlight: 0 };
      worker.on('message', (m: { type: string; id: number; message?: string }) => {
        if (m.type !== 'ack' && m.type !== 'error') return;
        slot.inFlight -= 1;
        if (m.type === 'error') this.failure ??= new Error(`produce failed: ${m.message ?? 'unknown'}`);
        this.notifyAck();
      });
      worker.on('error', (e) => {
        this.failure ??= e;
        this.notifyAck();
      });
      this.slots.push(slot);
    }
  }

  private partitionOf(topic: string, key: string): number {
    const cacheKey = `${topic}\u0000${key}`;
    let p = this.partitionCache.get(cacheKey);
    if (p === undefined) {
      const n = this.partitionCounts.get(topic) ?? 1;
      const partitionMetadata = Array.from(
        { length: n },
        (_, i) => ({ partitionId: i, leader: 0 }) as PartitionMetadata,
      );
      p = this.partitioner({ topic, partitionMetadata, message: { key, value: null } });
      this.partitionCache.set(cacheKey, p);
    }
    return p;
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    this.throwIfFailed();
    const n = this.slots.length;
    const buckets = this.slots.map(() => ({
      keys: [] as string[],
      values: [] as string[],
      partitions: [] as number[],
    }));
    for (const m of messages) {
      const key = typeof m.key === 'string' ? m.key : (m.key?.toString() ?? '');
      const p = this.partitionOf(topic, key);
      const b = buckets[p % n];
      if (!b) continue;
      b.keys.push(key);
      b.values.push(typeof m.value === 'string' ? m.value : (m.value?.toString() ?? ''));
      b.partitions.push(p);
    }
    for (let w = 0; w < n; w++) {
      const b = buckets[w];
      const slot = this.slots[w];
      if (!b || !slot) continue;
      for (let i = 0; i < b.keys.length; i += this.opts.chunkSize) {
        while (slot.inFlight >= this.opts.inFlightPerWorker) await this.waitAny();
        this.throwIfFailed();
        const id = this.nextId++;
        slot.inFlight += 1;
        slot.worker.postMessage({
          type: 'send',
          id,
          topic,
          keys: b.keys.slice(i, i + this.opts.chunkSize),
          values: b.values.slice(i, i + this.opts.chunkSize),
          partitions: b.partitions.slice(i, i + this.opts.chunkSize),
        });
      }
    }
  }

  private throwIfFailed(): void {
    const f = this.failure;
    if (f) throw f;
  }

  /** Resolves when any worker acknowledges (or fails) a chunk. */
  private waitAny(): Promise<void> {
    return new Promise((resolve) => this.ackListeners.push(resolve));
  }

  private notifyAck(): void {
    const l = this.ackListeners.splice(0);
    for (const f of l) f();
  }

  async flush(): Promise<void> {
    while (this.slots.some((s) => s.inFlight > 0) && !this.failure) await this.waitAny();
    this.throwIfFailed();
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await Promise.all(
        this.slots.map((s) =>
          new Promise<void>((resolve) => {
            s.worker.once('message', () => resolve());
            s.worker.postMessage({ type: 'close' });
            setTimeout(resolve, 10_000).unref();
          }).then(() => s.worker.terminate()),
        ),
      );
      this.slots.length = 0;
    }
  }
}
