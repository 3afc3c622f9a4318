/**
 * Reference billing consumer: `npm run billing -- reconcile --community ID [--json]`.
 * Reads grid.settlement.transactions.v1 and grid.settlement.batches.v1 from the beginning (KAFKA_BROKERS),
 * de-duplicates by event id, books per member and month, and reconciles with the settlement database
 * (DATABASE_URL) to the cent. Exit 0 reconciled, 3 differences or missing events, 2 usage, 1 failure.
 */
import {
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_PARTIAL,
  EXIT_USAGE,
  type FlagTable,
  helpText,
  integerFlag,
  parseCommandLine,
  UsageError,
} from '@gridwerk/shared/util-config';
import { readSettlementEvents, reconcileWithDatabase } from './billing-consumer';

const FLAGS = {
  community: { kind: 'value', arg: 'ID', help: 'the energy-sharing community to reconcile (required)' },
  'idle-ms': {
    kind: 'value',
    arg: 'N',
    help: 'stop reading the topics after N ms without a new event (default 3000, at least 100)',
  },
  json: { kind: 'boolean', help: 'print the reconciliation as JSON' },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const satisfies FlagTable;

const USAGE = helpText({
  usage: 'Usage: npm run billing -- reconcile --community ID [--idle-ms N] [--json]',
  flags: FLAGS,
  footer: `Environment: KAFKA_BROKERS (127.0.0.1:9092), DATABASE_URL (settlement database),
SETTLEMENT_TRANSACTIONS_TOPIC / SETTLEMENT_BATCHES_TOPIC (defaults: the v1 topics).
Exit codes: 0 reconciled exactly, 3 differences, 2 bad flags, 1 failure.`,
});

export async function main(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let community: string;
  let idleMs: number;
  let json: boolean;
  try {
    const { flags, positionals } = parseCommandLine(argv, FLAGS, { positionals: true });
    if (flags.help === true) {
      out(USAGE);
      return EXIT_OK;
    }
    const [cmd, ...extra] = positionals;
    if (cmd !== 'reconcile')
      throw new UsageError(
        cmd === undefined ? 'a command is required: reconcile' : `unknown command "${cmd}"`,
      );
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] ?? ''}"`);
    if (flags.community === undefined) throw new UsageError('--community ID is required');
    community = flags.community;
    idleMs = integerFlag('idle-ms', flags['idle-ms'], { min: 100, fallback: 3_000 });
    json = flags.json === true;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`error: ${e.message} (npm run billing -- --help for usage)`);
    return EXIT_USAGE;
  }
  try {
    const ledger = await readSettlementEvents({
      brokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
      transactionsTopic: env['SETTLEMENT_TRANSACTIONS_TOPIC'],
      batchesTopic: env['SETTLEMENT_BATCHES_TOPIC'],
      idleMs,
    });
    const r = await reconcileWithDatabase(
      ledger,
      env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/gridwerk_settlement',
      community,
    );
    if (json) out(JSON.stringify(r, null, 2));
    else {
      out(
        `${r.communityId}: ${r.transactions} transactions, ${r.batches} batches, ${r.duplicatesDropped} duplicates dropped`,
      );
      for (const m of r.statement) {
        out(
          `  ${m.meterPointId} ${m.month}  community ${m.communitySupplyWh} Wh  residual ${m.residualSupplyWh} Wh  sold ${m.soldWh} Wh  surplus ${m.surplusWh} Wh  paid ${m.paidCt} ct  received ${m.receivedCt} ct`,
        );
      }
      out(
        r.ok
          ? 'reconciled with the database: exact'
          : `NOT reconciled: ${r.differences.length} difference(s), ${r.missing.length} missing, ${r.unbatched.length} unbatched`,
      );
      for (const d of r.differences)
        out(`  ${d.key} ${d.field}: billing ${d.billing} vs database ${d.database}`);
    }
    return r.ok ? EXIT_OK : EXIT_PARTIAL;
  } catch (e) {
    err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_FAILURE;
  }
}

if (require.main === module) {
  void main(
    process.argv.slice(2),
    process.env,
    (s) => process.stdout.write(`${s}\n`),
    (s) => process.stderr.write(`${s}\n`),
  ).then((code) => {
    process.exitCode = code;
  });
}
