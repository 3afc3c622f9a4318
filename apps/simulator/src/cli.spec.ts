import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELP, parseFaults, parseStart, parseUntil, SIMULATOR_FLAGS } from './cli';
import { runSimulatorCli as cli } from './testing/run-cli';

describe('simulator CLI', () => {
  it('parses fault rates and rejects unknown faults, bad rates and sums above 1', () => {
    expect(parseFaults('late=0.01,duplicate=0.02,outOfOrder=0.005,malformed=0.001')).toEqual({
      late: 0.01,
      duplicate: 0.02,
      outOfOrder: 0.005,
      malformed: 0.001,
    });
    expect(parseFaults(undefined)).toBeUndefined();
    expect(() => parseFaults('lost=0.1')).toThrow(/unknown fault "lost=0.1"/);
    expect(() => parseFaults('late=2')).toThrow(/within 0..1/);
    expect(() => parseFaults('late=0.6,duplicate=0.6')).toThrow(/at most 1/);
  });

  it('prints --help and exits 0', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--mode MODE\s+realtime \| accelerated \| backfill/);
  });

  it('exits 2 with a message naming the bad flag', () => {
    const r = cli(['--meters', 'many']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'error: --meters must be an integer from 1 to 1000000, got "many" (--help for usage)\n',
    );
  });

  it.each([
    [
      ['--start', '2025-01-01T00:07:00Z'],
      '--start must be on a quarter hour (the reading interval), got "2025-01-01T00:07:00Z"',
    ],
    [['--start', 'yesterday'], '--start must be an ISO-8601 instant with Z or an offset, got "yesterday"'],
    [['--profiles-dir', '/nonexistent/bdew'], '--profiles-dir: "/nonexistent/bdew" is not a directory'],
    [['--days', '0'], '--days must be an integer from 1 to 36500, got "0"'],
    [
      ['--rate', 'fast', '--mode', 'accelerated'],
      '--rate must be a number above 0 and at most 1000000, got "fast"',
    ],
    [['--mode', 'live'], '--mode must be one of realtime, accelerated, backfill, got "live"'],
    [['--metres', '5'], 'unknown flag --metres'],
  ])('refuses %j with exit 2 and one line naming the flag, before any work', (args, message) => {
    const r = cli([...args, '--print-topology']);
    expect([r.status, r.stderr]).toEqual([2, `error: ${message} (--help for usage)\n`]);
    expect(r.stdout).toBe('');
  });

  it('takes --start with an offset, as its help says, and normalises it to UTC', () => {
    expect(parseStart('2025-01-01T01:00:00+01:00', 'backfill', 15)).toBe('2025-01-01T00:00:00.000Z');
    expect(parseStart('2025-01-01T00:07:00Z', 'backfill', 1)).toBe('2025-01-01T00:07:00.000Z');
    expect(HELP).toMatch(/--start ISO\s+first interval: an ISO-8601 instant with Z or an offset/);
  });

  it('takes --until on the reading interval after --start, and refuses any other', () => {
    const start = '2025-01-01T00:00:00.000Z';
    expect(parseUntil(undefined, start, 15)).toBeUndefined();
    expect(parseUntil('2025-01-01T13:15:00+01:00', start, 15)).toBe('2025-01-01T12:15:00.000Z');
    expect(() => parseUntil('2025-01-01T12:10:00Z', start, 15)).toThrow(/--until must be on a quarter hour/);
    expect(() => parseUntil(start, start, 15)).toThrow(/--until must be after --start/);
    expect(() => parseUntil('noon', start, 15)).toThrow(/--until must be an ISO-8601 instant/);
  });

  it('lists every flag it accepts in its help', () => {
    for (const flag of Object.keys(SIMULATOR_FLAGS)) expect(HELP).toContain(`--${flag}`);
  });

  it('prints the topology as JSON without touching Kafka', () => {
    const r = cli(['--print-topology', '--meters', '120', '--seed', '4']);
    expect(r.status).toBe(0);
    const topo = JSON.parse(r.stdout) as {
      meteringPoints: { meterPointId: string }[];
      substations: unknown[];
    };
    expect(topo.meteringPoints).toHaveLength(120);
    expect(topo.substations.length).toBeGreaterThan(0);
    expect(topo.meteringPoints.every((m) => /^DE[0-9A-Z]{31}$/.test(m.meterPointId))).toBe(true);
  });

  it('simulates a topology given in a file (--topology), such as the demo sizes its story station in', () => {
    const printed = JSON.parse(cli(['--print-topology', '--meters', '60', '--seed', '4']).stdout) as {
      secondarySubstations: { secondarySubstationId: string; ratedKva: number }[];
      meteringPoints: unknown[];
    };
    const first = printed.secondarySubstations[0];
    if (!first) throw new Error('no secondary substation');
    first.ratedKva = 125; // not one the generator picks
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-topology-'));
    const file = path.join(dir, 'topology.json');
    fs.writeFileSync(file, JSON.stringify(printed));
    try {
      const r = cli(['--topology', file, '--print-topology']);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(printed);
      const both = cli(['--topology', file, '--meters', '60', '--print-topology']);
      expect([both.status, both.stderr]).toEqual([
        2,
        'error: --topology takes the grid from its file: leave out --meters and --undersized-stations (--help for usage)\n',
      ]);
      fs.writeFileSync(file, '{"feeders": []}');
      const bad = cli(['--topology', file, '--print-topology']);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/--topology: .* is not a topology .*no array "substations"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
