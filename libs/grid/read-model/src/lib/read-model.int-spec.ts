import { raiseAlarm, transition, type Alarm } from '@gridwerk/grid/alarms';
import { exampleEventData } from '@gridwerk/contracts';
import { createTestDatabase, TestDatabase, withTransaction } from '@gridwerk/shared/data-access-database';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import { AlarmRepository, ConcurrentChangeError } from './alarm.repository';
import { AuditRepository } from './audit.repository';
import { runGridApiMigrations } from './db';
import { aboveRatingDay, DispatchPlanQueries, stationStepsInForce } from './dispatch-plan.queries';
import { FactsRepository } from './facts.repository';
import { GRID_API_MIGRATIONS } from './migrations';
import { OutboxRepository } from './outbox.repository';
import { SettingsRepository } from './settings.repository';
import { StreamLogRepository } from './stream-log.repository';
import { TopologyQueries } from './topology.queries';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('grid_read_model');
  const ran = await runGridApiMigrations(db.url);
  expect(ran).toEqual([
    'GridTopology1730000000000',
    'GridReadModel1732000000000',
    'GridBatteryControl1732000000001',
    'GridTopologyCoordinates1766000000000',
    'GridTopologyStationStreet1767000000000',
  ]);
  expect(await runGridApiMigrations(db.url)).toEqual([]);
  pool = new Pool({ connectionString: db.url, max: 6 });
});

afterAll(async () => {
  // pg-pool resolves end() before its last client's socket has closed; dropping the database WITH (FORCE)
  // then terminates that backend (57P01), which pg-pool re-emits on the pool. Expected here, nowhere else.
  pool?.on('error', (err: Error & { code?: string }) => {
    if (err.code !== '57P01') throw err;
  });
  await pool?.end();
  await db?.drop();
});

const T0 = '2026-01-05T17:00:00.000Z';
const cond = {
  code: 'TRANSFORMER.OVERLOAD',
  nodeId: 'S1',
  nodeKind: 'transformer' as const,
  active: true,
  severity: 'warning' as const,
  message: 'Loading 95 %',
  observedAt: T0,
};
const anna = { sub: 'u-anna', username: 'anna' };

