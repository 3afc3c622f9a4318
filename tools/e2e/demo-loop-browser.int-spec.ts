/**
 * The demo's own start-up path in CI: `tools/demo/demo.ts`, what `npm run demo` runs, started as a process
 * with the options that make it fit a CI run (a fixed winter weekday, 60 days of history, the live part on
 * a simulated clock from 15:00 Berlin at a few simulated minutes per second), then Debian's chromium signed
 * in through Keycloak's login page. The simulated day is not the day the test runs: the dashboard shows it
 * because its views follow the control room's clock (grid-api's data clock), not the browser's.
 * DEMO_E2E_DAY=YYYY-MM-DD runs another day (a summer or weekend day; the demo sizes ONS-0001 for any).
 * Every run of the demo has consumer groups of its own, placed at the end of the topics when it starts, so
 * neither what an earlier run left on a long-lived broker nor a run elsewhere on it reaches this one.
 * It asserts on ONS-0001, the station the demo sizes to outgrow its transformer in the evening peak:
 * - its node page shows a forecast (the band P10-P90 and P50 of a promoted model);
 * - the dispatch page shows its feeder's plan, not empty, with a reason for each step;
 * - TRANSFORMER.PREDICTED_OVERLOAD is raised while the data is still before the peak;
 * - with dispatch, the station's metered flow stays within its rating through the peak, the battery steered
 *   by the plan (its telemetry reports mode remote) and discharging;
 * - the same day again with `--no-dispatch` (the batteries idle): the station exceeds its rating.
 * Both runs share the state directory and the database, so the second finds the history imported and the
 * models trained (as a second `npm run demo` of the same day does). Screenshots in
 * dist/test-artifacts/demo-loop/.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { Pool } from 'pg';
import { readKeycloakCredentials, testOidcProvider } from '@gridwerk/shared/auth';
import { createTestDatabase, type TestDatabase } from '@gridwerk/shared/data-access-database';
import { berlinWallTime } from '../demo/loop';
import { launchChromium, type LaunchedBrowser, signInThroughKeycloak } from './chromium';
import { freePort } from './free-port';

/**
 * The tests' times: the first run simulates and imports the history and trains the models, the second finds
 * them done. Together at most an hour, which fits CI's 90 minutes (the rest of `npm test` takes about 30).
 */
const WITH_DISPATCH_MS = 2_700_000;
const WITHOUT_DISPATCH_MS = 900_000;

/** What is left of a test's time, less a margin to stop the demo and say which wait ran out. */
function budget(totalMs: number): (capMs?: number) => number {
  const end = Date.now() + totalMs - 90_000;
  return (capMs = Infinity) => Math.max(1_000, Math.min(capMs, end - Date.now()));
}

const root = path.resolve(__dirname, '..', '..');
const SCREENSHOT_DIR = path.join(root, 'dist', 'test-artifacts', 'demo-loop');
const STATION = 'ONS-0001';
/** By default a winter Wednesday: the live part starts at 15:00 Berlin, before the evening peak. */
const DAY = process.env['DEMO_E2E_DAY'] ?? '2026-01-14';
const dayParts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(DAY);
if (!dayParts) throw new Error(`DEMO_E2E_DAY must be a date YYYY-MM-DD, got "${DAY}"`);
/** An hour of the day, Berlin wall time, as an instant. */
const berlin = (hour: number): number =>
  berlinWallTime(Number(dayParts[1]), Number(dayParts[2]), Number(dayParts[3]), hour * 60);
const LIVE_FROM = `${DAY}T15:00`;
/** The live part is followed up to 21:00 Berlin: the whole evening peak. */
const LIVE_UNTIL_MS = berlin(21);
/** The peak window the flows are judged in: 17:00-21:00 Berlin. */
const PEAK_FROM_MS = berlin(17);
const QH = 900_000;
const POWER_FACTOR = 0.95;

const provider = testOidcProvider();
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridwerk-demo-e2e-'));
let db: TestDatabase;
let pool: Pool;
let browser: LaunchedBrowser | undefined;
let page: Page;
const pageErrors: string[] = [];

