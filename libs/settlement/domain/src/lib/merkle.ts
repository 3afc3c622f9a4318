import { encodeAbiParameters, hexToBytes, keccak256, stringToHex, toHex } from 'viem';
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
export function leafOf(t: Microtransaction, partySalt: Hex, parties?: (id: string) => Hex): LeafValues {
  const party = parties ?? ((id: string) => partyHash(partySalt, id));
  return [
    idKey(t.transactionId),
    party(t.sellerId),
    party(t.buyerId),
    BigInt(unixSeconds(t.intervalStart)),
    BigInt(t.energyWh),
    BigInt(t.priceMilliCtPerKWh),
    BigInt(t.amountCt),
    t.direction === 'reversal' ? 1 : 0,
  ];
}

const WORD = 32;
const UINT_BITS: readonly number[] = LEAF_ABI_TYPES.map((t) =>
  t.startsWith('uint') ? Number(t.slice(4)) : 0,
);

/**
 * `abi.encode(leaf)` for `LEAF_ABI_TYPES`: every type is static, so the encoding is eight 32-byte words
 * (bytes32 as is, unsigned integers big-endian, left-padded). Range-checked like the ABI coder.
 */
function encodeLeaf(leaf: LeafValues): Uint8Array {
  const out = new Uint8Array(WORD * LEAF_ABI_TYPES.length);
  leaf.forEach((v, i) => {
    const bits = UINT_BITS[i] ?? 0;
    if (bits === 0) {
      const b = hexToBytes(v as Hex);
      if (b.length !== WORD)
        throw new SettlementDomainError('SETTLEMENT.INVALID_INTERVAL', `leaf field ${i} is not bytes32`);
      out.set(b, i * WORD);
      return;
    }
    let n = BigInt(v);
    if (n < 0n || n >= 1n << BigInt(bits)) {
      throw new SettlementDomainError(
        'SETTLEMENT.INVALID_INTERVAL',
        `leaf field ${i} out of range for uint${bits}: ${n}`,
      );
    }
    for (let k = (i + 1) * WORD - 1; n > 0n; k--) {
      out[k] = Number(n & 0xffn);
      n >>= 8n;
    }
  });
  return out;
}

const keccakBytes = (b: Uint8Array): Uint8Array => keccak256(b, 'bytes');

/** OpenZeppelin's standard leaf hash: `keccak256(bytes.concat(keccak256(abi.encode(leaf))))`. */
export function leafHashBytes(leaf: LeafValues): Uint8Array {
  return keccakBytes(keccakBytes(encodeLeaf(leaf)));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return a.length - b.length;
}

/** OpenZeppelin's node hash: keccak of the two children, the smaller first (commutative). */
function nodeHash(a: Uint8Array, b: Uint8Array): Uint8Array {
  const buf = new Uint8Array(2 * WORD);
  const [lo, hi] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  buf.set(lo, 0);
  buf.set(hi, WORD);
  return keccakBytes(buf);
}

export interface BatchTree {
  readonly batch: LedgerBatch;
  /** Leaf and proof of one transaction of the batch. */
  proofOf(transactionId: string): { leaf: LeafValues; proof: Hex[] };
}

/**
 * The batch of one (community, interval, version): a Merkle tree over the leaves of its transactions with
 * the count and the sums of energy and cents (magnitudes: a reversal counts with its own energy; its sign
 * is in the leaf's direction).
 *
 * The tree follows OpenZeppelin's `StandardMerkleTree` exactly (leaf hashes sorted, complete binary tree in
 * an array with the leaves at its end in reverse order, sorted pairs), so its root and proofs are the ones
 * `@openzeppelin/merkle-tree` gives and `MerkleProof.verify` accepts; the spec checks that against the
 * library. It is built here on raw bytes with one keccak per node, because the library's generic ABI coder
 * and hex round trips cost about 1 ms per leaf, which dominated a batch commit.
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
  // A community's parties recur in every transaction: hash each once.
  const parties = new Map<string, Hex>();
  const party = (id: string): Hex => {
    let h = parties.get(id);
    if (h === undefined) {
      h = partyHash(partySalt, id);
      parties.set(id, h);
    }
    return h;
  };
  const leaves = transactions.map((t) => leafOf(t, partySalt, party));
  const hashed = leaves.map((leaf, valueIndex) => ({ valueIndex, hash: leafHashBytes(leaf) }));
  hashed.sort((a, b) => compareBytes(a.hash, b.hash));
  const tree: Uint8Array[] = new Array<Uint8Array>(2 * hashed.length - 1);
  const treeIndexOf = new Array<number>(leaves.length);
  hashed.forEach((h, i) => {
    const at = tree.length - 1 - i;
    tree[at] = h.hash;
    treeIndexOf[h.valueIndex] = at;
  });
  for (let i = tree.length - 1 - hashed.length; i >= 0; i--) {
    tree[i] = nodeHash(tree[2 * i + 1], tree[2 * i + 2]);
  }
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
      merkleRoot: toHex(tree[0]),
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
      const proof: Hex[] = [];
      for (let at = treeIndexOf[i]; at > 0; at = Math.floor((at - 1) / 2)) {
        proof.push(toHex(tree[at % 2 === 1 ? at + 1 : at - 1]));
      }
      return { leaf: leaves[i], proof };
    },
  };
}

/** Off-chain check of a proof (the contract's `verify` does the same on chain). */
export function verifyProofOffChain(root: Hex, leaf: LeafValues, proof: readonly Hex[]): boolean {
  let node = leafHashBytes(leaf);
  for (const p of proof) node = nodeHash(node, hexToBytes(p));
  return toHex(node) === root.toLowerCase();
}
