export {
  assertTestDatabase,
  databaseConfigSpec,
  DatabaseError,
  databaseName,
  dropDatabase,
  ensureDatabase,
  postgresDataSourceOptions,
  redactUrl,
} from './postgres';
export { createTestDatabase, testServerUrl } from './testing/test-database';
export type { TestDatabase } from './testing/test-database';
export { withTransaction } from './transaction';
export type { IsolationLevel } from './transaction';
export { pendingOutboxRows, relayOutboxTable } from './outbox';
export type { OutboxPublisher, OutboxTable, RelayResult } from './outbox';
export { CoalescedPasses, earliestFrom, PgListener } from './listen';
export type { PgListenerOptions } from './listen';
