import { writeFileSync } from 'node:fs';
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
});
