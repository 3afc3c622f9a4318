/**
 * The `SettlementLedger` port: where closed settlement batches are committed so that every
 * microtransaction stays provable. The EVM implementation lives in `@gridwerk/settlement/ledger-evm`;
 * the domain and the use cases only see this interface.
 *
 * On chain a batch is keyed by (community key, interval start, version). Nothing personal goes on chain:
 * the community key is `keccak256(utf8(communityId))`, parties appear only as salted hashes inside leaves.
 */
export type Hex = `0x${string}`;

/**
 * The ABI types of one Merkle leaf, in order (OpenZeppelin `StandardMerkleTree` conventions: the leaf
 * is `keccak256(bytes.concat(keccak256(abi.encode(values))))`, sorted pairs):
 *   transactionKey  bytes32  keccak256(utf8(transactionId))
 *   sellerHash      bytes32  keccak256(abi.encode(salt, sellerId)), salt per community, kept off chain
 *   buyerHash       bytes32  keccak256(abi.encode(salt, buyerId))
 *   intervalStart   uint64   unix seconds
 *   energyWh        uint64
 *   priceMilliCtPerKWh uint64
 *   amountCt        uint64
 *   direction       uint8    0 = delivery, 1 = reversal (adjustment that takes energy and money back)
 */
export const LEAF_ABI_TYPES = [
  'bytes32',
  'bytes32',
  'bytes32',
  'uint64',
  'uint64',
  'uint64',
  'uint64',
  'uint8',
] as const;

export type LeafValues = readonly [Hex, Hex, Hex, bigint, bigint, bigint, bigint, number];

/** What is committed for one (community, interval, version). Totals are sums over the leaves. */
export interface LedgerBatch {
  readonly communityId: string;
  /** Quarter-hour start, UTC instant (ISO-8601). */
  readonly intervalStart: string;
  /** 1 for the first settlement of the interval; each correction commits the next version. */
  readonly version: number;
  readonly merkleRoot: Hex;
  readonly transactionCount: number;
  readonly totalEnergyWh: bigint;
  readonly totalAmountCt: bigint;
}

export interface LedgerCommitReceipt {
  readonly chainId: number;
  readonly contractAddress: Hex;
  readonly txHash: Hex;
  readonly blockNumber: bigint;
  readonly gasUsed: bigint;
  /** Instant of the block that holds the commit (ISO-8601). */
  readonly committedAt: string;
  /** True when the batch was already on chain (found, not sent again). */
  readonly alreadyCommitted: boolean;
}

/** A batch as the chain stores it. */
export interface OnChainBatch {
  readonly merkleRoot: Hex;
  readonly transactionCount: number;
  readonly totalEnergyWh: bigint;
  readonly totalAmountCt: bigint;
  readonly committedAtBlock: bigint;
}

export interface LedgerHealth {
  readonly ok: boolean;
  readonly chainId?: number;
  readonly blockNumber?: bigint;
  readonly detail?: string;
}

export interface SettlementLedger {
  /**
   * Commits one batch and waits for the configured confirmations. Idempotent: if the same
   * (community, interval, version) is already on chain with the same root, the existing commit is
   * returned with `alreadyCommitted: true`; with another root it throws `LEDGER.ROOT_MISMATCH`.
   * Survives a crash between sending and confirming: a pending transaction is recorded before it is
   * broadcast and is looked up, not re-sent, after a restart.
   */
  commitBatch(batch: LedgerBatch): Promise<LedgerCommitReceipt>;
  /**
   * Commits many batches in as few on-chain transactions as the ledger allows, with `commitBatch`'s
   * checks and idempotency per batch; receipts in the order given. Optional: a ledger without it is
   * committed batch by batch. Throws (committing none of a failing transaction's batches) when one
   * batch is refused, so that the caller can fall back to one by one and isolate it.
   */
  commitBatches?(batches: readonly LedgerBatch[]): Promise<LedgerCommitReceipt[]>;
  /** The batch stored on chain, or undefined. */
  getBatch(communityId: string, intervalStart: string, version: number): Promise<OnChainBatch | undefined>;
  /** On-chain proof check of one leaf against the stored root of its batch. */
  verify(
    communityId: string,
    intervalStart: string,
    version: number,
    leaf: LeafValues,
    proof: readonly Hex[],
  ): Promise<boolean>;
  health(): Promise<LedgerHealth>;
}
