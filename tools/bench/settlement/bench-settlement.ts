/**
 * `npm run bench:settlement`: prints ONE JSON object.
 *  (a) batched path: microtransactions of synthetic communities (allocated by @gridwerk/settlement/domain),
 *      one Merkle batch per (community, interval) built with `buildBatchTree` and committed through
 *      `EvmSettlementLedger.commitBatch` — one on-chain transaction per batch;
 *  (b) per-transaction path: microtransactions of the same kind, each through
 *      `EvmSettlementLedger.recordSingleTransaction` — one on-chain transaction each;
 *  both on the same local EVM node, with the same adapter (journal in PostgreSQL, confirmations, nonces),
 *  so the ratio `speedup` is the batching gain alone; gas per microtransaction of each path from receipts;
 *  (c) allocation throughput in member-intervals per second for 100 communities × 50 members × 96 quarter hours.
 * A batch holds all microtransactions of one (community, interval), so its size is set by the community:
 * `--batch-members` (default 200 members, about 250 microtransactions per interval; 50 members give
 * about 50, and the gain scales with that number). The JSON states the size used.
 * Flags: see FLAGS (`--help`).
 */
import { DataSource } from 'typeorm';
import {
  allocateInterval,
  buildBatchTree,
  leafOf,
  measureAllocation,
  syntheticIntervalInputs,
  type IntervalInput,
  type Microtransaction,
} from '@gridwerk/settlement/domain';
import {
  deploySettlementLedgerContract,
  EvmSettlementLedger,
  ledgerEvmMigrations,
} from '@gridwerk/settlement/ledger-evm';
import {
  dropDatabase,
  ensureDatabase,
  postgresDataSourceOptions,
} from '@gridwerk/shared/data-access-database';
import {
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  type FlagTable,
  helpText,
  integerFlag,
  parseCommandLine,
  UsageError,
} from '@gridwerk/shared/util-config';
import { loadInfraConfig } from '../../infra/infra-config';
import { DEV_ONLY_ACCOUNTS, evmNodeRpcUrl, startEvmNode, stopEvmNode } from '../../infra/evm-node';

