import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigError } from '@gridwerk/shared/util-config';
import { createTestDatabase, TestDatabase } from '@gridwerk/shared/data-access-database';
import { testBrokers } from '@gridwerk/shared/data-access-kafka';
import { HealthRegistry } from './metrics';
import { loadServiceConfig, PlatformModule } from './platform';

@Controller('ping')
class PingController {
  @Get()
  ping(): { pong: true } {
    return { pong: true };
  }
}

describe('PlatformModule (real Kafka and PostgreSQL)', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let base: string;
  let appHealthy = true;
  let appLive = true;

  beforeAll(async () => {
    db = await createTestDatabase('platform');
    const config = loadServiceConfig(
      'probe',
      0,
      {},
      { DATABASE_URL: db.url, KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: 'error' },
    );
    @Module({ imports: [PlatformModule.forRoot(config)], controllers: [PingController] })
    class ProbeModule {}
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app
      .get(HealthRegistry)
      .register({ key: 'probe', check: () => (appHealthy ? { ok: true } : { ok: false, detail: 'stuck' }) });
    app.get(HealthRegistry).registerLiveness({
      key: 'loop',
      check: () => (appLive ? { ok: true } : { ok: false, detail: 'no progress for 301 s' }),
    });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('reports Kafka, the database and app checks on /health', async () => {
    const r = await fetch(`${base}/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({
      status: 'ok',
      info: { kafka: { status: 'up' }, database: { status: 'up' }, probe: { status: 'up' } },
    });
  });

  it('turns unhealthy (503) when an app check fails, while /health/live stays up', async () => {
    appHealthy = false;
    try {
      const r = await fetch(`${base}/health`);
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({
        status: 'error',
        error: { probe: { status: 'down', message: 'stuck' } },
      });
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
    } finally {
      appHealthy = true;
    }
  });

  it('fails /health/live (503, with why) while a liveness contributor fails', async () => {
    appLive = false;
    try {
      const r = await fetch(`${base}/health/live`);
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({ failed: { loop: 'no progress for 301 s' } });
    } finally {
      appLive = true;
    }
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });

  it('serves Prometheus metrics with the service label', async () => {
    const r = await fetch(`${base}/metrics`);
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await r.text();
    expect(text).toMatch(/gridwerk_process_cpu_seconds_total\{service="probe"\}/);
  });

  it('refuses a bad configuration, naming every bad variable', () => {
    expect(() =>
      loadServiceConfig(
        'probe',
        3000,
        {},
        { HTTP_PORT: 'eighty', KAFKA_BROKERS: 'no-port', DATABASE_URL: 'mysql://x/y' },
      ),
    ).toThrow(ConfigError);
    try {
      loadServiceConfig('probe', 3000, {}, { HTTP_PORT: 'eighty', DATABASE_URL: 'mysql://x/y' });
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).toMatch(
        /HTTP_PORT must be an integer[\s\S]*DATABASE_URL must use postgres or postgresql/,
      );
    }
  });
});
