/**
 * Forecast CLI: `npm run forecast -- <command> [flags]`. Thin: flags → typed command → library → print.
 * Results go to stdout, progress and JSON logs to stderr. Exit codes: 0 ok, 2 usage/input/config error,
 * 3 some series could not be trained or forecast (train/run), 1 unexpected.
 */
import { isForecastJobError } from '@gridwerk/forecast/data-access';
import { isForecastError } from '@gridwerk/forecast/domain';
import { type CliIo, runCliProcess, runCommandLineTool } from '@gridwerk/shared/util-config';
import { type CliCommand, COMMANDS, EXIT_UNEXPECTED, EXIT_USAGE } from './commands';

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

export function main(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommandLineTool(argv, io, {
    name: 'forecast',
    usage: toolUsage(),
    commands: [...COMMANDS.keys()],
    run: (name, rest) => (COMMANDS.get(name) as CliCommand).run(rest, io),
    explain: (e, name) => {
      if (!isForecastError(e) && !isForecastJobError(e)) return undefined;
      const command = COMMANDS.get(name);
      const advice = command?.advise === undefined ? undefined : command.advise(e.code);
      return {
        message: `error: ${e.message}${advice === undefined ? '' : `\n${advice}`}`,
        exitCode: e.isInputError ? EXIT_USAGE : EXIT_UNEXPECTED,
      };
    },
  });
}

if (require.main === module) runCliProcess(main);
