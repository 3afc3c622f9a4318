/**
 * Ingest CLI: `npm run ingest -- <command> [flags]`. Thin: flags -> typed command -> use case -> print.
 * Results go to stdout, progress to stderr. Exit codes: 0 ok, 2 usage or configuration error,
 * 3 verify-rollups found differences, 1 failure.
 */
import { Pool } from 'pg';
import { Topics } from '@gridwerk/contracts';
import { verifyRollups, type RollupVerification } from '@gridwerk/ingest/data-access';
import {
  CSV_HEADER,
  IMPORT_FORMATS,
  ImportFileError,
  type ImportFormat,
  type ImportProgress,
  importReadings,
  replayDeadLetters,
  ReplayUsageError,
} from '@gridwerk/ingest/feature';
import { databaseConfigSpec } from '@gridwerk/shared/data-access-database';
import { createKafkaClient, kafkaConfigSpec, kafkaSettingsFrom } from '@gridwerk/shared/data-access-kafka';
import {
  type CliIo,
  Env,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_PARTIAL,
  EXIT_USAGE,
  type FlagTable,
  helpText,
  integerFlag,
  loadConfig,
  parseCommandLine,
  parseZonedInstant,
  runCliProcess,
  runCommandLineTool,
  UsageError,
} from '@gridwerk/shared/util-config';

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE };
export type { CliIo } from '@gridwerk/shared/util-config';

const TOOL_USAGE = `Usage: npm run ingest -- <command> [flags]

Commands:
  import           load meter-reading history from a file (CSV or CloudEvents NDJSON), resumable
  replay-dlq       move dead letters with a given reason back to the topics they came from
  verify-rollups   compare every rollup level with the raw readings over a range

Run a command with --help for its flags.`;

const REPLAY_FLAGS = {
  reason: {
    kind: 'value',
    arg: '<code>',
    help: 'reason code, e.g. DB.22003 or CONTRACT.INVALID; a trailing * matches a prefix (DB.*)',
  },
  topic: { kind: 'value', arg: '<name>', help: 'only letters of this original topic' },
  group: { kind: 'value', arg: '<name>', help: 'only letters of this consumer group' },
  limit: { kind: 'value', arg: '<n>', help: 'at most n matching letters' },
  'dlq-topic': {
    kind: 'value',
    arg: '<name>',
    help: `read this dead-letter topic instead of ${Topics.deadLetters}`,
  },
  'dry-run': { kind: 'boolean', help: 'count what would be replayed, publish nothing' },
  json: { kind: 'boolean', help: 'print the result as JSON' },
  help: { kind: 'boolean', short: 'h', help: 'this text' },
} as const satisfies FlagTable;

const REPLAY_USAGE = helpText({
  usage: 'Usage: npm run ingest -- replay-dlq --reason <code> [flags]',
  description: `Reads ${Topics.deadLetters} from its beginning to its current end and publishes the letters with the
reason back to their original topic (original key, value and every header, plus gridwerk-replayed-from).
Fix the cause first; ingest stores a replayed event once (its id makes a second copy a duplicate).
Truncated letters (their original was too large for the dead-letter topic) are counted, never replayed.`,
  flags: REPLAY_FLAGS,
  footer: `Kafka connection: KAFKA_BROKERS, KAFKA_SSL, KAFKA_SASL_* (root README).
Exit codes: 0 ok, 2 usage or configuration error, 1 failure.`,
});

const VERIFY_FLAGS = {
  from: {
    kind: 'value',
    arg: '<instant>',
    help: 'start of the range (ISO-8601 with Z or an offset, or YYYY-MM-DD = 00:00 UTC)',
  },
  to: {
    kind: 'value',
    arg: '<instant>',
    help: 'end of the range, exclusive (same forms); both widened to whole hours',
  },
  limit: { kind: 'value', arg: '<n>', help: 'differences printed per level (default 20; all are counted)' },
  json: { kind: 'boolean', help: 'print the result as JSON' },
  help: { kind: 'boolean', short: 'h', help: 'this text' },
} as const satisfies FlagTable;

