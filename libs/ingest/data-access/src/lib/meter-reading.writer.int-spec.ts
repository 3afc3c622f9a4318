import {
  createIngestTestDb,
  IngestTestDb,
  quarterHourReadings,
  refreshRollupsNow,
  smallTopology,
} from '../testing/ingest-test-db';
import { MeterReadingWriter } from './meter-reading.writer';
import { dropExpiredPartitions, ensurePartitions } from './partitions';
import { TopologyRepository } from '@gridwerk/shared/data-access-topology';
import type { ReadingRow, TelemetryRow } from './types';
import { ReadingHistoryQueries } from './reading-history.queries';
import { LoadQueries } from './load.queries';
import { detectStorageMode } from './storage-mode';
import type { StorageMode } from './types';

const count = async (t: IngestTestDb, sql: string): Promise<number> =>
  Number((await t.pool.query<{ n: string }>(sql)).rows[0]?.n);

function floorToHour(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
}

/** TimescaleDB: runs the retention policies of the given hypertables now. */
async function runRetention(t: IngestTestDb, tables: string[]): Promise<void> {
  const jobs = await t.pool.query<{ job_id: number }>(
    `SELECT job_id FROM timescaledb_information.jobs
      WHERE proc_name = 'policy_retention' AND hypertable_name = ANY($1::text[])`,
    [tables],
  );
  for (const j of jobs.rows) await t.pool.query('CALL run_job($1)', [j.job_id]);
}

const chunksCovering = (t: IngestTestDb, table: string, at: string): Promise<number> =>
  count(
    t,
    `SELECT count(*) AS n FROM timescaledb_information.chunks
      WHERE hypertable_name = '${table}' AND range_start <= '${at}' AND range_end > '${at}'`,
  );

