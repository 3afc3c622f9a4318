import type { Pool } from 'pg';
import {
  type OutboxPublisher,
  type RelayResult,
  relayOutboxTable,
} from '@gridwerk/shared/data-access-database';

export type { OutboxPublisher, RelayResult } from '@gridwerk/shared/data-access-database';

/**
 * Publishes unpublished `settlement_outbox` rows in id order (per topic in order, keyed by community) and
 * marks them published once the broker acknowledged them (see `relayOutboxTable`): at least once, with the
 * stable CloudEvents ids (transaction id, batch id) billing de-duplicates on.
 */
export function relaySettlementOutbox(
  db: Pool,
  publisher: OutboxPublisher,
  options: { batchSize?: number } = {},
): Promise<RelayResult> {
  return relayOutboxTable(db, publisher, {
    table: 'settlement_outbox',
    batchSize: options.batchSize ?? 2_000,
  });
}
