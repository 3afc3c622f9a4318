import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  isAddress,
  type Chain,
  type Hex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { settlementLedgerAbi, settlementLedgerBytecode } from './generated/settlement-ledger.artifact';
import type { LeafValues } from '@gridwerk/settlement/domain';
import { communityKeyOf, intervalStartSeconds, toMicroTransaction } from './leaf';
import { LedgerError } from './ledger.errors';

export {
  settlementLedgerAbi,
  settlementLedgerBytecode,
  settlementLedgerCompiler,
  settlementLedgerDeployedBytecode,
} from './generated/settlement-ledger.artifact';

/** A viem chain for any EVM JSON-RPC endpoint, known only by its id and URL. */
export function ledgerChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: `settlement-chain-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export interface DeploySettlementLedgerOptions {
  readonly rpcUrl: string;
  readonly chainId: number;
  /** Key of the deploying account (pays gas). */
  readonly deployerKey: Hex;
  /** Holder of DEFAULT_ADMIN_ROLE; the deployer when omitted. */
  readonly admin?: Hex;
  /** First holder of OPERATOR_ROLE (the settlement committer); the deployer when omitted. */
  readonly operator?: Hex;
  readonly confirmations?: number;
  readonly timeoutMs?: number;
}

export interface DeployedSettlementLedger {
  readonly address: Hex;
  readonly txHash: Hex;
  readonly blockNumber: bigint;
  readonly gasUsed: bigint;
}

/** Deploys `SettlementLedger` (compiled bytecode of this build) and waits for its confirmations. */
export async function deploySettlementLedgerContract(
  opts: DeploySettlementLedgerOptions,
): Promise<DeployedSettlementLedger> {
  const chain = ledgerChain(opts.chainId, opts.rpcUrl);
  const account = privateKeyToAccount(opts.deployerKey);
  const transport = http(opts.rpcUrl, { retryCount: 3 });
  const publicClient = createPublicClient({ chain, transport });
  const wallet = createWalletClient({ chain, transport, account });
  const reported = await publicClient.getChainId();
  if (reported !== opts.chainId) {
    throw new LedgerError(
      'LEDGER.CHAIN_MISMATCH',
      `endpoint reports chain id ${reported}, expected ${opts.chainId}`,
    );
  }
  for (const [name, a] of [
    ['admin', opts.admin],
    ['operator', opts.operator],
  ] as const) {
    if (a !== undefined && !isAddress(a))
      throw new LedgerError('LEDGER.CONFIG', `${name} is not an address: ${String(a)}`);
  }
  const txHash = await wallet.deployContract({
    abi: settlementLedgerAbi,
    bytecode: settlementLedgerBytecode,
    args: [opts.admin ?? account.address, opts.operator ?? account.address],
  });
  const receipt = await publicClient.waitForTransactionReceipt({
    hash: txHash,
    confirmations: opts.confirmations ?? 1,
    timeout: opts.timeoutMs ?? 120_000,
    pollingInterval: 100,
  });
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new LedgerError('LEDGER.TX_REVERTED', `deployment ${txHash} failed`);
  }
  return {
    address: receipt.contractAddress,
    txHash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
  };
}

/**
 * Anyone's check of one microtransaction against the contract: a read call (`verifyTransaction`), no key,
 * no journal. `false` when the leaf is not in the committed batch of (community, interval, version).
 */
/**
 * The arguments of the contract's `verifyTransaction` for one leaf, or undefined when the leaf's interval
 * is not the one named (then it cannot be in that batch).
 */
export function verifyTransactionArgs(
  communityId: string,
  intervalStart: string,
  version: number,
  leaf: LeafValues,
  proof: readonly Hex[],
) {
  const tx = toMicroTransaction(leaf);
  if (tx.intervalStart !== intervalStartSeconds(intervalStart)) return undefined;
  return [communityKeyOf(communityId), version, tx, [...proof]] as const;
}

/**
 * Anyone's check of one microtransaction against the contract: a read call (`verifyTransaction`), no key,
 * no journal. `false` when the leaf is not in the committed batch of (community, interval, version).
 */
export async function verifyTransactionOnChain(
  opts: { rpcUrl: string; chainId: number; contractAddress: Hex },
  communityId: string,
  intervalStart: string,
  version: number,
  leaf: LeafValues,
  proof: readonly Hex[],
): Promise<boolean> {
  const args = verifyTransactionArgs(communityId, intervalStart, version, leaf, proof);
  if (args === undefined) return false;
  const client = createPublicClient({
    chain: ledgerChain(opts.chainId, opts.rpcUrl),
    transport: http(opts.rpcUrl, { retryCount: 3 }),
  });
  return client.readContract({
    address: opts.contractAddress,
    abi: settlementLedgerAbi,
    functionName: 'verifyTransaction',
    args,
  });
}
