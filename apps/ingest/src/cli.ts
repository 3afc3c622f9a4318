/**
 * Ingest CLI: `npm run ingest -- <command> [flags]`. Thin: flags -> typed command -> use case -> print.
 * Results go to stdout, progress to stderr. Exit codes: 0 ok, 2 usage or configuration error, 1 failure.
 */
import { parseArgs } from 'node:util';
import { Topics } from '@gridwerk/contracts';
import { replayDeadLetters, ReplayUsageError } from '@gridwerk/ingest/feature';
import { createKafkaClient, kafkaConfigSpec, kafkaSettingsFrom } from '@gridwerk/shared/data-access-kafka';
import { ConfigError, Env, loadConfig } from '@gridwerk/shared/util-config';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const TOOL_USAGE = `Usage: npm run ingest -- <command> [flags]

Commands:
  replay-dlq   move dead letters with a given reason back to the topics they came from

Run a command with --help for its flags.`;

const REPLAY_USAGE = `Usage: npm run ingest -- replay-dlq --reason <code> [flags]

Reads ${Topics.deadLetters} from its beginning to its current end and publishes the letters with the
reason back to their original topic (original key, value and every header, plus gridwerk-replayed-from).
Fix the cause first; ingest stores a replayed event once (its id makes a second copy a duplicate).
Truncated letters (their original was too large for the dead-letter topic) are counted, never replayed.

Flags:
  --reason <code>      reason code, e.g. DB.22003 or CONTRACT.INVALID; a trailing * matches a prefix (DB.*)
  --topic <name>       only letters of this original topic
  --group <name>       only letters of this consumer group
  --limit <n>          at most n matching letters
  --dlq-topic <name>   read this dead-letter topic instead of ${Topics.deadLetters}
  --dry-run            count what would be replayed, publish nothing
  --json               print the result as JSON
  -h, --help           this text

Kafka connection: KAFKA_BROKERS, KAFKA_SSL, KAFKA_SASL_* (root README).
Exit codes: 0 ok, 2 usage or configuration error, 1 failure.`;

class UsageError extends Error {}

async function replayDlq(args: readonly string[], io: CliIo, env: Env | undefined): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      reason: { type: 'string' },
      topic: { type: 'string' },
      group: { type: 'string' },
      limit: { type: 'string' },
      'dlq-topic': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(REPLAY_USAGE);
    return EXIT_OK;
  }
  if (values.reason === undefined) throw new UsageError('--reason is required');
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--limit must be a positive integer, got "${values.limit}"`);
  }
  const settings = kafkaSettingsFrom('ingest-cli', loadConfig('ingest-cli', kafkaConfigSpec, env));
  const kafka = createKafkaClient(settings, {
    warn: (m) => io.err(`kafkajs: ${m}`),
    error: (m) => io.err(`kafkajs: ${m}`),
  });
  const dryRun = values['dry-run'];
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
  if (values.json) io.out(JSON.stringify({ dryRun, reason: values.reason, ...result }));
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

/** `env` defaults to the process environment (read by loadConfig, the one place that may). */
export async function main(argv: readonly string[], io: CliIo, env?: Env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(TOOL_USAGE);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name !== 'replay-dlq') {
    io.err(`error: unknown command "${name}"\n\n${TOOL_USAGE}`);
    return EXIT_USAGE;
  }
  try {
    return await replayDlq(rest, io, env);
  } catch (e) {
    if (
      e instanceof UsageError ||
      e instanceof ReplayUsageError ||
      (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err(`error: ${e.message}\n\n${REPLAY_USAGE}`);
      return EXIT_USAGE;
    }
    if (e instanceof ConfigError) {
      io.err(e.message);
      return EXIT_USAGE;
    }
    io.err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_FAILURE;
  }
}

if (require.main === module) {
  const io: CliIo = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
