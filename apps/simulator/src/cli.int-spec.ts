import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@gridwerk/shared/data-access-database';
import { runSimulatorCli } from './testing/run-cli';

describe('simulator CLI --write-topology (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sim_topology');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('writes the generated topology into the tables the other services read, idempotently', async () => {
    const run = () =>
      runSimulatorCli(['--meters', '250', '--seed', '9', '--write-topology', '--topology-only'], {
        DATABASE_URL: db.url,
      });
    const first = run();
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(/topology written: .*"meterPoints":251/);
    expect(run().status).toBe(0);
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const n = async (sql: string) => Number((await c.query<{ n: string }>(sql)).rows[0]?.n);
      // 250 customers and the storage meter of the one fleet battery
      expect(await n('SELECT count(*)::text AS n FROM meter_point')).toBe(251);
      expect(await n("SELECT count(*)::text AS n FROM meter_point WHERE customer_type = 'storage'")).toBe(1);
      expect(await n('SELECT count(*)::text AS n FROM substation')).toBeGreaterThan(0);
      // every meter hangs under a secondary substation -> feeder -> substation
      expect(
        await n(`SELECT count(*)::text AS n FROM meter_point mp JOIN secondary_substation ss ON ss.id = mp.secondary_substation_id
                   JOIN feeder f ON f.id = ss.feeder_id JOIN substation s ON s.id = f.substation_id`),
      ).toBe(251);
      expect(await n('SELECT count(*)::text AS n FROM battery_asset')).toBeGreaterThan(0);
    } finally {
      await c.end();
    }
  });
});