describe('grid read model (real PostgreSQL)', () => {
  const alarms = new AlarmRepository();
  const audit = new AuditRepository();

  it('stores alarms with optimistic concurrency and one open occurrence per (rule, node)', async () => {
    const a = raiseAlarm('a-1', cond, T0);
    await alarms.save(pool, a, null);
    expect(await alarms.get(pool, 'a-1')).toEqual(a);
    await expect(alarms.save(pool, raiseAlarm('a-2', cond, T0), null)).rejects.toThrow(/grid_alarm_open_key/);
    const acked = transition(a, { kind: 'acknowledge', by: anna, comment: 'on it' }, T0).alarm;
    await alarms.save(pool, acked, 1);
    await expect(alarms.save(pool, { ...acked, version: 3 }, 1)).rejects.toBeInstanceOf(
      ConcurrentChangeError,
    );
    expect((await alarms.open(pool)).map((x) => x.state)).toEqual(['acknowledged']);
    expect(
      (await alarms.list(pool, { states: ['acknowledged'], nodeIds: ['S1'] })).map((x: Alarm) => x.id),
    ).toEqual(['a-1']);
    expect(await alarms.list(pool, { nodeIds: ['other'] })).toEqual([]);
    expect(await alarms.raisedSince(pool, new Date(Date.parse(T0) - 1000))).toEqual([T0]);
  });

  it('keeps the audit log append-only in the database', async () => {
    await audit.append(pool, [
      {
        actorSub: anna.sub,
        actorName: anna.username,
        action: 'alarm.acknowledge',
        alarmId: 'a-1',
        reason: 'on it',
      },
      {
        actorSub: 'system',
        actorName: 'system',
        action: 'alarm.raised',
        alarmId: 'a-1',
        detail: { value: 95 },
      },
    ]);
    const entries = await audit.forAlarm(pool, 'a-1');
    expect(entries.map((e) => [e.actorName, e.action, e.reason])).toEqual([
      ['anna', 'alarm.acknowledge', 'on it'],
      ['system', 'alarm.raised', null],
    ]);
    expect(entries[1]?.detail).toEqual({ value: 95 });
    await expect(pool.query(`UPDATE grid_audit_log SET reason = 'forged'`)).rejects.toThrow(/append-only/);
    await expect(pool.query('DELETE FROM grid_audit_log')).rejects.toThrow(/append-only/);
    await expect(pool.query('TRUNCATE grid_audit_log')).rejects.toThrow(/append-only/);
    const between = await audit.between(pool, new Date(Date.now() - 60_000), new Date(Date.now() + 60_000));
    expect(between).toHaveLength(2);
  });

  it('stream event ids become visible in increasing order under concurrent writers', async () => {
    const log = new StreamLogRepository();
    const start = await log.lastId(pool);
    const seen: number[] = [];
    let stop = false;
    const reader = (async () => {
      let last = start;
      while (!stop) {
        const evs = await log.after(pool, last, 1000);
        for (const e of evs) {
          seen.push(e.id);
          last = e.id;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      for (const e of await log.after(pool, last, 10_000)) seen.push(e.id);
    })();
    // slow and fast writers interleave: without the lock a slow transaction's lower id would commit late
    await Promise.all(
      Array.from({ length: 4 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 15; i++)
            await withTransaction(pool, async (c) => {
              await log.append(c, [{ type: 'load', data: { w, i } }]);
              if (w % 2 === 0) await c.query('SELECT pg_sleep(0.005)');
            });
        })(),
      ),
    );
    stop = true;
    await reader;
    expect(seen).toHaveLength(60);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(new Set(seen).size).toBe(60);
    const ids = await log.appendNow(pool, [
      { type: 'alarm', data: { a: 1 } },
      { type: 'battery', data: { b: 2 } },
    ]);
    expect((await log.after(pool, (ids[0] ?? 0) - 1, 10)).map((e) => [e.type, e.data])).toEqual([
      ['alarm', { a: 1 }],
      ['battery', { b: 2 }],
    ]);
    await pool.query(`UPDATE grid_stream_event SET created_at = now() - interval '1 hour' WHERE id <= $1`, [
      start + 60,
    ]);
    expect(await log.prune(pool, 30 * 60_000)).toBe(60);
    expect(await log.firstId(pool)).toBe(ids[0]);
  });

  it('relays the outbox in order and marks it published', async () => {
    const outbox = new OutboxRepository();
    await outbox.enqueue(pool, [
      { topic: 't1', key: 'k1', payload: { n: 1 } },
      { topic: 't2', key: 'k2', payload: { n: 2 } },
      { topic: 't1', key: 'k3', payload: { n: 3 } },
    ]);
    expect(await outbox.pending(pool)).toBe(3);
    const sent: [string, string, string][] = [];
    const failing = { send: async () => Promise.reject(new Error('broker down')) };
    await expect(outbox.relay(pool, failing)).rejects.toThrow('broker down');
    expect(await outbox.pending(pool)).toBe(3);
    const n = await outbox.relay(pool, {
      send: async (topic, msgs) => void msgs.forEach((m) => sent.push([topic, m.key, m.value])),
    });
    expect(n).toBe(3);
    expect(sent).toEqual([
      ['t1', 'k1', '{"n":1}'],
      ['t1', 'k3', '{"n":3}'],
      ['t2', 'k2', '{"n":2}'],
    ]);
    expect(await outbox.pending(pool)).toBe(0);
    expect(await outbox.relay(pool, failing)).toBe(0);
  });

  it('keeps the newest battery state and command; replays change nothing', async () => {
    const facts = new FactsRepository();
    const t = exampleEventData('de.gridwerk.battery.telemetry.v1', {
      assetId: 'BAT-1',
      time: '2026-01-05T17:00:00Z',
      stateOfChargePct: 50,
    });
    const newer = { ...t, time: '2026-01-05T17:01:00Z', stateOfChargePct: 51 };
    await facts.upsertTelemetry(pool, [newer, t]);
    await facts.upsertTelemetry(pool, [t]);
    const cmd = exampleEventData('de.gridwerk.battery.command.v1', { assetId: 'BAT-1' });
    await facts.upsertCommands(pool, [cmd]);
    await facts.upsertCommands(pool, [{ ...cmd, commandId: 'older', issuedAt: '2000-01-01T00:00:00Z' }]);
    const [b] = await facts.batteries(pool);
    expect(b).toMatchObject({
      assetId: 'BAT-1',
      stateOfChargePct: 51,
      observedAt: '2026-01-05T17:01:00.000Z',
    });
    expect(b?.lastCommand?.commandId).toBe(cmd.commandId);
    expect(b?.lastCommand).toMatchObject({ stationLimitW: null, socReservePct: null });
    expect(await facts.batteries(pool, ['nope'])).toEqual([]);
  });

  it('keeps a v2 limit command and the control the battery reports', async () => {
    const facts = new FactsRepository();
    const t = exampleEventData('de.gridwerk.battery.telemetry.v1', {
      assetId: 'BAT-2',
      time: '2026-01-05T17:00:00Z',
      control: 'planned-limit',
    });
    await facts.upsertTelemetry(pool, [t]);
    const limit = exampleEventData('de.gridwerk.battery.command.v2', {
      assetId: 'BAT-2',
      issuedAt: '2026-01-05T16:59:00Z',
      mode: 'limit',
      stationLimitW: 136_000,
      socReservePct: 35,
    });
    await facts.upsertCommands(pool, [limit]);
    const [b] = await facts.batteries(pool, ['BAT-2']);
    expect(b).toMatchObject({ assetId: 'BAT-2', control: 'planned-limit' });
    expect(b?.lastCommand).toMatchObject({
      commandId: limit.commandId,
      mode: 'limit',
      setpointW: null,
      stationLimitW: 136_000,
      socReservePct: 35,
    });
    // a later v1 setpoint replaces it, and carries no limit
    const sp = exampleEventData('de.gridwerk.battery.command.v1', {
      assetId: 'BAT-2',
      issuedAt: '2026-01-05T17:14:00Z',
    });
    await facts.upsertCommands(pool, [sp]);
    const [c] = await facts.batteries(pool, ['BAT-2']);
    expect(c?.lastCommand).toMatchObject({
      commandId: sp.commandId,
      stationLimitW: null,
      socReservePct: null,
    });
  });

  it('keeps the latest forecast per target and settlement batches once', async () => {
    const facts = new FactsRepository();
    const f = exampleEventData('de.gridwerk.forecast.issued.v1', { seriesId: 'feeder:F1' });
    await facts.upsertForecast(pool, f);
    const later = {
      ...f,
      issueTime: new Date(Date.parse(f.issueTime) + 60_000).toISOString(),
      modelVersion: 'v2',
    };
    await facts.upsertForecast(pool, later);
    await facts.upsertForecast(pool, f); // re-delivered older issue
    const from = new Date(Date.parse(f.points[0]?.targetStart ?? T0) - 1);
    const pts = await facts.forecast(
      pool,
      'feeder:F1',
      f.horizon,
      from,
      new Date(from.getTime() + 30 * 86_400_000),
      100,
    );
    expect(pts).toHaveLength(f.points.length);
    expect(pts.every((p) => p.modelVersion === 'v2')).toBe(true);
    expect(
      (await facts.overloadForecastsFrom(pool, from, new Date(from.getTime() + 30 * 86_400_000))).length,
    ).toBe(f.points.length);
    // a secondary substation's forecast is the transformer rule's input; a primary substation's is not
    await facts.upsertForecast(pool, { ...f, seriesId: 'secondary-substation:ONS-1' });
    await facts.upsertForecast(pool, { ...f, seriesId: 'substation:UW-1' });
    const overload = await facts.overloadForecastsFrom(
      pool,
      from,
      new Date(from.getTime() + 30 * 86_400_000),
    );
    expect([...new Set(overload.map((p) => p.seriesId))].sort()).toEqual([
      'feeder:F1',
      'secondary-substation:ONS-1',
    ]);

    const b = exampleEventData('de.gridwerk.settlement.batch.v1');
    await facts.insertBatches(pool, [b, b]);
    const got = await facts.batches(
      pool,
      b.communityId,
      new Date(0),
      new Date(Date.parse(b.intervalEnd) + 1),
      10,
    );
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ batchId: b.batchId, totalAmountCt: b.totalAmountCt });
    expect(await facts.batches(pool, 'other', new Date(0), new Date(), 10)).toEqual([]);
  });

  it('stores thresholds and perimeters', async () => {
    const s = new SettingsRepository();
    await s.putThresholds(pool, '*', { loadingWarnPct: 80 }, 'admin');
    await s.putThresholds(pool, 'S1', { loadingSustainS: 60 }, 'admin');
    await s.putThresholds(pool, 'S1', { loadingSustainS: 120 }, 'admin');
    expect((await s.thresholds(pool)).map((t) => [t.nodeId, t.overrides])).toEqual([
      ['*', { loadingWarnPct: 80 }],
      ['S1', { loadingSustainS: 120 }],
    ]);
    await s.putPerimeter(pool, 'u-1', ['UW-01'], 'admin');
    expect((await s.perimeter(pool, 'u-1'))?.substationIds).toEqual(['UW-01']);
    await s.putPerimeter(pool, 'u-1', null, 'admin');
    expect(await s.perimeter(pool, 'u-1')).toBeUndefined();
  });

  it('reads the steps in force of a station from the plans dispatch publishes (dispatch_plan_v1)', async () => {
    expect(await stationStepsInForce(pool, 'F1', 'ONS-1', new Date(0), new Date(Date.UTC(2030, 0)))).toEqual(
      [],
    ); // no view (dispatch not deployed here): nothing, not an error
    // a stand-in for dispatch's published view, with the columns of its contract
    await pool.query(`CREATE TABLE stand_in_plan (plan_id text, feeder_id text, cycle_start timestamptz, created_at timestamptz,
      status text, reason text, horizon_steps int, solve_ms int, objective_ct double precision, explanation jsonb)`);
    await pool.query(`CREATE VIEW dispatch_plan_v1 AS SELECT plan_id, feeder_id, cycle_start, created_at, status, reason,
      horizon_steps, solve_ms, objective_ct, explanation -> 'costBreakdownCt' AS cost_breakdown_ct, explanation -> 'sites' AS sites,
      explanation -> 'batteries' AS batteries, explanation -> 'fallback' AS fallback FROM stand_in_plan`);
    try {
      const t0 = Date.UTC(2026, 0, 14, 16, 0);
      const q = 900_000;
      const step = (i: number, load: number, planned: number) => ({
        intervalStartMs: t0 + i * q,
        loadP50W: load,
        loadP90W: load,
        loadP10W: load,
        plannedW: planned,
        ratingW: 100_000,
        binding: load > 100_000 ? 'over-rating' : 'idle',
      });
      const plan = async (cycle: number, createdS: number, status: string, sites: unknown) =>
        pool.query(`INSERT INTO stand_in_plan VALUES ($1, 'F1', $2, $3, $4, 'test', 96, 5, 0, $5)`, [
          `F1/${cycle}/${createdS}`,
          new Date(t0 + cycle * q),
          new Date(t0 + cycle * q + createdS * 1000),
          status,
          JSON.stringify(status === 'optimal' ? { sites, batteries: {}, fallback: {} } : { fallback: {} }),
        ]);
      // cycle 0 planned twice (the re-plan wins), cycle 1 once, cycle 2 fell back, cycle 3 has only another station
      await plan(0, 5, 'optimal', { 'ONS-1': [step(0, 999_000, 999_000), step(1, 1, 1)] });
      await plan(0, 40, 'optimal', { 'ONS-1': [step(0, 120_000, 100_000), step(1, 130_000, 100_000)] });
      await plan(1, 5, 'optimal', { 'ONS-1': [step(1, 110_000, 104_000), step(2, 90_000, 90_000)] });
      await plan(2, 5, 'fallback', null);
      await plan(3, 5, 'optimal', { 'ONS-2': [step(3, 500_000, 100_000)] });
      const steps = await stationStepsInForce(pool, 'F1', 'ONS-1', new Date(t0), new Date(t0 + 4 * q));
      expect(steps.map((s) => [s.intervalStartMs - t0, s.loadP50W, s.plannedW])).toEqual([
        [0, 120_000, 100_000],
        [q, 110_000, 104_000],
      ]);
      // 20 kW over for ¼ h avoided entirely, then 10 kW over of which 4 kW stayed
      expect(aboveRatingDay(steps)).toEqual({
        quarterHours: 2,
        withoutBatteriesWh: 7_500,
        plannedWh: 1_000,
        avoidedWh: 6_500,
      });
      // the window is half-open, and another feeder has none of these plans
      expect(
        await stationStepsInForce(pool, 'F1', 'ONS-1', new Date(t0 + q), new Date(t0 + 4 * q)),
      ).toHaveLength(1);
      expect(await stationStepsInForce(pool, 'F2', 'ONS-1', new Date(t0), new Date(t0 + 4 * q))).toEqual([]);
      // the newest plan per feeder is still what the plans route reads
      const [latest] = await new DispatchPlanQueries().latestPerFeeder(pool, ['F1']);
      expect(latest?.stations.map((s) => s.secondarySubstationId)).toEqual(['ONS-2']);
    } finally {
      await pool.query('DROP VIEW dispatch_plan_v1');
      await pool.query('DROP TABLE stand_in_plan');
    }
  });

  it('gives the topology a digest that changes with it and only with it', async () => {
    const topo = new TopologyQueries();
    const meter = (n: number) => `DE${String(n).padStart(31, '0')}`;
    await pool.query(`INSERT INTO substation (id, name) VALUES ('UW-T', 'UW Test')`);
    await pool.query(`INSERT INTO feeder (id, substation_id, name) VALUES ('UW-T-F1', 'UW-T', 'F1')`);
    await pool.query(
      `INSERT INTO secondary_substation (id, feeder_id, name, rated_kva)
       VALUES ('ONS-T1', 'UW-T-F1', 'T1', 400), ('ONS-T2', 'UW-T-F1', 'T2', 630)`,
    );
    await pool.query(
      `INSERT INTO meter_point (id, secondary_substation_id, customer_type, profile, annual_consumption_wh)
       VALUES ($1, 'ONS-T1', 'household', 'H25', 3000000), ($2, 'ONS-T2', 'household', 'H25', 3000000)`,
      [meter(1), meter(2)],
    );
    const before = await topo.signature(pool);
    expect(before).toMatch(/^[0-9a-f]{32}$/);
    expect(await topo.signature(pool)).toBe(before);
    // a meter moved to another station: same count, same ids, another digest
    await pool.query(`UPDATE meter_point SET secondary_substation_id = 'ONS-T2' WHERE id = $1`, [meter(1)]);
    const moved = await topo.signature(pool);
    expect(moved).not.toBe(before);
    await pool.query(`UPDATE secondary_substation SET rated_kva = 630 WHERE id = 'ONS-T1'`);
    expect(await topo.signature(pool)).not.toBe(moved);
    const model = await topo.load(pool);
    expect(model.meters.filter((m) => m.secondarySubstationId === 'ONS-T2')).toHaveLength(2);
  });

  it('migrates down and up again', async () => {
    const ds = new DataSource(
      postgresDataSourceOptions({
        url: db.url,
        applicationName: 'test',
        migrations: GRID_API_MIGRATIONS,
        poolMax: 1,
      }),
    );
    await ds.initialize();
    try {
      // the stations' streets (GridTopologyStationStreet1767000000000) and the topology's coordinates
      // (GridTopologyCoordinates1766000000000) came last
      await ds.undoLastMigration();
      await ds.undoLastMigration();
      const columns = async (): Promise<number> =>
        (
          await ds.query(
            `SELECT count(*)::int AS n FROM information_schema.columns
              WHERE table_name = 'grid_battery_state' AND column_name IN ('control', 'command_station_limit_w', 'command_soc_reserve_pct')`,
          )
        )[0].n;
      expect(await columns()).toBe(3);
      await ds.undoLastMigration();
      expect(await columns()).toBe(0);
      await ds.undoLastMigration();
      const t = await ds.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'grid\\_%'`);
      expect(t[0].n).toBe(0);
      await ds.runMigrations();
    } finally {
      await ds.destroy();
    }
  });
});
