import type { Pool } from 'pg';
import {
  type OutboxPublisher,
  pendingOutboxRows,
  type RelayResult,
  relayOutboxTable,
} from '@gridwerk/shared/data-access-database';

export type { OutboxPublisher, RelayResult } from '@gridwerk/shared/data-access-database';

/**
 * Publishes unpublished `forecast_outbox` rows in id order and marks them published: at least once, and
 * consumers de-duplicate by the stable CloudEvents id (see `relayOutboxTable`). Safe to run any number of
 * times.
 */
export function relayOutbox(
  db: Pool,
  publisher: OutboxPublisher,
  options: { batchSize?: number } = {},
): Promise<RelayResult> {
  return relayOutboxTable(db, publisher, { table: 'forecast_outbox', batchSize: options.batchSize ?? 200 });
}

/** Rows still waiting to be published (for health and tests). */
export function pendingOutboxCount(db: Pool): Promise<number> {
  return pendingOutboxRows(db, 'forecast_outbox');
}
