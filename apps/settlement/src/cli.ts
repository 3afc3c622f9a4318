/**
 * Settlement CLI: `npm run settlement -- <command> [flags]` (compiled: `node dist/apps/settlement/cli.js`).
 * Thin: flags → typed input → the settlement libs → print. Results go to stdout, errors to stderr.
 * Exit codes: 0 ok, 2 usage/input/config error, 3 partial (a proof that does not verify), 1 failure.
 */
import fs from 'node:fs';
import type { Hex } from 'viem';
import { isAddress } from 'viem';
import {
  CommunityRepository,
  createSettlementPool,
  runSettlementMigrations,
  SettlementDataError,
  SettlementRepository,
} from '@gridwerk/settlement/data-access';
import { ALLOCATION_KEY_KINDS, SettlementDomainError } from '@gridwerk/settlement/domain';
import { parseKeysCsv, parseMembersCsv, type CsvProblem } from '@gridwerk/settlement/feature';
import {
  deploySettlementLedgerContract,
  LedgerError,
  ledgerEvmMigrations,
  ledgerSignerKey,
  verifyTransactionOnChain,
} from '@gridwerk/settlement/ledger-evm';
import {
  choiceFlag,
  type CliIo,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_PARTIAL,
  EXIT_USAGE,
  type Env,
  type FlagTable,
  helpText,
  integerFlag,
  parseCommandLine,
  runCliProcess,
  runCommandLineTool,
  UsageError,
} from '@gridwerk/shared/util-config';
import { loadSettlementCliConfig, type SettlementCliConfig } from './config/cli.config';

export type { CliIo } from '@gridwerk/shared/util-config';

const ENVIRONMENT = `Environment: DATABASE_URL (settlement database), EVM_RPC_URL, EVM_CHAIN_ID, SETTLEMENT_CONTRACT_ADDRESS,
SETTLEMENT_SIGNER_KEY_FILE or (dev only) SETTLEMENT_DEV_SIGNER=true, EVM_CONFIRMATIONS: see apps/settlement/README.md.`;

const QUARTER = /^\d{4}-\d{2}-\d{2}T\d{2}:(00|15|30|45):00(\.0+)?Z$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const COMMUNITY = /^[A-Za-z0-9][A-Za-z0-9._-]{1,39}$/;

function required(flag: string, v: string | undefined, re?: RegExp, what?: string): string {
  if (v === undefined) throw new UsageError(`--${flag} is required`);
  if (re && !re.test(v)) throw new UsageError(`--${flag} must be ${what ?? re.source}, got "${v}"`);
  return v;
}

function optionalMatch(flag: string, v: string | undefined, re: RegExp, what: string): string | undefined {
  if (v !== undefined && !re.test(v)) throw new UsageError(`--${flag} must be ${what}, got "${v}"`);
  return v;
}

const json = (v: unknown) =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2);

interface Command<T extends FlagTable> {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly flags: T;
  readonly positionals?: boolean;
  run(
    flags: ReturnType<typeof parseCommandLine<T>>,
    config: () => SettlementCliConfig,
    io: CliIo,
  ): Promise<number>;
}

const HELP_FLAG = { help: { kind: 'boolean', short: 'h', help: 'this help' } } as const;
const JSON_FLAG = { json: { kind: 'boolean', help: 'print the result as JSON' } } as const;
const ACTOR_FLAG = {
  actor: {
    kind: 'value',
    arg: 'NAME',
    help: 'who makes the change, for the audit trail (default: $USER, else "cli")',
  },
} as const;

async function withRepos<T>(
  c: SettlementCliConfig,
  fn: (r: { communities: CommunityRepository; settlement: SettlementRepository }) => Promise<T>,
): Promise<T> {
  const pool = createSettlementPool(c.databaseUrl, 2, 'gridwerk-settlement-cli');
  try {
    return await fn({
      communities: new CommunityRepository(pool),
      settlement: new SettlementRepository(pool),
    });
  } finally {
    await pool.end();
  }
}

function printProblems(io: CliIo, file: string, problems: readonly CsvProblem[]): number {
  for (const p of problems) io.err(`${file}:${p.line}: ${p.column}: ${p.message}`);
  io.err(`error: ${problems.length} problem(s) in ${file}; nothing was imported`);
  return EXIT_USAGE;
}

