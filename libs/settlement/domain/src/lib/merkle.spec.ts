import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { LEAF_ABI_TYPES } from '../ledger.port';
import { allocateInterval } from './allocate';
import { buildBatchTree, leafOf, partyHash, verifyProofOffChain } from './merkle';
import { allocateIntervals, syntheticIntervalInputs } from './synthetic';
import { adjustmentsFor } from './versioning';
import { identityViolations } from './identities';

describe('Merkle batches', () => {
  const [inp] = syntheticIntervalInputs({
    communities: 1,
    members: 30,
    intervals: 1,
    start: '2026-06-01T11:00:00Z',
  });
  const a = allocateInterval(inp);
  const salt = inp.terms.partySalt;

  it('proves every transaction of a batch against its root, and nothing else', () => {
    const t = buildBatchTree(a.communityId, a.intervalStart, 1, a.transactions, salt);
    expect(t.batch.transactionCount).toBe(a.transactions.length);
    expect(t.batch.totalEnergyWh).toBe(BigInt(a.transactions.reduce((s, x) => s + x.energyWh, 0)));
    for (const x of a.transactions) {
      const { leaf, proof } = t.proofOf(x.transactionId);
      expect(verifyProofOffChain(t.batch.merkleRoot, leaf, proof)).toBe(true);
      const forged = [...leaf] as unknown as typeof leaf & unknown[];
      (forged as unknown[])[4] = leaf[4] + 1n;
      expect(verifyProofOffChain(t.batch.merkleRoot, forged, proof)).toBe(false);
    }
  });

  it('gives the root and proofs of OpenZeppelin StandardMerkleTree for every batch size', () => {
    for (const members of [1, 2, 3, 7, 30, 120]) {
      const inputs = syntheticIntervalInputs({ communities: 1, members, intervals: 96, seed: members });
      const withTx = inputs.map((i) => allocateInterval(i)).filter((r) => r.transactions.length > 0);
      for (const r of withTx.slice(0, 3)) {
        const s = inputs[0].terms.partySalt;
        const ours = buildBatchTree(r.communityId, r.intervalStart, 1, r.transactions, s);
        const leaves = r.transactions.map((t) => [...leafOf(t, s)]);
        const oz = StandardMerkleTree.of(leaves, [...LEAF_ABI_TYPES]);
        expect(ours.batch.merkleRoot).toBe(oz.root);
        r.transactions.forEach((t, i) => {
          expect(ours.proofOf(t.transactionId).proof).toEqual(oz.getProof(i));
        });
      }
    }
  });

  it('refuses a leaf value outside its ABI type instead of encoding it wrongly', () => {
    const big = { ...a.transactions[0], energyWh: 2 ** 64 };
    expect(() => buildBatchTree(a.communityId, a.intervalStart, 1, [big], salt)).toThrow(/uint64/);
    const negative = { ...a.transactions[0], amountCt: -1 };
    expect(() => buildBatchTree(a.communityId, a.intervalStart, 1, [negative], salt)).toThrow(/uint64/);
  });

  it('puts no personal data in a leaf: parties are salted hashes', () => {
    const leaf = leafOf(a.transactions[0], salt);
    const text = JSON.stringify(leaf, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(text).not.toContain(a.transactions[0].sellerId);
    expect(leaf[1]).toBe(partyHash(salt, a.transactions[0].sellerId));
    expect(partyHash(`0x${'11'.repeat(32)}`, a.transactions[0].sellerId)).not.toBe(leaf[1]);
  });

  it('gives a correction version its own root, with reversal leaves', () => {
    const target = inp.terms.members[5].meterPointId;
    const v2 = allocateInterval({
      ...inp,
      version: 2,
      readings: { ...inp.readings, [target]: { importWh: 777, exportWh: 0 } },
    });
    const adj = adjustmentsFor(a.transactions, v2.transactions, salt);
    expect(adj.some((t) => t.direction === 'reversal')).toBe(true);
    const t1 = buildBatchTree(a.communityId, a.intervalStart, 1, a.transactions, salt);
    const t2 = buildBatchTree(a.communityId, a.intervalStart, 2, adj, salt);
    expect(t2.batch.merkleRoot).not.toBe(t1.batch.merkleRoot);
    const rev = adj.find((t) => t.direction === 'reversal');
    expect(rev && leafOf(rev, salt)[7]).toBe(1);
  });

  it('allocates the benchmark-shaped synthetic input with every identity holding', () => {
    const inputs = syntheticIntervalInputs({ communities: 3, members: 50, intervals: 96, key: 'dynamic' });
    for (const r of allocateIntervals(inputs)) expect(identityViolations(r)).toEqual([]);
    for (const key of ['static', 'double-auction'] as const) {
      for (const r of allocateIntervals(
        syntheticIntervalInputs({ communities: 1, members: 50, intervals: 96, key }),
      )) {
        expect(identityViolations(r)).toEqual([]);
      }
    }
  });
});
