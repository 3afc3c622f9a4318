import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  encodeDeployData,
  getContract,
  keccak256,
  RpcRequestError,
  toBytes,
  zeroAddress,
  type Hex,
} from 'viem';
import {
  deploySettlementLedgerContract,
  settlementLedgerAbi,
  settlementLedgerBytecode,
} from './settlement-ledger.contract';
import { toMicroTransaction } from './leaf';
import { devKey, sampleBatch, testChainId, testClients, testRpcUrl } from './testing/test-chain';

/** Every function of SettlementLedger.sol, its success and each of its reverts, on the real node. */

const ZERO32: Hex = `0x${'0'.repeat(64)}`;
const OPERATOR_ROLE = keccak256(toBytes('OPERATOR_ROLE'));
const DEFAULT_ADMIN_ROLE = ZERO32;
/** merkle-tree types hashes as plain strings. */
const hx = (s: string): Hex => s as Hex;

async function revertName(
  p: Promise<unknown>,
): Promise<{ name: string | undefined; args: readonly unknown[] }> {
  try {
    await p;
  } catch (err) {
    const r = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (r instanceof ContractFunctionRevertedError)
      return { name: r.data?.errorName, args: r.data?.args ?? [] };
    throw err;
  }
  throw new Error('expected a revert, the call succeeded');
}

