import { DispatchRepository } from '@gridwerk/dispatch/data-access';
import { LoadSeriesRepository, parseSeriesId } from '@gridwerk/forecast/data-access';
import {
  createIngestTestDb,
  type IngestTestDb,
  meterId,
  MeterReadingWriter,
  pauseTimescaleJobs,
  quarterHourReadings,
  refreshRollupsNow,
  smallTopology,
  smallTopologyWithBattery,
  TopologyRepository,
  type ReadingRow,
} from '@gridwerk/ingest/data-access';

const QH = 900_000;
const STATION = 'UW-01-F01-ONS1';
const STORAGE = meterId(900);

/**
 * The series forecasts are trained on and dispatch's history forecast averages are the load without the
 * batteries: a battery that shaved the station's peak (its local rule in the history) must not lower the
 * load the next plan is made against. One station's customers plus its battery's storage meter, through
 * the ingest writer and rollups, read by the forecast's and dispatch's repositories.
 */
describe('forecast and dispatch read the load without the batteries', () => {
  let t: IngestTestDb;
  const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000);
  const n = 8;
  // the battery charges 4 kWh in the first four quarter hours and discharges 6 kWh in the last four
  const storage: ReadingRow[] = Array.from({ length: n }, (_, k) => {
    const s = new Date(day.getTime() + k * QH);
    return {
      eventId: `bat-${k}`,
      meterPointId: STORAGE,
      intervalStart: s.toISOString(),
      intervalEnd: new Date(s.getTime() + QH).toISOString(),
      resolution: 'PT15M',
      importWh: k < 4 ? 4_000 : 0,
      exportWh: k < 4 ? 0 : 6_000,
      registerImportWh: 1_000 + k,
      registerExportWh: 2_000 + k,
      quality: 'measured',
    };
  });
  const customers = quarterHourReadings(day, n, 0, 16);
  /** The customers' net load of the station per quarter hour: what the transformer carries without the battery. */
  const customerLoad = (station: string, topo = smallTopology(16)): number[] =>
    Array.from({ length: n }, (_, k) =>
      customers
        .filter((r) => new Date(r.intervalStart).getTime() === day.getTime() + k * QH)
        .filter(
          (r) =>
            topo.meterPoints?.find((m) => m.meterPointId === r.meterPointId)?.secondarySubstationId ===
            station,
        )
        .reduce((s, r) => s + r.importWh - r.exportWh, 0),
    );

  beforeAll(async () => {
    t = await createIngestTestDb('demo_uncontrolled_series');
    await pauseTimescaleJobs(t.pool);
    await new TopologyRepository(t.pool).upsertTopology(smallTopologyWithBattery(16, STATION, STORAGE));
    const writer = new MeterReadingWriter(t.pool);
    await writer.writeReadings(customers);
    await writer.writeReadings(storage);
    await refreshRollupsNow(t.pool, { from: day, to: new Date(day.getTime() + 86_400_000) });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('the measured flow includes the battery (the rollup the control room shows)', async () => {
    const res = await t.pool.query<{ net: string }>(
      `SELECT net_wh AS net FROM load_15m_secondary_substation WHERE node_id = $1 ORDER BY bucket_start`,
      [STATION],
    );
    const withBattery = customerLoad(STATION).map((v, k) => v + (k < 4 ? 4_000 : -6_000));
    expect(res.rows.map((r) => Number(r.net))).toEqual(withBattery);
  });

  it('forecast series: station, feeder, substation and grid without the storage meter', async () => {
    const repo = new LoadSeriesRepository(t.pool);
    const refs = await repo.listSeries(day.getTime(), day.getTime() + n * QH);
    expect(refs.map((r) => r.id)).toContain(`secondary-substation:${STATION}`);
    const series = await repo.loadMany(refs, day.getTime(), day.getTime() + n * QH);
    expect(Array.from(series.get(`secondary-substation:${STATION}`)?.values ?? [])).toEqual(
      customerLoad(STATION),
    );
    const all = Array.from({ length: n }, (_, k) =>
      customers
        .filter((r) => new Date(r.intervalStart).getTime() === day.getTime() + k * QH)
        .reduce((s, r) => s + r.importWh - r.exportWh, 0),
    );
    expect(Array.from(series.get('grid')?.values ?? [])).toEqual(all);
    const feeder = ['UW-01-F01-ONS1', 'UW-01-F01-ONS2'].map((s) => customerLoad(s));
    expect(Array.from(series.get('feeder:UW-01-F01')?.values ?? [])).toEqual(
      feeder[0]?.map((v, k) => v + (feeder[1]?.[k] ?? 0)),
    );
    const actuals = await repo.actuals(
      parseSeriesId(`secondary-substation:${STATION}`),
      day.getTime(),
      day.getTime() + n * QH,
    );
    expect([...actuals.values()]).toEqual(customerLoad(STATION));
  });

  it('dispatch’s history forecast reads the same load without the battery', async () => {
    const measured = await new DispatchRepository(t.pool).measuredLoad(
      [STATION],
      day.getTime(),
      day.getTime() + n * QH,
    );
    const m = measured.get(STATION);
    expect(Array.from({ length: n }, (_, k) => m?.get(day.getTime() + k * QH))).toEqual(
      customerLoad(STATION),
    );
  });
});
