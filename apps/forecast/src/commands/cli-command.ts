/** Where a command writes: results to `out` (stdout), progress and logs to `err` (stderr). */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A CLI subcommand: parses its own flags into a typed command and returns the exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_USAGE = 2;
/** The job ran, but some series could not be trained or forecast (they are named in the log). */
export const EXIT_SOME_SERIES_FAILED = 3;

/** Bad flags or arguments; the message names the flag. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type FlagValues = Record<string, string | true>;

/**
 * `--name value`, `--name=value` and boolean `--name`. Only flags in `spec` are accepted; value flags
 * must have a value.
 */
export function parseFlags(
  argv: readonly string[],
  spec: Readonly<Record<string, 'value' | 'boolean'>>,
): FlagValues {
  const flags: FlagValues = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`unknown flag --${name}`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`flag --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--')) || value === '')
      throw new UsageError(`flag --${name} needs a value`);
    flags[name] = value;
  }
  return flags;
}
