/**
 * The alarm engine at the quarter hour, on real components, and an alarm flood as ISA-18.2 wants it shown.
 * A fresh database with ingest's schema holds the simulator's topology for 12,000 meters; a storm drives every
 * station of one substation above its rating for two quarter hours, written as readings and rolled up by
 * ingest's own rollup code, which announces the rollups (NOTIFY) as the ingest service does. grid-api (a
 * real process, Keycloak tokens, the broker) judges each quarter hour's station loading from the rollups on
 * that notification, and its alarm list shows the storm as one flood group under the substation: every
 * station's overload as a child, the first-out alarm first, the operator's alarm rate as raised and as
 * annunciated.
 */
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { fetchPasswordGrantToken, testOidcProvider } from '@gridwerk/shared/auth';
import {
  createTestDatabase,
  postgresDataSourceOptions,
  type TestDatabase,
} from '@gridwerk/shared/data-access-database';
import { createTopic, testBrokers, testKafka } from '@gridwerk/shared/data-access-kafka';
import { INGEST_MIGRATIONS, rebuildLoadRollups, TopologyRepository } from '@gridwerk/ingest/data-access';
import { builtInProfiles, createGridSimulation } from '@gridwerk/simulator/domain';
import { freePort } from './free-port';
import { gridApiTestTopics, gridApiTopicEnv } from './grid-api-topics';
import { ServiceProcess } from './service-process';

jest.setTimeout(600_000);

const QH = 900_000;
/** Loading of the storm's stations (% of rated kVA at cos φ 0.95): critical (≥ 110 %). */
const STORM_PCT = 150;

const provider = testOidcProvider();
const kafka = testKafka('alarm-flood-test');
const admin = kafka.admin();
const topics = gridApiTestTopics('flood');
let db: TestDatabase;
let pool: Pool;
let api: ServiceProcess;
let token: string;
let storm: { substationId: string; stations: string[] };
let stationCount: number;
/** The two quarter hours of the storm: the last two closed ones before now (the engine's clock). */
const q2 = Math.floor(Date.now() / QH) * QH - QH;
const q1 = q2 - QH;

interface AlarmList {
  items: { id: string; code: string; nodeId: string; severity: string; raisedAt: string }[];
  floodGroups: {
    parentId: string;
    count: number;
    unacknowledged: number;
    highestSeverity: string;
    firstOutAlarmId: string;
    alarmIds: string[];
  }[];
  rate: { windowS: number; raised: number; annunciated: number; flood: boolean };
}

