/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against the real services:
 * Keycloak (login page, authorization code flow with PKCE), grid-api serving the dashboard's production
 * build, ingest, the Kafka broker and PostgreSQL. The simulator's grid (one undersized secondary
 * substation) is streamed quarter hour by quarter hour through an evening peak while the browser watches.
 *
 * The tests run in order on one page, as an operator would: log in, open a feeder and watch its live value
 * change, acknowledge the overload alarm with a comment and find it in the audit trail, see the station's
 * battery with its SoC and mode, look at the battery fleet (each battery's mode from its telemetry, a
 * grid.battery.commands.v2 limit as its last command), switch the language. Screenshots of every screen are written to dist/test-artifacts/dashboard/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page, Request } from 'playwright-core';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { Producer } from 'kafkajs';
import { EventTypes, exampleEvent } from '@gridwerk/contracts';
import { fetchPasswordGrantToken, readKeycloakCredentials, testOidcProvider } from '@gridwerk/shared/auth';
import {
  createTestDatabase,
  postgresDataSourceOptions,
  type TestDatabase,
} from '@gridwerk/shared/data-access-database';
import {
  createTopic,
  readMessages,
  testBrokers,
  testKafka,
  uniqueName,
} from '@gridwerk/shared/data-access-kafka';
import { TOPOLOGY_MIGRATIONS, TopologyRepository } from '@gridwerk/shared/data-access-topology';
import { builtInProfiles, createGridSimulation, type GridSimulation } from '@gridwerk/simulator/domain';
import { encodeStep } from '@gridwerk/simulator/feature';
import { launchChromium, type LaunchedBrowser, signInThroughKeycloak } from './chromium';
import { buildDashboardInto } from './dashboard-build';
import { freePort } from './free-port';
import { gridApiTestTopics, gridApiTopicEnv } from './grid-api-topics';
import { ServiceProcess } from './service-process';
import { openStream, type ReceivedEvent } from './sse-client';

jest.setTimeout(300_000);

const root = path.resolve(__dirname, '..', '..');
export const SCREENSHOT_DIR = path.join(root, 'dist', 'test-artifacts', 'dashboard');
const STEP_PAUSE_MS = 700;
const COMMENT = 'Trafo ONS-0001 überlastet – Netzführung informiert, Lastverschiebung angefragt';

const provider = testOidcProvider();
const kafka = testKafka('dashboard-browser-test');
const admin = kafka.admin();
let producer: Producer;
let db: TestDatabase;
let ingest: ServiceProcess;
let api: ServiceProcess;
let browser: LaunchedBrowser;
let page: Page;
let base: string;
let sim: GridSimulation;
let dashboardDir: string;
/** Uncaught errors in the page: none may happen (a React render error blanks the screen). */
const pageErrors: string[] = [];
/** The alarm the operator acknowledged in the browser. */
let acknowledgedAlarm: string | undefined;
const topics = { ...gridApiTestTopics('browser'), dlq: uniqueName('test.browser.dlq') };

/** A request the page sent to grid-api's API: path and query, and when it went out and its answer came in. */
interface ApiCall {
  request: Request;
  path: string;
  url: URL;
  startMs: number;
  endMs?: number;
}
/** Every API request of the page, in the order they went out (performance.now() of this process). */
const calls: ApiCall[] = [];
const QUARTER_MS = 900_000;

/** How often each path (with its query) was asked among `list`. */
function countByPath(list: readonly ApiCall[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of list) out[c.path] = (out[c.path] ?? 0) + 1;
  return out;
}

