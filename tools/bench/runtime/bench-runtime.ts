/**
 * `npm run bench:runtime`: prints ONE JSON object. For each service, the time from the process start to
 * the first 200 from /health (and to the first HTTP answer at all, which separates the runtime's own
 * start-up from waiting for Kafka consumer groups) and the resident memory after it has idled, both for the compiled runtime
 * (dist/apps/<app>/main.js on plain node, from a runtime directory as the image holds it) and for the
 * TypeScript sources through ts-node (how the services ran before); and each runtime directory's size on
 * disk. Services run one at a time against the local broker and a throw-away database.
 *
 * Targets: start to healthy < 2 s for every compiled service, runtime directory < 250 MB.
 */
import { createTestDatabase } from '@gridwerk/shared/data-access-database';
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
import { assembleRuntime, type RuntimeDir } from '../../build/runtime-dir';
import { loadInfraConfig } from '../../infra/infra-config';
import { infraDown, infraUp } from '../../infra/infra';
import { ServiceProcess } from '../../e2e/service-process';

const SERVICES = ['ingest', 'forecast', 'simulator', 'settlement', 'grid-api', 'dispatch'] as const;
const SERVICES_DEFAULT = SERVICES.join(',');
type Service = (typeof SERVICES)[number];

const FLAGS = {
  services: { kind: 'value', arg: 'LIST', help: `services to measure (default ${SERVICES_DEFAULT})` },
  runs: { kind: 'value', arg: 'N', help: 'starts per service and mode; the median is reported (default 3)' },
  'idle-ms': { kind: 'value', arg: 'N', help: 'idle time after healthy before RSS is read (default 5000)' },
  'no-ts-node': { kind: 'boolean', help: 'measure the compiled runtime only' },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const satisfies FlagTable;

const HELP = helpText({
  usage: 'Usage: npm run bench:runtime -- [options]',
  flags: FLAGS,
  footer: `Builds the apps first; starts the local broker and EVM node unless they run (KAFKA_PORT,
TEST_DATABASE_URL) and stops what it started. Prints one JSON object. Exit 0 ok (targets met or not: see "targetsMet"), 2 bad
flags, 1 failure.`,
});

const TARGET_START_MS = 2_000;
const TARGET_RUNTIME_BYTES = 250 * 1024 * 1024;

interface Sample {
  /** Process start to the HTTP server answering (the runtime's own start-up). */
  startToListeningMs: number;
  /** Process start to /health 200: also waits for Kafka consumer groups, migrations and app checks. */
  startToHealthyMs: number;
  idleRssMb: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function measure(
  app: Service,
  port: number,
  env: Record<string, string>,
  idleMs: number,
  runtime?: RuntimeDir,
): Promise<Sample> {
  const svc = new ServiceProcess(app, port, env, [], runtime?.dir);
  try {
    await svc.start(120_000);
    await new Promise((r) => setTimeout(r, idleMs));
    const rss = svc.rssBytes() ?? NaN;
    return {
      startToListeningMs: (svc.listeningAt ?? svc.healthyAt ?? NaN) - (svc.startedAt ?? NaN),
      startToHealthyMs: (svc.healthyAt ?? NaN) - (svc.startedAt ?? NaN),
      idleRssMb: Math.round((rss / 1024 / 1024) * 10) / 10,
    };
  } finally {
    await svc.stop();
  }
}

async function main(): Promise<number> {
  const { flags } = parseCommandLine(process.argv.slice(2), FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${HELP}\n`);
    return EXIT_OK;
  }
  const services = (flags.services ?? SERVICES_DEFAULT).split(',').map((s) => s.trim());
  for (const s of services)
    if (!(SERVICES as readonly string[]).includes(s))
      throw new UsageError(`--services: unknown service "${s}" (one of ${SERVICES.join(', ')})`);
  const runs = integerFlag('runs', flags.runs, { min: 1, max: 20, fallback: 3 });
  const idleMs = integerFlag('idle-ms', flags['idle-ms'], { min: 0, max: 600_000, fallback: 5_000 });
  const withTsNode = flags['no-ts-node'] !== true;

  const infra = loadInfraConfig();
  // the broker and PostgreSQL databases, started here unless they run (Keycloak is not needed: the
  // services' health does not depend on the OIDC provider), and stopped afterwards if started here
  const up = await infraUp((m) => process.stderr.write(`[bench] ${m}\n`), infra, { keycloak: false });
  const db = await createTestDatabase('bench_runtime');
  // settlement starts only with a contract to commit to: one on the local EVM node
  // loaded here, not at the top: it needs the compiled contract, and `--help` must work without a build
  const { devSettlementChainEnv } = await import('../../e2e/settlement-chain');
  const chainEnv = await devSettlementChainEnv();
  const results: Record<string, unknown> = {};
  let met = true;
  try {
    for (const [i, app] of (services as Service[]).entries()) {
      const env = {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? `${infra.host}:${infra.brokerPort}`,
        LOG_LEVEL: 'warn',
        SIM_METERS: '5',
        INGEST_CONSUMER_GROUP: `bench-runtime-${Date.now()}`,
        OIDC_ISSUER_URL: 'http://127.0.0.1:8080/realms/gridwerk',
        ...(app === 'settlement' ? chainEnv : {}),
      };
      const port = 4500 + i + (infra.brokerPort % 100) * 10;
      const runtime = assembleRuntime(app);
      try {
        const compiled: Sample[] = [];
        const tsNode: Sample[] = [];
        const progress = (mode: string, r: number, x: Sample) =>
          process.stderr.write(
            `[bench] ${app} ${mode} ${r + 1}/${runs}: healthy after ${x.startToHealthyMs} ms, idle RSS ${x.idleRssMb} MB\n`,
          );
        for (let r = 0; r < runs; r++) {
          const c = await measure(app, port, env, idleMs, runtime);
          compiled.push(c);
          progress('compiled', r, c);
          if (withTsNode) {
            const t = await measure(app, port, env, idleMs);
            tsNode.push(t);
            progress('ts-node', r, t);
          }
        }
        const summary = (xs: Sample[]) =>
          xs.length === 0
            ? null
            : {
                startToListeningMs: median(xs.map((x) => x.startToListeningMs)),
                startToHealthyMs: median(xs.map((x) => x.startToHealthyMs)),
                idleRssMb: median(xs.map((x) => x.idleRssMb)),
                runs: xs,
              };
        const c = summary(compiled);
        const runtimeMb = Math.round((runtime.bytes / 1024 / 1024) * 10) / 10;
        if ((c?.startToHealthyMs ?? Infinity) >= TARGET_START_MS || runtime.bytes >= TARGET_RUNTIME_BYTES)
          met = false;
        results[app] = { compiled: c, tsNode: summary(tsNode), runtimeDirMb: runtimeMb };
      } finally {
        runtime.remove();
      }
    }
  } finally {
    await db.drop();
    await infraDown((m) => process.stderr.write(`[bench] ${m}\n`), infra, up);
  }
  process.stdout.write(
    `${JSON.stringify({
      bench: 'runtime',
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      loadAverage1m: (await import('node:os')).loadavg()[0],
      runs,
      idleMs,
      targets: { startToHealthyMs: TARGET_START_MS, runtimeDirMb: TARGET_RUNTIME_BYTES / 1024 / 1024 },
      targetsMet: met,
      services: results,
    })}\n`,
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
      `bench:runtime failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(EXIT_FAILURE);
  },
);
