/**
 * Reference billing consumer: `npm run billing -- reconcile --community ID [--json]`.
 * Reads grid.settlement.transactions.v1 and grid.settlement.batches.v1 from the beginning (KAFKA_BROKERS),
 * de-duplicates by event id, books per member and month, and reconciles with the settlement database
 * (DATABASE_URL) to the cent. Exit 0 reconciled, 3 differences or missing events, 2 usage, 1 failure.
 */
import { readSettlementEvents, reconcileWithDatabase } from './billing-consumer';

const USAGE = [
  'Usage: npm run billing -- reconcile --community ID [--idle-ms 3000] [--json]',
  '  env: KAFKA_BROKERS (127.0.0.1:9092), DATABASE_URL (settlement database),',
  '       SETTLEMENT_TRANSACTIONS_TOPIC / SETTLEMENT_BATCHES_TOPIC (defaults: the v1 topics)',
].join('\n');

export async function main(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h') {
    out(USAGE);
    return 0;
  }
  if (cmd !== 'reconcile') {
    err(cmd === undefined ? USAGE : `error: unknown command "${cmd}"\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help')) {
    out(USAGE);
    return 0;
  }
  let community: string | undefined;
  let idleMs = 3_000;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--community') community = rest[++i];
    else if (a === '--idle-ms') {
      const v = Number(rest[++i]);
      if (!Number.isInteger(v) || v < 100) {
        err('error: --idle-ms must be an integer >= 100');
        return 2;
      }
      idleMs = v;
    } else if (a === '--json') json = true;
    else {
      err(`error: unknown flag ${a}\n\n${USAGE}`);
      return 2;
    }
  }
  if (!community) {
    err(`error: --community is required\n\n${USAGE}`);
    return 2;
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
    return r.ok ? 0 : 3;
  } catch (e) {
    err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
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
