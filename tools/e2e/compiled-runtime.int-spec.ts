import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, TestDatabase } from '@gridwerk/shared/data-access-database';
import { testBrokers, testKafka } from '@gridwerk/shared/data-access-kafka';
import {
  assembleRuntime,
  devOnlyPackages,
  installedPackages,
  REPO_ROOT,
  RuntimeDir,
} from '../build/runtime-dir';
import { ensureMqttBroker } from './mqtt-broker';
import { ServiceProcess } from './service-process';

/**
 * The production runtime, as the images hold it: each app's compiled bundle (dist/apps/<app>, built
 * by `nx run <app>:build`, a dependency of this project's test target) and its production
 * dependencies only, from a clean `npm ci --omit=dev` outside the workspace. Services start with
 * plain `node main.js` and answer /health; the CLIs answer --help and a real command.
 */
jest.setTimeout(240_000);

const SERVICES = ['ingest', 'forecast', 'simulator', 'settlement', 'grid-api', 'dispatch'] as const;
/** Every app with a runtime directory: the Kafka services and the udp-gateway (no Kafka, MQTT). */
const APPS = [...SERVICES, 'udp-gateway'] as const;
type App = (typeof APPS)[number];
const runtimes = new Map<App, RuntimeDir>();
let db: TestDatabase;

function runtime(app: App): RuntimeDir {
  const r = runtimes.get(app);
  if (r === undefined) throw new Error(`no runtime for ${app}`);
  return r;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node <entry> <args>` in a runtime directory: no ts-node hooks, no workspace on the path. */
function runNode(
  dir: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<Run> {
  const { TS_NODE_PROJECT: _p, NODE_OPTIONS: _o, NODE_PATH: _n, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env: { ...inherited, ...env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The chain settlement commits to: a contract deployed by the compiled settlement CLI (beforeAll). */
let chainEnv: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase('runtime');
  for (const app of APPS) runtimes.set(app, assembleRuntime(app));
  const evm = {
    EVM_RPC_URL: process.env['EVM_RPC_URL'] ?? 'http://127.0.0.1:8545',
    SETTLEMENT_DEV_SIGNER: 'true',
  };
  const deployed = await runNode(
    runtime('settlement').dir,
    ['dist/apps/settlement/cli.js', 'deploy', '--json'],
    evm,
  );
  if (deployed.code !== 0) throw new Error(`settlement deploy failed: ${deployed.stderr}`);
  chainEnv = {
    ...evm,
    SETTLEMENT_CONTRACT_ADDRESS: (JSON.parse(deployed.stdout) as { address: string }).address,
  };
});

afterAll(async () => {
  for (const r of runtimes.values()) r.remove();
  await db?.drop();
});

describe('the runtime directory of each app', () => {
  it.each(APPS)('%s: only production dependencies, no TypeScript tooling, under 250 MB', (app) => {
    const r = runtime(app);
    const installed = installedPackages(r.nodeModules);
    expect(installed.size).toBeGreaterThan(10);
    for (const tool of ['typescript', 'ts-node', 'tsconfig-paths', 'esbuild', 'jest', 'nx', '@types/node'])
      expect(installed.has(tool)).toBe(false);
    expect(devOnlyPackages().filter((d) => installed.has(d))).toEqual([]);
    // no TypeScript source in the bundle directory, and the bundles load nothing from the workspace
    const files = fs.readdirSync(r.appDir);
    expect(files).toContain('main.js');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    const main = fs.readFileSync(path.join(r.appDir, 'main.js'), 'utf8');
    expect(main).not.toMatch(/require\("(ts-node|typescript|tsconfig-paths)/);
    expect(main).not.toContain(REPO_ROOT);
    expect(r.bytes).toBeLessThan(250 * 1024 * 1024);
    // `node .` (the image's CMD) starts the service
    const pkg = JSON.parse(fs.readFileSync(path.join(r.dir, 'package.json'), 'utf8')) as { main?: string };
    expect(pkg.main).toBe(`dist/apps/${app}/main.js`);
  });

  it('forecast carries the TF.js WASM binaries beside its bundle and no TF.js package', () => {
    const r = runtime('forecast');
    expect(
      fs
        .readdirSync(r.appDir)
        .filter((f) => f.endsWith('.wasm'))
        .sort(),
    ).toEqual([
      'tfjs-backend-wasm-simd.wasm',
      'tfjs-backend-wasm-threaded-simd.wasm',
      'tfjs-backend-wasm.wasm',
    ]);
    expect([...installedPackages(r.nodeModules)].filter((p) => p.startsWith('@tensorflow/'))).toEqual([]);
  });
});

describe.each(SERVICES)('%s service from its runtime directory', (app) => {
  it('starts with plain node and answers /health', async () => {
    const port = 4300 + SERVICES.indexOf(app) + (Number(process.env['KAFKA_PORT'] ?? 9092) % 100) * 10;
    const svc = new ServiceProcess(
      app,
      port,
      {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: testBrokers().join(','),
        LOG_LEVEL: 'info',
        SIM_METERS: '5',
        INGEST_CONSUMER_GROUP: `runtime-${Date.now()}`,
        INGEST_CONSUMER_THREADS: '1',
        OIDC_ISSUER_URL: 'http://127.0.0.1:8080/realms/gridwerk',
        ...(app === 'settlement' ? chainEnv : {}),
      },
      [],
      runtime(app).dir,
    );
    try {
      await svc.start();
      const health = await svc.health();
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({
        status: 'ok',
        info: { kafka: { status: 'up' }, database: { status: 'up' } },
      });
      if (app === 'grid-api') {
        // the dashboard's build, served by the compiled grid-api from DASHBOARD_DIR (its default)
        const index = await fetch(`http://127.0.0.1:${port}/`);
        expect(index.status).toBe(200);
        expect(await index.text()).toMatch(/<div id="root">/);
      }
    } finally {
      await svc.stop();
    }
    // every line it wrote is JSON, the shutdown lines included
    const lines = svc
      .logs()
      .split('\n')
      .filter((l) => l.trim().length > 0);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === `${app} started`)).toBe(true);
  });
});

