import { withTransaction } from '@gridwerk/shared/data-access-database';
import type { Pool } from 'pg';
import { Queryable, rows } from './db';

export interface OutboxMessage {
  readonly topic: string;
  readonly key: string;
  readonly payload: unknown;
}

export interface OutboxPublisher {
  send(topic: string, messages: { key: string; value: string }[]): Promise<void>;
}

/**
 * grid_outbox: events written in the same transaction as the state change they announce; `relay`
 * publishes them in id order (at least once; consumers de-duplicate by the CloudEvents id).
 */
export class OutboxRepository {
  async enqueue(db: Queryable, messages: readonly OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await db.query(
      `INSERT INTO grid_outbox (topic, key, payload)
       SELECT t, k, p FROM unnest($1::text[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS x(t, k, p, n) ORDER BY n`,
      [
        messages.map((m) => m.topic),
        messages.map((m) => m.key),
        messages.map((m) => JSON.stringify(m.payload)),
      ],
    );
  }

  async relay(pool: Pool, publisher: OutboxPublisher, batchSize = 200): Promise<number> {
    let published = 0;
    for (;;) {
      const n = await withTransaction(pool, async (client) => {
        const r = await rows<{ id: string; topic: string; key: string; payload: unknown }>(
          client,
          'SELECT id, topic, key, payload FROM grid_outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
          [batchSize],
        );
        const byTopic = new Map<string, { key: string; value: string }[]>();
        for (const m of r) {
          const list = byTopic.get(m.topic) ?? [];
          list.push({ key: m.key, value: JSON.stringify(m.payload) });
          byTopic.set(m.topic, list);
        }
        for (const [topic, msgs] of byTopic) await publisher.send(topic, msgs);
        if (r.length > 0)
          await client.query('UPDATE grid_outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [
            r.map((m) => m.id),
          ]);
        return r.length;
      });
      published += n;
      if (n < batchSize) return published;
    }
  }

  async pending(db: Queryable): Promise<number> {
    const r = await rows<{ n: string }>(
      db,
      'SELECT count(*) AS n FROM grid_outbox WHERE published_at IS NULL',
    );
    return Number(r[0]?.n ?? 0);
  }

  /** Published rows older than `retentionMs` are deleted (the topic keeps the history). */
  async prunePublished(db: Queryable, retentionMs: number): Promise<number> {
    const res = await db.query(
      `DELETE FROM grid_outbox WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1::double precision)`,
      [retentionMs / 1000],
    );
    return res.rowCount ?? 0;
  }
}
