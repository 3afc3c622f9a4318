import {
  type CliIo,
  EXIT_FAILURE,
  EXIT_PARTIAL,
  type FlagTable,
  parseCommandLine,
} from '@gridwerk/shared/util-config';

export type { CliIo } from '@gridwerk/shared/util-config';

/** A CLI subcommand: parses its own flags into a typed command and returns the exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Advice for a domain error code, naming this command's flags (e.g. which flag to change). */
  advise?: (code: string) => string | undefined;
  run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

export { EXIT_OK, EXIT_USAGE, UsageError } from '@gridwerk/shared/util-config';
/** Unexpected failure. */
export const EXIT_UNEXPECTED = EXIT_FAILURE;
/** The job ran, but some series could not be trained or forecast (they are named in the log). */
export const EXIT_SOME_SERIES_FAILED = EXIT_PARTIAL;
/** The backtest ran, but scored less than 95 % of its test points (the reason is printed). */
export const EXIT_INCOMPLETE_BACKTEST = EXIT_PARTIAL;

export type FlagValues = Record<string, string | true>;

/**
 * Flags through the workspace's one parser (`@gridwerk/shared/util-config`, node:util parseArgs):
 * only flags of `table`, value flags with a value; a problem is a UsageError naming the flag.
 */
export function parseFlags(argv: readonly string[], table: FlagTable): FlagValues {
  return parseCommandLine(argv, table).flags as FlagValues;
}