describe('ingest readiness', () => {
  it('consumer threads load neither TypeORM nor NestJS (only what a consumer runs)', () => {
    const thread = fs.readFileSync(path.join(runtime('ingest').appDir, 'consumer-thread.js'), 'utf8');
    expect(thread).toMatch(/require\("kafkajs"\)/);
    expect(thread).not.toMatch(/require\("(typeorm|@nestjs\/[^"]+)"\)/);
  });

  it('is live while it joins, and ready only when every consumer thread is a member of the group', async () => {
    const port = 4380 + (Number(process.env['KAFKA_PORT'] ?? 9092) % 100);
    const group = `runtime-ready-${Date.now()}`;
    const svc = new ServiceProcess(
      'ingest',
      port,
      {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: testBrokers().join(','),
        INGEST_CONSUMER_GROUP: group,
        INGEST_CONSUMER_THREADS: '2',
      },
      [],
      runtime('ingest').dir,
    );
    const admin = testKafka('runtime-ready').admin();
    await admin.connect();
    const seen: { live?: number; notReady?: string } = {};
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const at = Date.now();
        const live = await fetch(`http://127.0.0.1:${port}/health/live`).then(
          (r) => r.status,
          () => 0,
        );
        if (live === 200) seen.live ??= at;
        const ready = await fetch(`http://127.0.0.1:${port}/health`).then(
          async (r) => (r.status === 503 ? await r.text() : ''),
          () => '',
        );
        if (ready !== '') seen.notReady ??= ready;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      await svc.start();
      // at the first 200 of /health, both threads are members of a stable generation
      const { groups } = await admin.describeGroups([group]);
      expect(groups[0]?.state).toBe('Stable');
      expect(groups[0]?.members).toHaveLength(2);
      polling = false;
      await poll;
      expect(seen.live).toBeDefined();
      expect(seen.live ?? Infinity).toBeLessThanOrEqual(svc.healthyAt ?? 0);
      // a /health seen before readiness says why (when the poll caught that moment)
      if (seen.notReady !== undefined) expect(seen.notReady).toMatch(/joining consumer group|starting/);
    } finally {
      polling = false;
      await poll;
      await admin.disconnect();
      await svc.stop();
    }
  });
});

