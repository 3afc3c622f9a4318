import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import {
  createTestDatabase,
  postgresDataSourceOptions,
  TestDatabase,
} from '@gridwerk/shared/data-access-database';
import { TOPOLOGY_MIGRATIONS, TopologyRepository } from '@gridwerk/shared/data-access-topology';
import { buildCatalog, Catalog } from '@gridwerk/udp/domain';
import {
  detectNewObservations,
  ObservationPublisher,
  pendingObservations,
  relayObservations,
} from './live-observations';
import { PgObservationSource } from './observation.source';
import { readTopology } from './topology.reader';
import { UDP_MIGRATIONS } from './udp-tables.migration';

/**
 * The live path and the observation reads on real PostgreSQL. Ingest's rollup views are stood in for by
 * tables of the same name and columns (the query surface ingest publishes in both storage modes); the
 * end-to-end suite (tools/e2e/udp-conformance.int-spec.ts) runs on ingest's real schema.
 */
const QH = 900_000;
let db: TestDatabase;
let pool: Pool;
let catalog: Catalog;
const now = Math.floor(Date.now() / QH) * QH;
const t = (i: number): Date => new Date(now - i * QH);

class RecordingPublisher implements ObservationPublisher {
  down = false;
  readonly sent: { topic: string; payload: string }[] = [];
  async publish(messages: readonly { topic: string; payload: string }[]): Promise<void> {
    await Promise.resolve();
    if (this.down) throw new Error('broker down');
    this.sent.push(...messages);
  }
}

beforeAll(async () => {
  db = await createTestDatabase('udp_data_access');
  const ds = new DataSource(
    postgresDataSourceOptions({
      url: db.url,
      applicationName: 'test-udp',
      migrations: [...TOPOLOGY_MIGRATIONS, ...UDP_MIGRATIONS],
    }),
  );
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  pool = new Pool({ connectionString: db.url, max: 3 });
  for (const v of ['load_15m_secondary_substation', 'load_15m_feeder', 'load_15m_substation'])
    await pool.query(
      `CREATE TABLE ${v} (node_id text, bucket_start timestamptz, import_wh bigint, export_wh bigint, net_wh bigint, meters_reporting int)`,
    );
  const meters = (ss: string, n: number, from: number) =>
    Array.from({ length: n }, (_, i) => ({
      meterPointId: `DE${String(from + i).padStart(31, '0')}`,
      secondarySubstationId: ss,
      customerType: 'household',
      profile: 'H25',
      annualConsumptionWh: 1000,
    }));
  await new TopologyRepository(pool).upsertTopology({
    substations: [{ substationId: 'UW', name: 'UW' }],
    feeders: [{ feederId: 'F', substationId: 'UW', name: 'F' }],
    secondarySubstations: [
      { secondarySubstationId: 'S1', feederId: 'F', name: 'S1', ratedKva: 400 },
      { secondarySubstationId: 'S2', feederId: 'F', name: 'S2', ratedKva: 400 },
    ],
    meterPoints: [...meters('S1', 6, 0), ...meters('S2', 6, 6)],
  });
  catalog = buildCatalog(await readTopology(pool), 5);
  await pool.query(
    `INSERT INTO load_15m_secondary_substation VALUES
       ('S1', $1, 100, 20, 80, 6), ('S1', $2, 200, 0, 200, 6), ('S1', $3, 300, 0, 300, 4),
       ('S2', $1, 50, 60, -10, 6)`,
    [t(3), t(2), t(1)],
  );
}, 60_000);

afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe('live observations', () => {
  it('queues changed quarter hours in the outbox and keeps them while the broker is down', async () => {
    const pub = new RecordingPublisher();
    // S1 at t(1) has 4 meters reporting: below k, never announced
    expect(await detectNewObservations(pool, catalog, { k: 5, lookbackMs: 24 * 3_600_000 })).toBe(3 * 4);
    expect(await detectNewObservations(pool, catalog, { k: 5, lookbackMs: 24 * 3_600_000 })).toBe(0);
    pub.down = true;
    await expect(relayObservations(pool, pub, { baseUrl: 'http://x', batchSize: 5 })).rejects.toThrow(
      'broker down',
    );
    expect(await pendingObservations(pool)).toBe(12);
    pub.down = false;
    const r = await relayObservations(pool, pub, { baseUrl: 'http://x', batchSize: 5, topicPrefix: 'p/' });
    expect(r.published).toBe(12);
    expect(await pendingObservations(pool)).toBe(0);
    expect(pub.sent).toHaveLength(12 * 4);
    const power = pub.sent.filter((m) => m.topic === "p/v1.1/Datastreams('S1:active-power')/Observations");
    expect(power.map((m) => (JSON.parse(m.payload) as { result: number }).result)).toEqual([320, 800]);
    expect(pub.sent.some((m) => m.topic === 'p/v1.0/Observations')).toBe(true);
  });

  it('announces a corrected quarter hour again, and only that one', async () => {
    const pub = new RecordingPublisher();
    await pool.query(
      `UPDATE load_15m_secondary_substation SET import_wh = 250, net_wh = 250 WHERE node_id = 'S1' AND bucket_start = $1`,
      [t(2)],
    );
    expect(await detectNewObservations(pool, catalog, { k: 5, lookbackMs: 24 * 3_600_000 })).toBe(4);
    await relayObservations(pool, pub, { baseUrl: 'http://x', batchSize: 100 });
    const imported = pub.sent.filter(
      (m) => m.topic === "v1.1/Datastreams('S1:energy-imported')/Observations",
    );
    expect(imported.map((m) => (JSON.parse(m.payload) as { result: number }).result)).toEqual([250]);
  });
});

describe('announced changes', () => {
  it('compares only from the bucket ingest announced, the poll the whole window', async () => {
    await pool.query(
      `UPDATE load_15m_secondary_substation SET import_wh = 260, net_wh = 260 WHERE node_id = 'S1' AND bucket_start = $1`,
      [t(2)],
    );
    const opts = { k: 5, lookbackMs: 24 * 3_600_000 };
    // a notification for a later bucket: the change at t(2) is not looked at
    expect(await detectNewObservations(pool, catalog, { ...opts, changedFrom: t(1) })).toBe(0);
    // a notification older than the window counts as the window
    expect(await detectNewObservations(pool, catalog, { ...opts, changedFrom: new Date(0) })).toBe(4);
    await pool.query(
      `UPDATE load_15m_secondary_substation SET import_wh = 270, net_wh = 270 WHERE node_id = 'S1' AND bucket_start = $1`,
      [t(2)],
    );
    expect(await detectNewObservations(pool, catalog, opts)).toBe(4);
    await relayObservations(pool, new RecordingPublisher(), { baseUrl: 'http://x', batchSize: 100 });
    expect(await pendingObservations(pool)).toBe(0);
    // back to the corrected value the reads below expect
    await pool.query(
      `UPDATE load_15m_secondary_substation SET import_wh = 250, net_wh = 250 WHERE node_id = 'S1' AND bucket_start = $1`,
      [t(2)],
    );
  });
});

describe('PgObservationSource', () => {
  const ds = () => {
    const d = catalog.datastreams.get('S1:loading');
    if (!d) throw new Error('no datastream');
    return d;
  };

  it('computes results from the rollup, hides quarter hours below k, pushes filters down', async () => {
    const src = new PgObservationSource(pool, 5);
    const all = await src.page([ds()], { orderby: [], limit: 10, offset: 0, count: true });
    expect(all.count).toBe(2);
    expect(all.rows.map((r) => r.result)).toEqual([0.08, 0.25]); // |net Wh| × 4 W / 400 kVA × 100 %
    const big = await src.page([ds()], {
      filter: { k: 'bin', op: 'gt', l: { k: 'path', path: ['result'] }, r: { k: 'lit', v: 0.1 } },
      orderby: [{ path: ['phenomenonTime'], desc: true }],
      limit: 10,
      offset: 0,
      count: false,
    });
    expect(big.rows).toHaveLength(1);
    expect(await src.byId(ds(), t(1))).toBeUndefined();
    expect((await src.byId(ds(), t(3)))?.result).toBe(0.08);
    const per = await src.pagePerDatastream([ds(), catalog.datastreams.get('S2:active-power') ?? ds()], {
      orderby: [{ path: ['phenomenonTime'], desc: true }],
      limit: 1,
      offset: 0,
      count: true,
    });
    expect(per.get('S1:loading')).toEqual({ rows: [expect.objectContaining({ result: 0.25 })], count: 2 });
    expect(per.get('S2:active-power')?.rows[0]?.result).toBe(-40);
  });
});
