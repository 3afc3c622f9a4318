/**
 * The one way every Gridwerk command line is parsed: `node:util` `parseArgs` (strict) behind a flag
 * table that also writes the `--help` text, so that help and flags cannot drift apart, plus value
 * parsers that refuse what does not parse. Every problem is a UsageError whose one-line message names
 * the flag; CLIs print it and exit EXIT_USAGE, never a stack trace.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** Shared exit codes of every CLI and job. */
export const EXIT_OK = 0;
/** Unexpected failure (a bug, or infrastructure that stayed down). */
export const EXIT_FAILURE = 1;
/** Bad flags, arguments or configuration; the message names the flag or variable. */
export const EXIT_USAGE = 2;
/** The command ran, but part of the work failed (e.g. some series); the log names what. */
export const EXIT_PARTIAL = 3;

/** Bad flags or arguments; the message names the flag. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface FlagSpec {
  /** `value` flags take one argument (`--name X` or `--name=X`), `boolean` flags none. */
  kind: 'value' | 'boolean';
  /** Placeholder of the value in the help, e.g. `N`, `FILE`, `ISO`. */
  arg?: string;
  /** One or more lines of help; the first says what it is, a `(default: ...)` belongs here. */
  help: string;
  short?: string;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

export type FlagValuesOf<T extends FlagTable> = {
  [K in keyof T]?: T[K]['kind'] extends 'boolean' ? true : string;
};

export interface ParsedCommandLine<T extends FlagTable> {
  flags: FlagValuesOf<T>;
  positionals: string[];
}

/** What node:util says, as one line naming the flag. */
function usageMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]}`;
  const missing = /Option '(-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
  if (missing) return `flag ${missing[2]} needs a value`;
  const ambiguous = /Option '(-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(message);
  if (ambiguous) return `flag ${ambiguous[2]} needs a value`;
  const noValue = /Option '(-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
  if (noValue) return `flag ${noValue[2]} takes no value`;
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional) return `unexpected argument "${positional[1]}"`;
  return message.split('\n')[0] ?? message;
}

/**
 * Parses `argv` against `table`: only its flags, each value flag with a non-empty value that is not
 * another flag, positionals only when `positionals` is set.
 */
export function parseCommandLine<T extends FlagTable>(
  argv: readonly string[],
  table: T,
  opts: { positionals?: boolean } = {},
): ParsedCommandLine<T> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(table)) {
    options[name] = {
      type: spec.kind === 'value' ? 'string' : 'boolean',
      ...(spec.short === undefined ? {} : { short: spec.short }),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: opts.positionals === true,
    });
  } catch (err) {
    throw new UsageError(usageMessage(err));
  }
  const flags: Record<string, string | true> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'string') {
      if (value === '' || (value.startsWith('--') && table[value.slice(2)] !== undefined))
        throw new UsageError(`flag --${name} needs a value`);
      flags[name] = value;
    } else if (value === true) flags[name] = true;
  }
  return { flags: flags as FlagValuesOf<T>, positionals: parsed.positionals };
}

/** The flag lines of a help text, generated from the table (aligned, wrapped lines indented). */
export function flagHelp(table: FlagTable): string {
  const rows = Object.entries(table).map(([name, spec]) => {
    const head = `${spec.short === undefined ? '' : `-${spec.short}, `}--${name}${spec.arg === undefined ? '' : ` ${spec.arg}`}`;
    return { head, lines: spec.help.split('\n') };
  });
  const width = Math.max(22, ...rows.map((r) => r.head.length + 2));
  return rows
    .flatMap((r) => [
      `  ${r.head.padEnd(width)}${r.lines[0] ?? ''}`,
      ...r.lines.slice(1).map((l) => `  ${' '.repeat(width)}${l}`),
    ])
    .join('\n');
}

/** A whole help text: usage line, description, the generated flags, and a footer (environment, exit codes). */
export function helpText(parts: {
  usage: string;
  description?: string;
  flags: FlagTable;
  footer?: string;
}): string {
  return [
    parts.usage,
    ...(parts.description === undefined ? [] : ['', parts.description]),
    '',
    flagHelp(parts.flags),
    ...(parts.footer === undefined ? [] : ['', parts.footer]),
  ].join('\n');
}

/** An integer in [min, max]; `undefined` gives the fallback. Refuses "abc", "1.5", "", "1e3". */
export function integerFlag(
  name: string,
  raw: string | undefined,
  range: { min: number; max?: number; fallback: number },
): number;
export function integerFlag(
  name: string,
  raw: string | undefined,
  range: { min: number; max?: number; fallback?: undefined },
): number | undefined;
export function integerFlag(
  name: string,
  raw: string | undefined,
  range: { min: number; max?: number; fallback?: number },
): number | undefined {
  if (raw === undefined) return range.fallback;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < range.min || n > max) {
    const bounds = range.max === undefined ? `≥ ${range.min}` : `from ${range.min} to ${max}`;
    throw new UsageError(`--${name} must be an integer ${bounds}, got "${raw}"`);
  }
  return n;
}

/** A finite decimal number in (exclusiveMin, max]. */
export function numberFlag(
  name: string,
  raw: string | undefined,
  range: { above: number; max: number; fallback: number },
): number {
  if (raw === undefined) return range.fallback;
  const n = Number(raw);
  if (!/^\s*-?(\d+\.?\d*|\.\d+)\s*$/.test(raw) || !(n > range.above) || n > range.max)
    throw new UsageError(
      `--${name} must be a number above ${range.above} and at most ${range.max}, got "${raw}"`,
    );
  return n;
}

/** One of the given values. */
export function choiceFlag<V extends string>(
  name: string,
  raw: string | undefined,
  choices: readonly V[],
  fallback: V,
): V {
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw))
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  return raw as V;
}

/**
 * An ISO-8601 instant with `Z` or an offset (`2025-01-01T00:00:00+01:00`), as epoch ms; undefined for
 * anything else, a zoneless time included (its meaning would depend on the host's zone).
 */
export function parseZonedInstant(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A directory that exists, checked before any work starts. */
export function directoryFlag(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let isDir = false;
  try {
    isDir = statSync(raw).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new UsageError(`--${name}: "${raw}" is not a directory`);
  return raw;
}
