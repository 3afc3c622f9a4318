import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  encodeFunctionData,
  http,
  keccak256,
  parseEventLogs,
  NonceTooLowError,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  type Chain,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { DataSource } from 'typeorm';
import {
  LEAF_ABI_TYPES,
  type LeafValues,
  type LedgerBatch,
  type LedgerCommitReceipt,
  type LedgerHealth,
  type OnChainBatch,
  type SettlementLedger,
} from '@gridwerk/settlement/domain';
import { communityKeyOf, intervalStartSeconds, toMicroTransaction } from './leaf';
import { LedgerError } from './ledger.errors';
import { ledgerSignerKey, type LedgerEvmConfig } from './ledger-evm.config';
import { LedgerTransactionsRepository, type LedgerTxRecord } from './ledger-transactions.repository';
import { isTransientRpcError, withRpcRetry, type RetryPolicy } from './rpc-retry';
import { ledgerChain, settlementLedgerAbi, verifyTransactionArgs } from './settlement-ledger.contract';

/** Hooks the service turns into metrics (Prometheus counters/gauges); all optional. */
export interface LedgerMetricsHooks {
  /** Gas used by one confirmed transaction of ours. */
  onGasUsed?(gasUsed: bigint, kind: LedgerOperationKind): void;
  /** Transactions of ours broadcast and not yet final (after every change). */
  onConfirmationsPending?(pending: number): void;
  /** A batch or single transaction is on chain (`alreadyCommitted` when found rather than sent). */
  onCommitted?(kind: LedgerOperationKind, alreadyCommitted: boolean): void;
  /** A transient RPC failure that is being retried. */
  onRpcRetry?(what: string): void;
}

export type LedgerOperationKind = 'batch' | 'single';

export interface LedgerLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface EvmSettlementLedgerOptions {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly contractAddress: Hex;
  /** The committer's key (holder of OPERATOR_ROLE): from `ledgerSignerKey(config)`, never from the repo. */
  readonly signerKey: Hex;
  /** The settlement service's database, with `ledgerEvmMigrations` applied. */
  readonly dataSource: DataSource;
  readonly confirmations?: number;
  readonly receiptTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  readonly rpcRetries?: number;
  readonly gasHeadroomPct?: number;
  readonly metrics?: LedgerMetricsHooks;
  readonly log?: LedgerLog;
}

/** Outcome of resuming the pending transactions of an earlier run. */
export interface ResumeSummary {
  confirmed: number;
  dropped: number;
  reverted: number;
  stillPending: number;
}

type Settled =
  | { kind: 'confirmed'; receipt: TransactionReceipt }
  | { kind: 'reverted'; receipt: TransactionReceipt }
  | { kind: 'dropped' };

interface Operation {
  readonly kind: LedgerOperationKind;
  readonly key: string;
  readonly merkleRoot: Hex | null;
  readonly data: Hex;
  readonly label: string;
}

const NO_LOG: LedgerLog = { info: () => undefined, warn: () => undefined };
const LEAF_PARAMS = LEAF_ABI_TYPES.map((type) => ({ type }));
const UINT32_MAX = 2 ** 32 - 1;
const UINT80_MAX = 2n ** 80n - 1n;

/** `MAX_BATCHES_PER_CALL` of the contract. */
export const MAX_BATCHES_PER_CALL = 200;
const BATCH_KEY_PARAMS = [
  { type: 'bytes32' },
  { type: 'uint64' },
  { type: 'uint32' },
  { type: 'bytes32' },
] as const;

interface PreparedBatch {
  batch: LedgerBatch;
  ck: Hex;
  is: bigint;
  version: number;
  root: Hex;
}

function batchLabel(b: LedgerBatch): string {
  return `${b.communityId} ${b.intervalStart} v${b.version}`;
}