function readFile(flag: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

const actorOf = (v: string | undefined, c: SettlementCliConfig) => v ?? c.user;

function commands() {
  const migrate: Command<typeof HELP_FLAG> = {
    name: 'migrate',
    summary: 'apply the settlement migrations (tables, outbox, ledger journal)',
    usage: 'Usage: npm run settlement -- migrate',
    flags: HELP_FLAG,
    async run(_f, config, io) {
      const ran = await runSettlementMigrations(
        config().databaseUrl,
        ledgerEvmMigrations,
        'gridwerk-settlement-cli',
      );
      io.out(ran.length === 0 ? 'settlement migrations: up to date' : `applied: ${ran.join(', ')}`);
      return EXIT_OK;
    },
  };

  const deployFlags = {
    admin: { kind: 'value', arg: 'ADDRESS', help: 'holder of DEFAULT_ADMIN_ROLE (default: the signer)' },
    operator: {
      kind: 'value',
      arg: 'ADDRESS',
      help: 'holder of OPERATOR_ROLE, the committer (default: the signer)',
    },
    ...JSON_FLAG,
    ...HELP_FLAG,
  } as const satisfies FlagTable;
  const deploy: Command<typeof deployFlags> = {
    name: 'deploy',
    summary: 'deploy the SettlementLedger contract with the configured signer; prints its address',
    usage: 'Usage: npm run settlement -- deploy [--admin ADDRESS] [--operator ADDRESS] [--json]',
    flags: deployFlags,
    async run({ flags }, config, io) {
      for (const f of ['admin', 'operator'] as const) {
        const v = flags[f];
        if (v !== undefined && !isAddress(v, { strict: false }))
          throw new UsageError(`--${f} must be a 0x-prefixed 20-byte address, got "${v}"`);
      }
      const c = config();
      const d = await deploySettlementLedgerContract({
        rpcUrl: c.evmRpcUrl,
        chainId: c.evmChainId,
        deployerKey: ledgerSignerKey(c),
        confirmations: c.evmConfirmations,
        ...(flags.admin === undefined ? {} : { admin: flags.admin as Hex }),
        ...(flags.operator === undefined ? {} : { operator: flags.operator as Hex }),
      });
      if (flags.json === true) io.out(json({ ...d, chainId: c.evmChainId }));
      else {
        io.out(`SettlementLedger deployed at ${d.address} (chain ${c.evmChainId})`);
        io.out(`  transaction ${d.txHash}, block ${d.blockNumber}, gas ${d.gasUsed}`);
        io.out(`Set SETTLEMENT_CONTRACT_ADDRESS=${d.address} for the settlement service.`);
      }
      return EXIT_OK;
    },
  };

  const createFlags = {
    id: {
      kind: 'value',
      arg: 'ID',
      help: 'community id: letters, digits, . _ -, 2 to 40 characters (required)',
    },
    name: { kind: 'value', arg: 'NAME', help: 'display name (required)' },
    price: {
      kind: 'value',
      arg: 'N',
      help: 'community price in milli-cent per kWh, e.g. 22000 = 22 ct/kWh (required)',
    },
    key: {
      kind: 'value',
      arg: 'KIND',
      help: `allocation key: dynamic (default); static and double-auction need shares or bids,\nso import them with "import keys" after the members`,
    },
    'effective-from': {
      kind: 'value',
      arg: 'ISO',
      help: 'UTC quarter hour from which the community exists, e.g. 2026-06-01T00:00:00Z (required)',
    },
    ...ACTOR_FLAG,
    ...HELP_FLAG,
  } as const satisfies FlagTable;
  const communityCreate: Command<typeof createFlags> = {
    name: 'create-community',
    summary: 'register an energy-sharing community (members and keys: import)',
    usage:
      'Usage: npm run settlement -- create-community --id ID --name NAME --price N --effective-from ISO [--key dynamic] [--actor NAME]',
    flags: createFlags,
    async run({ flags }, config, io) {
      const communityId = required(
        'id',
        flags.id,
        COMMUNITY,
        'a community id (letters, digits, . _ -; 2–40)',
      );
      const name = required('name', flags.name);
      const price = integerFlag('price', required('price', flags.price), {
        min: 0,
        max: 100_000_000,
        fallback: 0,
      });
      const effectiveFrom = required(
        'effective-from',
        flags['effective-from'],
        QUARTER,
        'a UTC quarter hour',
      );
      const kind = choiceFlag('key', flags.key, ALLOCATION_KEY_KINDS, 'dynamic');
      if (kind !== 'dynamic')
        throw new UsageError(`--key ${kind} needs shares or bids: create with dynamic, then "import keys"`);
      const c = config();
      await withRepos(c, async (r) => {
        await r.communities.create({
          communityId,
          name,
          priceMilliCtPerKWh: price,
          effectiveFrom,
          actor: actorOf(flags.actor, c),
        });
      });
      io.out(`community ${communityId} created (dynamic key, ${price} milli-ct/kWh from ${effectiveFrom})`);
      return EXIT_OK;
    },
  };

  const importFlags = {
    file: {
      kind: 'value',
      arg: 'CSV',
      help: 'the CSV file (required); its format: apps/settlement/README.md',
    },
    'dry-run': { kind: 'boolean', help: 'check the file and print what would change, change nothing' },
    ...ACTOR_FLAG,
    ...HELP_FLAG,
  } as const satisfies FlagTable;
  const importCmd: Command<typeof importFlags> = {
    name: 'import',
    summary: 'bulk import of members or keys from CSV (all rows or none)',
    usage: 'Usage: npm run settlement -- import members|keys --file CSV [--dry-run] [--actor NAME]',
    flags: importFlags,
    positionals: true,
    async run({ flags, positionals }, config, io) {
      const [what, ...extra] = positionals;
      if (what !== 'members' && what !== 'keys')
        throw new UsageError(
          what === undefined
            ? 'say what to import: members or keys'
            : `cannot import "${what}": members or keys`,
        );
      if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] ?? ''}"`);
      const file = required('file', flags.file);
      const text = readFile('file', file);
      const c = config();
      const actor = actorOf(flags.actor, c);
      if (what === 'members') {
        const { changes, problems } = parseMembersCsv(text);
        if (problems.length > 0) return printProblems(io, file, problems);
        if (flags['dry-run'] !== true) await withRepos(c, (r) => r.communities.setMembers(changes, actor));
        io.out(
          `${flags['dry-run'] === true ? 'would import' : 'imported'} ${changes.length} member change(s) from ${file}`,
        );
        return EXIT_OK;
      }
      const { changes, problems } = parseKeysCsv(text);
      if (problems.length > 0) return printProblems(io, file, problems);
      if (flags['dry-run'] !== true)
        await withRepos(c, async (r) => {
          for (const k of changes) await r.communities.setKey({ ...k, actor });
        });
      io.out(
        `${flags['dry-run'] === true ? 'would import' : 'imported'} ${changes.length} key version(s) from ${file}`,
      );
      return EXIT_OK;
    },
  };

  const verifyFlags = {
    transaction: { kind: 'value', arg: 'ID', help: 'the microtransaction id (stx_…) to prove (required)' },
    ...JSON_FLAG,
    ...HELP_FLAG,
  } as const satisfies FlagTable;
  const verify: Command<typeof verifyFlags> = {
    name: 'verify',
    summary: 'print the Merkle proof of a microtransaction and verify it on chain',
    usage: 'Usage: npm run settlement -- verify --transaction ID [--json]',
    flags: verifyFlags,
    async run({ flags }, config, io) {
      const id = required(
        'transaction',
        flags.transaction,
        /^stx_[0-9a-f]{40}$/,
        'a transaction id (stx_ + 40 hex)',
      );
      const c = config();
      const p = await withRepos(c, (r) => r.settlement.proofOf(id));
      if (!p) {
        io.err(`error: no transaction ${id} in this settlement database`);
        return EXIT_USAGE;
      }
      if (!p.batch || p.batch.state !== 'committed') {
        io.err(`error: the batch of ${id} (version ${p.transaction.version}) is not committed on chain yet`);
        return EXIT_PARTIAL;
      }
      if (c.settlementContractAddress === undefined)
        throw new UsageError('SETTLEMENT_CONTRACT_ADDRESS is not set: the contract to verify against');
      // a read call: anyone can verify, no signing key needed
      const onChain = await verifyTransactionOnChain(
        { rpcUrl: c.evmRpcUrl, chainId: c.evmChainId, contractAddress: c.settlementContractAddress },
        p.transaction.communityId,
        p.transaction.intervalStart,
        p.transaction.version,
        p.leaf,
        p.proof,
      );
      const ok = onChain && p.rootMatchesStored;
      if (flags.json === true) {
        io.out(
          json({
            transaction: p.transaction,
            batchId: p.batch.batchId,
            merkleRoot: p.root,
            txHash: p.batch.txHash,
            blockNumber: p.batch.blockNumber,
            leaf: p.leaf,
            proof: p.proof,
            rootMatchesStored: p.rootMatchesStored,
            verifiedOnChain: onChain,
          }),
        );
      } else {
        const t = p.transaction;
        io.out(`transaction ${t.transactionId}`);
        io.out(`  ${t.kind} ${t.direction}: ${t.sellerId} → ${t.buyerId}`);
        io.out(
          `  interval ${t.intervalStart} (version ${t.version}), ${t.energyWh} Wh at ${t.priceMilliCtPerKWh} milli-ct/kWh = ${t.amountCt} ct`,
        );
        io.out(
          `batch ${p.batch.batchId}: root ${p.root}, chain tx ${p.batch.txHash ?? '-'} (block ${p.batch.blockNumber ?? '-'})`,
        );
        io.out(`proof (${p.proof.length} nodes):`);
        for (const n of p.proof) io.out(`  ${n}`);
        io.out(
          ok
            ? 'verified on chain: yes'
            : `verified on chain: NO (root matches stored batch: ${p.rootMatchesStored})`,
        );
      }
      return ok ? EXIT_OK : EXIT_PARTIAL;
    },
  };

  const batchesFlags = {
    community: { kind: 'value', arg: 'ID', help: 'the community (required)' },
    from: { kind: 'value', arg: 'ISO', help: 'first interval start (UTC instant)' },
    to: { kind: 'value', arg: 'ISO', help: 'end of the range, exclusive (UTC instant)' },
    ...JSON_FLAG,
    ...HELP_FLAG,
  } as const satisfies FlagTable;
  const batches: Command<typeof batchesFlags> = {
    name: 'batches',
    summary: "list a community's batches with their roots and chain transactions",
    usage: 'Usage: npm run settlement -- batches --community ID [--from ISO] [--to ISO] [--json]',
    flags: batchesFlags,
    async run({ flags }, config, io) {
      const community = required('community', flags.community, COMMUNITY, 'a community id');
      const from = optionalMatch('from', flags.from, INSTANT, 'a UTC instant');
      const to = optionalMatch('to', flags.to, INSTANT, 'a UTC instant');
      const list = await withRepos(config(), (r) => r.settlement.batchesOf(community, from, to));
      if (flags.json === true) io.out(json(list));
      else {
        for (const b of list)
          io.out(
            `${b.intervalStart} v${b.version} ${b.state.padEnd(9)} ${String(b.transactionCount).padStart(4)} tx ${String(b.totalEnergyWh).padStart(8)} Wh ${String(b.totalAmountCt).padStart(6)} ct  ${b.txHash ?? '(not on chain yet)'}`,
          );
        io.out(`${list.length} batch(es)`);
      }
      return EXIT_OK;
    },
  };

  const statementFlags = {
    community: { kind: 'value', arg: 'ID', help: 'the community (required)' },
    ...JSON_FLAG,
    ...HELP_FLAG,
  } as const satisfies FlagTable;
  const statement: Command<typeof statementFlags> = {
    name: 'statement',
    summary: 'per member and month: community supply, residual supply, sold, surplus and cents',
    usage: 'Usage: npm run settlement -- statement --community ID [--json]',
    flags: statementFlags,
    async run({ flags }, config, io) {
      const community = required('community', flags.community, COMMUNITY, 'a community id');
      const lines = await withRepos(config(), (r) => r.settlement.monthlyStatement(community));
      if (flags.json === true) io.out(json(lines));
      else
        for (const m of lines)
          io.out(
            `${m.meterPointId} ${m.month}  community ${m.communitySupplyWh} Wh  residual ${m.residualSupplyWh} Wh  sold ${m.soldWh} Wh  surplus ${m.surplusWh} Wh  paid ${m.paidCt} ct  received ${m.receivedCt} ct`,
          );
      return EXIT_OK;
    },
  };

  const list = [
    migrate,
    deploy,
    communityCreate,
    importCmd,
    verify,
    batches,
    statement,
  ] as Command<FlagTable>[];
  return new Map(list.map((c) => [c.name, c]));
}

