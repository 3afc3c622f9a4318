import { Client } from 'pg';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import {
  assertTestDatabase,
  createTestDatabase,
  databaseName,
  postgresDataSourceOptions,
  TestDatabase,
} from './index';

class CreateProbe1700000000000 implements MigrationInterface {
  name = 'CreateProbe1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE probe (id text PRIMARY KEY, wh bigint NOT NULL)');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE probe');
  }
}

describe('PostgreSQL (real server)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('pg_roundtrip');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('runs explicit migrations and round-trips rows through the real server', async () => {
    const ds = new DataSource(
      postgresDataSourceOptions({
        url: db.url,
        applicationName: 'test',
        migrations: [CreateProbe1700000000000],
      }),
    );
    await ds.initialize();
    try {
      const ran = await ds.runMigrations();
      expect(ran.map((m) => m.name)).toEqual(['CreateProbe1700000000000']);
      await ds.query('INSERT INTO probe (id, wh) VALUES ($1, $2), ($3, $4)', ['a', 1200, 'b', 3400]);
      const rows: { total: string }[] = await ds.query('SELECT sum(wh)::text AS total FROM probe');
      expect(rows[0]?.total).toBe('4600');
      expect(await ds.runMigrations()).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('drops the database afterwards', async () => {
    const other = await createTestDatabase('pg_drop');
    await other.drop();
    const c = new Client({ connectionString: db.url });
    await c.connect();
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [other.name]);
    await c.end();
    expect(r.rowCount).toBe(0);
  });

  it('refuses destructive set-up on a database without "test" in its name', () => {
    expect(() => assertTestDatabase('postgres://postgres@127.0.0.1:5432/gridwerk')).toThrow(
      /does not contain "test"/,
    );
    expect(() => assertTestDatabase(db.url)).not.toThrow();
    expect(databaseName(db.url)).toBe(db.name);
  });
});
