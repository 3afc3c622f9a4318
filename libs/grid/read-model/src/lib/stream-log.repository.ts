import { withTransaction } from '@gridwerk/shared/data-access-database';
import type { Pool } from 'pg';
import { Queryable, rows } from './db';

export type StreamEventType = 'load' | 'battery' | 'alarm';

export interface StreamEvent {
  readonly id: number;
  readonly type: StreamEventType;
  readonly data: Record<string, unknown>;
}

/** Key of the transaction-scoped advisory lock that serialises writers of grid_stream_event. */
const STREAM_LOCK = 0x67726964; // "grid"

/**
 * The stream event log behind `Last-Event-ID` resume. Ids are a sequence, and every writer holds one
 * advisory lock from taking its ids until it commits, so ids become visible in increasing order: a reader
 * that has seen id n will never later find an unseen id below n (what resume relies on).
 */
export class StreamLogRepository {
  /** Appends inside the caller's transaction; takes the writers' lock first. */
  async append(
    db: Queryable,
    events: readonly { type: StreamEventType; data: Record<string, unknown> }[],
  ): Promise<number[]> {
    if (events.length === 0) return [];
    await db.query('SELECT pg_advisory_xact_lock($1)', [STREAM_LOCK]);
    const r = await rows<{ id: string }>(
      db,
      `INSERT INTO grid_stream_event (type, payload)
       SELECT t, p FROM unnest($1::text[], $2::jsonb[]) WITH ORDINALITY AS x(t, p, n) ORDER BY n RETURNING id`,
      [events.map((e) => e.type), events.map((e) => JSON.stringify(e.data))],
    );
    return r.map((x) => Number(x.id));
  }

  /** Appends in a transaction of its own. */
  async appendNow(
    pool: Pool,
    events: readonly { type: StreamEventType; data: Record<string, unknown> }[],
  ): Promise<number[]> {
    if (events.length === 0) return [];
    return withTransaction(pool, (c) => this.append(c, events));
  }

  async after(db: Queryable, afterId: number, limit: number): Promise<StreamEvent[]> {
    const r = await rows<{ id: string; type: StreamEventType; payload: Record<string, unknown> }>(
      db,
      'SELECT id, type, payload FROM grid_stream_event WHERE id > $1 ORDER BY id LIMIT $2',
      [afterId, limit],
    );
    return r.map((x) => ({ id: Number(x.id), type: x.type, data: x.payload }));
  }

  async lastId(db: Queryable): Promise<number> {
    const r = await rows<{ id: string | null }>(db, 'SELECT max(id) AS id FROM grid_stream_event');
    return Number(r[0]?.id ?? 0);
  }

  /** The oldest id still kept: a client resuming from before it has missed events (it must reload). */
  async firstId(db: Queryable): Promise<number> {
    const r = await rows<{ id: string | null }>(db, 'SELECT min(id) AS id FROM grid_stream_event');
    return Number(r[0]?.id ?? 0);
  }

  /** Deletes events older than `retentionMs` (the resume window). */
  async prune(db: Queryable, retentionMs: number): Promise<number> {
    const res = await db.query(
      `DELETE FROM grid_stream_event WHERE created_at < now() - make_interval(secs => $1::double precision)`,
      [retentionMs / 1000],
    );
    return res.rowCount ?? 0;
  }
}
