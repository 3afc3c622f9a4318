import { COMMANDS } from './index';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../cli';
import { UsageError } from './cli-command';
import { parseRunCommand } from './run-forecasts.handler';
import { parseTrainCommand } from './train-models.handler';

describe('train and run flags', () => {
  it('parse into typed commands', () => {
    const train = parseTrainCommand([
      '--series',
      'feeder:F1,substation:UW-01,grid',
      '--horizon',
      'intraday',
      '--until',
      '2025-03-20T09:00:00Z',
      '--history-days',
      '90',
      '--folds',
      '2',
    ]);
    expect(train).toMatchObject({
      horizon: 'intraday',
      untilMs: Date.parse('2025-03-20T09:00:00Z'),
      historyDays: 90,
      folds: 2,
      seed: 42,
    });
    expect(train?.series).toEqual([
      { id: 'feeder:F1', kind: 'feeder', nodeId: 'F1' },
      { id: 'substation:UW-01', kind: 'substation', nodeId: 'UW-01' },
      { id: 'grid', kind: 'grid', nodeId: 'grid' },
    ]);
    expect(parseTrainCommand(['--all'])).toMatchObject({
      series: 'all',
      horizon: 'day-ahead',
      historyDays: 120,
      folds: 4,
    });
    expect(parseRunCommand(['--all', '--issue-time', '2025-03-20T09:00:00Z'])).toMatchObject({
      issueTimeMs: Date.parse('2025-03-20T09:00:00Z'),
    });
    expect(parseRunCommand(['--help'])).toBeUndefined();
  });

  it('name the offending flag', () => {
    expect(() => parseTrainCommand([])).toThrow(/--series IDS or --all/);
    expect(() => parseTrainCommand(['--all', '--series', 'grid'])).toThrow(/--series IDS or --all/);
    expect(() => parseTrainCommand(['--series', 'pole:1'])).toThrow(/--series: SERIES.BAD_ID/);
    expect(() => parseTrainCommand(['--all', '--horizon', 'weekly'])).toThrow(/--horizon/);
    expect(() => parseTrainCommand(['--all', '--until', 'tomorrow'])).toThrow(/--until/);
    expect(() => parseTrainCommand(['--all', '--history-days', '0'])).toThrow(UsageError);
    expect(() => parseRunCommand(['--all', '--issue-time', '2025-03-20T09:05:00Z'])).toThrow(
      /--issue-time: .*quarter hour/,
    );
    expect(() => parseRunCommand(['--all', '--issue-time', '2025-03-20T12:00:00Z'])).toThrow(/before 12:00/);
    expect(() => parseRunCommand(['--series', 'custom:school'])).toThrow(/--csv FILE is required/);
    expect(() => parseRunCommand(['--series', 'grid', '--csv', 'x.csv'])).toThrow(/--csv only applies/);
  });

  it('read a custom series from CSV (15-minute steps only)', () => {
    const dir = os.tmpdir();
    const rows = Array.from(
      { length: 8 },
      (_, i) => `${new Date(Date.UTC(2025, 0, 1) + i * 900_000).toISOString()},${100 + i}`,
    );
    const ok = path.join(dir, `forecast-custom-${process.pid}.csv`);
    writeFileSync(ok, ['time,wh', ...rows].join('\n'));
    const cmd = parseTrainCommand(['--series', 'custom:school', '--csv', ok, '--target', 'wh']);
    const s = cmd?.selection.custom.get('custom:school');
    expect(s?.values.length).toBe(8);
    expect(s?.name).toBe('custom:school');
    const hourly = path.join(dir, `forecast-custom-h-${process.pid}.csv`);
    writeFileSync(
      hourly,
      [
        'time,wh',
        ...Array.from(
          { length: 8 },
          (_, i) => `${new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString()},1`,
        ),
      ].join('\n'),
    );
    expect(() => parseTrainCommand(['--series', 'custom:school', '--csv', hourly, '--target', 'wh'])).toThrow(
      /15-minute steps/,
    );
  });

  it('exit 2 for usage and configuration errors before touching a database', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => err.push(t) };
    expect(await main(['train', '--series', 'pole:1'], io)).toBe(2);
    expect(await main(['run'], io)).toBe(2);
    expect(await main(['train', '--help'], io)).toBe(0);
    expect(err.join('\n')).toContain('--series');
    const saved = process.env['DATABASE_URL'];
    process.env['DATABASE_URL'] = 'mysql://db/forecast';
    try {
      expect(await main(['relay'], io)).toBe(2);
      expect(err.join('\n')).toMatch(/DATABASE_URL must use postgres or postgresql/);
    } finally {
      if (saved === undefined) delete process.env['DATABASE_URL'];
      else process.env['DATABASE_URL'] = saved;
    }
  });

  it('refuses a bad flag value in one line naming the flag, and its help lists every flag it takes', async () => {
    const err: string[] = [];
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    expect(await main(['train', '--all', '--history-days', 'abc'], io)).toBe(2);
    expect(err).toEqual([
      'error: --history-days must be an integer ≥ 1, got "abc" (npm run forecast -- train --help for usage)',
    ]);
    expect(await main(['train', '--all', '--test-from', '2025-01-01'], io)).toBe(2);
    expect(err[1]).toBe('error: unknown flag --test-from (npm run forecast -- train --help for usage)');
    for (const [name, flags] of [
      [
        'train',
        [
          'series',
          'all',
          'horizon',
          'csv',
          'target',
          'time-col',
          'until',
          'history-days',
          'folds',
          'seed',
          'max-epochs',
          'json',
          'help',
        ],
      ],
      ['run', ['series', 'all', 'horizon', 'csv', 'target', 'time-col', 'issue-time', 'json', 'help']],
      ['relay', ['json', 'help']],
      ['migrate', ['help']],
      [
        'weather',
        ['mosmix', 'stations', 'csv', 'lat', 'lon', 'topic', 'group', 'timeout-seconds', 'json', 'help'],
      ],
    ] as const) {
      out.length = 0;
      expect(await main([name, '--help'], io)).toBe(0);
      const help = out.join('\n');
      const listed = [...help.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);
      expect([name, listed]).toEqual([name, [...flags]]);
      // every flag the help lists is accepted (only --help itself, so nothing runs)
      for (const f of listed) expect(COMMANDS.get(name)?.usage).toContain(`--${f}`);
    }
    expect(out.join('')).not.toContain('--test-from');
  });

  it("advises train's own flags when a series has too little history, and says how much it needs", () => {
    const train = COMMANDS.get('train');
    expect(train?.advise?.('BACKTEST.TOO_LITTLE_HISTORY')).toBe(
      'a series needs about 56 days of history: load more (e.g. simulator --days 60) or lower --folds',
    );
    expect(train?.usage).toMatch(/needs about 56 days of history/);
    expect(train?.advise?.('BACKTEST.TOO_LITTLE_HISTORY')).not.toContain('--test-from');
    expect(COMMANDS.get('backtest')?.advise?.('BACKTEST.TOO_LITTLE_HISTORY')).toContain('--test-from');
  });

  it('weather: refuses bad files and actions with exit 2 before touching a database, finds the nearest MOSMIX station', async () => {
    const err: string[] = [];
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    expect(await main(['weather'], io)).toBe(2);
    expect(await main(['weather', 'fetch'], io)).toBe(2);
    expect(err.join('\n')).toContain('unknown weather action "fetch"');
    expect(await main(['weather', 'import'], io)).toBe(2);
    expect(err.join('\n')).toContain('exactly one of --mosmix FILE and --csv FILE');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'weather-cli-'));
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(
      bad,
      'weather_point_id,issue_time,target_start,temperature_c\nP,2025-06-01T00:00:00Z,2025-06-01T01:00:00Z,warm\n',
    );
    expect(await main(['weather', 'import', '--csv', bad], io)).toBe(2);
    expect(err.join('\n')).toContain('WEATHER.BAD_CSV: line 2: temperature_c "warm" is not a number');
    let kmz = '';
    for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
      const c = path.join(d, 'shared/data/dwd/MOSMIX_L_2023100809_5stations.kmz');
      if (existsSync(c)) kmz = c;
    }
    out.length = 0;
    expect(
      await main(['weather', 'nearest', '--mosmix', kmz, '--lat', '50.08', '--lon', '8.24', '--json'], io),
    ).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ stationId: 'L821', name: 'WIESBADEN-AURINGEN' });
    expect(await main(['weather', 'nearest', '--mosmix', kmz, '--lat', '95', '--lon', '8'], io)).toBe(2);
  });
});
