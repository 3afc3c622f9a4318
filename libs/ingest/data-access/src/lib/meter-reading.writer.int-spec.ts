import {
  createIngestTestDb,
  IngestTestDb,
  quarterHourReadings,
  smallTopology,
} from '../testing/ingest-test-db';
import { MeterReadingWriter } from './meter-reading.writer';
import { ensurePartitions } from './partitions';
import { TopologyRepository } from '@gridwerk/shared/data-access-topology';
import type { TelemetryRow } from './types';

const count = async (t: IngestTestDb, sql: string): Promise<number> =>
  Number((await t.pool.query<{ n: string }>(sql)).rows[0]?.n);

function floorToHour(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
}

describe('MeterReadingWriter (native partitioning)', () => {
  let t: IngestTestDb;
  let writer: MeterReadingWriter;
  const start = floorToHour(new Date(Date.now() - 2 * 86_400_000));

  beforeAll(async () => {
    t = await createIngestTestDb('ingest_writer');
    await new TopologyRepository(t.pool).upsertTopology(smallTopology(50));
    writer = new MeterReadingWriter(t.pool);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores N rows, and a replay stores nothing twice', async () => {
    const rows = quarterHourReadings(start, 8, 0, 50); // 400 rows
    expect(await writer.writeReadings(rows)).toEqual({ inserted: 400, duplicates: 0 });
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading')).toBe(400);
    expect(await writer.writeReadings(rows)).toEqual({ inserted: 0, duplicates: 400 });
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading')).toBe(400);
  });

  it('stores the distinct rows of a batch mixing new rows, replays and in-batch duplicates', async () => {
    const old = quarterHourReadings(start, 8, 0, 10); // 80 already stored
    const fresh = quarterHourReadings(new Date(start.getTime() + 8 * 900_000), 4, 0, 50); // 200 new
    const batch = [...old, ...fresh, ...fresh.slice(0, 30)];
    expect(await writer.writeReadings(batch)).toEqual({ inserted: 200, duplicates: 110 });
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading')).toBe(600);
    expect(
      await count(t, 'SELECT count(DISTINCT (meter_point_id, interval_start)) AS n FROM meter_reading'),
    ).toBe(600);
  });

  it('keeps readings of meters the topology does not know (yet)', async () => {
    const unknown = quarterHourReadings(start, 2, 900, 902);
    expect(await writer.writeReadings(unknown)).toEqual({ inserted: 4, duplicates: 0 });
    expect(await count(t, `SELECT count(*) AS n FROM meter_reading WHERE meter_point_id LIKE 'DE%900'`)).toBe(
      2,
    );
  });

  it('lands a reading far outside the pre-created partitions in the DEFAULT partition', async () => {
    const far = quarterHourReadings(new Date('2011-06-01T10:00:00Z'), 1, 0, 3, 'far');
    const future = quarterHourReadings(new Date(Date.now() + 3 * 365 * 86_400_000), 1, 0, 2, 'future');
    expect(await writer.writeReadings([...far, ...future])).toEqual({ inserted: 5, duplicates: 0 });
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_default')).toBe(5);
    // a replay of it is still recognised
    expect(await writer.writeReadings(far)).toEqual({ inserted: 0, duplicates: 3 });
  });

  it('creates a partition on demand, moving rows out of the DEFAULT partition', async () => {
    const day = new Date('2011-06-01T00:00:00Z');
    expect(await ensurePartitions(t.pool, day, day)).toBe(2); // the day (readings) + its week (telemetry)
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_p20110601')).toBe(3);
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_default')).toBe(2);
    expect(await ensurePartitions(t.pool, day, day)).toBe(0);
  });

  it('creates partitions for days within the window before writing (auto-partition)', async () => {
    const day = new Date(Date.now() - 200 * 86_400_000);
    const rows = quarterHourReadings(floorToHour(day), 2, 0, 2, 'auto');
    expect(await writer.writeReadings(rows)).toEqual({ inserted: 4, duplicates: 0 });
    const name = `meter_reading_p${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
    expect(await count(t, `SELECT count(*) AS n FROM ${name}`)).toBe(4);
  });

  it('writes battery telemetry idempotently', async () => {
    const rows: TelemetryRow[] = Array.from({ length: 20 }, (_, i) => ({
      eventId: `tel-${i}`,
      assetId: 'BAT-0001',
      time: new Date(start.getTime() + i * 60_000).toISOString(),
      stateOfChargePct: 50 + i / 10,
      powerW: i % 2 === 0 ? 10_000 : -8_000,
      usableCapacityWh: 160_000,
      stateOfHealthPct: 80.5,
      temperatureC: 24.25,
      mode: 'auto',
    }));
    expect(await writer.writeTelemetry(rows)).toEqual({ inserted: 20, duplicates: 0 });
    expect(await writer.writeTelemetry([...rows.slice(10), ...rows.slice(10)])).toEqual({
      inserted: 0,
      duplicates: 20,
    });
    const [row] = (
      await t.pool.query('SELECT soc_pct, power_w, mode FROM battery_telemetry ORDER BY time LIMIT 1')
    ).rows;
    expect(row).toEqual({ soc_pct: 50, power_w: 10_000, mode: 'auto' });
  });

  it('rolls the whole batch back on a bad row (nothing half-written)', async () => {
    const rows = quarterHourReadings(new Date(start.getTime() + 48 * 900_000), 1, 0, 5, 'bad');
    rows[3] = { ...rows[3], importWh: -1 };
    const before = await count(t, 'SELECT count(*) AS n FROM meter_reading');
    await expect(writer.writeReadings(rows)).rejects.toThrow(/check constraint/);
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading')).toBe(before);
    // the connection is still usable afterwards
    expect((await writer.writeReadings(rows.filter((_, i) => i !== 3))).inserted).toBe(4);
  });
});
