import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Producer } from 'kafkajs';
import { runGridApiMigrations } from '@gridwerk/grid/read-model';
import {
  createIngestTestDb,
  MeterReadingWriter,
  meterId,
  quarterHourReadings,
  refreshRollups,
  smallTopology,
  TopologyRepository,
} from '@gridwerk/ingest/data-access';
import { fetchPasswordGrantToken, readKeycloakCredentials, testOidcProvider } from '@gridwerk/shared/auth';
import {
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  type FlagTable,
  helpText,
  integerFlag,
  parseCommandLine,
  UsageError,
} from '@gridwerk/shared/util-config';
import { encodeReading } from '@gridwerk/simulator/feature';
import { launchChromium, signInThroughKeycloak } from '../../e2e/chromium';
import { buildDashboardInto } from '../../e2e/dashboard-build';
import { freePort } from '../../e2e/free-port';
import { openStream } from '../../e2e/sse-client';
import { ServiceProcess } from '../../e2e/service-process';
import { loadInfraConfig } from '../../infra/infra-config';
import { keycloakCredentialsFile, keycloakUrl } from '../../infra/keycloak';
import { benchLog as log, withBenchTopics } from '../lib/bench-kafka';

/**
 * `npm run bench:operator`: the control room's three speed targets, against the real grid-api process,
 * PostgreSQL, the broker, Keycloak and chromium. Prints one JSON object on stdout (progress on stderr):
 *  - `loadQuery30d`: p95 latency of `GET /api/v1/nodes/{feeder}/load` over 30 days at 15-minute
 *    resolution (HTTP, with token verification), target < 50 ms;
 *  - `liveStream`: p95 delay from a reading produced to its value on the SSE stream while readings are
 *    produced at 5,000/s (5,000 meters, one reading each per second), target < 1 s;
 *  - `dashboardYear`: time from choosing "12 months" on a feeder's page until the chart has drawn its
 *    35,040 quarter hours in chromium, target < 1.5 s.
 */
const FLAGS = {
  queries: { kind: 'value', arg: 'N', help: 'load queries timed (default 200, after 20 warm-up queries)' },
  rate: { kind: 'value', arg: 'N', help: 'readings per second for the live-stream delay (default 5000)' },
  seconds: { kind: 'value', arg: 'N', help: 'how long readings are produced at that rate (default 20)' },
  draws: { kind: 'value', arg: 'N', help: '12-month chart draws timed (default 5)' },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const satisfies FlagTable;

const HELP = helpText({
  usage: 'Usage: npm run bench:operator [-- options]',
  flags: FLAGS,
  footer: `Starts what it needs (Kafka, EVM node, Keycloak) unless running, in a database of its own; prints one
JSON object. Exit codes: 0 measured (targets are reported, not enforced), 2 bad flags, 1 failure.`,
});

const QH = 15 * 60_000;
const FEEDER = 'UW-01-F01';

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: round(pct(s, 50)), p95: round(pct(s, 95)), max: round(s[s.length - 1] ?? NaN) };
}

