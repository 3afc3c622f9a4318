import type { Pool } from 'pg';
import { withTransaction } from './transaction';

/** Where an outbox relay publishes; `KafkaProducer` from shared/data-access-kafka fits. */
export interface OutboxPublisher {
  send(topic: string, messages: { key: string; value: string }[]): Promise<void>;
}

export interface RelayResult {
  published: number;
  batches: number;
}

/** The outbox tables of the services (columns id, topic, key, payload, published_at). */
export type OutboxTable = 'forecast_outbox' | 'settlement_outbox';

/**
 * Publishes the unpublished rows of an outbox table in id order (per topic, in order) and marks them
 * published, in the transaction that claimed them with `FOR UPDATE SKIP LOCKED`, after the broker
 * acknowledged them: concurrent relays do not publish a row twice in the normal case. A crash between the
 * ack and the commit publishes the batch again: at least once, and consumers de-duplicate by the stable
 * CloudEvents id. Safe to run any number of times.
 */
export async function relayOutboxTable(
  db: Pool,
  publisher: OutboxPublisher,
  options: { table: OutboxTable; batchSize: number },
): Promise<RelayResult> {
  const { table, batchSize } = options;
  let published = 0;
  let batches = 0;
  for (;;) {
    const n = await withTransaction(db, async (client) => {
      const res = await client.query<{ id: string; topic: string; key: string; payload: unknown }>(
        `SELECT id, topic, key, payload FROM ${table} WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
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
        await client.query(`UPDATE ${table} SET published_at = now() WHERE id = ANY($1::bigint[])`, [
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

/** Rows of an outbox table still waiting to be published (for health and tests). */
export async function pendingOutboxRows(db: Pool, table: OutboxTable): Promise<number> {
  const res = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE published_at IS NULL`);
  return Number(res.rows[0]?.n ?? 0);
}
