import crypto from 'node:crypto';
import { DataSource } from 'typeorm';
import { encodeFunctionData, keccak256, type Hex } from 'viem';
import {
  createTestDatabase,
  postgresDataSourceOptions,
  type TestDatabase,
} from '@gridwerk/shared/data-access-database';
import type { LedgerBatch } from '@gridwerk/settlement/domain';
import { EvmSettlementLedger, leafHashOf, type EvmSettlementLedgerOptions } from './evm-settlement-ledger';
import { communityKeyOf } from './leaf';
import { LedgerTransactionsRepository } from './ledger-transactions.repository';
import { ledgerEvmMigrations } from './migrations/1764600000000-ledger-evm-transactions';
import { deploySettlementLedgerContract, settlementLedgerAbi } from './settlement-ledger.contract';
import { devKey, sampleBatch, testChainId, testClients, testRpcUrl } from './testing/test-chain';

/**
 * The adapter on the real EVM node and the real PostgreSQL. Each test uses its own community, so
 * the on-chain state of one never meets another's. Tests that stop automining restore it in `finally`.
 */
describe('EvmSettlementLedger (real EVM node, real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let contract: Hex;
  const chain = testClients(0);
  const adapters: EvmSettlementLedger[] = [];

  const ledger = (over: Partial<EvmSettlementLedgerOptions> = {}): EvmSettlementLedger => {
    const a = new EvmSettlementLedger({
      rpcUrl: testRpcUrl(),
      chainId: testChainId(),
      contractAddress: contract,
      signerKey: devKey(2),
      dataSource: ds,
      pollIntervalMs: 20,
      receiptTimeoutMs: 20_000,
      ...over,
    });
    adapters.push(a);
    return a;
  };

  const community = () => `test-community-${crypto.randomBytes(6).toString('hex')}`;
  const INTERVAL = '2026-06-15T10:15:00.000Z';

  function batchOf(communityId: string, n: number, version = 1, seed = 'a') {
    const b = sampleBatch(communityId, INTERVAL, n, seed);
    const batch: LedgerBatch = {
      communityId,
      intervalStart: INTERVAL,
      version,
      merkleRoot: b.root,
      transactionCount: n,
      totalEnergyWh: b.totalEnergyWh,
      totalAmountCt: b.totalAmountCt,
    };
    return { ...b, batch };
  }

  const signerNonce = () =>
    chain.publicClient.getTransactionCount({ address: testClients(2).account.address });
  const commitEvents = async (communityId: string) =>
    chain.publicClient.getContractEvents({
      address: contract,
      abi: settlementLedgerAbi,
      eventName: 'BatchCommitted',
      args: { communityKey: communityKeyOf(communityId) },
      fromBlock: 0n,
    });
  const journal = async (): Promise<{ status: string; tx_hash: string; broadcast_count: number }[]> =>
    ds.query('SELECT status, tx_hash, broadcast_count FROM ledger_evm_transactions ORDER BY id');

  beforeAll(async () => {
    db = await createTestDatabase('ledger_evm');
    ds = new DataSource(
      postgresDataSourceOptions({
        url: db.url,
        applicationName: 'ledger-evm-test',
        migrations: ledgerEvmMigrations,
      }),
    );
    await ds.initialize();
    await ds.runMigrations();
    // Deployed by account 0 (admin); the adapter signs with account 2, granted OPERATOR_ROLE.
    contract = (
      await deploySettlementLedgerContract({
        rpcUrl: testRpcUrl(),
        chainId: testChainId(),
        deployerKey: devKey(0),
        operator: testClients(2).account.address,
      })
    ).address;
  });

  beforeEach(async () => {
    await ds.query('TRUNCATE ledger_evm_transactions');
  });

  afterAll(async () => {
    await chain.testClient.setAutomine(true);
    await ds?.destroy();
    await db?.drop();
  });

  it('commits a batch, reads it back, and returns the same receipt again without a second commit', async () => {
    const id = community();
    const { batch } = batchOf(id, 12);
    const gas: bigint[] = [];
    const a = ledger({ metrics: { onGasUsed: (g) => gas.push(g) } });
    const before = await signerNonce();
    const first = await a.commitBatch(batch);
    expect(first.alreadyCommitted).toBe(false);
    expect(first.chainId).toBe(testChainId());
    expect(first.contractAddress).toBe(contract);
    expect(first.gasUsed).toBeGreaterThan(21_000n);
    expect(gas).toEqual([first.gasUsed]);
    expect(Date.parse(first.committedAt)).toBeGreaterThan(Date.parse('2026-01-01T00:00:00Z'));
    expect(await a.getBatch(id, INTERVAL, 1)).toEqual({
      merkleRoot: batch.merkleRoot,
      transactionCount: 12,
      totalEnergyWh: batch.totalEnergyWh,
      totalAmountCt: batch.totalAmountCt,
      committedAtBlock: first.blockNumber,
    });
    expect(await a.getBatch(id, INTERVAL, 2)).toBeUndefined();

    const again = await ledger().commitBatch(batch);
    expect(again).toEqual({ ...first, alreadyCommitted: true });
    expect(await signerNonce()).toBe(before + 1);
    expect(await commitEvents(id)).toHaveLength(1);
    expect(await journal()).toEqual([{ status: 'confirmed', tx_hash: first.txHash, broadcast_count: 1 }]);
  });

  it('throws LEDGER.ROOT_MISMATCH when the batch is on chain with another root', async () => {
    const id = community();
    const a = ledger();
    await a.commitBatch(batchOf(id, 3).batch);
    const other = batchOf(id, 3, 1, 'other').batch;
    await expect(a.commitBatch(other)).rejects.toMatchObject({ code: 'LEDGER.ROOT_MISMATCH' });
    expect(await commitEvents(id)).toHaveLength(1);
  });

  it('commits the next version and refuses an out-of-order one before signing anything', async () => {
    const id = community();
    const a = ledger();
    await expect(a.commitBatch(batchOf(id, 2, 2).batch)).rejects.toMatchObject({
      code: 'LEDGER.VERSION_OUT_OF_ORDER',
    });
    expect(await journal()).toEqual([]);
    await a.commitBatch(batchOf(id, 2, 1).batch);
    const v2 = await a.commitBatch(batchOf(id, 4, 2, 'v2').batch);
    expect(v2.alreadyCommitted).toBe(false);
    expect((await a.getBatch(id, INTERVAL, 2))?.transactionCount).toBe(4);
  });

  it('refuses a signer without OPERATOR_ROLE and invalid batches', async () => {
    const stranger = ledger({ signerKey: devKey(5) });
    await expect(stranger.commitBatch(batchOf(community(), 1).batch)).rejects.toMatchObject({
      code: 'LEDGER.NOT_OPERATOR',
    });
    const a = ledger();
    const { batch } = batchOf(community(), 1);
    await expect(a.commitBatch({ ...batch, intervalStart: '2026-06-15T10:16:00Z' })).rejects.toMatchObject({
      code: 'LEDGER.INVALID_BATCH',
    });
    await expect(a.commitBatch({ ...batch, version: 0 })).rejects.toMatchObject({
      code: 'LEDGER.INVALID_BATCH',
    });
    await expect(a.commitBatch({ ...batch, merkleRoot: '0x1234' })).rejects.toMatchObject({
      code: 'LEDGER.INVALID_BATCH',
    });
    await expect(a.commitBatch({ ...batch, totalEnergyWh: -1n })).rejects.toMatchObject({
      code: 'LEDGER.INVALID_BATCH',
    });
    expect(await journal()).toEqual([]);
  });

  it('verify() is true for a real proof and false for a tampered leaf', async () => {
    const id = community();
    const b = batchOf(id, 9);
    const a = ledger();
    await a.commitBatch(b.batch);
    for (const i of [0, 4, 8]) {
      expect(await a.verify(id, INTERVAL, 1, b.leaves[i], b.tree.getProof(i) as Hex[])).toBe(true);
    }
    const leaf = b.leaves[4];
    const proof = b.tree.getProof(4) as Hex[];
    const tampered = [leaf[0], leaf[1], leaf[2], leaf[3], leaf[4], leaf[5], leaf[6] + 1n, leaf[7]] as const;
    expect(await a.verify(id, INTERVAL, 1, tampered, proof)).toBe(false);
    expect(await a.verify(id, INTERVAL, 1, leaf, b.tree.getProof(5) as Hex[])).toBe(false);
    expect(await a.verify(id, INTERVAL, 2, leaf, proof)).toBe(false);
    expect(await a.verify(id, '2026-06-15T10:30:00Z', 1, leaf, proof)).toBe(false);
  });

  it('waits for the configured confirmations', async () => {
    const id = community();
    const a = ledger({ confirmations: 3 });
    let done = false;
    const commit = a.commitBatch(batchOf(id, 2).batch).finally(() => {
      done = true;
    });
    await waitFor(async () => (await a.getBatch(id, INTERVAL, 1)) !== undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(done).toBe(false);
    expect(a.confirmationsPending()).toBe(1);
    await chain.testClient.mine({ blocks: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(done).toBe(false);
    await chain.testClient.mine({ blocks: 1 });
    const receipt = await commit;
    expect((await chain.publicClient.getBlockNumber()) - receipt.blockNumber + 1n).toBeGreaterThanOrEqual(3n);
    expect(a.confirmationsPending()).toBe(0);
  });

  describe('crash between send and confirmation', () => {
    it('a second instance finishes the first one’s pending transaction (still in the pool) without a second commit', async () => {
      const id = community();
      const { batch } = batchOf(id, 5);
      const before = await signerNonce();
      await chain.testClient.setAutomine(false);
      try {
        // Instance A signs, records, broadcasts, then gives up (as if it crashed) before any block.
        await expect(ledger({ receiptTimeoutMs: 1_000 }).commitBatch(batch)).rejects.toMatchObject({
          code: 'LEDGER.CONFIRMATION_TIMEOUT',
        });
        const [pending] = await journal();
        expect(pending).toMatchObject({ status: 'pending', broadcast_count: 1 });
        // Instance B, a fresh process' adapter on the same database, picks it up.
        const b = ledger();
        const finishing = b.commitBatch(batch);
        await new Promise((r) => setTimeout(r, 300));
        await chain.testClient.mine({ blocks: 1 });
        const receipt = await finishing;
        expect(receipt.txHash).toBe(pending.tx_hash);
      } finally {
        await chain.testClient.setAutomine(true);
      }
      expect(await signerNonce()).toBe(before + 1);
      expect(await commitEvents(id)).toHaveLength(1);
      expect((await journal()).map((r) => r.status)).toEqual(['confirmed']);
    });

    it('re-broadcasts the same raw transaction when the node lost it', async () => {
      const id = community();
      const { batch } = batchOf(id, 4);
      const before = await signerNonce();
      await chain.testClient.setAutomine(false);
      let hash: Hex;
      try {
        await expect(ledger({ receiptTimeoutMs: 500 }).commitBatch(batch)).rejects.toMatchObject({
          code: 'LEDGER.CONFIRMATION_TIMEOUT',
        });
        hash = (await journal())[0].tx_hash as Hex;
        await chain.testClient.dropTransaction({ hash });
        await expect(chain.publicClient.getTransaction({ hash })).rejects.toThrow(/could not be found/);
      } finally {
        await chain.testClient.setAutomine(true);
      }
      const summary = await ledger().resumePending();
      expect(summary).toEqual({ confirmed: 1, dropped: 0, reverted: 0, stillPending: 0 });
      const rows = await journal();
      expect(rows).toEqual([{ status: 'confirmed', tx_hash: hash, broadcast_count: 2 }]);
      expect(await signerNonce()).toBe(before + 1);
      expect(await commitEvents(id)).toHaveLength(1);
      const again = await ledger().commitBatch(batch);
      expect(again).toMatchObject({ alreadyCommitted: true, txHash: hash });
    });

    it('broadcasts a transaction recorded just before a crash (never sent) with its recorded hash', async () => {
      const id = community();
      const { batch } = batchOf(id, 3);
      const signer = testClients(2);
      const args = [
        communityKeyOf(id),
        BigInt(Date.parse(INTERVAL) / 1000),
        1,
        batch.merkleRoot,
        3,
        batch.totalEnergyWh,
        batch.totalAmountCt,
      ] as const;
      const nonce = await signerNonce();
      const request = await signer.walletClient.prepareTransactionRequest({
        to: contract,
        data: encodeFunctionData({ abi: settlementLedgerAbi, functionName: 'commitBatch', args }),
        nonce,
        gas: 300_000n,
      });
      const raw = await signer.walletClient.signTransaction(request);
      const repo = new LedgerTransactionsRepository(ds, {
        chainId: testChainId(),
        contractAddress: contract,
        signerAddress: signer.account.address,
      });
      const rec = await repo.insertPending(ds.manager, {
        operationKey: `batch:${args[0]}:${args[1]}:1`,
        merkleRoot: batch.merkleRoot,
        nonce,
        txHash: keccak256(raw),
        rawTransaction: raw,
      });
      const receipt = await ledger().commitBatch(batch);
      expect(receipt.txHash).toBe(rec.txHash);
      expect(await signerNonce()).toBe(nonce + 1);
      expect(await commitEvents(id)).toHaveLength(1);
      expect(await journal()).toEqual([{ status: 'confirmed', tx_hash: rec.txHash, broadcast_count: 1 }]);
    });

    it('closes the record of a transaction that was mined while nobody waited', async () => {
      const id = community();
      const { batch } = batchOf(id, 2);
      // Instance A waits for 5 confirmations that never come (nobody mines), then "crashes".
      await expect(
        ledger({ confirmations: 5, receiptTimeoutMs: 500 }).commitBatch(batch),
      ).rejects.toMatchObject({
        code: 'LEDGER.CONFIRMATION_TIMEOUT',
      });
      const [pending] = await journal();
      expect(pending?.status).toBe('pending');
      const receipt = await ledger().commitBatch(batch);
      expect(receipt).toMatchObject({ alreadyCommitted: true, txHash: pending.tx_hash });
      expect((await journal()).map((r) => r.status)).toEqual(['confirmed']);
      expect(await commitEvents(id)).toHaveLength(1);
    });
  });

  it('records single microtransactions (one transaction each), idempotently', async () => {
    const id = community();
    const b = batchOf(id, 3);
    const a = ledger();
    const receipts = [];
    for (const leaf of b.leaves) receipts.push(await a.recordSingleTransaction(id, leaf));
    expect(new Set(receipts.map((r) => r.txHash)).size).toBe(3);
    for (const leaf of b.leaves) {
      const stored = await chain.publicClient.readContract({
        address: contract,
        abi: settlementLedgerAbi,
        functionName: 'recordedLeaf',
        args: [leaf[0]],
      });
      expect(stored).toBe(leafHashOf(leaf));
      expect(leafHashOf(leaf)).toBe(b.tree.leafHash([...leaf]));
    }
    const again = await a.recordSingleTransaction(id, b.leaves[1]);
    expect(again).toEqual({ ...receipts[1], alreadyCommitted: true });
    const l = b.leaves[1];
    await expect(
      a.recordSingleTransaction(id, [l[0], l[1], l[2], l[3], 1n, 1n, 1n, 0]),
    ).rejects.toMatchObject({ code: 'LEDGER.ALREADY_RECORDED' });
  });

  it('reports health: reachable, chain id, contract code', async () => {
    expect(await ledger().health()).toMatchObject({ ok: true, chainId: testChainId() });
    expect(await ledger({ chainId: 4242 }).health()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/chain id/),
    });
    expect(await ledger({ contractAddress: testClients(7).account.address }).health()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/no contract code/),
    });
    expect(await ledger({ rpcUrl: 'http://127.0.0.1:1' }).health()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/unreachable/),
    });
  });

  it('commitBatches: 250 communities of a quarter hour in 2 transactions, each readable; a retry commits nothing twice', async () => {
    const ids = Array.from({ length: 250 }, () => community());
    const batches = ids.map((id, i) => batchOf(id, 1 + (i % 5), 1, `m${i}`).batch);
    const a = ledger();
    const before = await signerNonce();
    const receipts = await a.commitBatches(batches);
    expect(await signerNonce()).toBe(before + 2); // 200 + 50
    expect(receipts).toHaveLength(250);
    expect(receipts.every((r) => !r.alreadyCommitted)).toBe(true);
    expect(new Set(receipts.map((r) => r.txHash)).size).toBe(2);
    for (const i of [0, 199, 200, 249]) {
      const b = batches[i];
      const onChain = await a.getBatch(b.communityId, b.intervalStart, 1);
      expect(onChain?.merkleRoot).toBe(b.merkleRoot);
      expect(onChain?.transactionCount).toBe(b.transactionCount);
      expect(onChain?.committedAtBlock).toBe(receipts[i]?.blockNumber);
    }
    // retry with one new community in the middle: the present ones are reported as already committed
    const extra = batchOf(community(), 3).batch;
    const again = await a.commitBatches([batches[0], extra, batches[249]], {
      maxPerTransaction: 50,
    });
    expect(again.map((r) => r.alreadyCommitted)).toEqual([true, false, true]);
    expect((await commitEvents(ids[0])).length).toBe(1);
    expect((await commitEvents(extra.communityId)).length).toBe(1);
  });

  it('commitBatches refuses other content for a committed batch and duplicates, before signing', async () => {
    const id = community();
    const a = ledger();
    await a.commitBatch(batchOf(id, 4).batch);
    const before = await signerNonce();
    await expect(
      a.commitBatches([batchOf(community(), 2).batch, batchOf(id, 4, 1, 'other').batch]),
    ).rejects.toMatchObject({ code: 'LEDGER.ALREADY_RECORDED' });
    const dup = batchOf(community(), 1).batch;
    await expect(a.commitBatches([dup, dup])).rejects.toMatchObject({ code: 'LEDGER.INVALID_BATCH' });
    expect(await signerNonce()).toBe(before);
  });

  it('refuses to commit against the wrong chain or no contract', async () => {
    await expect(ledger({ chainId: 4242 }).commitBatch(batchOf(community(), 1).batch)).rejects.toMatchObject({
      code: 'LEDGER.CHAIN_MISMATCH',
    });
    await expect(
      ledger({ contractAddress: testClients(7).account.address }).commitBatch(batchOf(community(), 1).batch),
    ).rejects.toMatchObject({ code: 'LEDGER.NO_CONTRACT' });
  });

  it('gives up with LEDGER.RPC_UNAVAILABLE after bounded retries when the endpoint is down', async () => {
    const retries: string[] = [];
    const a = ledger({
      rpcUrl: 'http://127.0.0.1:1',
      rpcRetries: 2,
      metrics: { onRpcRetry: (w) => retries.push(w) },
    });
    await expect(a.commitBatch(batchOf(community(), 1).batch)).rejects.toMatchObject({
      code: 'LEDGER.RPC_UNAVAILABLE',
    });
    expect(retries).toEqual(['getChainId', 'getChainId']);
  });
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
