import {
  EXIT_OK,
  EXIT_USAGE,
  type FlagTable,
  type FlagValuesOf,
  helpText,
  parseCommandLine,
  UsageError,
} from '@gridwerk/shared/util-config';

/** `--help` of every benchmark: its table plus the shared line on output and exit codes. */
export function benchHelp(usage: string, description: string, flags: FlagTable): string {
  return helpText({
    usage,
    description,
    flags,
    footer: 'Prints one JSON object on stdout. Exit codes: 0 ok, 2 bad flags, 1 failure.',
  });
}

/**
 * A benchmark's flags through the shared parser: `--help` prints the help and exits 0; a bad flag or
 * value prints one line naming it and exits 2. `validate` turns the raw values into typed options
 * (throwing UsageError, e.g. from integerFlag).
 */
export function parseBenchFlags<T extends FlagTable & { help: unknown }, O>(
  table: T,
  help: string,
  validate: (flags: FlagValuesOf<T>) => O,
  argv: readonly string[] = process.argv.slice(2),
): O {
  try {
    const { flags } = parseCommandLine(argv, table);
    if ((flags as { help?: true }).help === true) {
      process.stdout.write(`${help}\n`);
      process.exit(EXIT_OK);
    }
    return validate(flags);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`error: ${err.message} (--help for usage)\n`);
    process.exit(EXIT_USAGE);
  }
}
