import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  keccak256,
  toBytes,
  type Hex,
} from 'viem';
import { privateKeyToAccount, mnemonicToAccount } from 'viem/accounts';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { LEAF_ABI_TYPES, type LeafValues } from '@gridwerk/settlement/domain';
import { DEV_ONLY_MNEMONIC } from '../ledger-evm.config';
import { ledgerChain } from '../settlement-ledger.contract';

/**
 * Test helpers for the real local EVM node (started by jest global-setup or `npm test`; URL in
 * EVM_RPC_URL). Not exported from the lib's index: tests only.
 */
export function testRpcUrl(): string {
  return process.env['EVM_RPC_URL'] || 'http://127.0.0.1:8545';
}

export function testChainId(): number {
  return Number(process.env['EVM_CHAIN_ID'] || 31337);
}

/** DEV ONLY keys of the local node's funded accounts. */
export function devKey(index: number): Hex {
  const key = mnemonicToAccount(DEV_ONLY_MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (!key) throw new Error('no key');
  return `0x${Buffer.from(key).toString('hex')}`;
}

export function testClients(keyIndex = 0, rpcUrl = testRpcUrl()) {
  const chain = ledgerChain(testChainId(), rpcUrl);
  const account = privateKeyToAccount(devKey(keyIndex));
  const transport = http(rpcUrl);
  return {
    chain,
    account,
    publicClient: createPublicClient({ chain, transport }),
    walletClient: createWalletClient({ chain, transport, account }),
    testClient: createTestClient({ chain, transport, mode: 'anvil' }),
  };
}

const h = (s: string): Hex => keccak256(toBytes(s));

/** A batch of `n` microtransactions of one interval, as leaves, with its tree. */
export function sampleBatch(communityId: string, intervalStart: string, n: number, seed = 'a') {
  const is = BigInt(Date.parse(intervalStart) / 1000);
  const leaves: LeafValues[] = Array.from({ length: n }, (_, i) => {
    const energyWh = BigInt(100 + i * 7);
    const price = 25_000n;
    return [
      h(`${communityId}|${intervalStart}|${seed}|${i}`),
      h(`seller-${i % 3}-${seed}`),
      h(`buyer-${i}-${seed}`),
      is,
      energyWh,
      price,
      (energyWh * price) / 1_000_000n,
      0,
    ] as const;
  });
  const tree = StandardMerkleTree.of(
    leaves.map((l) => [...l]),
    [...LEAF_ABI_TYPES],
  );
  return {
    leaves,
    tree,
    root: tree.root as Hex,
    totalEnergyWh: leaves.reduce((s, l) => s + l[4], 0n),
    totalAmountCt: leaves.reduce((s, l) => s + l[6], 0n),
  };
}
