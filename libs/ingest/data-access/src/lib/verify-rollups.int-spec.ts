import { TopologyRepository } from '@gridwerk/shared/data-access-topology';
import {
  createIngestTestDb,
  IngestTestDb,
  meterId,
  minuteReadings,
  quarterHourReadings,
  smallTopology,
} from '../testing/ingest-test-db';
import { rebuildLoadRollups, refreshRollups } from './load-rollup.maintenance';
import { MeterReadingWriter } from './meter-reading.writer';
import { detectStorageMode } from './storage-mode';
import { verifyRollups } from './verify-rollups';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Runs in either storage mode: the check compares the load_* relations (and TimescaleDB's per-meter caggs). */
describe('verifyRollups: every rollup level against a plain aggregate of the raw rows', () => {
  let t: IngestTestDb;
  const day = new Date(Math.floor(Date.now() / DAY) * DAY - 3 * DAY);
  const old = new Date(Math.floor(Date.now() / DAY) * DAY - 30 * DAY);
  const range = { from: new Date(day.getTime() - 40 * DAY), to: new Date(day.getTime() + DAY) };

  beforeAll(async () => {
    t = await createIngestTestDb('ingest_verify_rollups');
    await new TopologyRepository(t.pool).upsertTopology(smallTopology(40));
    const writer = new MeterReadingWriter(t.pool);
    await writer.writeReadings(quarterHourReadings(day, 32, 0, 30));
    await writer.writeReadings(quarterHourReadings(old, 8, 0, 10, 'old'));
    await writer.writeReadings(minuteReadings(new Date(day.getTime() + HOUR), 30, 30));
    await writer.writeReadings(quarterHourReadings(day, 4, 990, 991)); // a meter the topology lacks
    await refreshRollups(t.pool);
    await rebuildLoadRollups(t.pool, range.from, range.to);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds no difference when the rollups are up to date, and compares every level', async () => {
    const v = await verifyRollups(t.pool, range);
    expect(v.mode).toBe(await detectStorageMode(t.pool));
    expect(v.differing).toBe(0);
    expect(v.pendingHours).toBe(0);
    const relations = v.levels.map((l) => l.relation);
    expect(relations).toEqual(
      expect.arrayContaining([
        'load_15m_secondary_substation',
        'load_15m_feeder',
        'load_15m_substation',
        'load_1h_secondary_substation',
        'load_1h_feeder',
        'load_1h_substation',
      ]),
    );
    if (v.mode === 'timescaledb')
      expect(relations).toEqual(expect.arrayContaining(['meter_energy_15m', 'meter_energy_1h']));
    for (const l of v.levels) expect(l.expectedBuckets).toBeGreaterThan(0);
    // 8 hours of the recent day and 2 of the old one, on each of the 4 feeders (the unknown meter on none)
    const feederHours = v.levels.find((l) => l.relation === 'load_1h_feeder');
    expect(feederHours?.expectedBuckets).toBe(4 * 8 + 4 * 2);
  });

  it('reports the buckets a meter moving between feeders changes until the rollups are rebuilt', async () => {
    const moved = meterId(1);
    const before = await t.pool.query<{ ss: string }>(
      'SELECT secondary_substation_id AS ss FROM meter_point WHERE id = $1',
      [moved],
    );
    const target = before.rows[0]?.ss === 'UW-02-F02-ONS2' ? 'UW-01-F01-ONS1' : 'UW-02-F02-ONS2';
    await t.pool.query('UPDATE meter_point SET secondary_substation_id = $2 WHERE id = $1', [moved, target]);
    const v = await verifyRollups(t.pool, { ...range, limit: 3 });
    expect(v.differing).toBeGreaterThan(0);
    const feeder = v.levels.find((l) => l.relation === 'load_15m_feeder');
    // both feeders of the move differ in all 40 quarter hours the meter reported (32 recent + 8 old)
    expect(feeder?.differing).toBe(2 * 40);
    expect(feeder?.differences).toHaveLength(3);
    expect(feeder?.differences[0]).toMatchObject({ kind: 'different' });
    const perMeter = v.levels.filter((l) => l.relation.startsWith('meter_energy'));
    for (const l of perMeter) expect(l.differing).toBe(0); // no topology below the meter level

    await rebuildLoadRollups(t.pool, range.from, range.to);
    expect((await verifyRollups(t.pool, range)).differing).toBe(0);
  });

  it('reports raw rows changed behind the rollups back (deleted without invalidation) until a rebuild', async () => {
    const hour = new Date(day.getTime() + 2 * HOUR);
    await t.pool.query(
      'DELETE FROM meter_reading WHERE meter_point_id = $1 AND interval_start >= $2 AND interval_start < $3',
      [meterId(4), hour, new Date(hour.getTime() + HOUR)],
    );
    const v = await verifyRollups(t.pool, range);
    const ss = v.levels.find((l) => l.relation === 'load_15m_secondary_substation');
    // in native mode, and in TimescaleDB below the watermark, the rollups still count the deleted rows
    expect(ss?.differing).toBe(4);
    expect(ss?.differences.map((d) => d.kind)).toEqual(['different', 'different', 'different', 'different']);
    const d = ss?.differences[0];
    expect(d?.actual?.metersReporting).toBe((d?.expected?.metersReporting ?? 0) + 1);

    await rebuildLoadRollups(t.pool, range.from, range.to);
    expect((await verifyRollups(t.pool, range)).differing).toBe(0);
  });

  it('native mode: names missing, unexpected and different buckets, and counts pending hours apart', async () => {
    if ((await detectStorageMode(t.pool)) !== 'native-partitioning') return; // caggs cannot be edited
    const b = new Date(day.getTime() + HOUR);
    await t.pool.query(
      `UPDATE rollup_load SET import_wh = import_wh + 1
        WHERE level = 'feeder' AND bucket_width = '1h' AND node_id = 'UW-01-F01' AND bucket_start = $1`,
      [b],
    );
    await t.pool.query(
      `DELETE FROM rollup_load WHERE level = 'substation' AND bucket_width = '1h' AND node_id = 'UW-02' AND bucket_start = $1`,
      [b],
    );
    await t.pool.query(
      `INSERT INTO rollup_load (level, bucket_width, node_id, bucket_start, import_wh, export_wh, meters_reporting)
       VALUES ('feeder', '15m', 'UW-09-F09', $1, 1, 0, 1)`,
      [b],
    );
    await t.pool.query('INSERT INTO rollup_invalidation (hour_start) VALUES ($1), ($1)', [b]);
    const v = await verifyRollups(t.pool, range);
    expect(v.differing).toBe(3);
    expect(v.pendingHours).toBe(1);
    const kinds = Object.fromEntries(
      v.levels.filter((l) => l.differing > 0).map((l) => [l.relation, l.differences.map((x) => x.kind)]),
    );
    expect(kinds).toEqual({
      load_1h_feeder: ['different'],
      load_1h_substation: ['missing'],
      load_15m_feeder: ['unexpected'],
    });
    const diff = v.levels.find((l) => l.relation === 'load_1h_feeder')?.differences[0];
    expect(diff?.actual?.importWh).toBe((diff?.expected?.importWh ?? 0) + 1);
    expect(diff?.bucketStart).toEqual(b);

    await refreshRollups(t.pool);
    await rebuildLoadRollups(t.pool, range.from, range.to);
    const after = await verifyRollups(t.pool, range);
    expect([after.differing, after.pendingHours]).toEqual([0, 0]);
  });
});
