import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { encodeAbiParameters, keccak256, stringToHex } from 'viem';
import { Hex, LEAF_ABI_TYPES, LedgerBatch, LeafValues } from '../ledger.port';
import { SettlementDomainError } from './errors';
import { unixSeconds } from './interval';
import type { Microtransaction } from './transaction';

/** `keccak256(abi.encode(salt, partyId))`: a party on chain, unlinkable without the community's salt. */
export function partyHash(partySalt: Hex, partyId: string): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'string' }], [partySalt, partyId]));
}

/** `keccak256(utf8(id))`: the on-chain key of a transaction or a community. */
export const idKey = (id: string): Hex => keccak256(stringToHex(id));

/** The Merkle leaf of one transaction, in `LEAF_ABI_TYPES` order. */
export function leafOf(t: Microtransaction, partySalt: Hex): LeafValues {
  return [
    idKey(t.transactionId),
    partyHash(partySalt, t.sellerId),
    partyHash(partySalt, t.buyerId),
    BigInt(unixSeconds(t.intervalStart)),
    BigInt(t.energyWh),
    BigInt(t.priceMilliCtPerKWh),
    BigInt(t.amountCt),
    t.direction === 'reversal' ? 1 : 0,
  ];
}

export interface BatchTree {
  readonly batch: LedgerBatch;
  /** Leaf and proof of one transaction of the batch. */
  proofOf(transactionId: string): { leaf: LeafValues; proof: Hex[] };
  /** The OpenZeppelin tree dump (`standard-v1`), to store and reload. */
  dump(): unknown;
}

/**
 * The batch of one (community, interval, version): an OpenZeppelin `StandardMerkleTree` over the leaves of
 * its transactions (sorted leaves, sorted pairs), with the count and the sums of energy and cents
 * (magnitudes: a reversal counts with its own energy; its sign is in the leaf's direction).
 */
export function buildBatchTree(
  communityId: string,
  intervalStart: string,
  version: number,
  transactions: readonly Microtransaction[],
  partySalt: Hex,
): BatchTree {
  if (transactions.length === 0) {
    throw new SettlementDomainError('SETTLEMENT.INVALID_INTERVAL', 'a batch needs at least one transaction');
  }
  const leaves = transactions.map((t) => leafOf(t, partySalt));
  const tree = StandardMerkleTree.of(
    leaves.map((l) => [...l]),
    [...LEAF_ABI_TYPES],
  );
  const index = new Map<string, number>();
  transactions.forEach((t, i) => index.set(t.transactionId, i));
  let energy = 0n;
  let amount = 0n;
  for (const t of transactions) {
    energy += BigInt(t.energyWh);
    amount += BigInt(t.amountCt);
  }
  return {
    batch: {
      communityId,
      intervalStart,
      version,
      merkleRoot: tree.root as Hex,
      transactionCount: transactions.length,
      totalEnergyWh: energy,
      totalAmountCt: amount,
    },
    proofOf(transactionId: string) {
      const i = index.get(transactionId);
      if (i === undefined) {
        throw new SettlementDomainError(
          'SETTLEMENT.INVALID_INTERVAL',
          `${transactionId} is not in this batch`,
        );
      }
      const leaf = leaves[i];
      return { leaf, proof: tree.getProof([...leaf]) as Hex[] };
    },
    dump: () => tree.dump(),
  };
}

/** Off-chain check of a proof (the contract's `verify` does the same on chain). */
export function verifyProofOffChain(root: Hex, leaf: LeafValues, proof: readonly Hex[]): boolean {
  return StandardMerkleTree.verify(root, [...LEAF_ABI_TYPES], [...leaf], [...proof]);
}
