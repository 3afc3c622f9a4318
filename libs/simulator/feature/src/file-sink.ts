import fs from 'node:fs';
import path from 'node:path';
import type { Message } from 'kafkajs';
import type { EventSink } from './kafka-sink';

/**
 * Writes the simulation to files instead of Kafka: one NDJSON file per topic (`<dir>/<topic>.ndjson`),
 * one message value per line, exactly the bytes the Kafka sink would publish. This is the simulator's
 * output that `npm run ingest -- import --format cloudevents` onboards as history. A value is JSON without
 * line breaks; a malformed one (fault injection `not-json`) that held one would be written with it
 * escaped as `\n`, so every message stays one line (and is rejected as malformed by the import, as by
 * ingest). Writes wait for the stream's buffer (back-pressure), so memory stays bounded at any length.
 */
export class FileEventSink implements EventSink {
  private readonly streams = new Map<string, fs.WriteStream>();
  private readonly counts = new Map<string, number>();
  private failure: Error | undefined;

  constructor(private readonly dir: string) {}

  /** The file a topic is written to. */
  fileOf(topic: string): string {
    return path.join(this.dir, `${topic}.ndjson`);
  }

  /** Messages written per topic so far. */
  written(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  async connect(topics: string[]): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    for (const topic of topics) this.open(topic);
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    this.throwIfFailed();
    const out = this.open(topic);
    let text = '';
    for (const m of messages) {
      const v = m.value === null || m.value === undefined ? '' : m.value.toString();
      text += `${v.includes('\n') ? v.replace(/\n/g, '\\n') : v}\n`;
    }
    this.counts.set(topic, (this.counts.get(topic) ?? 0) + messages.length);
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    this.throwIfFailed();
  }

  flush(): Promise<void> {
    return this.failure ? Promise.reject(this.failure) : Promise.resolve();
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.streams.values()].map(
        (s) =>
          new Promise<void>((resolve, reject) =>
            s.end((err?: Error | null) => (err ? reject(err) : resolve())),
          ),
      ),
    );
    this.streams.clear();
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private open(topic: string): fs.WriteStream {
    let s = this.streams.get(topic);
    if (!s) {
      s = fs.createWriteStream(this.fileOf(topic), { flags: 'w', highWaterMark: 1 << 20 });
      s.on('error', (err) => {
        this.failure ??= new Error(`simulator: cannot write ${this.fileOf(topic)}: ${err.message}`);
      });
      this.streams.set(topic, s);
      this.counts.set(topic, this.counts.get(topic) ?? 0);
    }
    return s;
  }
}
