import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase, TestDatabase } from '@gridwerk/shared/data-access-database';
import { testBrokers } from '@gridwerk/shared/data-access-kafka';
import { ServiceProcess } from './service-process';
import { devSettlementChainEnv } from './settlement-chain';

/**
 * Every service boots from a validated, typed config: a bad or missing variable stops it with exit
 * code 78 (EX_CONFIG) and a message naming the variable; a good one serves /health (Kafka and
 * database up) and /metrics, and writes JSON logs.
 */
jest.setTimeout(120_000);

const root = path.resolve(__dirname, '..', '..');
const apps = ['ingest', 'simulator', 'forecast', 'settlement', 'grid-api'] as const;
let db: TestDatabase;
/** settlement starts only with a contract to commit to */
let chainEnv: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase('skeletons');
  chainEnv = await devSettlementChainEnv();
});
afterAll(async () => {
  await db?.drop();
});

describe.each(apps)('%s service', (app) => {
  it('refuses to start with a bad variable and names it', () => {
    const r = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', `apps/${app}/src/main.ts`],
      {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          TS_NODE_PROJECT: path.join(root, 'tsconfig.json'),
          HTTP_PORT: 'not-a-port',
          KAFKA_BROKERS: 'broker-without-port',
          DATABASE_URL: db.url,
          OIDC_ISSUER_URL: 'http://127.0.0.1:8080/realms/gridwerk',
        },
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(new RegExp(`${app}: invalid configuration`));
    expect(r.stderr).toMatch(/HTTP_PORT must be an integer, got "not-a-port"/);
    expect(r.stderr).toMatch(/KAFKA_BROKERS entry "broker-without-port" is not host:port/);
  });

  it('boots, reports healthy Kafka and database, serves metrics and logs JSON', async () => {
    const port = 4100 + apps.indexOf(app);
    const svc = new ServiceProcess(app, port, {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testBrokers().join(','),
      LOG_LEVEL: 'info',
      // the simulator service streams in real time; a few meters are enough to boot
      SIM_METERS: '5',
      INGEST_CONSUMER_GROUP: `skeleton-${Date.now()}`,
      // the APIs verify tokens lazily (JWKS on the first request): booting needs no running Keycloak
      OIDC_ISSUER_URL: 'http://127.0.0.1:8080/realms/gridwerk',
      ...(app === 'settlement' ? chainEnv : {}),
    });
    try {
      await svc.start();
      const health = await svc.health();
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({
        status: 'ok',
        info: { kafka: { status: 'up' }, database: { status: 'up' } },
      });
      expect(await svc.metrics()).toMatch(
        new RegExp(`gridwerk_process_resident_memory_bytes\\{service="${app}"\\}`),
      );
      const lines = svc
        .logs()
        .split('\n')
        .filter((l) => l.trim().length > 0);
      const started = lines
        .map((l) => JSON.parse(l) as { service?: string; msg?: string })
        .find((l) => l.msg === `${app} started`);
      expect(started?.service).toBe(app);
    } finally {
      await svc.stop();
    }
  });
});
