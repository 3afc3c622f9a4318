import { parseFaults } from './cli';
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
    expect(r.stderr).toMatch(/--meters must be an integer >= 1, got "many"/);
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
});