function toolUsage(cmds: ReturnType<typeof commands>): string {
  return [
    'Usage: npm run settlement -- <command> [flags]',
    '',
    'Commands:',
    ...[...cmds.values()].map((c) => `  ${c.name.padEnd(17)} ${c.summary}`),
    '',
    'Run a command with --help for its flags.',
    ENVIRONMENT,
    'Exit codes: 0 ok, 2 bad flags, input or configuration, 3 partial (e.g. a proof that does not verify), 1 failure.',
  ].join('\n');
}

export function main(argv: readonly string[], io: CliIo, env?: Env): Promise<number> {
  const cmds = commands();
  return runCommandLineTool(argv, io, {
    name: 'settlement',
    usage: toolUsage(cmds),
    commands: [...cmds.keys()],
    run: async (name, rest) => {
      const command = cmds.get(name) as Command<FlagTable>;
      const parsed = parseCommandLine(rest, command.flags, { positionals: command.positionals === true });
      if ((parsed.flags as Record<string, unknown>)['help'] === true) {
        io.out(
          helpText({
            usage: command.usage,
            description: command.summary,
            flags: command.flags,
            footer: ENVIRONMENT,
          }),
        );
        return EXIT_OK;
      }
      if (command.positionals !== true && parsed.positionals.length > 0)
        throw new UsageError(`unexpected argument "${parsed.positionals[0] ?? ''}"`);
      return command.run(parsed, () => loadSettlementCliConfig(env), io);
    },
    explain: (e) =>
      e instanceof SettlementDataError || e instanceof SettlementDomainError
        ? { message: `error: ${e.code}: ${e.message}`, exitCode: EXIT_USAGE }
        : e instanceof LedgerError
          ? { message: `error: ${e.code}: ${e.message}`, exitCode: EXIT_FAILURE }
          : undefined,
  });
}

if (require.main === module) runCliProcess((argv, io) => main(argv, io));