/** A `tools/demo/demo.ts` process with its terminal output, stoppable as Ctrl-C stops it. */
class DemoRun {
  readonly lines: string[] = [];
  private readonly proc: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(
    readonly label: string,
    args: string[],
  ) {
    const log = fs.createWriteStream(path.join(stateDir, `${label}.terminal.log`));
    this.proc = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'tools/demo/demo.ts',
        ...args,
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          TS_NODE_PROJECT: path.join(root, 'tsconfig.json'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let buf = '';
    const onData = (d: Buffer) => {
      log.write(d);
      buf += d.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        // eslint-disable-next-line no-control-regex
        this.lines.push(buf.slice(0, nl).replace(/\x1b\[[0-9;]*m/g, ''));
        buf = buf.slice(nl + 1);
      }
    };
    this.proc.stdout?.on('data', onData);
    this.proc.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }

  /** The first terminal line matching `re`; fails at once if the demo exits first. */
  async waitForLine(re: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find((l) => re.test(l));
      if (hit !== undefined) return hit;
      if (this.proc.exitCode !== null)
        throw new Error(
          `${this.label}: the demo exited (${this.proc.exitCode}) before ${re}:\n${this.tail()}`,
        );
      if (Date.now() > deadline)
        throw new Error(`${this.label}: no ${re} within ${timeoutMs / 1000} s:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }

  /** Ctrl-C: the demo stops what it started; its exit code must be 0. */
  async stop(): Promise<number | null> {
    if (this.proc.exitCode === null) this.proc.kill('SIGINT');
    return this.exited;
  }
}

async function demo(label: string, extra: string[]): Promise<DemoRun> {
  return new DemoRun(label, [
    '--start',
    LIVE_FROM,
    '--live-rate',
    '3',
    '--replay-rate',
    '120',
    '--history-days',
    '60',
    '--faults',
    'none',
    '--state-dir',
    stateDir,
    '--port',
    String(await freePort()),
    '--ingest-port',
    String(await freePort()),
    ...extra,
  ]);
}

/** Waits until the station's quarter hours are stored up to `untilMs` (the simulated clock passed them). */
async function waitForData(run: DemoRun, untilMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM load_15m_secondary_substation
        WHERE node_id = $1 AND bucket_start >= $2 AND bucket_start < $3`,
      [STATION, new Date(PEAK_FROM_MS), new Date(untilMs)],
    );
    if (Number(r.rows[0]?.n) >= (untilMs - PEAK_FROM_MS) / QH) return;
    if (Date.now() > deadline)
      throw new Error(
        `${run.label}: ${STATION} not stored up to ${new Date(untilMs).toISOString()}:\n${run.tail()}`,
      );
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

/**
 * Waits until grid-api's read model holds a day-ahead forecast of the station for the peak window (its
 * model promoted, the covering forecast issued and consumed); says which model lines the demo printed if not.
 */
async function waitForForecast(run: DemoRun, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM grid_forecast_point
        WHERE series_id = $1 AND horizon = 'day-ahead' AND target_start >= $2 AND target_start < $3`,
      [`secondary-substation:${STATION}`, new Date(PEAK_FROM_MS), new Date(LIVE_UNTIL_MS)],
    );
    if (Number(r.rows[0]?.n) > 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `${run.label}: no day-ahead forecast of ${STATION} for the peak in grid-api within ${timeoutMs / 1000} s; the demo's lines on it:\n` +
          run.lines.filter((l) => l.includes(STATION)).join('\n'),
      );
    await new Promise((res) => setTimeout(res, 1_000));
  }
}

/** The station's metered flow (W) per quarter hour of the peak window, and its rating (W). */
async function peakFlows(): Promise<{
  ratingW: number;
  flows: { t: number; measuredW: number; uncontrolledW: number }[];
}> {
  const rated = await pool.query<{ kva: number }>(
    'SELECT rated_kva AS kva FROM secondary_substation WHERE id = $1',
    [STATION],
  );
  const rows = await pool.query<{ t: Date; measured: string; uncontrolled: string }>(
    `SELECT bucket_start AS t, measured_net_wh AS measured, net_wh AS uncontrolled
       FROM uncontrolled_load_15m_secondary_substation
      WHERE node_id = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start`,
    [STATION, new Date(PEAK_FROM_MS), new Date(LIVE_UNTIL_MS)],
  );
  return {
    ratingW: (rated.rows[0]?.kva ?? NaN) * POWER_FACTOR * 1000,
    flows: rows.rows.map((r) => ({
      t: r.t.getTime(),
      measuredW: Number(r.measured) * 4,
      uncontrolledW: Number(r.uncontrolled) * 4,
    })),
  };
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  db = await createTestDatabase('demo_loop');
  pool = new Pool({ connectionString: db.url, max: 2 });
});