/** Waits until a request matching `match` has gone out at index `from` or later, and returns it. */
async function nextCall(from: number, match: (c: ApiCall) => boolean, timeoutMs = 30_000): Promise<ApiCall> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = calls.slice(from).find(match);
    if (c) return c;
    if (Date.now() > deadline) throw new Error(`no such request within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const STEPS = 24;
/** Quarter hours streamed in all: the UI's 24 and the stream tests' 12. */
const TOTAL_STEPS = 36;

/** The latest 18:00 UTC from which all streamed quarter hours (the Berlin evening and night) lie in the past. */
function eveningStart(nowMs: number): string {
  const d = new Date(nowMs);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 18);
  if (t + (TOTAL_STEPS / 4) * 3_600_000 > nowMs) t -= 24 * 3_600_000;
  return new Date(t).toISOString();
}

/**
 * A transformer rating under which the first station stays above the 90 % alarm limit in every streamed
 * quarter hour, whatever the season: its lowest |net load| in the window over 0.92. So the overload alarm
 * is raised and stays active while the browser looks at it.
 */
function overloadingRatingKva(options: Parameters<typeof createGridSimulation>[0]): number {
  const probe = createGridSimulation(options);
  const stationId = probe.topology.secondarySubstations[0]?.secondarySubstationId;
  const meters = new Set(
    probe.topology.meteringPoints
      .filter((m) => m.secondarySubstationId === stationId)
      .map((m) => m.meterPointId),
  );
  let minKw = Infinity;
  for (let i = 0; i < STEPS; i++) {
    const step = probe.nextStep();
    if (!step) break;
    let w = 0;
    for (const r of step.readings) if (meters.has(r.meterPointId)) w += (r.importWh - r.exportWh) * 4;
    minKw = Math.min(minKw, Math.abs(w) / 1000);
  }
  return Math.max(1, Math.floor(minKw / 0.92));
}

async function produceSteps(n: number, pauseMs: number): Promise<number> {
  let produced = 0;
  for (let i = 0; i < n; i++) {
    const step = sim.nextStep();
    if (!step) break;
    const { readings, telemetry } = encodeStep(step);
    await producer.send({
      topic: topics.readings,
      messages: readings.map((m) => ({ key: m.key, value: m.value })),
    });
    await producer.send({
      topic: topics.telemetry,
      messages: telemetry.map((m) => ({ key: m.key, value: m.value })),
    });
    produced++;
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return produced;
}

/** Waits until grid-api's read model holds `commandId` as the battery's last command (consumer lag). */
async function waitForLastCommand(assetId: string, commandId: string): Promise<void> {
  const token = await fetchPasswordGrantToken(provider, 'viewer');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await fetch(`${base}/api/v1/batteries`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await r.json()) as {
      items: { assetId: string; lastCommand: { commandId: string } | null }[];
    };
    if (body.items.find((b) => b.assetId === assetId)?.lastCommand?.commandId === commandId) return;
    if (Date.now() > deadline) throw new Error(`grid-api did not take command ${commandId} within 30 s`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  dashboardDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridwerk-dashboard-'));
  buildDashboardInto(dashboardDir);

  db = await createTestDatabase('dashboard_browser');
  const options = {
    seed: 7,
    meters: 150,
    start: eveningStart(Date.now()),
    days: 1,
    resolutionMinutes: 15 as const,
    profiles: builtInProfiles(),
  };
  const ratedKva = overloadingRatingKva(options);
  sim = createGridSimulation(options);
  const first = sim.topology.secondarySubstations[0];
  if (!first) throw new Error('the topology has no secondary substation');
  // a rating of our choosing (the table takes any positive kVA), see overloadingRatingKva
  (first as { ratedKva: number }).ratedKva = ratedKva;
  const ds = new DataSource(
    postgresDataSourceOptions({
      url: db.url,
      applicationName: 'test-dashboard-browser',
      migrations: TOPOLOGY_MIGRATIONS,
    }),
  );
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
  const pool = new Pool({ connectionString: db.url, max: 1 });
  await new TopologyRepository(pool).upsertTopology(sim.topology);
  await pool.end();

  await admin.connect();
  for (const [name, topic] of Object.entries(topics))
    await createTopic(admin, topic, name === 'readings' ? 3 : 1);
  producer = kafka.producer();
  await producer.connect();

  const common = { DATABASE_URL: db.url, KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: 'warn' };
  ingest = new ServiceProcess('ingest', await freePort(), {
    ...common,
    INGEST_CONSUMER_GROUP: uniqueName('test.browser.ingest'),
    INGEST_READINGS_TOPIC: topics.readings,
    INGEST_TELEMETRY_TOPIC: topics.telemetry,
    INGEST_ROLLUP_REFRESH_MS: '500',
  });
  api = new ServiceProcess('grid-api', await freePort(), {
    ...common,
    OIDC_ISSUER_URL: provider.issuer,
    DASHBOARD_DIR: dashboardDir,
    ...gridApiTopicEnv('browser', topics),
    GRID_ALARM_EVAL_MS: '250',
  });
  // Both run from TypeScript through ts-node, ingest with its two consumer threads transpiled apiece: on the
  // shared 2-core machine at a load average of 12-20, ingest first answered /health after 49 s and its
  // consumer thread 0 was still starting at 60 s (measured 7 December), so they get 120 s, not 60 s.
  await Promise.all([ingest.start(120_000), api.start(120_000)]);
  base = `http://127.0.0.1:${api.port}`;
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === base && url.pathname.startsWith('/api/'))
      calls.push({ request, path: url.pathname + url.search, url, startMs: performance.now() });
  });
  const answered = (request: Request) => {
    const c = calls.find((x) => x.request === request);
    if (c) c.endMs = performance.now();
  };
  page.on('requestfinished', answered);
  page.on('requestfailed', answered);
});