describe('SettlementLedger.sol (real EVM node)', () => {
  const owner = testClients(0);
  const stranger = testClients(1);
  let address: Hex;
  let run = 0;
  /** A fresh community per test, so tests never share interval state. */
  const community = () => keccak256(toBytes(`contract-test-${Date.now()}-${run++}`));
  const IS = 1_780_000_200n; // a quarter hour (multiple of 900)

  beforeAll(async () => {
    const deployed = await deploySettlementLedgerContract({
      rpcUrl: testRpcUrl(),
      chainId: testChainId(),
      deployerKey: devKey(0),
    });
    address = deployed.address;
  });

  const contract = () => getContract({ address, abi: settlementLedgerAbi, client: owner.publicClient });

  async function commit(
    who: ReturnType<typeof testClients>,
    args: readonly [Hex, bigint, number, Hex, number, bigint, bigint],
  ) {
    const { request } = await who.publicClient.simulateContract({
      address,
      abi: settlementLedgerAbi,
      functionName: 'commitBatch',
      args,
      account: who.account,
    });
    const hash = await who.walletClient.writeContract(request);
    return who.publicClient.waitForTransactionReceipt({ hash });
  }

  const simulateCommit = (who: ReturnType<typeof testClients>, args: readonly unknown[]) =>
    who.publicClient.simulateContract({
      address,
      abi: settlementLedgerAbi,
      functionName: 'commitBatch',
      args: args as never,
      account: who.account,
    });

  describe('constructor', () => {
    it('grants DEFAULT_ADMIN_ROLE and OPERATOR_ROLE', async () => {
      expect(await contract().read.hasRole([DEFAULT_ADMIN_ROLE, owner.account.address])).toBe(true);
      expect(await contract().read.hasRole([OPERATOR_ROLE, owner.account.address])).toBe(true);
      expect(await contract().read.hasRole([OPERATOR_ROLE, stranger.account.address])).toBe(false);
    });

    it('reverts ZeroAddress for a zero admin or operator', async () => {
      for (const args of [
        [zeroAddress, owner.account.address],
        [owner.account.address, zeroAddress],
      ] as const) {
        let data: Hex | undefined;
        try {
          await owner.publicClient.call({
            account: owner.account,
            data: encodeDeployData({ abi: settlementLedgerAbi, bytecode: settlementLedgerBytecode, args }),
          });
        } catch (err) {
          // The node returns the revert data of the custom error on the innermost RPC error.
          const rpcErr = err instanceof BaseError ? err.walk((e) => e instanceof RpcRequestError) : null;
          const d = rpcErr instanceof RpcRequestError ? (rpcErr as { data?: unknown }).data : undefined;
          data = typeof d === 'string' ? (d as Hex) : undefined;
        }
        if (data === undefined) throw new Error('the constructor did not revert with data');
        expect(decodeErrorResult({ abi: settlementLedgerAbi, data }).errorName).toBe('ZeroAddress');
      }
      // The deployment itself, sent: its receipt says reverted.
      const hash = await owner.walletClient.deployContract({
        abi: settlementLedgerAbi,
        bytecode: settlementLedgerBytecode,
        args: [zeroAddress, owner.account.address],
        gas: 3_000_000n,
      });
      const receipt = await owner.publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe('reverted');
    });
  });

  describe('commitBatch', () => {
    it('stores root, count, totals and block, emits BatchCommitted, and accepts the next version', async () => {
      const ck = community();
      const b = sampleBatch('c', new Date(Number(IS) * 1000).toISOString(), 5);
      const receipt = await commit(owner, [ck, IS, 1, b.root, 5, b.totalEnergyWh, b.totalAmountCt]);
      expect(receipt.status).toBe('success');
      const stored = await contract().read.getBatch([ck, IS, 1]);
      expect(stored).toEqual({
        merkleRoot: b.root,
        transactionCount: 5,
        committedAtBlock: receipt.blockNumber,
        totalEnergyWh: b.totalEnergyWh,
        totalAmountCt: b.totalAmountCt,
      });
      const events = await owner.publicClient.getContractEvents({
        address,
        abi: settlementLedgerAbi,
        eventName: 'BatchCommitted',
        args: { communityKey: ck },
        fromBlock: receipt.blockNumber,
        toBlock: receipt.blockNumber,
      });
      expect(events).toHaveLength(1);
      expect(events[0]?.args).toEqual({
        communityKey: ck,
        intervalStart: IS,
        version: 1,
        merkleRoot: b.root,
        transactionCount: 5,
        totalEnergyWh: b.totalEnergyWh,
        totalAmountCt: b.totalAmountCt,
        committer: owner.account.address,
      });
      const v2 = sampleBatch('c', new Date(Number(IS) * 1000).toISOString(), 2, 'v2');
      await commit(owner, [ck, IS, 2, v2.root, 2, v2.totalEnergyWh, v2.totalAmountCt]);
      expect((await contract().read.getBatch([ck, IS, 2])).transactionCount).toBe(2);
      // Version 1 is untouched by version 2.
      expect(((await contract().read.getBatch([ck, IS, 1])) as { merkleRoot: Hex }).merkleRoot).toBe(b.root);
    });

    it('accepts an empty batch (zero root, zero totals)', async () => {
      const ck = community();
      const receipt = await commit(owner, [ck, IS, 1, ZERO32, 0, 0n, 0n]);
      expect(receipt.status).toBe('success');
      expect(
        ((await contract().read.getBatch([ck, IS, 1])) as { committedAtBlock: bigint }).committedAtBlock,
      ).toBe(receipt.blockNumber);
    });

    it('reverts AccessControlUnauthorizedAccount for an account without OPERATOR_ROLE', async () => {
      const r = await revertName(
        simulateCommit(stranger, [community(), IS, 1, keccak256('0x01'), 1, 1n, 1n]),
      );
      expect(r.name).toBe('AccessControlUnauthorizedAccount');
      expect(r.args).toEqual([stranger.account.address, OPERATOR_ROLE]);
    });

    it('reverts BatchAlreadyCommitted for a duplicate version', async () => {
      const ck = community();
      await commit(owner, [ck, IS, 1, keccak256('0x01'), 1, 1n, 1n]);
      const r = await revertName(simulateCommit(owner, [ck, IS, 1, keccak256('0x01'), 1, 1n, 1n]));
      expect(r).toEqual({ name: 'BatchAlreadyCommitted', args: [ck, IS, 1] });
    });

    it('reverts VersionOutOfOrder for a gap or version 0', async () => {
      const ck = community();
      expect(await revertName(simulateCommit(owner, [ck, IS, 2, keccak256('0x01'), 1, 1n, 1n]))).toEqual({
        name: 'VersionOutOfOrder',
        args: [ck, IS, 2],
      });
      expect((await revertName(simulateCommit(owner, [ck, IS, 0, keccak256('0x01'), 1, 1n, 1n]))).name).toBe(
        'VersionOutOfOrder',
      );
      await commit(owner, [ck, IS, 1, keccak256('0x01'), 1, 1n, 1n]);
      expect(await revertName(simulateCommit(owner, [ck, IS, 3, keccak256('0x03'), 1, 1n, 1n]))).toEqual({
        name: 'VersionOutOfOrder',
        args: [ck, IS, 3],
      });
    });

    it('reverts IntervalNotQuarterHour for an unaligned interval', async () => {
      const r = await revertName(
        simulateCommit(owner, [community(), IS + 60n, 1, keccak256('0x01'), 1, 1n, 1n]),
      );
      expect(r).toEqual({ name: 'IntervalNotQuarterHour', args: [IS + 60n] });
    });

    it('reverts InconsistentBatch when root, count and totals do not fit', async () => {
      for (const args of [
        [community(), IS, 1, keccak256('0x01'), 0, 0n, 0n], // empty with a root
        [community(), IS, 1, ZERO32, 0, 5n, 0n], // empty with energy
        [community(), IS, 1, ZERO32, 0, 0n, 5n], // empty with money
        [community(), IS, 1, ZERO32, 3, 5n, 5n], // leaves without a root
      ]) {
        expect((await revertName(simulateCommit(owner, args))).name).toBe('InconsistentBatch');
      }
    });
  });

  describe('commitBatches', () => {
    const input = (ck: Hex, version: number, root: Hex, count = 1) => ({
      communityKey: ck,
      intervalStart: IS,
      version,
      merkleRoot: root,
      transactionCount: count,
      totalEnergyWh: BigInt(count),
      totalAmountCt: BigInt(count),
    });
    const simulateMany = (who: ReturnType<typeof testClients>, batches: ReturnType<typeof input>[]) =>
      who.publicClient.simulateContract({
        address,
        abi: settlementLedgerAbi,
        functionName: 'commitBatches',
        args: [batches],
        account: who.account,
      });
    async function commitMany(batches: ReturnType<typeof input>[]) {
      const { request, result } = await simulateMany(owner, batches);
      const hash = await owner.walletClient.writeContract(request);
      const receipt = await owner.publicClient.waitForTransactionReceipt({ hash });
      return { result, receipt };
    }

    it('commits many communities in one transaction, one BatchCommitted each, and skips identical ones', async () => {
      const cks = Array.from({ length: 30 }, () => community());
      const { result, receipt } = await commitMany(
        cks.map((ck, i) => input(ck, 1, keccak256(toBytes(`r${i}`)))),
      );
      expect(result).toBe(30n);
      expect(receipt.status).toBe('success');
      for (const [i, ck] of cks.entries()) {
        const stored = await contract().read.getBatch([ck, IS, 1]);
        expect(stored.merkleRoot).toBe(keccak256(toBytes(`r${i}`)));
        expect(stored.committedAtBlock).toBe(receipt.blockNumber);
      }
      const events = await owner.publicClient.getContractEvents({
        address,
        abi: settlementLedgerAbi,
        eventName: 'BatchCommitted',
        fromBlock: receipt.blockNumber,
        toBlock: receipt.blockNumber,
      });
      expect(events).toHaveLength(30);
      // a retry with one new batch: the 2 present are skipped (no event), the new one committed
      const fresh = community();
      const again = await commitMany([
        input(cks[0], 1, keccak256(toBytes('r0'))),
        input(fresh, 1, keccak256(toBytes('new'))),
        input(cks[1], 1, keccak256(toBytes('r1'))),
      ]);
      expect(again.result).toBe(1n);
      const evs = await owner.publicClient.getContractEvents({
        address,
        abi: settlementLedgerAbi,
        eventName: 'BatchCommitted',
        fromBlock: again.receipt.blockNumber,
        toBlock: again.receipt.blockNumber,
      });
      expect(evs.map((e) => e.args.communityKey)).toEqual([fresh]);
    });

    it('reverts BatchAlreadyCommitted when a present batch comes with other content, committing none', async () => {
      const ck = community();
      await commit(owner, [ck, IS, 1, keccak256('0x01'), 1, 1n, 1n]);
      const other = community();
      const r = await revertName(
        simulateMany(owner, [input(other, 1, keccak256('0x02')), input(ck, 1, keccak256('0x09'))]),
      );
      expect(r).toEqual({ name: 'BatchAlreadyCommitted', args: [ck, IS, 1] });
      expect((await contract().read.getBatch([other, IS, 1])).committedAtBlock).toBe(0n);
    });

    it('checks each batch as commitBatch does (VersionOutOfOrder, InconsistentBatch)', async () => {
      const ck = community();
      expect((await revertName(simulateMany(owner, [input(ck, 2, keccak256('0x01'))]))).name).toBe(
        'VersionOutOfOrder',
      );
      expect((await revertName(simulateMany(owner, [input(community(), 1, ZERO32)]))).name).toBe(
        'InconsistentBatch',
      );
      // versions 1 and 2 of one interval in one call: in order, both committed
      const { result } = await commitMany([input(ck, 1, keccak256('0x01')), input(ck, 2, keccak256('0x02'))]);
      expect(result).toBe(2n);
    });

    it('reverts BatchCountOutOfRange for no batch or more than MAX_BATCHES_PER_CALL', async () => {
      const max = await contract().read.MAX_BATCHES_PER_CALL();
      expect(max).toBe(200n);
      expect(await revertName(simulateMany(owner, []))).toEqual({ name: 'BatchCountOutOfRange', args: [0n] });
      const tooMany = Array.from({ length: 201 }, (_, i) =>
        input(community(), 1, keccak256(toBytes(`m${i}`))),
      );
      expect(await revertName(simulateMany(owner, tooMany))).toEqual({
        name: 'BatchCountOutOfRange',
        args: [201n],
      });
    });

    it('reverts AccessControlUnauthorizedAccount for an account without OPERATOR_ROLE', async () => {
      const r = await revertName(simulateMany(stranger, [input(community(), 1, keccak256('0x01'))]));
      expect(r.name).toBe('AccessControlUnauthorizedAccount');
    });
  });

  describe('verify and verifyTransaction', () => {
    it('prove a real leaf against the stored root, refuse tampered leaves, unknown batches, long proofs', async () => {
      const ck = community();
      const iso = new Date(Number(IS) * 1000).toISOString();
      const b = sampleBatch('v', iso, 7);
      await commit(owner, [ck, IS, 1, b.root, 7, b.totalEnergyWh, b.totalAmountCt]);
      for (let i = 0; i < b.leaves.length; i++) {
        const leaf = b.leaves[i];
        const proof = b.tree.getProof(i) as Hex[];
        expect(await contract().read.leafHash([toMicroTransaction(leaf)])).toBe(b.tree.leafHash([...leaf]));
        expect(await contract().read.verify([ck, IS, 1, hx(b.tree.leafHash([...leaf])), proof])).toBe(true);
        expect(await contract().read.verifyTransaction([ck, 1, toMicroTransaction(leaf), proof])).toBe(true);
      }
      const leaf = b.leaves[3];
      const proof = b.tree.getProof(3) as Hex[];
      const tampered = { ...toMicroTransaction(leaf), energyWh: leaf[4] + 1n };
      expect(await contract().read.verifyTransaction([ck, 1, tampered, proof])).toBe(false);
      expect(
        await contract().read.verifyTransaction([
          ck,
          1,
          { ...toMicroTransaction(leaf), direction: 1 },
          proof,
        ]),
      ).toBe(false);
      expect(await contract().read.verifyTransaction([ck, 2, toMicroTransaction(leaf), proof])).toBe(false); // no v2
      expect(await contract().read.verify([community(), IS, 1, hx(b.tree.leafHash([...leaf])), proof])).toBe(
        false,
      );
      const long = Array.from({ length: 65 }, () => keccak256('0x02'));
      const r = await revertName(contract().read.verify([ck, IS, 1, hx(b.tree.leafHash([...leaf])), long]));
      expect(r).toEqual({ name: 'ProofTooLong', args: [65n] });
    });

    it('returns false for an empty batch', async () => {
      const ck = community();
      await commit(owner, [ck, IS, 1, ZERO32, 0, 0n, 0n]);
      expect(await contract().read.verify([ck, IS, 1, ZERO32, []])).toBe(false);
    });
  });

  describe('recordTransaction (per-microtransaction path)', () => {
    const record = async (
      who: ReturnType<typeof testClients>,
      ck: Hex,
      tx: ReturnType<typeof toMicroTransaction>,
    ) => {
      const { request } = await who.publicClient.simulateContract({
        address,
        abi: settlementLedgerAbi,
        functionName: 'recordTransaction',
        args: [ck, tx],
        account: who.account,
      });
      return who.publicClient.waitForTransactionReceipt({
        hash: await who.walletClient.writeContract(request),
      });
    };
    const simulateRecord = (
      who: ReturnType<typeof testClients>,
      ck: Hex,
      tx: ReturnType<typeof toMicroTransaction>,
    ) =>
      who.publicClient.simulateContract({
        address,
        abi: settlementLedgerAbi,
        functionName: 'recordTransaction',
        args: [ck, tx],
        account: who.account,
      });

    it('stores the leaf hash under the transaction key and emits TransactionRecorded', async () => {
      const ck = community();
      const b = sampleBatch(`single-${run}`, new Date(Number(IS) * 1000).toISOString(), 1);
      const tx = toMicroTransaction(b.leaves[0]);
      const receipt = await record(owner, ck, tx);
      expect(await contract().read.recordedLeaf([tx.transactionKey])).toBe(b.tree.leafHash([...b.leaves[0]]));
      const events = await owner.publicClient.getContractEvents({
        address,
        abi: settlementLedgerAbi,
        eventName: 'TransactionRecorded',
        args: { transactionKey: tx.transactionKey },
        fromBlock: receipt.blockNumber,
        toBlock: receipt.blockNumber,
      });
      expect(events.map((e) => e.args)).toEqual([
        {
          communityKey: ck,
          transactionKey: tx.transactionKey,
          intervalStart: IS,
          leaf: b.tree.leafHash([...b.leaves[0]]),
          committer: owner.account.address,
        },
      ]);
      expect(await revertName(simulateRecord(owner, ck, tx))).toEqual({
        name: 'TransactionAlreadyRecorded',
        args: [tx.transactionKey],
      });
    });

    it('reverts for a stranger, an invalid direction and an unaligned interval', async () => {
      const ck = community();
      const tx = toMicroTransaction(
        sampleBatch(`single-r-${run}`, new Date(Number(IS) * 1000).toISOString(), 1).leaves[0],
      );
      expect((await revertName(simulateRecord(stranger, ck, tx))).name).toBe(
        'AccessControlUnauthorizedAccount',
      );
      expect(await revertName(simulateRecord(owner, ck, { ...tx, direction: 2 }))).toEqual({
        name: 'InvalidDirection',
        args: [2],
      });
      expect(await revertName(simulateRecord(owner, ck, { ...tx, intervalStart: IS + 1n }))).toEqual({
        name: 'IntervalNotQuarterHour',
        args: [IS + 1n],
      });
    });
  });

  describe('roles (AccessControl)', () => {
    it('lets the admin grant and revoke OPERATOR_ROLE, with events; a stranger cannot grant', async () => {
      const grant = await owner.walletClient.writeContract({
        address,
        abi: settlementLedgerAbi,
        functionName: 'grantRole',
        args: [OPERATOR_ROLE, stranger.account.address],
      });
      const grantReceipt = await owner.publicClient.waitForTransactionReceipt({ hash: grant });
      const granted = await owner.publicClient.getContractEvents({
        address,
        abi: settlementLedgerAbi,
        eventName: 'RoleGranted',
        fromBlock: grantReceipt.blockNumber,
        toBlock: grantReceipt.blockNumber,
      });
      expect(granted[0]?.args).toEqual({
        role: OPERATOR_ROLE,
        account: stranger.account.address,
        sender: owner.account.address,
      });
      const ck = community();
      expect((await commit(stranger, [ck, IS, 1, keccak256('0x01'), 1, 1n, 1n])).status).toBe('success');
      await owner.publicClient.waitForTransactionReceipt({
        hash: await owner.walletClient.writeContract({
          address,
          abi: settlementLedgerAbi,
          functionName: 'revokeRole',
          args: [OPERATOR_ROLE, stranger.account.address],
        }),
      });
      expect(
        (await revertName(simulateCommit(stranger, [ck, IS, 2, keccak256('0x01'), 1, 1n, 1n]))).name,
      ).toBe('AccessControlUnauthorizedAccount');
      const r = await revertName(
        stranger.publicClient.simulateContract({
          address,
          abi: settlementLedgerAbi,
          functionName: 'grantRole',
          args: [OPERATOR_ROLE, stranger.account.address],
          account: stranger.account,
        }),
      );
      expect(r.name).toBe('AccessControlUnauthorizedAccount');
    });
  });
});
