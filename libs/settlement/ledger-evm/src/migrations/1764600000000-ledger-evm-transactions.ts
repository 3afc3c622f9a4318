import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The EVM ledger's journal of signed transactions. A row is written (and committed) *before* its
 * transaction is broadcast, so after a crash the same raw transaction is looked up or re-broadcast,
 * never signed a second time. At most one pending-or-confirmed row per operation (batch or single
 * microtransaction) and contract.
 */
export class LedgerEvmTransactions1764600000000 implements MigrationInterface {
  name = 'LedgerEvmTransactions1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_evm_transactions (
        id bigserial PRIMARY KEY,
        chain_id integer NOT NULL,
        contract_address text NOT NULL,
        signer_address text NOT NULL,
        operation_key text NOT NULL,
        merkle_root text,
        nonce bigint NOT NULL,
        tx_hash text NOT NULL UNIQUE,
        raw_transaction text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'reverted', 'dropped')),
        broadcast_count integer NOT NULL DEFAULT 0,
        block_number bigint,
        gas_used bigint,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE UNIQUE INDEX ledger_evm_transactions_one_live_per_operation
        ON ledger_evm_transactions (chain_id, contract_address, operation_key)
        WHERE status IN ('pending', 'confirmed')`);
    await q.query(`
      CREATE INDEX ledger_evm_transactions_pending
        ON ledger_evm_transactions (chain_id, signer_address, nonce) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ledger_evm_transactions');
  }
}

/** The ledger's migrations, for the settlement service's migration list. */
export const ledgerEvmMigrations = [LedgerEvmTransactions1764600000000];