afterEach(() => {
  expect(pageErrors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await ingest?.stop();
  await producer?.disconnect().catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
  await db?.drop();
  if (dashboardDir) fs.rmSync(dashboardDir, { recursive: true, force: true });
});

describe('the dashboard in chromium', () => {
  const station = (): { id: string; feederId: string } => {
    const s = sim.topology.secondarySubstations[0];
    if (!s) throw new Error('the topology has no secondary substation');
    return { id: s.secondarySubstationId, feederId: s.feederId };
  };

  it('logs in through the Keycloak login page (authorization code flow with PKCE)', async () => {
    const { password } = readKeycloakCredentials(provider.credentialsFile).users.operator;
    const authorize: URL[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${provider.issuer}/protocol/openid-connect/auth`))
        authorize.push(new URL(r.url()));
    });
    await signInThroughKeycloak(page, `${base}/`, provider.issuer, 'operator', password);
    expect(authorize[0]?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize[0]?.searchParams.get('response_type')).toBe('code');
    // the code and state are gone from the address bar, the user is shown with the role
    expect(new URL(page.url()).searchParams.get('code')).toBeNull();
    await expect(page.getByTestId('user').textContent()).resolves.toContain('operator');
    await page.locator(`[data-node="${station().id}"]`).waitFor();
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor({ timeout: 30_000 });
    await shot('overview');
    // the first load asks each path once: the session data, the control room's clock, the overview, the stream
    for (const p of ['/api/v1/alarms', '/api/v1/batteries', '/api/v1/clock', '/api/v1/topology/summary'])
      await nextCall(0, (c) => c.path === p);
    await page.waitForTimeout(1_000);
    const firstLoad = countByPath(calls);
    expect(Object.keys(firstLoad)).toEqual(
      expect.arrayContaining([
        '/api/v1/alarms',
        '/api/v1/batteries',
        '/api/v1/clock',
        '/api/v1/topology/summary',
        '/api/v1/stream',
      ]),
    );
    expect(Object.entries(firstLoad).filter(([, n]) => n !== 1)).toEqual([]);
  });

  it('opens a feeder and watches its live value change as the simulator runs', async () => {
    const { feederId } = station();
    const before = calls.length;
    await page.locator(`[data-node="${feederId}"] text.feeder-label`).click();
    await page.getByTestId('screen-node').waitFor();
    expect(new URL(page.url()).hash).toBe(`#/node/${feederId}`);
    // the node page's data goes out at once, its window from the control room's clock read at sign-in: no
    // GET /api/v1/clock in series before it, and (no data yet: the clock is the wall clock) asked once
    const firstLoad = await nextCall(before, (c) => c.url.pathname === `/api/v1/nodes/${feederId}/load`);
    await nextCall(before, (c) => c.url.pathname === `/api/v1/nodes/${feederId}/forecast`);
    await page.getByTestId('load-chart').waitFor({ timeout: 30_000 });
    const opened = calls.slice(before);
    expect(opened.slice(0, opened.indexOf(firstLoad)).map((c) => c.url.pathname)).not.toContain(
      '/api/v1/clock',
    );
    expect(
      countByPath(opened.filter((c) => c.url.pathname.startsWith(`/api/v1/nodes/${feederId}/`))),
    ).toEqual({
      [firstLoad.path]: 1,
      [opened.find((c) => c.url.pathname.endsWith('/forecast'))?.path ?? 'forecast']: 1,
    });
    const value = page.getByTestId('live-value');
    const seen = new Set<string>();
    const producing = produceSteps(STEPS, STEP_PAUSE_MS);
    const deadline = Date.now() + 120_000;
    while (seen.size < 4 && Date.now() < deadline) {
      const v = ((await value.textContent()) ?? '').trim();
      if (v !== '–' && v !== '') seen.add(v);
      await page.waitForTimeout(200);
    }
    await producing;
    // at least four different live values, each pushed over the stream without a reload
    expect(seen.size).toBeGreaterThanOrEqual(4);
    await expect(page.getByTestId('live-state').textContent()).resolves.toContain('Live');
    await shot('node-detail');
    // the overview in the evening peak: the overloaded station coloured and its alarm listed
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('alarm-summary').filter({ hasText: station().id }).waitFor({ timeout: 60_000 });
    await shot('overview-live');
  });

  it('acknowledges the overload alarm with a comment and shows it in the audit trail', async () => {
    const { id } = station();
    await page.getByTestId('nav-alarms').click();
    await page.getByTestId('screen-alarms').waitFor();
    const overload = page
      .locator('tr[data-alarm][data-state="unacknowledged"]')
      .filter({ hasText: id })
      .filter({ hasText: 'TRANSFORMER.OVERLOAD' })
      .first();
    await overload.locator('button[data-action="acknowledge"]').waitFor({ timeout: 60_000 });
    const alarmId = await overload.getAttribute('data-alarm');
    acknowledgedAlarm = alarmId ?? undefined;
    const row = page.locator(`tr[data-alarm="${alarmId}"]`);
    await shot('alarms');
    await row.locator('button[data-action="acknowledge"]').click();
    await page.getByTestId('action-comment').fill(COMMENT);
    await page.getByTestId('action-submit').click();
    // the station is still overloaded: acknowledged, taken by the operator, with the comment
    await page.locator(`tr[data-alarm="${alarmId}"][data-state="acknowledged"]`).waitFor({ timeout: 30_000 });
    await expect(row.textContent()).resolves.toContain(COMMENT);
    await row.locator('button[data-action="audit"]').click();
    const trail = page.getByTestId('audit-trail');
    const entry = trail.locator('tr[data-audit-action="alarm.acknowledge"]');
    await entry.waitFor();
    await expect(entry.getByTestId('audit-reason').textContent()).resolves.toBe(COMMENT);
    await expect(entry.textContent()).resolves.toContain('operator');
    await shot('alarm-audit-trail');
  });

  it("shows the station's battery with its SoC and mode on the station page", async () => {
    const { id } = station();
    const own = sim.topology.batteries.filter((b) => b.secondarySubstationId === id);
    // a page load of the station's deep link: the app starts afresh and reads the control room's clock,
    // which is the streamed evening now, far from the browser's; the page does not wait for it
    const before = calls.length;
    await page.goto(`${base}/nodes/${id}`);
    await page.getByTestId('station-batteries').waitFor({ timeout: 30_000 });
    const loadPath = `/api/v1/nodes/${id}/load`;
    const firstLoad = await nextCall(before, (c) => c.url.pathname === loadPath);
    const clock = await nextCall(before, (c) => c.path === '/api/v1/clock');
    const clockAnswer = (await (await clock.request.response())?.json()) as { now: string };
    await nextCall(before, (c) => c === clock && c.endMs !== undefined);
    expect(firstLoad.startMs).toBeLessThan(clock.endMs ?? 0);
    // …and once the clock has answered, the window it shows ends at the control room's now
    const controlRoomTo = Math.ceil(Date.parse(clockAnswer.now) / QUARTER_MS) * QUARTER_MS;
    // (within a quarter hour: the offset is estimated over the round trip; the first window may be the
    // browser's, as the deep link asked before the clock answered)
    const endsAtClock = (c: ApiCall) => {
      const to = Date.parse(c.url.searchParams.get('to') ?? '');
      return c.url.pathname === loadPath && Math.abs(to - controlRoomTo) <= QUARTER_MS;
    };
    await nextCall(before, endsAtClock);
    expect(endsAtClock(calls.filter((c) => c.url.pathname === loadPath).at(-1) ?? firstLoad)).toBe(true);
    if (own.length === 0) {
      await page
        .getByTestId('station-batteries')
        .filter({ hasText: /Kein Speicher|No battery/ })
        .waitFor();
      return;
    }
    for (const b of own) {
      const item = page.locator(`[data-testid="station-batteries"] li[data-asset="${b.assetId}"]`);
      await item.waitFor({ timeout: 30_000 });
      await expect(item.getAttribute('data-control')).resolves.toBe('local-rule');
      await expect(item.getByTestId('station-soc').textContent()).resolves.toMatch(/\d+(,\d)?\s*%/);
    }
    // no dispatch database here: nothing avoided is claimed
    await expect(page.getByTestId('station-avoided').getAttribute('title')).resolves.toMatch(/max\(0/);
    await expect(page.getByTestId('station-avoided').locator('[data-avoided-wh]').count()).resolves.toBe(0);
    await shot('station-batteries');
  });

  it("shows the battery fleet with each battery's mode and a v2 limit command", async () => {
    const battery = sim.topology.batteries[0];
    if (!battery) throw new Error('the topology has no battery');
    // dispatch in limit mode (grid.battery.commands.v2): hold the station at 120 kW, keep 30 %
    const issuedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const validFrom = new Date(Math.floor(Date.now() / 900_000) * 900_000).toISOString();
    const limit = {
      ...exampleEvent(EventTypes.batteryCommandV2),
      id: uniqueName('cmd-v2'),
      subject: battery.assetId,
      data: {
        commandId: uniqueName('cmd-v2'),
        assetId: battery.assetId,
        issuedAt,
        validFrom,
        validUntil: new Date(Date.parse(validFrom) + 900_000).toISOString(),
        mode: 'limit' as const,
        stationLimitW: 120_000,
        socReservePct: 30,
        reason: 'hold the station under its rating (browser test)',
      },
    };
    await producer.send({
      topic: topics.commandsV2,
      messages: [{ key: battery.assetId, value: JSON.stringify(limit) }],
    });
    await page.getByTestId('nav-batteries').click();
    await page.getByTestId('screen-batteries').waitFor();
    for (const b of sim.topology.batteries)
      await page.locator(`[data-asset="${b.assetId}"]`).waitFor({ timeout: 30_000 });
    await expect(page.locator('[data-asset]').count()).resolves.toBe(sim.topology.batteries.length);
    // the simulator's batteries had no command while the evening was streamed: each reports its local rule
    for (const b of sim.topology.batteries)
      await expect(
        page.locator(`[data-asset="${b.assetId}"] td[data-control]`).getAttribute('data-control'),
      ).resolves.toBe('local-rule');
    // the limit command is the battery's last command once grid-api has consumed it; the fleet re-reads
    // the commands when it opens
    await waitForLastCommand(battery.assetId, limit.data.commandId);
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('nav-batteries').click();
    const cell = page.locator(`[data-asset="${battery.assetId}"] td[data-command-mode="limit"]`);
    await cell.waitFor({ timeout: 30_000 });
    await expect(cell.textContent()).resolves.toMatch(/120\s*kW.*30\s*%/);
    await shot('battery-fleet');
  });

  it('switches the language to English and keeps it after a reload', async () => {
    await expect(page.getByTestId('nav-overview').textContent()).resolves.toBe('Netzübersicht');
    await page.getByTestId('language').selectOption('en');
    await expect(page.getByTestId('nav-overview').textContent()).resolves.toBe('Grid overview');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await page.reload();
    await page.getByTestId('screen-batteries').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('nav-overview').textContent()).resolves.toBe('Grid overview');
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('screen-overview').waitFor();
    // no reading arrived since the reload: the station's value comes from the stream's snapshot
    await page
      .locator(`[data-node="${station().id}"]:not([data-loading="unknown"])`)
      .waitFor({ timeout: 10_000 });
    await shot('overview-en');
  });
});

describe('behind the dashboard', () => {
  it('publishes the acknowledged alarm on the alerts topic, naming who took it', async () => {
    expect(acknowledgedAlarm).toBeDefined();
    const mine = (m: { value: Buffer | null }) => {
      const e = JSON.parse(m.value?.toString() ?? '{}') as { data?: { alertId?: string; message?: string } };
      return e.data?.alertId === acknowledgedAlarm ? (e.data?.message ?? '') : undefined;
    };
    const msgs = await readMessages(kafka, topics.alerts, (all) =>
      all.some((m) => mine(m)?.startsWith('[ACKED by operator]')),
    );
    const states = msgs.map(mine).filter((m): m is string => m !== undefined);
    expect(states[0]).toMatch(/^\[UNACK\] Loading/);
    expect(states.at(-1)).toMatch(/^\[ACKED by operator\] Loading/);
  });

  it('resumes the live stream after a reconnect with Last-Event-ID and loses nothing', async () => {
    const token = await fetchPasswordGrantToken(provider, 'viewer');
    const url = `${base}/api/v1/stream`;
    const continuous: ReceivedEvent[] = [];
    const resumed: ReceivedEvent[] = [];
    const a = await openStream(url, token, (e) => continuous.push(e));
    let b = await openStream(url, token, (e) => resumed.push(e));
    const settle = () => new Promise((r) => setTimeout(r, 1_500));
    await produceSteps(4, 500);
    await settle();
    await b.close();
    const lastSeen = resumed.filter((e) => e.id !== '').at(-1)?.id;
    expect(lastSeen).toBeDefined();
    const beforeCount = resumed.length;
    await produceSteps(6, 500); // missed by b while it is away
    await settle();
    b = await openStream(url, token, (e) => resumed.push(e), lastSeen);
    await produceSteps(2, 500);
    await settle();
    await Promise.all([a.close(), b.close()]);

    const ids = (list: ReceivedEvent[]) =>
      list.filter((e) => e.event !== 'heartbeat' && e.id !== '').map((e) => BigInt(e.id));
    const got = ids(resumed);
    const first = got[0] ?? 0n;
    const last = got.at(-1) ?? 0n;
    const wanted = ids(continuous).filter((id) => id >= first && id <= last);
    expect(wanted.length).toBeGreaterThan(0);
    // b saw every event a saw in the same span, none twice, in order, and after resuming only newer ones
    expect(got).toEqual(wanted);
    const afterResume = ids(resumed.slice(beforeCount));
    expect(afterResume.length).toBeGreaterThan(0);
    expect(afterResume.every((id) => id > BigInt(lastSeen ?? '0'))).toBe(true);
    expect(resumed.slice(beforeCount).some((e) => e.event === 'load')).toBe(true);
  });
});
