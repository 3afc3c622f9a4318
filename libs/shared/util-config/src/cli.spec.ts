import os from 'node:os';
import {
  directoryFlag,
  flagHelp,
  integerFlag,
  numberFlag,
  parseCommandLine,
  parseZonedInstant,
  UsageError,
} from './cli';

const TABLE = {
  meters: { kind: 'value', arg: 'N', help: 'number of metering points (default 1000)' },
  'profiles-dir': { kind: 'value', arg: 'DIR', help: 'BDEW profiles\nin their published layout' },
  json: { kind: 'boolean', help: 'one JSON object on stdout' },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const;

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error('no UsageError');
}

describe('parseCommandLine', () => {
  it('reads value and boolean flags in both spellings', () => {
    expect(parseCommandLine(['--meters', '5', '--json'], TABLE).flags).toEqual({ meters: '5', json: true });
    expect(parseCommandLine(['--meters=7', '-h'], TABLE).flags).toEqual({ meters: '7', help: true });
  });

  it('refuses, in one line naming the flag, an unknown flag, a missing or empty value, a value on a switch', () => {
    expect(usage(() => parseCommandLine(['--metres', '5'], TABLE))).toBe('unknown flag --metres');
    expect(usage(() => parseCommandLine(['--meters'], TABLE))).toBe('flag --meters needs a value');
    expect(usage(() => parseCommandLine(['--meters='], TABLE))).toBe('flag --meters needs a value');
    expect(usage(() => parseCommandLine(['--meters', '--json'], TABLE))).toBe('flag --meters needs a value');
    expect(usage(() => parseCommandLine(['--json=yes'], TABLE))).toBe('flag --json takes no value');
    expect(usage(() => parseCommandLine(['extra'], TABLE))).toBe('unexpected argument "extra"');
    expect(parseCommandLine(['train', '--json'], TABLE, { positionals: true }).positionals).toEqual([
      'train',
    ]);
  });

  it('writes the help from the same table, every flag in it', () => {
    const help = flagHelp(TABLE);
    for (const name of Object.keys(TABLE)) expect(help).toContain(`--${name}`);
    expect(help).toMatch(/^ {2}--meters N {2,}number of metering points \(default 1000\)$/m);
    expect(help).toMatch(/^ {2}-h, --help {2,}this help$/m);
    // a continuation line is indented under the text of its flag
    const lines = help.split('\n');
    const i = lines.findIndex((l) => l.includes('--profiles-dir'));
    expect(lines[i + 1]?.trim()).toBe('in their published layout');
    expect(lines[i + 1]?.indexOf('in')).toBe(lines[i]?.indexOf('BDEW'));
  });
});

describe('value parsers', () => {
  it('refuse what does not parse, naming the flag', () => {
    expect(integerFlag('meters', '12', { min: 1, fallback: 3 })).toBe(12);
    expect(integerFlag('meters', undefined, { min: 1, fallback: 3 })).toBe(3);
    for (const bad of ['abc', '1.5', '', '1e3', '0'])
      expect(usage(() => integerFlag('meters', bad, { min: 1, max: 100, fallback: 3 }))).toBe(
        `--meters must be an integer from 1 to 100, got "${bad}"`,
      );
    expect(numberFlag('rate', '2.5', { above: 0, max: 10, fallback: 1 })).toBe(2.5);
    expect(usage(() => numberFlag('rate', 'fast', { above: 0, max: 10, fallback: 1 }))).toMatch(
      /^--rate must be a number/,
    );
  });

  it('checks that a directory exists', () => {
    expect(directoryFlag('profiles-dir', os.tmpdir())).toBe(os.tmpdir());
    expect(usage(() => directoryFlag('profiles-dir', '/nonexistent/bdew'))).toBe(
      '--profiles-dir: "/nonexistent/bdew" is not a directory',
    );
  });

  it('parseZonedInstant takes an instant with Z or an offset and refuses zoneless or impossible ones', () => {
    expect(parseZonedInstant('2025-01-01T00:00:00+01:00')).toBe(Date.UTC(2024, 11, 31, 23));
    expect(parseZonedInstant('2025-06-01T12:15Z')).toBe(Date.UTC(2025, 5, 1, 12, 15));
    for (const bad of ['2025-01-01T00:00:00', '2025-01-01', '2025-13-01T00:00:00Z', 'now'])
      expect(parseZonedInstant(bad)).toBeUndefined();
  });
});