/** Checks a batch's ranges and gives its contract arguments (LEDGER.INVALID_BATCH if out of range). */
function batchArgs(batch: LedgerBatch) {
  const ck = communityKeyOf(batch.communityId);
  const is = intervalStartSeconds(batch.intervalStart);
  const version = batch.version;
  if (!Number.isInteger(version) || version < 1 || version > UINT32_MAX) {
    throw new LedgerError('LEDGER.INVALID_BATCH', `version ${version} must be an integer in 1..2^32-1`);
  }
  const count = batch.transactionCount;
  if (!Number.isInteger(count) || count < 0 || count > UINT32_MAX) {
    throw new LedgerError(
      'LEDGER.INVALID_BATCH',
      `transactionCount ${count} must be an integer in 0..2^32-1`,
    );
  }
  for (const [name, v] of [
    ['totalEnergyWh', batch.totalEnergyWh],
    ['totalAmountCt', batch.totalAmountCt],
  ] as const) {
    if (v < 0n || v > UINT80_MAX) throw new LedgerError('LEDGER.INVALID_BATCH', `${name} ${v} out of range`);
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(batch.merkleRoot)) {
    throw new LedgerError('LEDGER.INVALID_BATCH', `merkleRoot ${batch.merkleRoot} is not 32 bytes of hex`);
  }
  const root = batch.merkleRoot.toLowerCase() as Hex;
  const args = [ck, is, version, root, count, batch.totalEnergyWh, batch.totalAmountCt] as const;
  return { ck, is, version, root, args };
}

/** StandardMerkleTree leaf hash of a microtransaction (the contract's `leafHash`). */
export function leafHashOf(leaf: LeafValues): Hex {
  return keccak256(keccak256(encodeAbiParameters(LEAF_PARAMS, [...leaf])));
}

/**
 * `SettlementLedger` on an EVM chain through viem. Every transaction is signed with an explicit nonce
 * and recorded in PostgreSQL (`ledger_evm_transactions`) before it is broadcast; a later call or
 * another instance finishes a recorded transaction (same raw bytes, same hash) instead of signing a
 * second commit. Transient RPC errors are retried with exponential back-off.
 */
export class EvmSettlementLedger implements SettlementLedger {
  readonly address: Hex;
  readonly signerAddress: Hex;
  private readonly chain: Chain;
  private readonly account: PrivateKeyAccount;
  private readonly client: PublicClient;
  private readonly wallet: WalletClient;
  private readonly repo: LedgerTransactionsRepository;
  private readonly confirmations: number;
  private readonly receiptTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly gasHeadroomPct: bigint;
  private readonly retry: RetryPolicy;
  private readonly metrics: LedgerMetricsHooks;
  private readonly log: LedgerLog;
  private pending = 0;
  private ready: Promise<void> | undefined;

  constructor(private readonly opts: EvmSettlementLedgerOptions) {
    this.address = opts.contractAddress;
    this.chain = ledgerChain(opts.chainId, opts.rpcUrl);
    this.account = privateKeyToAccount(opts.signerKey);
    this.signerAddress = this.account.address;
    const transport = http(opts.rpcUrl, { retryCount: 0, timeout: 10_000 });
    this.client = createPublicClient({ chain: this.chain, transport });
    this.wallet = createWalletClient({ chain: this.chain, transport, account: this.account });
    this.repo = new LedgerTransactionsRepository(opts.dataSource, {
      chainId: opts.chainId,
      contractAddress: opts.contractAddress,
      signerAddress: this.account.address,
    });
    this.confirmations = opts.confirmations ?? 1;
    this.receiptTimeoutMs = opts.receiptTimeoutMs ?? 120_000;
    this.pollIntervalMs = opts.pollIntervalMs ?? 250;
    this.gasHeadroomPct = BigInt(opts.gasHeadroomPct ?? 20);
    this.metrics = opts.metrics ?? {};
    this.log = opts.log ?? NO_LOG;
    this.retry = {
      retries: opts.rpcRetries ?? 6,
      baseDelayMs: 200,
      onRetry: (what, attempt, err) => {
        this.metrics.onRpcRetry?.(what);
        this.log.warn('EVM RPC call failed transiently, retrying', {
          what,
          attempt,
          error: err instanceof Error ? err.message.split('\n')[0] : String(err),
        });
      },
    };
  }

