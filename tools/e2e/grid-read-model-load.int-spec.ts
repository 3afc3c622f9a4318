import {
  createIngestTestDb,
  IngestTestDb,
  LoadQueries as IngestLoadQueries,
  MeterReadingWriter,
  minuteReadings,
  quarterHourReadings,
  refreshRollupsNow,
  smallTopology,
  TopologyRepository,
} from '@gridwerk/ingest/data-access';
import { LoadQueries, runGridApiMigrations, TopologyQueries } from '@gridwerk/grid/read-model';

/**
 * grid-api's load queries against ingest's real schema: the rollup views `load_15m_*` / `load_1h_*` and the
 * raw `meter_reading` table, created by INGEST_MIGRATIONS in a throw-away database (grid-api's own
 * migrations run on top, as they do when both services share a database).
 */
let t: IngestTestDb;
const START = new Date('2026-01-05T00:00:00Z');
const H = 3600_000;

beforeAll(async () => {
  t = await createIngestTestDb('grid_load');
  await runGridApiMigrations(t.db.url);
  await new TopologyRepository(t.pool).upsertTopology(smallTopology(16));
  const writer = new MeterReadingWriter(t.pool);
  // 3 days of quarter hours for 16 meters, and 2 hours of minute readings of meter 100 (unknown to topology)
  await writer.writeReadings(quarterHourReadings(START, 3 * 96, 0, 16));
  await writer.writeReadings(minuteReadings(new Date(START.getTime() + 24 * H), 120, 100));
  await refreshRollupsNow(t.pool);
});

afterAll(async () => {
  await t?.close();
});

describe('grid-api load queries on ingest views', () => {
  const q = new LoadQueries();

  it('reads 15-minute buckets from load_15m_* equal to ingest’s own query', async () => {
    const from = START;
    const to = new Date(START.getTime() + 3 * 24 * H);
    for (const [level, node] of [
      ['feeder', 'UW-01-F01'],
      ['substation', 'UW-02'],
      ['secondary_substation', 'UW-01-F02-ONS1'],
    ] as const) {
      const mine = await q.load(t.pool, level, node, from, to, 5000);
      const theirs = await new IngestLoadQueries(t.pool).load(level, node, from, to, '15m');
      expect(mine.resolution).toBe('15m');
      expect(mine.bucketS).toBe(900);
      expect(mine.points).toHaveLength(3 * 96);
      expect(mine.points.map((p) => [p.t, p.importWh, p.exportWh, p.netWh, p.metersReporting])).toEqual(
        theirs.map((b) => [b.bucketStart, b.importWh, b.exportWh, b.netWh, b.metersReporting]),
      );
      expect(mine.points[0]?.avgPowerW).toBe((mine.points[0]?.netWh ?? 0) * 4);
    }
  });

  it('uses 1-hour buckets beyond 35 days and caps the points with coarser buckets', async () => {
    const from = new Date(START.getTime() - 20 * 24 * H);
    const to = new Date(START.getTime() + 20 * 24 * H);
    const hourly = await q.load(t.pool, 'feeder', 'UW-01-F01', from, to, 5000);
    expect(hourly.resolution).toBe('1h');
    expect(hourly.points).toHaveLength(72);
    const quarter = await q.load(
      t.pool,
      'feeder',
      'UW-01-F01',
      START,
      new Date(START.getTime() + 3 * 24 * H),
      5000,
    );
    const sumQ = quarter.points.reduce((s, p) => s + p.netWh, 0);
    expect(hourly.points.reduce((s, p) => s + p.netWh, 0)).toBe(sumQ);
    const capped = await q.load(
      t.pool,
      'feeder',
      'UW-01-F01',
      START,
      new Date(START.getTime() + 3 * 24 * H),
      50,
    );
    expect(capped.resolution).toBe('15m');
    expect(capped.bucketS).toBe(6 * 900);
    expect(capped.points.length).toBeLessThanOrEqual(50);
    expect(capped.points.reduce((s, p) => s + p.netWh, 0)).toBe(sumQ);
  });

  it('reads raw readings for ranges up to 6 h', async () => {
    const from = new Date(START.getTime() + 2 * H);
    const raw = await q.load(
      t.pool,
      'secondary_substation',
      'UW-01-F01-ONS1',
      from,
      new Date(from.getTime() + 2 * H),
      5000,
    );
    expect(raw.resolution).toBe('raw');
    expect(raw.points).toHaveLength(8);
    expect(raw.points[0]?.metersReporting).toBe(2);
    const quarter = await q.load(
      t.pool,
      'secondary_substation',
      'UW-01-F01-ONS1',
      from,
      new Date(from.getTime() + 7 * H),
      5000,
    );
    expect(raw.points.map((p) => p.netWh)).toEqual(quarter.points.slice(0, 8).map((p) => p.netWh));
    expect(
      await q.actual15m(t.pool, 'feeder', 'UW-01-F01', from, new Date(from.getTime() + H), 10),
    ).toHaveLength(4);
  });

  it('reads the topology tables', async () => {
    const topo = await new TopologyQueries().load(t.pool);
    expect(topo.substations.map((s) => s.id)).toEqual(['UW-01', 'UW-02']);
    expect(topo.secondarySubstations).toHaveLength(8);
    expect(topo.meters).toHaveLength(16);
    expect(topo.batteries[0]).toMatchObject({ id: 'BAT-0001', secondarySubstationId: 'UW-01-F01-ONS1' });
  });
});
