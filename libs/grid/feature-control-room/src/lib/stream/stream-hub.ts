import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { StreamEvent, StreamLogRepository } from '@gridwerk/grid/read-model';
import { CONTROL_ROOM_CONFIG, type ControlRoomConfig, GRID_POOL } from '../control-room.config';

/** What a client connection needs: write a chunk, learn whether it should wait for drain. */
export interface StreamSink {
  write(chunk: string): boolean;
  onceDrain(fn: () => void): void;
}

export interface StreamClient {
  readonly sink: StreamSink;
  /** The last event id this client has received (resume point). */
  cursor: number;
  /** Whether an event is for this client (perimeter). */
  readonly accepts: (e: StreamEvent) => boolean;
  pumping: boolean;
  closed: boolean;
}

const RECENT_MAX = 20_000;

/** SSE framing of one event; `ageS` is computed at send time from the payload's `observedAt`. */
export function sseFrame(e: StreamEvent, now = Date.now()): string {
  return `id: ${e.id}\n${snapshotFrame(e.type, e.data, now)}`;
}

/**
 * A current value sent to a newly connected client before the log's events: no id (it is not part of the
 * log, so it moves no client's Last-Event-ID), `ageS` as for any event.
 */
export function snapshotFrame(type: string, data: Record<string, unknown>, now = Date.now()): string {
  const observedAt = typeof data['observedAt'] === 'string' ? data['observedAt'] : undefined;
  const ageS = observedAt ? Math.max(0, Math.round((now - Date.parse(observedAt)) / 100) / 10) : null;
  return `event: ${type}\ndata: ${JSON.stringify({ ...data, ageS })}\n\n`;
}

/**
 * Fans the stream log out to this replica's SSE clients. It reads new events every GRID_API_STREAM_POLL_MS
 * (or when poked by a local writer) and keeps the most recent ones in memory; a client behind that window
 * (a resume with an old `Last-Event-ID`) reads its gap from the database first. Each client has its own
 * cursor, so every event reaches it exactly once and in id order.
 */
@Injectable()
export class StreamHub {
  private readonly log = new Logger('stream');
  private readonly repo = new StreamLogRepository();
  private readonly clients = new Set<StreamClient>();
  private recent: StreamEvent[] = [];
  private head = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private polling = false;
  private again = false;

  constructor(
    @Inject(GRID_POOL) private readonly pool: Pool,
    @Inject(CONTROL_ROOM_CONFIG) private readonly config: ControlRoomConfig,
  ) {}

  async start(): Promise<void> {
    this.head = await this.repo.lastId(this.pool);
    this.timer = setInterval(() => this.poke(), this.config.streamPollMs);
    this.heartbeat = setInterval(() => this.beat(), this.config.streamHeartbeatMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const c of this.clients) c.closed = true;
    this.clients.clear();
    while (this.polling) await new Promise((r) => setTimeout(r, 10));
  }

  get lastId(): number {
    return this.head;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Registers a client; `lastEventId` undefined = live only (from now on). */
  async attach(
    sink: StreamSink,
    lastEventId: number | undefined,
    accepts: (e: StreamEvent) => boolean,
  ): Promise<StreamClient> {
    const client: StreamClient = {
      sink,
      cursor: lastEventId ?? this.head,
      accepts,
      pumping: false,
      closed: false,
    };
    if (lastEventId !== undefined) {
      const first = await this.repo.firstId(this.pool);
      if (first > 0 && lastEventId < first - 1) {
        // the gap is older than the resume window: tell the client to reload instead of pretending
        sink.write(
          `event: resync\ndata: ${JSON.stringify({ reason: 'STREAM.RESUME_WINDOW_EXCEEDED', firstId: first })}\n\n`,
        );
        client.cursor = first - 1;
      }
    }
    this.clients.add(client);
    void this.pump(client);
    return client;
  }

  detach(client: StreamClient): void {
    client.closed = true;
    this.clients.delete(client);
  }

  poke(): void {
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    void this.poll().finally(() => {
      this.polling = false;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  private async poll(): Promise<void> {
    try {
      for (;;) {
        const evs = await this.repo.after(this.pool, this.head, 5000);
        if (evs.length === 0) break;
        this.recent.push(...evs);
        if (this.recent.length > RECENT_MAX) this.recent = this.recent.slice(-RECENT_MAX);
        this.head = evs[evs.length - 1]?.id ?? this.head;
        if (evs.length < 5000) break;
      }
    } catch (err) {
      this.log.warn(`stream poll failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    for (const c of this.clients) void this.pump(c);
  }

  private beat(): void {
    const frame = `event: heartbeat\ndata: ${JSON.stringify({ at: new Date().toISOString(), lastEventId: this.head })}\n\n`;
    for (const c of this.clients) if (!c.closed) c.sink.write(frame);
  }

  /** Sends the client everything after its cursor up to the head, from memory or, if older, the database. */
  private async pump(c: StreamClient): Promise<void> {
    if (c.pumping || c.closed) return;
    c.pumping = true;
    try {
      while (!c.closed && c.cursor < this.head) {
        const oldest = this.recent[0]?.id ?? Infinity;
        let batch: StreamEvent[];
        if (c.cursor + 1 >= oldest) {
          const from = this.indexAfter(c.cursor);
          batch = this.recent.slice(from, from + 1000);
        } else {
          batch = await this.repo.after(this.pool, c.cursor, 1000);
        }
        if (batch.length === 0) break;
        const now = Date.now();
        let chunk = '';
        for (const e of batch) if (c.accepts(e)) chunk += sseFrame(e, now);
        c.cursor = batch[batch.length - 1]?.id ?? c.cursor;
        if (chunk.length > 0 && !c.sink.write(chunk)) await new Promise<void>((r) => c.sink.onceDrain(r));
      }
    } catch (err) {
      this.log.warn(`stream pump failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      c.pumping = false;
    }
  }

  private indexAfter(id: number): number {
    let lo = 0;
    let hi = this.recent.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.recent[mid]?.id ?? 0) <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