  /** Builds the adapter from the validated config fragment (the key from its file or dev mode). */
  static fromConfig(
    config: LedgerEvmConfig,
    deps: {
      dataSource: DataSource;
      contractAddress?: Hex;
      metrics?: LedgerMetricsHooks;
      log?: LedgerLog;
      service?: string;
    },
  ): EvmSettlementLedger {
    const contractAddress = deps.contractAddress ?? config.settlementContractAddress;
    if (!contractAddress) {
      throw new LedgerError(
        'LEDGER.CONFIG',
        'SETTLEMENT_CONTRACT_ADDRESS is missing: address of the SettlementLedger',
      );
    }
    return new EvmSettlementLedger({
      rpcUrl: config.evmRpcUrl,
      chainId: config.evmChainId,
      contractAddress,
      signerKey: ledgerSignerKey(config, deps.service),
      dataSource: deps.dataSource,
      confirmations: config.evmConfirmations,
      receiptTimeoutMs: config.evmReceiptTimeoutMs,
      pollIntervalMs: config.evmPollIntervalMs,
      rpcRetries: config.evmRpcRetries,
      gasHeadroomPct: config.evmGasHeadroomPct,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.log ? { log: deps.log } : {}),
    });
  }

  async commitBatch(batch: LedgerBatch): Promise<LedgerCommitReceipt> {
    const { ck, is, version, root, args } = batchArgs(batch);
    const op: Operation = {
      kind: 'batch',
      key: `batch:${ck}:${is}:${version}`,
      merkleRoot: root,
      data: encodeFunctionData({ abi: settlementLedgerAbi, functionName: 'commitBatch', args }),
      label: `${batch.communityId} ${batch.intervalStart} v${version}`,
    };
    await this.ensureReady();
    for (let attempt = 0; attempt < 3; attempt++) {
      const onChain = await this.getBatchByKey(ck, is, version);
      if (onChain) return this.existingBatch(onChain, batch, op, ck, is, version);
      const gas = await this.simulate(op, () =>
        this.client.estimateContractGas({
          address: this.address,
          abi: settlementLedgerAbi,
          functionName: 'commitBatch',
          args,
          account: this.account,
        }),
      );
      const settled = await this.send(op, gas);
      if (settled.kind === 'confirmed') {
        this.metrics.onCommitted?.('batch', false);
        return this.receiptOf(settled.receipt, false);
      }
      // Reverted (someone else committed first?) or dropped (nonce consumed elsewhere): look again.
      this.log.warn('ledger transaction did not commit, re-checking the chain', {
        op: op.label,
        outcome: settled.kind,
      });
    }
    throw new LedgerError('LEDGER.TX_REVERTED', `commit of ${op.label} did not succeed after 3 attempts`);
  }

  /**
   * Commits many batches in as few transactions as the contract takes (`MAX_BATCHES_PER_CALL` each, or
   * `maxPerTransaction`), each checked as `commitBatch` checks it: how settlement keeps up with a city's
   * communities per quarter hour. Idempotent: a batch already on chain with the same content is skipped by
   * the contract and returned with `alreadyCommitted: true`; one with other content fails its chunk with
   * `LEDGER.ALREADY_RECORDED` before anything is signed. Receipts are in the order of `batches`.
   */
  async commitBatches(
    batches: readonly LedgerBatch[],
    options: { maxPerTransaction?: number } = {},
  ): Promise<LedgerCommitReceipt[]> {
    const per = Math.min(MAX_BATCHES_PER_CALL, options.maxPerTransaction ?? MAX_BATCHES_PER_CALL);
    if (!Number.isInteger(per) || per < 1)
      throw new LedgerError(
        'LEDGER.INVALID_BATCH',
        `maxPerTransaction must be a positive integer, got ${per}`,
      );
    const prepared = batches.map((b) => ({ batch: b, ...batchArgs(b) }));
    const keys = new Set<string>();
    for (const p of prepared) {
      const key = `${p.ck}:${p.is}:${p.version}`;
      if (keys.has(key))
        throw new LedgerError('LEDGER.INVALID_BATCH', `${batchLabel(p.batch)} is given twice`);
      keys.add(key);
    }
    await this.ensureReady();
    const out: LedgerCommitReceipt[] = [];
    for (let from = 0; from < prepared.length; from += per) {
      out.push(...(await this.commitChunk(prepared.slice(from, from + per))));
    }
    return out;
  }

  private async commitChunk(chunk: readonly PreparedBatch[]): Promise<LedgerCommitReceipt[]> {
    const inputs = chunk.map((p) => ({
      communityKey: p.ck,
      intervalStart: p.is,
      version: p.version,
      merkleRoot: p.root,
      transactionCount: p.batch.transactionCount,
      totalEnergyWh: p.batch.totalEnergyWh,
      totalAmountCt: p.batch.totalAmountCt,
    }));
    const first = chunk[0];
    const last = chunk[chunk.length - 1];
    const digest = keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32[]' }],
        [chunk.map((p) => keccak256(encodeAbiParameters(BATCH_KEY_PARAMS, [p.ck, p.is, p.version, p.root])))],
      ),
    );
    const op: Operation = {
      kind: 'batch',
      key: `batches:${digest}`,
      merkleRoot: null,
      data: encodeFunctionData({ abi: settlementLedgerAbi, functionName: 'commitBatches', args: [inputs] }),
      label: `${chunk.length} batches (${first ? batchLabel(first.batch) : ''} … ${last ? batchLabel(last.batch) : ''})`,
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      const gas = await this.simulate(op, () =>
        this.client.estimateContractGas({
          address: this.address,
          abi: settlementLedgerAbi,
          functionName: 'commitBatches',
          args: [inputs],
          account: this.account,
        }),
      );
      const settled = await this.send(op, gas);
      if (settled.kind === 'confirmed') {
        // the batches this transaction committed are those with a BatchCommitted log in it
        const fresh = new Set(
          parseEventLogs({
            abi: settlementLedgerAbi,
            eventName: 'BatchCommitted',
            logs: settled.receipt.logs,
          }).map((l) => `${l.args.communityKey.toLowerCase()}:${l.args.intervalStart}:${l.args.version}`),
        );
        const [asFresh, asExisting] = await Promise.all([
          this.receiptOf(settled.receipt, false),
          this.receiptOf(settled.receipt, true),
        ]);
        return chunk.map((p) => {
          const isFresh = fresh.has(`${p.ck.toLowerCase()}:${p.is}:${p.version}`);
          this.metrics.onCommitted?.('batch', !isFresh);
          // a batch skipped as present: the chain holds it from an earlier commit (its own receipt is
          // found by commitBatch; here the receipt of the call that confirmed it is present)
          return isFresh ? asFresh : asExisting;
        });
      }
      this.log.warn('ledger transaction did not commit, re-checking the chain', {
        op: op.label,
        outcome: settled.kind,
      });
    }
    throw new LedgerError('LEDGER.TX_REVERTED', `commit of ${op.label} did not succeed after 3 attempts`);
  }

  /**
   * The per-microtransaction path: one on-chain transaction that records one microtransaction's leaf
   * (kept to compare against batches; settlement commits batches). Idempotent per transaction key.
   */
  async recordSingleTransaction(communityId: string, leaf: LeafValues): Promise<LedgerCommitReceipt> {
    const ck = communityKeyOf(communityId);
    const tx = toMicroTransaction(leaf);
    const hash = leafHashOf(leaf);
    const op: Operation = {
      kind: 'single',
      key: `single:${tx.transactionKey}`,
      merkleRoot: hash,
      data: encodeFunctionData({
        abi: settlementLedgerAbi,
        functionName: 'recordTransaction',
        args: [ck, tx],
      }),
      label: `single ${tx.transactionKey}`,
    };
    await this.ensureReady();
    for (let attempt = 0; attempt < 3; attempt++) {
      const recorded = await this.rpc('recordedLeaf', () =>
        this.client.readContract({
          address: this.address,
          abi: settlementLedgerAbi,
          functionName: 'recordedLeaf',
          args: [tx.transactionKey],
        }),
      );
      if (recorded !== `0x${'0'.repeat(64)}`) {
        if (recorded.toLowerCase() !== hash.toLowerCase()) {
          throw new LedgerError(
            'LEDGER.ALREADY_RECORDED',
            `transaction ${tx.transactionKey} is recorded with another leaf (${recorded})`,
          );
        }
        const live = await this.repo.findLive(op.key);
        if (live?.status === 'confirmed') {
          this.metrics.onCommitted?.('single', true);
          const receipt = await this.rpc('getTransactionReceipt', () =>
            this.client.getTransactionReceipt({ hash: live.txHash }),
          );
          return this.receiptOf(receipt, true);
        }
        throw new LedgerError(
          'LEDGER.ALREADY_RECORDED',
          `transaction ${tx.transactionKey} is already recorded (not by this journal)`,
        );
      }
      const gas = await this.simulate(op, () =>
        this.client.estimateContractGas({
          address: this.address,
          abi: settlementLedgerAbi,
          functionName: 'recordTransaction',
          args: [ck, tx],
          account: this.account,
        }),
      );
      const settled = await this.send(op, gas);
      if (settled.kind === 'confirmed') {
        this.metrics.onCommitted?.('single', false);
        return this.receiptOf(settled.receipt, false);
      }
    }
    throw new LedgerError('LEDGER.TX_REVERTED', `recording ${op.label} did not succeed after 3 attempts`);
  }

  async getBatch(
    communityId: string,
    intervalStart: string,
    version: number,
  ): Promise<OnChainBatch | undefined> {
    return this.getBatchByKey(communityKeyOf(communityId), intervalStartSeconds(intervalStart), version);
  }

  async verify(
    communityId: string,
    intervalStart: string,
    version: number,
    leaf: LeafValues,
    proof: readonly Hex[],
  ): Promise<boolean> {
    const args = verifyTransactionArgs(communityId, intervalStart, version, leaf, proof);
    if (args === undefined) return false;
    return this.rpc('verifyTransaction', () =>
      this.client.readContract({
        address: this.address,
        abi: settlementLedgerAbi,
        functionName: 'verifyTransaction',
        args,
      }),
    );
  }

  /** Chain reachable, chain id as configured, contract code present at the address. */
  async health(): Promise<LedgerHealth> {
    try {
      const [chainId, blockNumber, code] = await Promise.all([
        this.client.getChainId(),
        this.client.getBlockNumber(),
        this.client.getCode({ address: this.address }),
      ]);
      if (chainId !== this.opts.chainId) {
        return {
          ok: false,
          chainId,
          blockNumber,
          detail: `chain id ${chainId}, expected ${this.opts.chainId}`,
        };
      }
      if (!code || code === '0x') {
        return { ok: false, chainId, blockNumber, detail: `no contract code at ${this.address}` };
      }
      return { ok: true, chainId, blockNumber };
    } catch (err) {
      return {
        ok: false,
        detail: `EVM endpoint unreachable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      };
    }
  }

  /** Transactions of ours broadcast and not yet final. */
  confirmationsPending(): number {
    return this.pending;
  }

  /**
   * Finishes the pending transactions an earlier run (or a crashed instance) recorded: looks each one
   * up by hash, re-broadcasts the same raw transaction if the node does not know it, and waits for its
   * confirmations. Call it at start-up; `commitBatch` also does it once before its first commit.
   */
  async resumePending(): Promise<ResumeSummary> {
    const summary: ResumeSummary = { confirmed: 0, dropped: 0, reverted: 0, stillPending: 0 };
    for (const rec of await this.repo.findPending()) {
      try {
        const settled = await this.settle(rec, false);
        summary[
          settled.kind === 'confirmed' ? 'confirmed' : settled.kind === 'reverted' ? 'reverted' : 'dropped'
        ]++;
        this.log.info('resumed pending ledger transaction', {
          txHash: rec.txHash,
          nonce: rec.nonce,
          outcome: settled.kind,
        });
      } catch (err) {
        summary.stillPending++;
        this.log.warn('pending ledger transaction not final yet', {
          txHash: rec.txHash,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    return summary;
  }

  // --- internals -------------------------------------------------------------------------------

  private ensureReady(): Promise<void> {
    this.ready ??= (async () => {
      const chainId = await this.rpc('getChainId', () => this.client.getChainId());
      if (chainId !== this.opts.chainId) {
        throw new LedgerError(
          'LEDGER.CHAIN_MISMATCH',
          `endpoint reports chain id ${chainId}, expected ${this.opts.chainId}`,
        );
      }
      const code = await this.rpc('getCode', () => this.client.getCode({ address: this.address }));
      if (!code || code === '0x')
        throw new LedgerError('LEDGER.NO_CONTRACT', `no contract code at ${this.address}`);
      await this.resumePending();
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRpcRetry(what, this.retry, fn);
  }

  private async getBatchByKey(ck: Hex, is: bigint, version: number): Promise<OnChainBatch | undefined> {
    const b = await this.rpc('getBatch', () =>
      this.client.readContract({
        address: this.address,
        abi: settlementLedgerAbi,
        functionName: 'getBatch',
        args: [ck, is, version],
      }),
    );
    if (b.committedAtBlock === 0n) return undefined;
    return {
      merkleRoot: b.merkleRoot,
      transactionCount: b.transactionCount,
      totalEnergyWh: b.totalEnergyWh,
      totalAmountCt: b.totalAmountCt,
      committedAtBlock: b.committedAtBlock,
    };
  }

  /** The batch is on chain already: same content → its receipt (`alreadyCommitted`), else a mismatch. */
  private async existingBatch(
    onChain: OnChainBatch,
    batch: LedgerBatch,
    op: Operation,
    ck: Hex,
    is: bigint,
    version: number,
  ): Promise<LedgerCommitReceipt> {
    const diffs: string[] = [];
    if (onChain.merkleRoot.toLowerCase() !== op.merkleRoot) diffs.push(`root ${onChain.merkleRoot} on chain`);
    if (onChain.transactionCount !== batch.transactionCount)
      diffs.push(`count ${onChain.transactionCount} on chain`);
    if (onChain.totalEnergyWh !== batch.totalEnergyWh)
      diffs.push(`energy ${onChain.totalEnergyWh} Wh on chain`);
    if (onChain.totalAmountCt !== batch.totalAmountCt)
      diffs.push(`amount ${onChain.totalAmountCt} ct on chain`);
    if (diffs.length > 0) {
      throw new LedgerError(
        'LEDGER.ROOT_MISMATCH',
        `${op.label} is committed with other content (${diffs.join(', ')}; given root ${op.merkleRoot})`,
      );
    }
    const logs = await this.rpc('getContractEvents', () =>
      this.client.getContractEvents({
        address: this.address,
        abi: settlementLedgerAbi,
        eventName: 'BatchCommitted',
        args: { communityKey: ck, intervalStart: is, version },
        fromBlock: onChain.committedAtBlock,
        toBlock: onChain.committedAtBlock,
      }),
    );
    const txHash = logs[0]?.transactionHash;
    if (!txHash)
      throw new LedgerError('LEDGER.RPC_UNAVAILABLE', `no BatchCommitted event found for ${op.label}`);
    const receipt = await this.rpc('getTransactionReceipt', () =>
      this.client.getTransactionReceipt({ hash: txHash }),
    );
    const live = await this.repo.findLive(op.key);
    if (live?.status === 'pending' && live.txHash.toLowerCase() === txHash.toLowerCase()) {
      // Our own transaction, mined while nobody was waiting for it (a crash): close its record.
      await this.repo.markFinal(live.id, 'confirmed', receipt.blockNumber, receipt.gasUsed);
    }
    this.metrics.onCommitted?.('batch', true);
    return this.receiptOf(receipt, true);
  }

  /** Gas estimation doubles as a dry run: a revert becomes a LedgerError before anything is signed. */
  private async simulate(op: Operation, estimate: () => Promise<bigint>): Promise<bigint> {
    try {
      return await this.rpc('estimateGas', estimate);
    } catch (err) {
      throw this.translateRevert(err, op);
    }
  }

  private translateRevert(err: unknown, op: Operation): Error {
    if (err instanceof LedgerError) return err;
    const reverted =
      err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    const name = reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
    switch (name) {
      case 'VersionOutOfOrder':
        return new LedgerError('LEDGER.VERSION_OUT_OF_ORDER', `${op.label}: version is not latest + 1`, {
          cause: err,
        });
      case 'AccessControlUnauthorizedAccount':
        return new LedgerError('LEDGER.NOT_OPERATOR', `${this.signerAddress} does not hold OPERATOR_ROLE`, {
          cause: err,
        });
      case 'InconsistentBatch':
      case 'IntervalNotQuarterHour':
      case 'InvalidDirection':
        return new LedgerError('LEDGER.INVALID_BATCH', `${op.label}: contract refused it (${name})`, {
          cause: err,
        });
      case 'BatchAlreadyCommitted':
      case 'TransactionAlreadyRecorded':
        return new LedgerError('LEDGER.ALREADY_RECORDED', `${op.label}: already on chain (${name})`, {
          cause: err,
        });
      default:
        return new LedgerError(
          'LEDGER.TX_REVERTED',
          `${op.label}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
          { cause: err },
        );
    }
  }

  /** Signs and records (or finds the recorded) transaction of an operation, then sees it through. */
  private async send(op: Operation, estimatedGas: bigint): Promise<Settled> {
    const { record, fresh } = await this.repo.withSignerLock(async (em) => {
      const live = await this.repo.findLive(op.key, em);
      if (live) return { record: live, fresh: false };
      const [nodeNonce, dbMax] = await Promise.all([
        this.rpc('getTransactionCount', () =>
          this.client.getTransactionCount({ address: this.account.address, blockTag: 'pending' }),
        ),
        this.repo.maxPendingNonce(em),
      ]);
      const nonce = Math.max(nodeNonce, dbMax === undefined ? 0 : dbMax + 1);
      const request = await this.rpc('prepareTransactionRequest', () =>
        this.wallet.prepareTransactionRequest({
          account: this.account,
          chain: this.chain,
          to: this.address,
          data: op.data,
          nonce,
          gas: (estimatedGas * (100n + this.gasHeadroomPct)) / 100n,
          parameters: ['fees', 'type'],
        }),
      );
      const raw = await this.wallet.signTransaction(request);
      const rec = await this.repo.insertPending(em, {
        operationKey: op.key,
        merkleRoot: op.merkleRoot,
        nonce,
        txHash: keccak256(raw),
        rawTransaction: raw,
      });
      return { record: rec, fresh: true };
    });
    if (record.status === 'confirmed') {
      const receipt = await this.rpc('getTransactionReceipt', () =>
        this.client.getTransactionReceipt({ hash: record.txHash }),
      );
      return { kind: 'confirmed', receipt };
    }
    return this.settle(record, fresh);
  }

  /** Broadcasts the recorded raw transaction when the node lacks it and waits for its confirmations. */
  private async settle(rec: LedgerTxRecord, fresh: boolean): Promise<Settled> {
    const deadline = Date.now() + this.receiptTimeoutMs;
    this.setPending(+1);
    try {
      if (fresh) {
        if ((await this.broadcast(rec)) === 'nonce-used') return await this.afterNonceUsed(rec);
      }
      for (;;) {
        const receipt = await this.findReceipt(rec.txHash);
        if (receipt) {
          if (receipt.status === 'reverted') {
            await this.repo.markFinal(rec.id, 'reverted', receipt.blockNumber, receipt.gasUsed);
            return { kind: 'reverted', receipt };
          }
          const head = await this.rpc('getBlockNumber', () => this.client.getBlockNumber({ cacheTime: 0 }));
          if (head - receipt.blockNumber + 1n >= BigInt(this.confirmations)) {
            await this.repo.markFinal(rec.id, 'confirmed', receipt.blockNumber, receipt.gasUsed);
            this.metrics.onGasUsed?.(
              receipt.gasUsed,
              rec.operationKey.startsWith('single:') ? 'single' : 'batch',
            );
            return { kind: 'confirmed', receipt };
          }
        } else if (!(await this.knownToNode(rec.txHash))) {
          // Lost by the node (restart, eviction) or never sent (crash before broadcast): same bytes again.
          this.log.info('re-broadcasting recorded ledger transaction', {
            txHash: rec.txHash,
            nonce: rec.nonce,
          });
          if ((await this.broadcast(rec)) === 'nonce-used') return await this.afterNonceUsed(rec);
        }
        if (Date.now() >= deadline) {
          throw new LedgerError(
            'LEDGER.CONFIRMATION_TIMEOUT',
            `${rec.txHash} not final after ${this.receiptTimeoutMs} ms (${this.confirmations} confirmations); it stays recorded and is resumed later`,
          );
        }
        await new Promise((r) => setTimeout(r, this.pollIntervalMs));
      }
    } finally {
      this.setPending(-1);
    }
  }

  /** The nonce went to another transaction: ours is mined after all, or can never be. */
  private async afterNonceUsed(rec: LedgerTxRecord): Promise<Settled> {
    const receipt = await this.findReceipt(rec.txHash);
    if (receipt) return this.settle(rec, false);
    await this.repo.markFinal(rec.id, 'dropped');
    this.log.warn('recorded ledger transaction can no longer be mined (nonce used); dropped', {
      txHash: rec.txHash,
      nonce: rec.nonce,
    });
    return { kind: 'dropped' };
  }

  private async broadcast(rec: LedgerTxRecord): Promise<'sent' | 'nonce-used'> {
    try {
      await this.rpc('sendRawTransaction', () =>
        this.client.sendRawTransaction({ serializedTransaction: rec.rawTransaction }),
      );
    } catch (err) {
      if (isTransientRpcError(err)) throw err;
      const text = err instanceof Error ? err.message : String(err);
      if (/already known|known transaction|already imported|already exists/i.test(text)) {
        // The node has it: fine.
      } else if (
        (err instanceof BaseError && err.walk((e) => e instanceof NonceTooLowError)) ||
        /nonce too low|nonce.*(lower|already used)|replacement transaction underpriced/i.test(text)
      ) {
        return 'nonce-used';
      } else {
        throw new LedgerError(
          'LEDGER.TX_REVERTED',
          `broadcast of ${rec.txHash} refused: ${text.split('\n')[0]}`,
          {
            cause: err,
          },
        );
      }
    }
    await this.repo.markBroadcast(rec.id);
    return 'sent';
  }

  private async findReceipt(hash: Hex): Promise<TransactionReceipt | undefined> {
    try {
      return await this.rpc('getTransactionReceipt', () => this.client.getTransactionReceipt({ hash }));
    } catch (err) {
      if (err instanceof TransactionReceiptNotFoundError) return undefined;
      throw err;
    }
  }

  private async knownToNode(hash: Hex): Promise<boolean> {
    try {
      await this.rpc('getTransaction', () => this.client.getTransaction({ hash }));
      return true;
    } catch (err) {
      if (err instanceof TransactionNotFoundError) return false;
      throw err;
    }
  }

  private async receiptOf(
    receipt: TransactionReceipt,
    alreadyCommitted: boolean,
  ): Promise<LedgerCommitReceipt> {
    const block = await this.rpc('getBlock', () =>
      this.client.getBlock({ blockNumber: receipt.blockNumber }),
    );
    return {
      chainId: this.opts.chainId,
      contractAddress: this.address,
      txHash: receipt.transactionHash,
      blockNumber: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
      committedAt: new Date(Number(block.timestamp) * 1000).toISOString(),
      alreadyCommitted,
    };
  }

  private setPending(delta: number): void {
    this.pending += delta;
    this.metrics.onConfirmationsPending?.(this.pending);
  }
}
