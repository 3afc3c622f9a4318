import type { DataSource, EntityManager } from 'typeorm';
import type { Hex } from 'viem';

export type LedgerTxStatus = 'pending' | 'confirmed' | 'reverted' | 'dropped';

/** One signed transaction of the journal (table `ledger_evm_transactions`). */
export interface LedgerTxRecord {
  readonly id: string;
  readonly chainId: number;
  readonly contractAddress: Hex;
  readonly signerAddress: Hex;
  readonly operationKey: string;
  readonly merkleRoot: Hex | null;
  readonly nonce: number;
  readonly txHash: Hex;
  readonly rawTransaction: Hex;
  readonly status: LedgerTxStatus;
  readonly broadcastCount: number;
  readonly blockNumber: bigint | null;
  readonly gasUsed: bigint | null;
}

interface Row {
  id: string;
  chain_id: number;
  contract_address: string;
  signer_address: string;
  operation_key: string;
  merkle_root: string | null;
  nonce: string;
  tx_hash: string;
  raw_transaction: string;
  status: LedgerTxStatus;
  broadcast_count: number;
  block_number: string | null;
  gas_used: string | null;
}

const COLUMNS =
  'id::text, chain_id, contract_address, signer_address, operation_key, merkle_root, nonce::text, tx_hash, ' +
  'raw_transaction, status, broadcast_count, block_number::text, gas_used::text';

function toRecord(r: Row): LedgerTxRecord {
  return {
    id: r.id,
    chainId: r.chain_id,
    contractAddress: r.contract_address as Hex,
    signerAddress: r.signer_address as Hex,
    operationKey: r.operation_key,
    merkleRoot: r.merkle_root as Hex | null,
    nonce: Number(r.nonce),
    txHash: r.tx_hash as Hex,
    rawTransaction: r.raw_transaction as Hex,
    status: r.status,
    broadcastCount: r.broadcast_count,
    blockNumber: r.block_number === null ? null : BigInt(r.block_number),
    gasUsed: r.gas_used === null ? null : BigInt(r.gas_used),
  };
}

type Queryable = Pick<EntityManager, 'query'>;

/** Scope of one journal: a chain, a contract and the signing account. */
export interface JournalScope {
  readonly chainId: number;
  readonly contractAddress: Hex;
  readonly signerAddress: Hex;
}

/** PostgreSQL access to the journal of signed ledger transactions. Addresses are stored lower-case. */
export class LedgerTransactionsRepository {
  constructor(
    private readonly ds: DataSource,
    private readonly scope: JournalScope,
  ) {}

  /** The live (pending or confirmed) record of an operation, if any. */
  async findLive(operationKey: string, q: Queryable = this.ds): Promise<LedgerTxRecord | undefined> {
    const rows: Row[] = await q.query(
      `SELECT ${COLUMNS} FROM ledger_evm_transactions
        WHERE chain_id = $1 AND contract_address = $2 AND operation_key = $3 AND status IN ('pending', 'confirmed')`,
      [this.scope.chainId, this.scope.contractAddress.toLowerCase(), operationKey],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Pending records of this signer, oldest nonce first (resumed after a restart). */
  async findPending(): Promise<LedgerTxRecord[]> {
    const rows: Row[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM ledger_evm_transactions
        WHERE chain_id = $1 AND signer_address = $2 AND status = 'pending' ORDER BY nonce`,
      [this.scope.chainId, this.scope.signerAddress.toLowerCase()],
    );
    return rows.map(toRecord);
  }

  /** Highest nonce of this signer's pending records (they may not have reached the node yet). */
  async maxPendingNonce(q: Queryable): Promise<number | undefined> {
    const rows: { n: string | null }[] = await q.query(
      `SELECT max(nonce)::text AS n FROM ledger_evm_transactions
        WHERE chain_id = $1 AND signer_address = $2 AND status = 'pending'`,
      [this.scope.chainId, this.scope.signerAddress.toLowerCase()],
    );
    return rows[0]?.n == null ? undefined : Number(rows[0].n);
  }

  /**
   * Runs `fn` while holding a transaction-scoped advisory lock on this signer: nonce choice, signing
   * and recording happen one at a time per signer, across processes.
   */
  async withSignerLock<T>(fn: (q: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `ledger-evm:${this.scope.chainId}:${this.scope.signerAddress.toLowerCase()}`,
      ]);
      return fn(em);
    });
  }

  async insertPending(
    q: Queryable,
    r: { operationKey: string; merkleRoot: Hex | null; nonce: number; txHash: Hex; rawTransaction: Hex },
  ): Promise<LedgerTxRecord> {
    const rows: Row[] = await q.query(
      `INSERT INTO ledger_evm_transactions
         (chain_id, contract_address, signer_address, operation_key, merkle_root, nonce, tx_hash, raw_transaction, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending') RETURNING ${COLUMNS}`,
      [
        this.scope.chainId,
        this.scope.contractAddress.toLowerCase(),
        this.scope.signerAddress.toLowerCase(),
        r.operationKey,
        r.merkleRoot,
        r.nonce,
        r.txHash,
        r.rawTransaction,
      ],
    );
    return toRecord(rows[0]);
  }

  async markBroadcast(id: string): Promise<void> {
    await this.ds.query(
      'UPDATE ledger_evm_transactions SET broadcast_count = broadcast_count + 1, updated_at = now() WHERE id = $1',
      [id],
    );
  }

  async markFinal(
    id: string,
    status: Exclude<LedgerTxStatus, 'pending'>,
    blockNumber?: bigint,
    gasUsed?: bigint,
  ): Promise<void> {
    await this.ds.query(
      `UPDATE ledger_evm_transactions SET status = $2, block_number = $3, gas_used = $4, updated_at = now()
        WHERE id = $1`,
      [id, status, blockNumber?.toString() ?? null, gasUsed?.toString() ?? null],
    );
  }
}
