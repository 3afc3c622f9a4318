import { Client } from 'pg';
import { MeterReadingWriter } from './meter-reading.writer';
import { rebuildLoadRollups } from './load-rollup.maintenance';
import { ROLLUP_CHANGED_CHANNEL } from './migrations';
import {
  createIngestTestDb,
  IngestTestDb,
  quarterHourReadings,
  refreshRollupsNow,
  smallTopology,
} from '../testing/ingest-test-db';
import { TopologyRepository } from '@gridwerk/shared/data-access-topology';

/**
 * Native mode: a refresh of the rollups is announced at its commit with the earliest bucket it wrote, by
 * the refresh itself (no trigger on rollup_load: IngestRollupNotifyInRefresh1767100000000 dropped it).
 */
let t: IngestTestDb;
let listener: Client;
const payloads: string[] = [];

beforeAll(async () => {
  t = await createIngestTestDb('rollup_notify');
  await new TopologyRepository(t.pool).upsertTopology(smallTopology(12));
  listener = new Client({ connectionString: t.db.url });
  await listener.connect();
  listener.on('notification', (n) => {
    if (n.channel === ROLLUP_CHANGED_CHANNEL) payloads.push(n.payload ?? '');
  });
  await listener.query(`LISTEN ${ROLLUP_CHANGED_CHANNEL}`);
}, 60_000);

afterAll(async () => {
  await listener?.end();
  await t?.close();
});

it('announces the earliest rewritten bucket after the refresh commits, and nothing before', async () => {
  const mode = await t.pool.query<{ native: boolean }>(
    `SELECT to_regclass('rollup_load') IS NOT NULL AS native`,
  );
  if (mode.rows[0]?.native !== true) {
    // TimescaleDB mode: the continuous aggregates have no trigger; readers poll (see the migration)
    expect(
      await t.pool.query(`SELECT 1 FROM pg_proc WHERE proname = 'ingest_rollup_load_notify'`),
    ).toMatchObject({
      rowCount: 0,
    });
    return;
  }
  // the announcement comes from the refresh, not from a trigger on every statement that writes rollup_load
  expect(
    await t.pool.query(`SELECT 1 FROM pg_trigger WHERE tgname LIKE 'rollup_load_notify%'`),
  ).toMatchObject({ rowCount: 0 });
  const start = new Date('2026-03-02T10:30:00Z');
  await new MeterReadingWriter(t.pool).writeReadings(quarterHourReadings(start, 3, 0, 12, 'n'));
  await new Promise((r) => setTimeout(r, 200));
  // stored, but the rollups are not rewritten yet
  expect(payloads).toEqual([]);
  await refreshRollupsNow(t.pool);
  const deadline = Date.now() + 5000;
  while (payloads.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // the refresh recomputes whole hours: the first bucket written is 10:00
  expect(payloads.map((p) => new Date(p).toISOString())).toContain('2026-03-02T10:00:00.000Z');
  expect(Math.min(...payloads.map((p) => Date.parse(p)))).toBe(Date.parse('2026-03-02T10:00:00Z'));
});

it('announces a rebuild of a window at its commit, with the window start', async () => {
  const mode = await t.pool.query<{ native: boolean }>(
    `SELECT to_regclass('rollup_load') IS NOT NULL AS native`,
  );
  if (mode.rows[0]?.native !== true) return; // TimescaleDB: covered by the first test's assertion
  payloads.length = 0;
  await rebuildLoadRollups(t.pool, new Date('2026-03-02T09:10:00Z'), new Date('2026-03-02T12:00:00Z'));
  const deadline = Date.now() + 5000;
  while (payloads.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(payloads.map((p) => new Date(p).toISOString())).toEqual(['2026-03-02T09:00:00.000Z']);
});