/** Partition tests assert native partitions, or TimescaleDB chunks and policies, as the database has. */
describe('MeterReadingWriter (native partitioning or TimescaleDB)', () => {
  let t: IngestTestDb;
  let writer: MeterReadingWriter;
  let mode: StorageMode;
  const start = floorToHour(new Date(Date.now() - 2 * 86_400_000));

  beforeAll(async () => {
    t = await createIngestTestDb('ingest_writer');
    mode = await detectStorageMode(t.pool);
    await new TopologyRepository(t.pool).upsertTopology(smallTopology(50));
    writer = new MeterReadingWriter(t.pool);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores N rows, and a replay stores nothing twice', async () => {
    const rows = quarterHourReadings(start, 8, 0, 50); // 400 rows
    expect(await writer.writeReadings(rows)).toEqual({
      inserted: 400,
      duplicates: 0,
      corrections: 0,
      correctionsApplied: 0,
    });
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading')).toBe(400);
    // one write per reading: a single version has no history row; the view still lists it as version 1
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_revision')).toBe(0);
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_version')).toBe(400);
    expect(
      await count(t, 'SELECT count(*) AS n FROM meter_reading_history WHERE version = 1 AND is_current'),
    ).toBe(400);
    expect(await writer.writeReadings(rows)).toEqual({
      inserted: 0,
      duplicates: 400,
      corrections: 0,
      correctionsApplied: 0,
    });
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading')).toBe(400);
    // a replay starts no history either
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_revision')).toBe(0);
  });

  it('stores the distinct rows of a batch mixing new rows, replays and in-batch duplicates', async () => {
    const old = quarterHourReadings(start, 8, 0, 10); // 80 already stored
    const fresh = quarterHourReadings(new Date(start.getTime() + 8 * 900_000), 4, 0, 50); // 200 new
    const batch = [...old, ...fresh, ...fresh.slice(0, 30)];
    expect(await writer.writeReadings(batch)).toEqual({
      inserted: 200,
      duplicates: 110,
      corrections: 0,
      correctionsApplied: 0,
    });
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading')).toBe(600);
    expect(
      await count(t, 'SELECT count(DISTINCT (meter_point_id, interval_start)) AS n FROM meter_reading'),
    ).toBe(600);
  });

  it('keeps readings of meters the topology does not know (yet)', async () => {
    const unknown = quarterHourReadings(start, 2, 900, 902);
    expect(await writer.writeReadings(unknown)).toEqual({
      inserted: 4,
      duplicates: 0,
      corrections: 0,
      correctionsApplied: 0,
    });
    expect(await count(t, `SELECT count(*) AS n FROM meter_reading WHERE meter_point_id LIKE 'DE%900'`)).toBe(
      2,
    );
  });

  it('lands a reading far outside the pre-created partitions in the DEFAULT partition', async () => {
    const far = quarterHourReadings(new Date('2011-06-01T10:00:00Z'), 1, 0, 3, 'far');
    const future = quarterHourReadings(new Date(Date.now() + 3 * 365 * 86_400_000), 1, 0, 2, 'future');
    expect(await writer.writeReadings([...far, ...future])).toEqual({
      inserted: 5,
      duplicates: 0,
      corrections: 0,
      correctionsApplied: 0,
    });
    if (mode === 'timescaledb') {
      // a chunk of its own for each (created on insert)
      expect(await chunksCovering(t, 'meter_reading', '2011-06-01T10:00:00Z')).toBe(1);
    } else expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_default')).toBe(5);
    // a replay of it is still recognised
    expect(await writer.writeReadings(far)).toEqual({
      inserted: 0,
      duplicates: 3,
      corrections: 0,
      correctionsApplied: 0,
    });
  });

  it('creates a partition on demand, moving rows out of the DEFAULT partition', async () => {
    const day = new Date('2011-06-01T00:00:00Z');
    if (mode === 'timescaledb') {
      expect(await ensurePartitions(t.pool, day, day)).toBe(0); // chunks come with the rows
      expect(
        await count(t, `SELECT count(*) AS n FROM meter_reading WHERE interval_start < '2012-01-01'`),
      ).toBe(3);
      return;
    }
    expect(await ensurePartitions(t.pool, day, day)).toBe(3); // the day (readings, versions) + its week (telemetry)
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_p20110601')).toBe(3);
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_default')).toBe(2);
    expect(await ensurePartitions(t.pool, day, day)).toBe(0);
  });

  it('retention trims the DEFAULT partitions too: a 1970 reading does not stay for ever', async () => {
    const ancient = quarterHourReadings(new Date('1970-01-02T00:00:00Z'), 1, 0, 2, 'ancient');
    expect((await writer.writeReadings(ancient)).inserted).toBe(2);
    // a correction of one of them starts its history: two versions in meter_reading_revision
    const [first] = ancient;
    if (!first) throw new Error('no ancient reading');
    expect(
      await writer.writeReadings([{ ...first, eventId: 'ancient-fix', importWh: first.importWh + 1 }]),
    ).toMatchObject({ corrections: 1 });
    if (mode === 'timescaledb') {
      const beyond = `SELECT count(*) AS n FROM meter_reading WHERE interval_start < now() - INTERVAL '400 days'`;
      expect(await count(t, beyond)).toBe(2 + 3);
      expect(
        await count(
          t,
          `SELECT count(*) AS n FROM meter_reading_revision WHERE interval_start < '1971-01-01' AND meter_point_id = '${first.meterPointId}'`,
        ),
      ).toBe(2);
      const within = await count(t, `SELECT count(*) AS n FROM meter_reading`);
      await runRetention(t, ['meter_reading', 'meter_reading_revision']);
      expect(await count(t, beyond)).toBe(0);
      expect(await count(t, beyond.replace('FROM meter_reading', 'FROM meter_reading_version'))).toBe(0);
      // rows within retention stay (the far-future ones included)
      expect(await count(t, `SELECT count(*) AS n FROM meter_reading`)).toBe(within - 5);
      return;
    }
    const old = `SELECT count(*) AS n FROM meter_reading_default WHERE interval_start < '1971-01-01'`;
    expect(await count(t, old)).toBe(2);
    // the corrected reading's two versions (a batch taking the staging path gives the other one a history too)
    expect(
      await count(
        t,
        `${old.replace('meter_reading_default', 'meter_reading_revision_default')} AND meter_point_id = '${first.meterPointId}'`,
      ),
    ).toBe(2);
    const dropped = await dropExpiredPartitions(t.pool);
    expect(dropped).toContain('meter_reading_p20110601');
    expect(dropped).toContain('meter_reading_revision_p20110601');
    expect(await count(t, old)).toBe(0);
    expect(await count(t, old.replace('meter_reading_default', 'meter_reading_revision_default'))).toBe(0);
    expect(await count(t, old.replace('meter_reading_default', 'meter_reading_version'))).toBe(0);
    // rows within retention stay, in the default partition as elsewhere
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_default')).toBe(2);
  });

  it('creates partitions for days within the window before writing (auto-partition)', async () => {
    const day = new Date(Date.now() - 200 * 86_400_000);
    const rows = quarterHourReadings(floorToHour(day), 2, 0, 2, 'auto');
    expect(await writer.writeReadings(rows)).toEqual({
      inserted: 4,
      duplicates: 0,
      corrections: 0,
      correctionsApplied: 0,
    });
    if (mode === 'timescaledb') {
      expect(await chunksCovering(t, 'meter_reading', floorToHour(day).toISOString())).toBe(1);
      return;
    }
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

describe('MeterReadingWriter: corrections are versions, the current value follows precedence', () => {
  let t: IngestTestDb;
  let writer: MeterReadingWriter;
  const start = floorToHour(new Date(Date.now() - 86_400_000));
  const [base] = quarterHourReadings(start, 1, 7, 8, 'v') as [ReadingRow];
  const version = (tag: string, quality: ReadingRow['quality'], importWh: number): ReadingRow => ({
    ...base,
    eventId: `${tag}-${importWh}`,
    quality,
    importWh,
  });

  beforeAll(async () => {
    t = await createIngestTestDb('ingest_versions');
    await new TopologyRepository(t.pool).upsertTopology(smallTopology(10));
    writer = new MeterReadingWriter(t.pool);
  });
  afterAll(async () => {
    await t?.close();
  });

  const current = async () =>
    (
      await t.pool.query<{ event_id: string; quality: string; import_wh: string }>(
        'SELECT event_id, quality, import_wh FROM meter_reading WHERE meter_point_id = $1 AND interval_start = $2',
        [base.meterPointId, base.intervalStart],
      )
    ).rows;

  it('estimated, then substituted, then measured: measured is current, all three are kept', async () => {
    expect(await writer.writeReadings([version('est', 'estimated', 100)])).toEqual({
      inserted: 1,
      duplicates: 0,
      corrections: 0,
      correctionsApplied: 0,
    });
    const sub = await writer.writeReadings([version('sub', 'substituted', 120)]);
    expect(sub).toMatchObject({ inserted: 0, duplicates: 0, corrections: 1, correctionsApplied: 1 });
    expect(sub.correctionSamples?.[0]).toMatchObject({
      meterPointId: base.meterPointId,
      eventId: 'sub-120',
      currentQuality: 'substituted',
    });
    expect(await writer.writeReadings([version('meas', 'measured', 131)])).toMatchObject({
      corrections: 1,
      correctionsApplied: 1,
    });
    expect(await current()).toEqual([{ event_id: 'meas-131', quality: 'measured', import_wh: '131' }]);
    const history = await new ReadingHistoryQueries(t.pool).versions(
      base.meterPointId,
      new Date(base.intervalStart),
    );
    expect(history.map((v) => [v.version, v.quality, v.importWh, v.isCurrent])).toEqual([
      [1, 'estimated', 100, false],
      [2, 'substituted', 120, false],
      [3, 'measured', 131, true],
    ]);
    const corrections = await new ReadingHistoryQueries(t.pool).corrections(
      start,
      new Date(start.getTime() + 3_600_000),
    );
    expect(corrections.map((c) => c.eventId)).toEqual(['sub-120', 'meas-131']);
  });

  it('keeps a later estimate as history without making it current; a newer measured value wins', async () => {
    expect(await writer.writeReadings([version('est2', 'estimated', 90)])).toMatchObject({
      corrections: 1,
      correctionsApplied: 0,
    });
    expect((await current())[0]?.event_id).toBe('meas-131');
    expect(await writer.writeReadings([version('meas2', 'measured', 133)])).toMatchObject({
      corrections: 1,
      correctionsApplied: 1,
    });
    expect((await current())[0]?.event_id).toBe('meas2-133');
  });

  it('counts a replay (same event id) and a resend of identical values under a new id as duplicates', async () => {
    const replay = version('meas2', 'measured', 133);
    const resend = { ...replay, eventId: 'resent-under-another-id' };
    expect(await writer.writeReadings([replay, resend])).toEqual({
      inserted: 0,
      duplicates: 2,
      corrections: 0,
      correctionsApplied: 0,
    });
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_version')).toBe(5);
  });

  it('orders versions of one batch by their position: the last of equal quality wins', async () => {
    const other = { ...base, meterPointId: quarterHourReadings(start, 1, 8, 9)[0]?.meterPointId ?? '' };
    const r = await writer.writeReadings([
      { ...other, eventId: 'b1', quality: 'estimated', importWh: 1 },
      { ...other, eventId: 'b2', quality: 'substituted', importWh: 2 },
      { ...other, eventId: 'b3', quality: 'substituted', importWh: 3 },
      { ...other, eventId: 'b4', quality: 'estimated', importWh: 4 },
    ]);
    // new in this batch and corrected in it: the current value is a correction, counted as applied
    expect(r).toMatchObject({ inserted: 1, duplicates: 0, corrections: 3, correctionsApplied: 1 });
    const row = await t.pool.query<{ event_id: string }>(
      'SELECT event_id FROM meter_reading WHERE meter_point_id = $1',
      [other.meterPointId],
    );
    expect(row.rows.map((x) => x.event_id)).toEqual(['b3']);
  });

  it('keeps the rollups equal to the current values after corrections', async () => {
    await refreshRollupsNow(t.pool);
    const meter = (smallTopology(10).meterPoints ?? []).find((m) => m.meterPointId === base.meterPointId);
    const ss = meter?.secondarySubstationId ?? '';
    const [bucket] = await new LoadQueries(t.pool).secondarySubstationLoad(
      ss,
      new Date(base.intervalStart),
      new Date(new Date(base.intervalStart).getTime() + 900_000),
    );
    const direct = await count(
      t,
      `SELECT sum(r.import_wh) AS n FROM meter_reading r JOIN meter_point mp ON mp.id = r.meter_point_id
        WHERE mp.secondary_substation_id = '${ss}' AND r.interval_start = '${String(base.intervalStart)}'`,
    );
    expect(bucket?.importWh).toBe(direct);
    expect(direct).toBeGreaterThanOrEqual(133);
  });
});