const FLAGS = {
  batches: {
    kind: 'value',
    arg: 'N',
    help: '(community, interval) batches committed on chain through the batched path (default 96)',
  },
  'batch-members': {
    kind: 'value',
    arg: 'N',
    help: "members of the community whose intervals are batched (default 200); a batch holds\nthat interval's microtransactions (allocations + residual grid supply + surplus)",
  },
  singles: {
    kind: 'value',
    arg: 'N',
    help: 'microtransactions sent one on-chain transaction each (default 1000)',
  },
  communities: { kind: 'value', arg: 'N', help: 'allocation throughput: communities (default 100)' },
  members: { kind: 'value', arg: 'N', help: 'allocation throughput: members per community (default 50)' },
  intervals: { kind: 'value', arg: 'N', help: 'allocation throughput: quarter hours (default 96)' },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const satisfies FlagTable;

const HELP = helpText({
  usage: 'Usage: npm run bench:settlement -- [options]',
  flags: FLAGS,
  footer: `Starts the local EVM node (EVM_NODE_PORT) unless ours runs, uses a throw-away database on TEST_DATABASE_URL's
server, prints one JSON object. Exit 0 ok, 2 bad flags, 1 failure.`,
});

/** Intervals of one synthetic day that carry community transactions (daylight), as bench batches. */
function batchInputs(count: number, members: number): IntervalInput[] {
  const days = Math.ceil(count / 40) + 1;
  const inputs = syntheticIntervalInputs({ communities: 1, members, intervals: 96 * days, seed: 7 });
  const withTx = inputs.filter((i) => allocateInterval(i).transactions.length > 0);
  if (withTx.length < count) throw new Error(`only ${withTx.length} intervals with transactions`);
  return withTx.slice(0, count);
}

async function main(): Promise<number> {
  const { flags } = parseCommandLine(process.argv.slice(2), FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${HELP}\n`);
    return EXIT_OK;
  }
  const nBatches = integerFlag('batches', flags.batches, { min: 1, max: 10_000, fallback: 96 });
  const nSingles = integerFlag('singles', flags.singles, { min: 1, max: 100_000, fallback: 1000 });
  const batchMembers = integerFlag('batch-members', flags['batch-members'], {
    min: 1,
    max: 5_000,
    fallback: 200,
  });
  const alloc = {
    communities: integerFlag('communities', flags.communities, { min: 1, max: 10_000, fallback: 100 }),
    members: integerFlag('members', flags.members, { min: 1, max: 1_000, fallback: 50 }),
    intervals: integerFlag('intervals', flags.intervals, { min: 1, max: 96 * 366, fallback: 96 }),
  };

  const progress = (m: string): void => {
    process.stderr.write(`${m}\n`);
  };
  const cfg = loadInfraConfig();
  const node = await startEvmNode(cfg, progress);
  const dbUrl = new URL(cfg.testDatabaseUrl);
  dbUrl.pathname = `/gridwerk_test_bench_settlement_${process.pid}`;
  await ensureDatabase(dbUrl.toString());
  const ds = new DataSource(
    postgresDataSourceOptions({
      url: dbUrl.toString(),
      applicationName: 'bench-settlement',
      migrations: ledgerEvmMigrations,
    }),
  );
  try {
    await ds.initialize();
    await ds.runMigrations();
    const rpcUrl = evmNodeRpcUrl(cfg);
    const signer = DEV_ONLY_ACCOUNTS[3];
    if (!signer) throw new Error('no dev account');
    const { address } = await deploySettlementLedgerContract({
      rpcUrl,
      chainId: cfg.evmChainId,
      deployerKey: signer.privateKey,
    });
    const ledger = new EvmSettlementLedger({
      rpcUrl,
      chainId: cfg.evmChainId,
      contractAddress: address,
      signerKey: signer.privateKey,
      dataSource: ds,
      pollIntervalMs: 20,
    });
    // A run id keeps the bench's communities apart from earlier runs on a persistent node.
    const run = `${Date.now().toString(36)}`;

    // (a) batched: allocation is not timed here (it is (c)); tree building and commit are.
    const inputs = batchInputs(nBatches, batchMembers);
    const allocations = inputs.map((i) => ({
      input: i,
      transactions: allocateInterval(i).transactions,
    }));
    progress(
      `batched: ${nBatches} batches, ${allocations.reduce((s, a) => s + a.transactions.length, 0)} microtransactions`,
    );
    let batchedTx = 0;
    let batchedGas = 0n;
    const t0 = process.hrtime.bigint();
    for (const a of allocations) {
      const communityId = `bench-${run}-${a.input.terms.communityId}`;
      const tree = buildBatchTree(
        communityId,
        a.input.intervalStart,
        1,
        a.transactions,
        a.input.terms.partySalt,
      );
      const receipt = await ledger.commitBatch(tree.batch);
      if (receipt.alreadyCommitted) throw new Error('bench batch was already on chain');
      batchedTx += a.transactions.length;
      batchedGas += receipt.gasUsed;
    }
    const batchedS = Number(process.hrtime.bigint() - t0) / 1e9;

    // (b) per transaction: the same kind of microtransactions (from the same allocations), one each.
    const singles: { communityId: string; tx: Microtransaction; salt: `0x${string}` }[] = [];
    for (const a of allocations) {
      for (const tx of a.transactions) {
        if (singles.length < nSingles) {
          singles.push({
            communityId: `bench-${run}-single-${a.input.terms.communityId}`,
            tx: { ...tx, transactionId: `${run}-${tx.transactionId}` },
            salt: a.input.terms.partySalt,
          });
        }
      }
    }
    if (singles.length < nSingles)
      progress(`per-transaction: only ${singles.length} microtransactions available`);
    progress(`per-transaction: ${singles.length} microtransactions`);
    let singleGas = 0n;
    const t1 = process.hrtime.bigint();
    for (const s of singles) {
      const receipt = await ledger.recordSingleTransaction(s.communityId, leafOf(s.tx, s.salt));
      singleGas += receipt.gasUsed;
    }
    const singleS = Number(process.hrtime.bigint() - t1) / 1e9;

    // (c) allocation throughput
    progress(`allocation: ${alloc.communities} × ${alloc.members} × ${alloc.intervals}`);
    const allocInputs = syntheticIntervalInputs({ ...alloc, seed: 42 });
    const allocation = measureAllocation(allocInputs);

    const batchedPerS = batchedTx / batchedS;
    const singlePerS = singles.length / singleS;
    const batchedGasPerTx = Number(batchedGas) / batchedTx;
    const singleGasPerTx = Number(singleGas) / singles.length;
    const result = {
      bench: 'settlement',
      node: { kind: 'anvil', chainId: cfg.evmChainId, rpcUrl },
      batched: {
        batches: allocations.length,
        membersPerCommunity: batchMembers,
        microtransactions: batchedTx,
        avgMicrotransactionsPerBatch: Math.round((batchedTx / allocations.length) * 10) / 10,
        seconds: round(batchedS, 3),
        microtransactionsPerS: Math.round(batchedPerS),
        gasPerMicrotransaction: Math.round(batchedGasPerTx),
      },
      perTransaction: {
        microtransactions: singles.length,
        seconds: round(singleS, 3),
        microtransactionsPerS: round(singlePerS, 1),
        gasPerMicrotransaction: Math.round(singleGasPerTx),
      },
      speedup: round(batchedPerS / singlePerS, 1),
      gasRatio: round(singleGasPerTx / batchedGasPerTx, 1),
      targets: {
        speedupAtLeast50: batchedPerS / singlePerS >= 50,
        batchedGasAtMostOneFiftieth: batchedGasPerTx * 50 <= singleGasPerTx,
      },
      allocation: {
        communities: alloc.communities,
        members: alloc.members,
        intervals: alloc.intervals,
        memberIntervals: allocation.memberIntervals,
        transactions: allocation.transactions,
        seconds: round(allocation.seconds, 3),
        memberIntervalsPerS: allocation.memberIntervalsPerS,
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return EXIT_OK;
  } finally {
    await ds.destroy().catch(() => undefined);
    await dropDatabase(dbUrl.toString()).catch(() => undefined);
    if (node.started) await stopEvmNode(cfg, progress);
  }
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message} (--help for usage)\n`);
      process.exit(EXIT_USAGE);
    }
    process.stderr.write(
      `bench:settlement: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(EXIT_FAILURE);
  },
);
