/**
 * Forecast CLI: `npm run forecast -- <command> [flags]`. Thin: flags → typed command → library → print.
 * Results go to stdout, progress and JSON logs to stderr. Exit codes: 0 ok, 2 usage/input/config error,
 * 3 some series could not be trained or forecast (train/run), 1 unexpected.
 */
import { isForecastJobError } from '@gridwerk/forecast/data-access';
import { isForecastError } from '@gridwerk/forecast/domain';
import { ConfigError } from '@gridwerk/shared/util-config';
import { COMMANDS, type CliIo, EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, UsageError } from './commands';

function toolUsage(): string {
  const lines = [...COMMANDS.values()].map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return [
    'Usage: npm run forecast -- <command> [flags]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run a command with --help for its flags.',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(toolUsage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = COMMANDS.get(name);
  if (command === undefined) {
    io.err(`error: unknown command "${name}"\n\n${toolUsage()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message} (npm run forecast -- ${command.name} --help for usage)`);
      return EXIT_USAGE;
    }
    if (e instanceof ConfigError) {
      io.err(e.message);
      return EXIT_USAGE;
    }
    if (isForecastError(e) || isForecastJobError(e)) {
      const advice = command.advise?.(e.code);
      io.err(`error: ${e.message}${advice === undefined ? '' : `\n${advice}`}`);
      return e.isInputError ? EXIT_USAGE : EXIT_UNEXPECTED;
    }
    io.err(`unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT_UNEXPECTED;
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