const VERIFY_USAGE = helpText({
  usage: 'Usage: npm run ingest -- verify-rollups --from <instant> --to <instant> [flags]',
  description: `Compares each rollup level (load_<15m|1h>_<secondary_substation|feeder|substation>, and in
TimescaleDB mode meter_energy_15m and meter_energy_1h) with a plain SQL aggregate of meter_reading over
the range and the current topology, and prints every bucket that differs: missing (raw rows but no
rollup), unexpected (a rollup without raw rows) or different (sums or meters_reporting). Read-only.
In native mode, hours the refresher has not recomputed yet are counted apart ("pending"): they settle
within INGEST_ROLLUP_MAX_STALENESS_MS; run again, or rebuild the range, if they persist.`,
  flags: VERIFY_FLAGS,
  footer: `Database: DATABASE_URL (root README).
Exit codes: 0 every level equals the raw rows, 3 differences found, 2 usage or configuration error,
1 failure.`,
});

const IMPORT_FLAGS = {
  file: { kind: 'value', arg: '<path>', help: 'the file to import' },
  format: {
    kind: 'value',
    arg: '<csv|cloudevents>',
    help: 'csv (the documented layout, default) or cloudevents (one reading event per line, as the simulator writes)',
  },
  rejects: { kind: 'value', arg: '<path>', help: 'reject file (default <file>.rejects.ndjson)' },
  batch: { kind: 'value', arg: '<n>', help: 'lines per transaction and rollup window (default 100000)' },
  json: { kind: 'boolean', help: 'print the result as JSON' },
  'no-progress': { kind: 'boolean', help: 'no progress lines on stderr' },
  help: { kind: 'boolean', short: 'h', help: 'this text' },
} as const satisfies FlagTable;

const IMPORT_USAGE = helpText({
  usage: 'Usage: npm run ingest -- import --file <path> [flags]',
  description: `Loads meter readings from a file into the raw series, validated like the live path (the
contract, retention and clock skew); lines that fail go to the reject file, one JSON object each with the
line number, reason code and message. Writes by COPY in one transaction per batch, which also commits
the file's checkpoint; after each batch the rollups of its window are brought up to date. Interrupted
(crash, kill, Ctrl-C)? Run the same command again: it resumes at the first line not committed, no line
lost or doubled. A file imported completely before is not imported again.
CSV layout (UTF-8, comma, no quoting, one reading per line after the header):
  ${CSV_HEADER}
  instants ISO-8601 with Z or an offset, energies integer Wh, resolution PT15M or PT1M,
  quality measured | estimated | substituted.`,
  flags: IMPORT_FLAGS,
  footer: `Database: DATABASE_URL (root README). Progress (lines, rate, ETA) goes to stderr.
Exit codes: 0 imported (rejected lines are counted, see the reject file), 2 usage, configuration or an
unusable file (e.g. a wrong CSV header), 1 failure (run again to resume).`,
});

function formatProgress(p: ImportProgress): string {
  const pct = p.fileBytes > 0 ? ((100 * p.bytes) / p.fileBytes).toFixed(1) : '100.0';
  const eta =
    p.etaSeconds === undefined
      ? '?'
      : `${Math.floor(p.etaSeconds / 60)}m${String(p.etaSeconds % 60).padStart(2, '0')}s`;
  return `import: ${p.lines} lines (${pct} %), ${p.stored} stored, ${p.rejected} rejected, ${p.linesPerSecond} lines/s, ETA ${eta}`;
}

