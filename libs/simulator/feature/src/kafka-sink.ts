import { CompressionTypes, Kafka, Message, Partitioners, Producer } from 'kafkajs';

export interface EventSink {
  connect(topics: string[]): Promise<void>;
  /** Queues messages; resolves when the queue has room again (back-pressure), not when sent. */
  send(topic: string, messages: Message[]): Promise<void>;
  /** Waits until everything queued is acknowledged. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Pipelined Kafka producer for bulk streams: messages are cut into chunks, up to `inFlight` chunks
 * wait in a queue while the simulation goes on, and the chunks are sent one after another, each
 * acknowledged by all in-sync replicas (acks=-1). Sending them one at a time keeps the order
 * within every partition that of the simulation even when kafkajs retries a chunk (concurrent
 * requests could overtake a retried one), so the same seed gives the same bytes in each partition.
 */
export class KafkaEventSink implements EventSink {
  private readonly producer: Producer;
  private readonly pending = new Set<Promise<void>>();
  private tail: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly opts: { chunkSize: number; inFlight: number } = { chunkSize: 10_000, inFlight: 4 },
  ) {
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async connect(_topics: string[] = []): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += this.opts.chunkSize) {
      if (this.failure) throw this.failure;
      while (this.pending.size >= this.opts.inFlight) await Promise.race(this.pending);
      const chunk = messages.slice(i, i + this.opts.chunkSize);
      const p: Promise<void> = this.tail
        .then(() => {
          if (this.failure) return undefined;
          return this.producer.send({ topic, messages: chunk, acks: -1, compression: CompressionTypes.None });
        })
        .then(
          () => undefined,
          (err: unknown) => {
            this.failure ??= err instanceof Error ? err : new Error(String(err));
          },
        )
        .finally(() => this.pending.delete(p));
      this.tail = p;
      this.pending.add(p);
    }
  }

  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    try {
      await this.flush();
    } finally {
      await this.producer.disconnect();
      this.connected = false;
    }
  }
}
