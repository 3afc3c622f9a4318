import { raiseAlarm, transition, type Alarm } from '@gridwerk/grid/alarms';
import { exampleEventData } from '@gridwerk/contracts';
import { createTestDatabase, TestDatabase, withTransaction } from '@gridwerk/shared/data-access-database';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import { AlarmRepository, ConcurrentChangeError } from './alarm.repository';
import { AuditRepository } from './audit.repository';
import { runGridApiMigrations } from './db';
import { FactsRepository } from './facts.repository';
import { GRID_API_MIGRATIONS } from './migrations';
import { OutboxRepository } from './outbox.repository';
import { SettingsRepository } from './settings.repository';
import { StreamLogRepository } from './stream-log.repository';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('grid_read_model');
  const ran = await runGridApiMigrations(db.url);
  expect(ran).toEqual([
    'GridTopology1730000000000',
    'GridReadModel1732000000000',
    'GridTopologyCoordinates1766000000000',
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
    expect(await facts.batteries(pool, ['nope'])).toEqual([]);
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
      // the topology's coordinates (GridTopologyCoordinates1766000000000) came last, the read model before
      await ds.undoLastMigration();
      await ds.undoLastMigration();
      const t = await ds.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'grid\\_%'`);
      expect(t[0].n).toBe(0);
      await ds.runMigrations();
    } finally {
      await ds.destroy();
    }
  });
});