async function apiGet<T>(p: string): Promise<T> {
  const r = await fetch(`http://127.0.0.1:${api.port}${p}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!r.ok) throw new Error(`GET ${p}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

async function metric(name: string): Promise<number | undefined> {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(await api.metrics());
  return m ? Number(m[1]) : undefined;
}

/** One quarter hour of readings: the storm's stations at STORM_PCT of their rating, the others light. */
async function writeQuarter(start: number): Promise<void> {
  await pool.query(
    `INSERT INTO meter_reading (meter_point_id, interval_start, interval_end, resolution, import_wh, export_wh,
            register_import_wh, register_export_wh, quality, event_id)
     SELECT mp.id, $1::timestamptz, $1::timestamptz + INTERVAL '15 minutes', 'PT15M',
            CASE WHEN s.id = ANY($2::text[])
                 THEN ceil($3::numeric / 100 * s.rated_kva * 1000 * 0.95 * 0.25 / n.meters)::int + 1
                 ELSE 20 END,
            0, 0, 0, 'measured', 'flood-test/' || mp.id || '/' || extract(epoch FROM $1::timestamptz)::bigint
       FROM meter_point mp
       JOIN secondary_substation s ON s.id = mp.secondary_substation_id
       JOIN (SELECT secondary_substation_id, count(*) AS meters FROM meter_point GROUP BY 1) n
         ON n.secondary_substation_id = s.id`,
    [new Date(start), storm.stations, STORM_PCT],
  );
}

beforeAll(async () => {
  db = await createTestDatabase('city_flood');
  const ds = new DataSource(
    postgresDataSourceOptions({ url: db.url, applicationName: 'flood-test', migrations: INGEST_MIGRATIONS }),
  );
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  pool = new Pool({ connectionString: db.url, max: 2 });
  await pool.query(`SELECT ensure_partitions($1::timestamptz, $2::timestamptz)`, [
    new Date(q1 - 86_400_000),
    new Date(q2 + 86_400_000),
  ]);
  const sim = createGridSimulation({
    seed: 'flood',
    meters: 12_000,
    start: new Date(q1),
    days: 1,
    resolutionMinutes: 15,
    profiles: builtInProfiles(),
  });
  await new TopologyRepository(pool).upsertTopology(sim.topology);
  stationCount = sim.topology.secondarySubstations.length;
  // the substation with the most stations is the storm's
  const picked = (
    await pool.query<{ substation_id: string; stations: string[] }>(
      `SELECT f.substation_id, array_agg(s.id ORDER BY s.id) AS stations
         FROM secondary_substation s JOIN feeder f ON f.id = s.feeder_id
        WHERE EXISTS (SELECT 1 FROM meter_point m WHERE m.secondary_substation_id = s.id)
        GROUP BY f.substation_id ORDER BY count(*) DESC, f.substation_id LIMIT 1`,
    )
  ).rows[0];
  if (!picked) throw new Error('no substation with stations');
  storm = { substationId: picked.substation_id, stations: picked.stations };

  await admin.connect();
  for (const topic of Object.values(topics)) await createTopic(admin, topic, 1);
  api = new ServiceProcess('grid-api', await freePort(), {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: testBrokers().join(','),
    LOG_LEVEL: 'warn',
    OIDC_ISSUER_URL: provider.issuer,
    GRID_ALARM_EVAL_MS: '1000',
    ...gridApiTopicEnv('flood', topics),
  });
  await api.start(180_000);
  token = await fetchPasswordGrantToken(provider, 'viewer');
});

afterAll(async () => {
  await api?.stop();
  await pool?.end();
  await admin.disconnect().catch(() => undefined);
  await db?.drop();
});

describe('the alarm engine at the quarter hour, and an alarm flood', () => {
  it('is a storm over one substation of several stations', () => {
    expect(storm.stations.length).toBeGreaterThanOrEqual(5);
    expect(stationCount).toBeGreaterThan(storm.stations.length);
  });

  it('judges every station of each quarter hour from the rollups, on ingest’s notification', async () => {
    await writeQuarter(q1);
    await rebuildLoadRollups(pool, new Date(q1), new Date(q1 + QH));
    const deadline = Date.now() + 120_000;
    while ((await metric('gridwerk_grid_api_alarm_quarter_complete_seconds')) !== q1 / 1000) {
      if (Date.now() > deadline)
        throw new Error(`quarter ${new Date(q1).toISOString()} not judged:\n${api.logs()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await metric('gridwerk_grid_api_alarm_stations_judged_total')).toBe(stationCount);
    // one quarter above the rating is not yet an alarm: the overload must last 15 minutes
    expect((await apiGet<AlarmList>('/api/v1/alarms')).items).toEqual([]);

    await writeQuarter(q2);
    await rebuildLoadRollups(pool, new Date(q2), new Date(q2 + QH));
    while ((await metric('gridwerk_grid_api_alarm_quarter_complete_seconds')) !== q2 / 1000) {
      if (Date.now() > deadline)
        throw new Error(`quarter ${new Date(q2).toISOString()} not judged:\n${api.logs()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await metric('gridwerk_grid_api_alarm_stations_judged_total')).toBe(2 * stationCount);
  });

  it('shows the storm as one flood group under its substation, first-out first, counted once', async () => {
    const list = await apiGet<AlarmList>('/api/v1/alarms');
    const overloads = list.items.filter((a) => a.code === 'TRANSFORMER.OVERLOAD');
    expect(overloads.map((a) => a.nodeId).sort()).toEqual([...storm.stations].sort());
    expect(overloads.every((a) => a.severity === 'critical')).toBe(true);
    expect(list.floodGroups).toHaveLength(1);
    const g = list.floodGroups[0];
    expect(g).toMatchObject({
      parentId: storm.substationId,
      count: storm.stations.length,
      unacknowledged: storm.stations.length,
      highestSeverity: 'critical',
    });
    expect([...(g?.alarmIds ?? [])].sort()).toEqual(overloads.map((a) => a.id).sort());
    // first-out: the alarm raised first (ties: by id), leading the children
    const first = [...overloads].sort(
      (a, b) => a.raisedAt.localeCompare(b.raisedAt) || a.id.localeCompare(b.id),
    )[0];
    expect(g?.firstOutAlarmId).toBe(first?.id);
    expect(g?.alarmIds[0]).toBe(first?.id);
    // the operator takes in one annunciation for the storm, however many stations it took out
    expect(list.rate).toEqual({
      windowS: 600,
      raised: storm.stations.length,
      annunciated: 1,
      flood: storm.stations.length > 10,
    });
  });
});
