import os from 'node:os';
import { main } from '../cli';
import { UsageError, parseFlags } from './cli-command';
import { builtInProfiles } from '@gridwerk/shared/util-load-profiles';
import { type BacktestReport } from '@gridwerk/forecast/domain';
import { backtestExitCode, parseBacktestCommand, slpProfileFunction } from './run-backtest.handler';

describe('forecast CLI', () => {
  it('parses backtest flags into a typed command', () => {
    const cmd = parseBacktestCommand(
      [
        '--csv',
        'a.csv',
        '--target=load',
        '--features',
        'temp,wind',
        '--horizon',
        'PT6H',
        '--folds',
        '3',
        '--json',
        '--test-from',
        '2024-03-31',
      ],
      'wasm',
    );
    expect(cmd).toMatchObject({
      csvPath: 'a.csv',
      target: 'load',
      features: { kind: 'list', columns: ['temp', 'wind'] },
      horizon: { kind: 'intraday', durationMs: 6 * 3_600_000 },
      folds: 3,
      json: true,
      backend: 'wasm',
      testFromMs: Date.UTC(2024, 2, 30, 23),
    });
    expect(parseBacktestCommand(['--help'], 'wasm')).toBeUndefined();
  });

  it('builds the SLP baseline from a BDEW profile: a year of quarter-hour shares sums to 1, hours are four quarters', () => {
    const profiles = builtInProfiles();
    const qh = slpProfileFunction(profiles, 'H25', 900_000);
    let sum = 0;
    for (let t = Date.UTC(2025, 11, 31, 23); t < Date.UTC(2026, 11, 31, 23); t += 900_000) sum += qh(t);
    expect(sum).toBeCloseTo(1, 6);
    const hourly = slpProfileFunction(profiles, 'G25', 3_600_000);
    const g = slpProfileFunction(profiles, 'G25', 900_000);
    const t0 = Date.UTC(2026, 0, 14, 11);
    expect(hourly(t0)).toBeCloseTo(g(t0) + g(t0 + 900_000) + g(t0 + 1_800_000) + g(t0 + 2_700_000), 12);
    // commerce: a working-day noon quarter hour weighs more than a Sunday night one
    expect(g(t0)).toBeGreaterThan(g(Date.UTC(2026, 0, 18, 2)));
  });

  it('parses --slp and refuses unknown profiles', () => {
    expect(
      parseBacktestCommand(
        ['--csv', 'a', '--target', 'x', '--slp', 'H25', '--profiles-dir', os.tmpdir()],
        'wasm',
      )?.slp,
    ).toEqual({ profile: 'H25', profilesDir: os.tmpdir() });
    expect(() => parseBacktestCommand(['--csv', 'a', '--target', 'x', '--slp', 'H0'], 'wasm')).toThrow(
      /--slp must be one of H25/,
    );
    expect(() =>
      parseBacktestCommand(['--csv', 'a', '--target', 'x', '--profiles-dir', '/p'], 'wasm'),
    ).toThrow(/--profiles-dir needs --slp/);
  });

  it('names the offending flag', () => {
    expect(() => parseFlags(['--nope'], {})).toThrow('unknown flag --nope');
    expect(() => parseBacktestCommand(['--target', 'x'], 'wasm')).toThrow(/--csv/);
    expect(() => parseBacktestCommand(['--csv', 'a', '--target', 'x', '--folds', '0'], 'wasm')).toThrow(
      UsageError,
    );
    expect(() => parseBacktestCommand(['--csv', 'a', '--target', 'x', '--backend', 'gpu'], 'wasm')).toThrow(
      /--backend/,
    );
  });

  it('exits 3 with the reason when less than 95 % of the test points were scored, 0 otherwise', () => {
    const fold = (f: number, expected: number, scored: number) => ({
      fold: f,
      pointsExpected: expected,
      pointsScored: scored,
    });
    const report = (folds: ReturnType<typeof fold>[]) =>
      ({
        foldReports: folds,
        pointsExpected: folds.reduce((s, f) => s + f.pointsExpected, 0),
        pointsScored: folds.reduce((s, f) => s + f.pointsScored, 0),
      }) as unknown as BacktestReport;
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => err.push(t) };
    expect(backtestExitCode(report([fold(1, 96, 96), fold(2, 96, 92)]), io)).toBe(0);
    expect(err).toEqual([]);
    expect(backtestExitCode(report([fold(1, 96, 96), fold(2, 96, 24)]), io)).toBe(3);
    expect(err.join('\n')).toMatch(
      /BACKTEST.INCOMPLETE: only 120 of 192 test points \(62.5 %\).*fold 2 24\/96/,
    );
  });

  it('exits 2 on usage and input errors, 0 on help', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => err.push(t) };
    expect(await main(['backtest', '--target', 'x'], io)).toBe(2);
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(await main(['backtest', '--csv', '/nonexistent.csv', '--target', 'x'], io)).toBe(2);
    expect(err.join('\n')).toContain('--csv');
    expect(await main(['--help'], io)).toBe(0);
  });

  it('checks --profiles-dir before reading the CSV or loading TF.js', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => err.push(t) };
    const code = await main(
      [
        'backtest',
        '--csv',
        '/nonexistent.csv',
        '--target',
        'x',
        '--slp',
        'H25',
        '--profiles-dir',
        '/nonexistent/bdew',
      ],
      io,
    );
    expect(code).toBe(2);
    expect(err).toEqual([
      'error: --profiles-dir: "/nonexistent/bdew" is not a directory (npm run forecast -- backtest --help for usage)',
    ]);
  });
});