async function main(): Promise<number> {
  const { flags } = parseCommandLine(process.argv.slice(2), FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${HELP}\n`);
    return EXIT_OK;
  }
  const queries = integerFlag('queries', flags.queries, { min: 1, max: 1_000_000, fallback: 200 });
  const rate = integerFlag('rate', flags.rate, { min: 1, max: 1_000_000, fallback: 5000 });
  const seconds = integerFlag('seconds', flags.seconds, { min: 1, max: 86_400, fallback: 20 });
  const draws = integerFlag('draws', flags.draws, { min: 1, max: 10_000, fallback: 5 });
  const cfg = loadInfraConfig();
  process.env['KEYCLOAK_URL'] ??= keycloakUrl(cfg);
  process.env['KEYCLOAK_CREDENTIALS_FILE'] ??= keycloakCredentialsFile(cfg);

  await withBenchTopics(
    'operator',
    { readings: 6, telemetry: 1 },
    async ({ kafka, admin, brokers, topics }) => {
      const alerts = `${topics.telemetry}.alerts`;
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: alerts, numPartitions: 1, replicationFactor: 1 }],
      });
      const provider = testOidcProvider();
      const t = await createIngestTestDb('bench_operator');
      const dashboardDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridwerk-bench-dashboard-'));
      let api: ServiceProcess | undefined;
      let producer: Producer | undefined;
      try {
        // a year of 15-minute history for 16 meters (4 of them on the feeder), ending an hour ago
        const meters = Math.max(rate, 16);
        await runGridApiMigrations(t.db.url);
        await new TopologyRepository(t.pool).upsertTopology(smallTopology(meters));
        const yearEnd = Math.floor((Date.now() - 3_600_000) / QH) * QH;
        const yearStart = yearEnd - 365 * 96 * QH;
        log('writing a year of quarter hours for 16 meters and refreshing the rollups ...');
        const writer = new MeterReadingWriter(t.pool);
        for (let day = 0; day < 365; day += 30) {
          const n = Math.min(30, 365 - day) * 96;
          await writer.writeReadings(quarterHourReadings(new Date(yearStart + day * 96 * QH), n, 0, 16));
        }
        await refreshRollups(t.pool);

        log('building the dashboard ...');
        buildDashboardInto(dashboardDir);

        api = new ServiceProcess('grid-api', await freePort(), {
          DATABASE_URL: t.db.url,
          KAFKA_BROKERS: brokers,
          LOG_LEVEL: 'warn',
          OIDC_ISSUER_URL: provider.issuer,
          DASHBOARD_DIR: dashboardDir,
          RATE_LIMIT_PER_MINUTE: '100000',
          GRID_API_CONSUMER_GROUP: `bench.operator.${Date.now()}`,
          GRID_API_LIVE_GROUP_PREFIX: `bench.operator.live.${Date.now()}`,
          GRID_API_READINGS_TOPIC: topics.readings,
          GRID_API_TELEMETRY_TOPIC: topics.telemetry,
          GRID_API_ALERTS_TOPIC: alerts,
        });
        await api.start();
        const base = `http://127.0.0.1:${api.port}`;
        const token = await fetchPasswordGrantToken(provider, 'viewer');
        const auth = { authorization: `Bearer ${token}` };

        // (1) the 30-day 15-minute load query of one feeder
        const to = new Date(yearEnd).toISOString();
        const from = new Date(yearEnd - 30 * 96 * QH).toISOString();
        const url = `${base}/api/v1/nodes/${FEEDER}/load?from=${from}&to=${to}`;
        const probe = (await (await fetch(url, { headers: auth })).json()) as {
          resolution?: string;
          points?: unknown[];
        };
        if (probe.resolution !== '15m' || probe.points?.length !== 30 * 96)
          throw new Error(`unexpected load response: ${JSON.stringify(probe).slice(0, 300)}`);
        const latencies: number[] = [];
        for (let i = 0; i < queries + 20; i++) {
          const t0 = performance.now();
          const r = await fetch(url, { headers: auth });
          await r.arrayBuffer();
          if (r.status !== 200) throw new Error(`load query answered ${r.status}`);
          if (i >= 20) latencies.push(performance.now() - t0);
        }
        log(`load query: ${JSON.stringify(stats(latencies))} ms`);

        // (2) reading produced -> its value on the live stream, at `rate` readings/s
        producer = kafka.producer({ allowAutoTopicCreation: false });
        await producer.connect();
        const sentAt = new Map<number, number>();
        const delays: number[] = [];
        const stream = await openStream(`${base}/api/v1/stream`, token, (e) => {
          if (e.event !== 'load' || e.data['nodeId'] !== FEEDER) return;
          const observedAt = e.data['observedAt'];
          const sent = typeof observedAt === 'string' ? sentAt.get(Date.parse(observedAt)) : undefined;
          if (sent !== undefined) delays.push(e.receivedAtMs - sent);
        });
        await new Promise((r) => setTimeout(r, 2_000)); // the live consumer joins its group
        // each second one quarter hour of data time, one reading per meter, sent in 10 slices per second
        const t0Data = yearEnd + QH;
        const slices = 10;
        const perSlice = Math.ceil(rate / slices);
        const started = performance.now();
        let produced = 0;
        for (let s = 0; s < seconds; s++) {
          const startIso = new Date(t0Data + s * QH).toISOString();
          const endMs = t0Data + (s + 1) * QH;
          const endIso = new Date(endMs).toISOString();
          for (let k = 0; k < slices; k++) {
            const due = started + s * 1000 + k * (1000 / slices);
            const wait = due - performance.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            if (k === 0) sentAt.set(endMs, performance.now());
            const messages = [];
            for (let m = k * perSlice; m < Math.min(rate, (k + 1) * perSlice); m++) {
              const id = meterId(m);
              messages.push(
                encodeReading({
                  meterPointId: id,
                  intervalStart: startIso,
                  intervalEnd: endIso,
                  resolution: 'PT15M',
                  importWh: 100 + ((m + s) % 50),
                  exportWh: 0,
                  registerImportWh: 1_000_000 + s * 150,
                  registerExportWh: 0,
                  quality: 'measured',
                }),
              );
            }
            await producer.send({ topic: topics.readings, messages, acks: 1 });
            produced += messages.length;
          }
        }
        const producedRate = produced / ((performance.now() - started) / 1000);
        await new Promise((r) => setTimeout(r, 3_000));
        await stream.close();
        log(`live stream: ${JSON.stringify(stats(delays))} ms at ${Math.round(producedRate)} readings/s`);

        // (3) the dashboard draws 12 months of one feeder
        const browser = await launchChromium();
        const drawMs: number[] = [];
        try {
          const page = await browser.context.newPage();
          const { password } = readKeycloakCredentials(provider.credentialsFile).users.viewer;
          await signInThroughKeycloak(page, `${base}/`, provider.issuer, 'viewer', password);
          await page.goto(`${base}/#/node/${FEEDER}`);
          await page.getByTestId('screen-node').waitFor();
          const chart = page.getByTestId('load-chart');
          for (let i = 0; i < draws; i++) {
            await page.click('button[data-range="1d"]');
            await untilDrawn(chart, (n) => n < 200, 30_000);
            const clickedAt = await page.evaluate(() => performance.now());
            await page.click('button[data-range="365d"]');
            await untilDrawn(chart, (n) => n >= 35000, 30_000);
            const drawnAt = Number(await chart.getAttribute('data-drawn-at'));
            drawMs.push(drawnAt - clickedAt);
          }
        } finally {
          await browser.close();
        }
        log(`dashboard year: ${JSON.stringify(stats(drawMs))} ms`);

        const q = stats(latencies);
        const l = stats(delays);
        const d = stats(drawMs);
        process.stdout.write(
          `${JSON.stringify({
            benchmark: 'operator',
            machine: { cpus: os.cpus().length, node: process.version },
            loadQuery30d: {
              route: `GET /api/v1/nodes/${FEEDER}/load (30 days, 15 min, ${30 * 96} points)`,
              latencyMs: q,
              targetP95Ms: 50,
              met: q.p95 < 50,
            },
            liveStream: {
              readingsPerSecond: Math.round(producedRate),
              meters: rate,
              seconds,
              delayMs: l,
              targetP95Ms: 1000,
              met: l.n > 0 && l.p95 < 1000,
            },
            dashboardYear: {
              points: 365 * 96,
              drawMs: d,
              targetMs: 1500,
              met: d.p95 < 1500,
            },
          })}\n`,
        );
      } finally {
        await producer?.disconnect().catch(() => undefined);
        await api?.stop();
        await t.close();
        fs.rmSync(dashboardDir, { recursive: true, force: true });
        await admin.deleteTopics({ topics: [alerts] }).catch(() => undefined);
      }
    },
  );
  return EXIT_OK;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message} (--help for usage)\n`);
      process.exit(EXIT_USAGE);
    }
    process.stderr.write(
      `bench:operator failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(EXIT_FAILURE);
  },
);

/** Polls the load chart's data-drawn-points attribute (from Node: the control room's CSP forbids the eval that
 * string predicates of waitForFunction need) until `done` holds. */
async function untilDrawn(
  chart: { getAttribute(name: string): Promise<string | null> },
  done: (points: number) => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done(Number(await chart.getAttribute('data-drawn-points')))) {
    if (Date.now() > deadline) throw new Error(`the load chart did not draw within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
