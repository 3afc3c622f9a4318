import {
  createIngestTestDb,
  IngestTestDb,
  meterId,
  pauseTimescaleJobs,
  quarterHourReadings,
  refreshRollupsNow,
  smallTopologyWithBattery,
} from '../testing/ingest-test-db';
import { TopologyRepository } from '@gridwerk/shared/data-access-topology';
import { MeterReadingWriter } from './meter-reading.writer';
import type { ReadingRow } from './types';

const QH = 900_000;
const STORAGE = meterId(900);
const STATION = 'UW-01-F01-ONS1';

/** A battery's storage meter: charging (import) at night, discharging (export) in the evening. */
function storageReadings(start: Date, intervals: number): ReadingRow[] {
  return Array.from({ length: intervals }, (_, k) => {
    const s = new Date(start.getTime() + k * QH);
    const charging = k < intervals / 2;
    return {
      eventId: `bat-${s.getTime()}`,
      meterPointId: STORAGE,
      intervalStart: s.toISOString(),
      intervalEnd: new Date(s.getTime() + QH).toISOString(),
      resolution: 'PT15M' as const,
      importWh: charging ? 5_000 + k * 10 : 0,
      exportWh: charging ? 0 : 9_000 + k * 10,
      registerImportWh: 1_000_000 + k,
      registerExportWh: 2_000_000 + k,
      quality: 'measured' as const,
    };
  });
}

/**
 * The load without the batteries (`uncontrolled_load_15m_*`), in the test database's storage mode: what
 * forecasts that steer batteries train on. The truth is computed from the raw rows of the customers'
 * meters only (every meter point but the storage ones), independently of the view's SQL.
 */
describe('uncontrolled load views (load without the storage meters, every level)', () => {
  let t: IngestTestDb;
  const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000);

  beforeAll(async () => {
    t = await createIngestTestDb('ingest_uncontrolled');
    await pauseTimescaleJobs(t.pool);
    await new TopologyRepository(t.pool).upsertTopology(smallTopologyWithBattery(24, STATION, STORAGE));
    const writer = new MeterReadingWriter(t.pool);
    await writer.writeReadings(quarterHourReadings(day, 8, 0, 24));
    await writer.writeReadings(storageReadings(day, 8));
    await refreshRollupsNow(t.pool);
  });
  afterAll(async () => {
    await t?.close();
  });

  const LEVELS = { secondary_substation: 'ss.id', feeder: 'f.id', substation: 'f.substation_id' } as const;

  it.each(Object.entries(LEVELS))(
    '%s: net_wh is the customers’ load, the storage meters apart',
    async (level, node) => {
      const expected = await t.pool.query<{ line: string }>(
        `SELECT concat_ws('|', ${node}, to_char(r.interval_start AT TIME ZONE 'UTC', 'HH24:MI'),
                        sum(r.import_wh - r.export_wh) FILTER (WHERE mp.customer_type <> 'storage'),
                        sum(r.import_wh - r.export_wh),
                        coalesce(sum(r.import_wh - r.export_wh) FILTER (WHERE mp.customer_type = 'storage'), 0)) AS line
         FROM meter_reading r
         JOIN meter_point mp ON mp.id = r.meter_point_id
         JOIN secondary_substation ss ON ss.id = mp.secondary_substation_id
         JOIN feeder f ON f.id = ss.feeder_id
        GROUP BY ${node}, r.interval_start
        ORDER BY 1`,
      );
      const actual = await t.pool.query<{ line: string }>(
        `SELECT concat_ws('|', node_id, to_char(bucket_start AT TIME ZONE 'UTC', 'HH24:MI'), net_wh, measured_net_wh, storage_net_wh) AS line
         FROM uncontrolled_load_15m_${level} ORDER BY 1`,
      );
      expect(actual.rows.length).toBeGreaterThan(0);
      expect(actual.rows.map((r) => r.line)).toEqual(expected.rows.map((r) => r.line));
    },
  );

  it('subtracts the battery where it sits: charging adds to the measured flow, discharging lowers it', async () => {
    const rows = await t.pool.query<{ node_id: string; net: string; measured: string; storage: string }>(
      `SELECT node_id, net_wh AS net, measured_net_wh AS measured, storage_net_wh AS storage
         FROM uncontrolled_load_15m_secondary_substation
        WHERE bucket_start IN ($1, $2) ORDER BY bucket_start, node_id`,
      [day, new Date(day.getTime() + 7 * QH)],
    );
    const station = rows.rows.filter((r) => r.node_id === STATION);
    expect(station.map((r) => Number(r.storage))).toEqual([5_000, -(9_000 + 70)]);
    for (const r of station) expect(Number(r.net)).toBe(Number(r.measured) - Number(r.storage));
    // a station without a battery: the view is its measured load
    for (const r of rows.rows.filter((x) => x.node_id !== STATION)) {
      expect(Number(r.storage)).toBe(0);
      expect(r.net).toBe(r.measured);
    }
  });
});