async function importCommand(args: readonly string[], io: CliIo, env: Env | undefined): Promise<number> {
  const { flags } = parseCommandLine(args, IMPORT_FLAGS);
  if (flags.help === true) {
    io.out(IMPORT_USAGE);
    return EXIT_OK;
  }
  if (flags.file === undefined) throw new UsageError('--file is required');
  const format = (flags.format ?? 'csv') as ImportFormat;
  if (!(IMPORT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be one of ${IMPORT_FORMATS.join(', ')}, got "${flags.format}"`);
  const batchLines = integerFlag('batch', flags.batch, { min: 1, max: 10_000_000, fallback: 100_000 });
  const { databaseUrl } = loadConfig('ingest-cli', databaseConfigSpec, env);
  const pool = new Pool({
    connectionString: databaseUrl,
    max: 2,
    application_name: 'gridwerk-ingest-import',
  });
  try {
    const showProgress = flags['no-progress'] !== true;
    const result = await importReadings(pool, {
      file: flags.file,
      format,
      rejectFile: flags.rejects ?? `${flags.file}.rejects.ndjson`,
      batchLines,
      ...(showProgress ? { onProgress: (p: ImportProgress) => io.err(formatProgress(p)) } : {}),
    });
    if (flags.json === true) io.out(JSON.stringify(result));
    else if (result.alreadyComplete)
      io.out(
        `${flags.file} was imported completely before (${result.stored} readings stored, ${result.rejected} rejected): nothing to do`,
      );
    else
      io.out(
        `imported ${flags.file}: ${result.lines} lines, ${result.stored} readings stored, ${result.rejected} rejected` +
          `${result.resumedAtLine > 1 ? ` (resumed at line ${result.resumedAtLine})` : ''}, ${result.durationMs} ms`,
      );
    return EXIT_OK;
  } finally {
    await pool.end();
  }
}

/** An instant with its zone, or a UTC date; refused otherwise (a zoneless time would depend on the host). */
function instantFlag(name: string, raw: string | undefined): Date {
  if (raw === undefined) throw new UsageError(`--${name} is required`);
  const ms = parseZonedInstant(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (ms === undefined)
    throw new UsageError(
      `--${name} must be YYYY-MM-DD or an ISO-8601 instant with Z or an offset, got "${raw}"`,
    );
  return new Date(ms);
}

async function replayDlq(args: readonly string[], io: CliIo, env: Env | undefined): Promise<number> {
  const { flags: values } = parseCommandLine(args, REPLAY_FLAGS);
  if (values.help === true) {
    io.out(REPLAY_USAGE);
    return EXIT_OK;
  }
  if (values.reason === undefined) throw new UsageError('--reason is required');
  const limit = integerFlag('limit', values.limit, { min: 1 });
  const settings = kafkaSettingsFrom('ingest-cli', loadConfig('ingest-cli', kafkaConfigSpec, env));
  const kafka = createKafkaClient(settings, {
    warn: (m) => io.err(`kafkajs: ${m}`),
    error: (m) => io.err(`kafkajs: ${m}`),
  });
  const dryRun = values['dry-run'] === true;
  io.err(`${dryRun ? 'dry run: ' : ''}replaying dead letters with reason ${values.reason} ...`);
  const result = await replayDeadLetters(kafka, {
    reason: values.reason,
    dryRun,
    ...(values.topic === undefined ? {} : { originalTopic: values.topic }),
    ...(values.group === undefined ? {} : { consumerGroup: values.group }),
    ...(limit === undefined ? {} : { limit }),
    ...(values['dlq-topic'] === undefined ? {} : { deadLetterTopic: values['dlq-topic'] }),
    onProgress: (p) => io.err(`  scanned ${p.scanned}/${p.total} dead letters, ${p.matched} matching`),
  });
  if (values.json === true) io.out(JSON.stringify({ dryRun, reason: values.reason, ...result }));
  else {
    io.out(
      `${dryRun ? 'would replay' : 'replayed'} ${dryRun ? result.matched - result.skippedTruncated : result.replayed} of ${result.matched} matching dead letters (${result.scanned} scanned)`,
    );
    for (const [t, n] of Object.entries(result.byTopic)) io.out(`  ${t}: ${n}`);
    if (result.skippedTruncated > 0)
      io.out(
        `  ${result.skippedTruncated} truncated (original too large for the dead-letter topic): not replayable`,
      );
    if (result.invalid > 0)
      io.out(`  ${result.invalid} messages on the dead-letter topic were no valid dead letter`);
  }
  return EXIT_OK;
}

function printVerification(v: RollupVerification, io: CliIo): void {
  const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');
  io.out(`rollups ${iso(v.from)} .. ${iso(v.to)} (${v.mode}):`);
  for (const l of v.levels) {
    io.out(
      `  ${l.relation.padEnd(30)} ${String(l.expectedBuckets).padStart(8)} buckets  ${l.differing === 0 ? 'equal' : `${l.differing} differ`}`,
    );
    for (const d of l.differences) {
      const e = d.expected;
      const a = d.actual;
      const show = (x: typeof e) =>
        x === null ? 'none' : `import ${x.importWh} Wh, export ${x.exportWh} Wh, ${x.metersReporting} meters`;
      io.out(`    ${d.kind} ${d.nodeId} ${iso(d.bucketStart)}: raw rows ${show(e)}; rollup ${show(a)}`);
    }
    if (l.differing > l.differences.length) io.out(`    ... and ${l.differing - l.differences.length} more`);
  }
  if (v.pendingHours > 0)
    io.out(`  ${v.pendingHours} hours in the range await their refresh: their differences are pending`);
  io.out(v.differing === 0 ? 'every level equals the raw rows' : `${v.differing} buckets differ`);
}

async function verifyRollupsCommand(
  args: readonly string[],
  io: CliIo,
  env: Env | undefined,
): Promise<number> {
  const { flags } = parseCommandLine(args, VERIFY_FLAGS);
  if (flags.help === true) {
    io.out(VERIFY_USAGE);
    return EXIT_OK;
  }
  const from = instantFlag('from', flags.from);
  const to = instantFlag('to', flags.to);
  if (to.getTime() <= from.getTime()) throw new UsageError('--to must be after --from');
  const limit = integerFlag('limit', flags.limit, { min: 0, max: 100_000, fallback: 20 });
  const { databaseUrl } = loadConfig('ingest-cli', databaseConfigSpec, env);
  const pool = new Pool({ connectionString: databaseUrl, max: 1, application_name: 'gridwerk-ingest-cli' });
  try {
    io.err(`comparing the rollups with the raw readings ...`);
    const v = await verifyRollups(pool, { from, to, limit });
    if (flags.json === true) io.out(JSON.stringify(v));
    else printVerification(v, io);
    return v.differing === 0 ? EXIT_OK : EXIT_PARTIAL;
  } finally {
    await pool.end();
  }
}

const COMMANDS = {
  import: { run: importCommand, usage: IMPORT_USAGE },
  'replay-dlq': { run: replayDlq, usage: REPLAY_USAGE },
  'verify-rollups': { run: verifyRollupsCommand, usage: VERIFY_USAGE },
} as const;

/** `env` defaults to the process environment (read by loadConfig, the one place that may). */
export function main(argv: readonly string[], io: CliIo, env?: Env): Promise<number> {
  return runCommandLineTool(argv, io, {
    name: 'ingest',
    usage: TOOL_USAGE,
    commands: Object.keys(COMMANDS),
    run: (name, rest) => COMMANDS[name as keyof typeof COMMANDS].run(rest, io, env),
    // a replay's own usage errors (a reason that matches nothing) and every failure are one line
    explain: (e) =>
      e instanceof ReplayUsageError
        ? {
            message: `error: ${e.message} (npm run ingest -- replay-dlq --help for usage)`,
            exitCode: EXIT_USAGE,
          }
        : e instanceof ImportFileError
          ? { message: `error: ${e.message}`, exitCode: EXIT_USAGE }
          : { message: `error: ${e instanceof Error ? e.message : String(e)}`, exitCode: EXIT_FAILURE },
  });
}

if (require.main === module) runCliProcess((argv, io) => main(argv, io));
