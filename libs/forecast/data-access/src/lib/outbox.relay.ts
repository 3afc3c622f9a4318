import type { Pool } from 'pg';
import { withTransaction } from '@gridwerk/shared/data-access-database';

/** Where the relay publishes; `KafkaProducer` from shared/data-access-kafka fits, so does a kafkajs producer wrapper. */
export interface OutboxPublisher {
  send(topic: string, messages: { key: string; value: string }[]): Promise<void>;
}

export interface RelayResult {
  published: number;
  batches: number;
}

/**
 * Publishes unpublished `forecast_outbox` rows in id order and marks them published. Each batch is
 * claimed with `FOR UPDATE SKIP LOCKED` and marked in the same transaction after the broker acknowledged
 * it, so concurrent relays do not publish the same row twice in the normal case; if the process dies
 * between the broker's ack and the commit, the batch is sent again — at-least-once, and consumers
 * de-duplicate by the stable CloudEvents id. Safe to run any number of times.
 */
export async function relayOutbox(
  db: Pool,
  publisher: OutboxPublisher,
  options: { batchSize?: number } = {},
): Promise<RelayResult> {
  const batchSize = options.batchSize ?? 200;
  let published = 0;
  let batches = 0;
  for (;;) {
    const n = await withTransaction(db, async (client) => {
      const res = await client.query<{ id: string; topic: string; key: string; payload: unknown }>(
        `SELECT id, topic, key, payload FROM forecast_outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      if (res.rows.length > 0) {
        const byTopic = new Map<string, { key: string; value: string }[]>();
        for (const r of res.rows) {
          const list = byTopic.get(r.topic) ?? [];
          list.push({ key: r.key, value: JSON.stringify(r.payload) });
          byTopic.set(r.topic, list);
        }
        for (const [topic, messages] of byTopic) await publisher.send(topic, messages);
        await client.query('UPDATE forecast_outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [
          res.rows.map((r) => r.id),
        ]);
      }
      return res.rows.length;
    });
    if (n === 0) break;
    published += n;
    batches++;
    if (n < batchSize) break;
  }
  return { published, batches };
}

/** Rows still waiting to be published (for health and tests). */
export async function pendingOutboxCount(db: Pool): Promise<number> {
  const res = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM forecast_outbox WHERE published_at IS NULL',
  );
  return Number(res.rows[0]?.n ?? 0);
}
