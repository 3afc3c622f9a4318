import { SettlementTables1733000000000 } from './1733000000000-settlement-tables.migration';

/** settlement's own migrations, in order (the ledger adapter's pending-transactions migration is added by the app). */
export const SETTLEMENT_MIGRATIONS = [SettlementTables1733000000000];
