/**
 * The frame of every `npm run <tool> -- <command> [flags]` command line: tool help, unknown commands,
 * and one mapping of errors to the shared exit codes, so that the forecast, ingest and settlement CLIs
 * answer alike. The commands themselves parse their flags with `parseCommandLine`.
 */
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './cli';
import { ConfigError } from './service.config';

/** Where a CLI writes: results to `out` (stdout), messages and progress to `err` (stderr). */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A tool's own errors, as the one line to print and the exit code; undefined for errors it does not know. */
export type ExplainError = (
  err: unknown,
  command: string,
) => { message: string; exitCode: number } | undefined;

export interface CommandLineTool {
  /** The npm script, e.g. `forecast`: messages point at `npm run forecast -- <command> --help`. */
  name: string;
  /** The tool's help: its usage line and commands. */
  usage: string;
  commands: readonly string[];
  run(command: string, args: string[]): Promise<number>;
  explain?: ExplainError;
}

/**
 * Runs one command of a tool: no command prints the help to stderr (exit 2), `--help` to stdout (0); a
 * UsageError or ConfigError is one line and exit 2; the tool's own errors as it explains them; anything
 * else is unexpected (exit 1, with the stack: it is a bug or infrastructure that stayed down).
 */
export async function runCommandLineTool(
  argv: readonly string[],
  io: CliIo,
  tool: CommandLineTool,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(tool.usage);
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(tool.usage);
    return EXIT_OK;
  }
  if (!tool.commands.includes(name)) {
    io.err(`error: unknown command "${name}"\n\n${tool.usage}`);
    return EXIT_USAGE;
  }
  try {
    return await tool.run(name, rest);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message} (npm run ${tool.name} -- ${name} --help for usage)`);
      return EXIT_USAGE;
    }
    if (e instanceof ConfigError) {
      io.err(e.message);
      return EXIT_USAGE;
    }
    const known = tool.explain?.(e, name);
    if (known !== undefined) {
      io.err(known.message);
      return known.exitCode;
    }
    io.err(`unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT_FAILURE;
  }
}

/** The process side of a CLI module: `main(argv, io)` on this process's arguments, its result the exit code. */
export function runCliProcess(main: (argv: readonly string[], io: CliIo) => Promise<number>): void {
  const io: CliIo = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