describe('binding', () => {
  it('listens on HTTP_HOST: on 127.0.0.1 by default, on every interface only when set so', async () => {
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
    const port = 4390 + (Number(process.env['KAFKA_PORT'] ?? 9092) % 100);
    const svc = new ServiceProcess(
      'settlement',
      port,
      {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: testBrokers().join(','),
        OIDC_ISSUER_URL: 'http://127.0.0.1:8080/realms/gridwerk',
        ...chainEnv,
      },
      [],
      runtime('settlement').dir,
    );
    try {
      await svc.start();
      expect((await svc.health()).status).toBe(200);
      // a machine without another interface cannot show the difference; this one has eth0
      expect(external).toBeDefined();
      const other = await fetch(`http://${external ?? ''}:${port}/health/live`).then(
        (r) => r.status,
        () => 0,
      );
      expect(other).toBe(0);
    } finally {
      await svc.stop();
    }
    const started = svc
      .logs()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; httpHost?: string })
      .find((l) => l.msg === 'settlement started');
    expect(started?.httpHost).toBe('127.0.0.1');

    // 0.0.0.0 (as the k8s Deployments set it) answers on the other address too
    const open = new ServiceProcess(
      'settlement',
      port,
      {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: testBrokers().join(','),
        HTTP_HOST: '0.0.0.0',
        OIDC_ISSUER_URL: 'http://127.0.0.1:8080/realms/gridwerk',
        ...chainEnv,
      },
      [],
      runtime('settlement').dir,
    );
    try {
      await open.start();
      expect((await fetch(`http://${external ?? ''}:${port}/health/live`)).status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});

describe('the CLIs from their runtime directories', () => {
  it('settlement: --help, and migrate and a community on the real database', async () => {
    const dir = runtime('settlement').dir;
    const help = await runNode(dir, ['dist/apps/settlement/cli.js', '--help']);
    expect(help.code).toBe(0);
    for (const c of ['migrate', 'deploy', 'create-community', 'import', 'verify', 'batches'])
      expect(help.stdout).toContain(c);
    const env = { DATABASE_URL: db.url, ...chainEnv };
    expect((await runNode(dir, ['dist/apps/settlement/cli.js', 'migrate'], env)).code).toBe(0);
    const created = await runNode(
      dir,
      [
        'dist/apps/settlement/cli.js',
        'create-community',
        '--id',
        'EG-RUNTIME',
        '--name',
        'Runtime',
        '--price',
        '20000',
        '--effective-from',
        '2026-06-01T00:00:00Z',
      ],
      env,
    );
    expect([created.code, created.stdout]).toEqual([
      0,
      expect.stringContaining('community EG-RUNTIME created'),
    ]);
    const listed = await runNode(
      dir,
      ['dist/apps/settlement/cli.js', 'batches', '--community', 'EG-RUNTIME'],
      env,
    );
    expect([listed.code, listed.stdout.trim()]).toEqual([0, '0 batch(es)']);
    const bad = await runNode(
      dir,
      ['dist/apps/settlement/cli.js', 'create-community', '--price', 'abc'],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('forecast: --help, and a backtest on the WASM backend', async () => {
    const dir = runtime('forecast').dir;
    const help = await runNode(dir, ['dist/apps/forecast/cli.js', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/backtest/);
    expect(help.stdout).toMatch(/train/);

    const csv = path.join(os.tmpdir(), `gridwerk-runtime-load-${process.pid}.csv`);
    const rows = ['time,load'];
    const start = Date.UTC(2025, 0, 1);
    for (let i = 0; i < 96 * 42; i++) {
      const t = start + i * 900_000;
      const hour = new Date(t).getUTCHours();
      rows.push(
        `${new Date(t).toISOString()},${1000 + 400 * Math.sin((hour / 24) * 2 * Math.PI) + (i % 11)}`,
      );
    }
    fs.writeFileSync(csv, rows.join('\n'));
    try {
      const r = await runNode(dir, [
        'dist/apps/forecast/cli.js',
        'backtest',
        '--csv',
        csv,
        '--target',
        'load',
        '--test-from',
        '2025-02-05',
        '--folds',
        '1',
        '--max-epochs',
        '2',
        '--backend',
        'wasm',
        '--json',
      ]);
      expect(r.stderr).toMatch(/TensorFlow\.js backend: wasm/);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as { models: Record<string, { mae: number }> };
      expect(Object.keys(report.models)).toEqual(expect.arrayContaining(['model', 'persistence1d']));
      expect(report.models['model']?.mae).toBeGreaterThan(0);
    } finally {
      fs.rmSync(csv, { force: true });
    }
  });

  it('forecast: migrate applies its migrations to a real database', async () => {
    const r = await runNode(runtime('forecast').dir, ['dist/apps/forecast/cli.js', 'migrate'], {
      DATABASE_URL: db.url,
    });
    expect(r.code).toBe(0);
  });

  it('simulator: --help, and the generated topology', async () => {
    const dir = runtime('simulator').dir;
    const help = await runNode(dir, ['dist/apps/simulator/cli.js', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--meters/);
    const r = await runNode(dir, [
      'dist/apps/simulator/cli.js',
      '--print-topology',
      '--meters',
      '4',
      '--seed',
      '7',
    ]);
    expect(r.code).toBe(0);
    const topology = JSON.parse(r.stdout) as { seed: number; meteringPoints: unknown[] };
    expect(topology.seed).toBe(7);
    expect(topology.meteringPoints).toHaveLength(4);
  });

  it('ingest: the migration entry answers --help, applies its migrations, and refuses a wrong service with exit 2', async () => {
    const dir = runtime('ingest').dir;
    const help = await runNode(dir, ['dist/apps/ingest/migrate.js', '--help']);
    expect([help.code, help.stdout]).toEqual([
      0,
      expect.stringMatching(/^Usage: migrate <ingest\|dispatch\|udp-gateway>/),
    ]);
    const ok = await runNode(dir, ['dist/apps/ingest/migrate.js', 'ingest'], { DATABASE_URL: db.url });
    expect(ok.code).toBe(0);
    const again = await runNode(dir, ['dist/apps/ingest/migrate.js', 'ingest'], { DATABASE_URL: db.url });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/schema up to date/);
    const bad = await runNode(dir, ['dist/apps/ingest/migrate.js', 'nonsense'], { DATABASE_URL: db.url });
    expect(bad.code).toBe(2);
  });

  it("dispatch: the migration entry applies dispatch's migrations (the Job before a rollout)", async () => {
    const dispatchDb = await createTestDatabase('runtime_dispatch');
    try {
      const dir = runtime('dispatch').dir;
      const ok = await runNode(dir, ['dist/apps/dispatch/migrate.js', 'dispatch'], {
        DATABASE_URL: dispatchDb.url,
      });
      expect([ok.code, ok.stderr]).toEqual([0, expect.stringMatching(/DispatchTables1733000000000/)]);
      const again = await runNode(dir, ['dist/apps/dispatch/migrate.js', 'dispatch'], {
        DATABASE_URL: dispatchDb.url,
      });
      expect([again.code, again.stderr]).toEqual([0, expect.stringMatching(/schema up to date/)]);
    } finally {
      await dispatchDb.drop();
    }
  });
});

describe('udp-gateway from its runtime directory', () => {
  it('migrates through its Job entry, starts with plain node, answers SensorThings and /health with the broker', async () => {
    const udpDb = await createTestDatabase('runtime_udp');
    const broker = await ensureMqttBroker();
    const port = 4390 + (Number(process.env['KAFKA_PORT'] ?? 9092) % 100);
    const svc = new ServiceProcess(
      'udp-gateway',
      port,
      {
        DATABASE_URL: udpDb.url,
        UDP_MQTT_URL: broker.url,
        UDP_MQTT_CLIENT_ID: `runtime-udp-${Date.now()}`,
        UDP_RUN_MIGRATIONS: 'false',
        LOG_LEVEL: 'info',
      },
      [],
      runtime('udp-gateway').dir,
    );
    try {
      // the gateway reads ingest's topology and rollups: ingest's schema first, then its own Job
      const ingest = await runNode(runtime('ingest').dir, ['dist/apps/ingest/migrate.js', 'ingest'], {
        DATABASE_URL: udpDb.url,
      });
      expect(ingest.code).toBe(0);
      const dir = runtime('udp-gateway').dir;
      const ok = await runNode(dir, ['dist/apps/udp-gateway/migrate.js', 'udp-gateway'], {
        DATABASE_URL: udpDb.url,
      });
      expect([ok.code, ok.stderr]).toEqual([0, expect.stringMatching(/UdpTables1734000000000/)]);
      await svc.start();
      const health = JSON.parse((await svc.health()).body) as unknown;
      expect(health).toMatchObject({
        status: 'ok',
        info: { database: { status: 'up' }, mqtt: { status: 'up' } },
      });
      const root = await fetch(`http://127.0.0.1:${port}/v1.1`);
      expect(root.status).toBe(200);
      expect(((await root.json()) as { value: unknown[] }).value).toHaveLength(8);
    } finally {
      await svc.stop();
      await broker.stop();
      await udpDb.drop();
    }
    const lines = svc
      .logs()
      .split('\n')
      .filter((l) => l.trim().length > 0);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === 'udp-gateway started')).toBe(true);
  });
});