afterAll(async () => {
  await browser?.close();
  await pool?.end();
  await db?.drop();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

describe(`npm run demo's loop on ${STATION}, in chromium`, () => {
  let withDispatch: Awaited<ReturnType<typeof peakFlows>> | undefined;

  it(
    'with dispatch: band, plan with reasons, the alarm before the peak, the station within its rating',
    async () => {
      const left = budget(WITH_DISPATCH_MS);
      const run = await demo('dispatch', []);
      try {
        const url = (await run.waitForLine(/Control room:\s+http/, left())).replace(/.*(http\S+).*/, '$1');
        const { password } = readKeycloakCredentials(provider.credentialsFile).users.operator;
        browser = await launchChromium();
        page = await browser.context.newPage();
        page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message));
        await signInThroughKeycloak(page, url, provider.issuer, 'operator', password);

        // the predicted-overload alarm, with the data time (newest stored quarter hour) when it appeared
        let alarmSeen: { dataTimeMs: number; message: string } | undefined;
        const watchAlarm = async (): Promise<void> => {
          if (alarmSeen) return;
          const a = await pool
            .query<{ message: string; latest: Date | null }>(
              `SELECT a.doc->>'message' AS message,
                    (SELECT max(bucket_start) FROM load_15m_secondary_substation WHERE node_id = $1) AS latest
               FROM grid_alarm a WHERE a.code = 'TRANSFORMER.PREDICTED_OVERLOAD' AND a.node_id = $1`,
              [STATION],
            )
            .catch(() => ({ rows: [] }));
          const row = a.rows[0];
          if (row) alarmSeen = { dataTimeMs: (row.latest?.getTime() ?? 0) + QH, message: row.message };
        };
        const alarmTimer = setInterval(() => void watchAlarm(), 1_000);
        try {
          await run.waitForLine(/day-ahead forecasts issued for [1-9]/, left());
          // the forecast covering the day, in grid-api's read model (the node page reads it once, on opening)
          await waitForForecast(run, left(120_000));
          await watchAlarm();

          // the node page: the forecast of a promoted model over the measured load
          await page.goto(`${url}#/node/${STATION}`);
          await page.getByTestId('screen-node').waitFor();
          await page.locator('p', { hasText: /Modell day-ahead-/ }).waitFor({ timeout: left(120_000) });
          await shot('node-forecast');

          // the dispatch page: the feeder's plan, with the reason of every step
          await page.getByTestId('nav-dispatch').click();
          await page.getByTestId('screen-dispatch').waitFor();
          const steps = page.getByTestId(`plan-steps-${STATION}`);
          await steps.waitFor({ timeout: left(180_000) });
          const reasons = await steps.getByTestId('step-reason').allTextContents();
          expect(reasons.length).toBeGreaterThanOrEqual(96);
          expect(reasons.every((r) => r.trim().length > 0)).toBe(true);
          await expect(page.getByTestId('dispatch-reason').first().textContent()).resolves.toMatch(/\w{6,}/);
          await shot('dispatch-plan');

          await waitForData(run, LIVE_UNTIL_MS, left());
        } finally {
          clearInterval(alarmTimer);
        }
        await watchAlarm();
        withDispatch = await peakFlows();
        const { ratingW, flows } = withDispatch;
        const overloadedFrom = flows.find((f) => f.uncontrolledW > ratingW)?.t;
        // the load without the battery goes over the rating in the evening: that is the story
        expect(overloadedFrom).toBeDefined();
        // the alarm was there while the data was still before that quarter hour
        expect(alarmSeen?.message).toMatch(/^P90 forecast/);
        expect(alarmSeen?.dataTimeMs ?? Infinity).toBeLessThanOrEqual(overloadedFrom ?? -Infinity);
        // with the battery steered, the metered flow stays within the rating in every quarter hour
        expect(flows).toHaveLength((LIVE_UNTIL_MS - PEAK_FROM_MS) / QH);
        expect(flows.filter((f) => f.measuredW > ratingW)).toEqual([]);
        const steered = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM battery_telemetry t JOIN battery_asset b ON b.id = t.asset_id
          WHERE b.secondary_substation_id = $1 AND t.time >= $2 AND t.time < $3 AND t.mode = 'remote'
            AND t.power_w > 0`,
          [STATION, new Date(overloadedFrom ?? PEAK_FROM_MS), new Date(LIVE_UNTIL_MS)],
        );
        expect(Number(steered.rows[0]?.n)).toBeGreaterThan(0);
        expect(pageErrors).toEqual([]);
      } finally {
        await browser?.close();
        browser = undefined;
        expect(await run.stop()).toBe(0);
      }
    },
    WITH_DISPATCH_MS,
  );

  it(
    'the same day without dispatch (batteries idle): the station exceeds its rating',
    async () => {
      expect(withDispatch).toBeDefined();
      const left = budget(WITHOUT_DISPATCH_MS);
      const run = await demo('no-dispatch', ['--no-dispatch']);
      try {
        await run.waitForLine(/--no-dispatch: no dispatch service/, left());
        // the live part's readings replace the first run's from 15:00 on (corrections of the same quarter
        // hours): wait until the whole evening is stored again with the battery idle (its meter at 0)
        const deadline = Date.now() + left();
        let without = await peakFlows();
        while (
          without.flows.length < (LIVE_UNTIL_MS - PEAK_FROM_MS) / QH ||
          without.flows.some((f) => f.measuredW !== f.uncontrolledW)
        ) {
          if (Date.now() > deadline)
            throw new Error(`no idle evening stored in the test's time:\n${run.tail()}`);
          await new Promise((res) => setTimeout(res, 2_000));
          without = await peakFlows();
        }
        const over = without.flows.filter((f) => f.measuredW > without.ratingW);
        expect(over.length).toBeGreaterThan(0);
        expect(Math.max(...without.flows.map((f) => f.measuredW))).toBeGreaterThan(
          Math.max(...(withDispatch?.flows.map((f) => f.measuredW) ?? [])),
        );
      } finally {
        expect(await run.stop()).toBe(0);
      }
    },
    WITHOUT_DISPATCH_MS,
  );
});
