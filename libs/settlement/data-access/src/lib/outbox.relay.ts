import type { Pool } from 'pg';
import { withTransaction } from '@gridwerk/shared/data-access-database';

/** Where the relay publishes; `KafkaProducer` from shared/data-access-kafka fits. */
export interface OutboxPublisher {
  send(topic: string, messages: { key: string; value: string }[]): Promise<void>;
}

export interface RelayResult {
  published: number;
  batches: number;
}

/**
 * Publishes unpublished `settlement_outbox` rows in id order (per topic in order, keyed by community) and
 * marks them published after the broker acknowledged them, in the transaction that claimed them
 * (`FOR UPDATE SKIP LOCKED`). A crash between the ack and the commit publishes the rows again: at least
 * once, with the stable CloudEvents ids (transaction id, batch id) billing de-duplicates on.
 */
export async function relaySettlementOutbox(
  db: Pool,
  publisher: OutboxPublisher,
  options: { batchSize?: number } = {},
): Promise<RelayResult> {
  const batchSize = options.batchSize ?? 500;
  let published = 0;
  let batches = 0;
  for (;;) {
    const n = await withTransaction(db, async (client) => {
      const res = await client.query<{ id: string; topic: string; key: string; payload: unknown }>(
        `SELECT id, topic, key, payload FROM settlement_outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
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
        await client.query('UPDATE settlement_outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [
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
