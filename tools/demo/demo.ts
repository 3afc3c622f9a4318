import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { parseEvent, Topics } from '@gridwerk/contracts';
import { brokerAddress, loadInfraConfig } from '../infra/infra-config';
import { infraDown, infraUp } from '../infra/infra';

/**
 * `npm run demo`: real Kafka (KRaft) + PostgreSQL, the ingest service, and the simulator streaming
 * a virtual Leipzig grid in accelerated time, with a live view of what flows. Ctrl-C stops
 * everything this started.
 */
const HELP = `Usage: npm run demo [-- --meters N --rate MIN_PER_S --duration SECONDS]

  --meters N        metering points to simulate (default 300)
  --rate N          simulated minutes per wall-clock second (default 120)
  --days N          simulated days (default 30)
  --duration S      stop by itself after S seconds (default: run until Ctrl-C)
  --faults SPEC     fault injection (default duplicate=0.002,malformed=0.001)
Environment: BDEW_PROFILES_DIR (default ../shared/data/bdew when present, else the built-in profiles),
DATABASE_URL, KAFKA_PORT.`;

const c = {
  dim: (s: string) => `\x1b[2m${s}\x1b[0m`,
  green: (s: string) => `\x1b[32m${s}\x1b[0m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[0m`,
  cyan: (s: string) => `\x1b[36m${s}\x1b[0m`,
  bold: (s: string) => `\x1b[1m${s}\x1b[0m`,
};
/** Stops what the demo started; set once infrastructure is up, also used on failure. */
let cleanup: () => Promise<void> = async () => undefined;

const say = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const berlin = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin',
  dateStyle: 'short',
  timeStyle: 'short',
});

function startChild(
  name: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  root: string,
): ChildProcess {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', script, ...args],
    {
      cwd: root,
      env: { ...process.env, ...env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logFile = fs.createWriteStream(path.join(root, '.gridwerk', `${name}.log`));
  child.stdout?.pipe(logFile);
  child.stderr?.on('data', (b: Buffer) => {
    logFile.write(b);
    const text = b.toString();
    // The simulator's progress line and errors of any child are worth seeing.
    if (/error|fatal/i.test(text)) process.stderr.write(c.yellow(`[${name}] ${text.trim().slice(0, 400)}\n`));
  });
  return child;
}

async function waitHealthy(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`service exited with code ${child.exitCode} (see .gridwerk/*.log)`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `${r.status} ${await r.text()}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} not healthy within ${timeoutMs} ms: ${last}`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      meters: { type: 'string', default: '300' },
      rate: { type: 'string', default: '120' },
      days: { type: 'string', default: '30' },
      duration: { type: 'string' },
      faults: { type: 'string', default: 'duplicate=0.002,malformed=0.001' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    say(HELP);
    return 0;
  }
  const root = path.resolve(__dirname, '..', '..');
  const cfg = loadInfraConfig();
  fs.mkdirSync(path.join(root, '.gridwerk'), { recursive: true });
  say(c.bold('Gridwerk demo: a virtual Leipzig grid streaming through real Kafka into PostgreSQL'));
  const up = await infraUp((m) => say(c.dim(`[infra] ${m}`)), cfg);
  say(
    `${c.green('✔')} Kafka ${cfg.kafkaVersion} (KRaft) at ${up.broker}${up.started ? '' : ' (already running)'}; PostgreSQL at ${cfg.databaseUrl.replace(/\/\/[^@]*@/, '//')}`,
  );

  const shared = path.resolve(root, '..', 'shared', 'data', 'bdew');
  const profilesDir = process.env['BDEW_PROFILES_DIR'] || (fs.existsSync(shared) ? shared : undefined);
  const env = { KAFKA_BROKERS: brokerAddress(cfg), DATABASE_URL: cfg.databaseUrl, LOG_LEVEL: 'info' };
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(c.dim('\nstopping the simulator, ingest and (if the demo started it) Kafka ...'));
    for (const ch of children) if (ch.exitCode === null) ch.kill('SIGTERM');
    await Promise.all(
      children.map((ch) =>
        ch.exitCode !== null ? Promise.resolve() : new Promise((r) => ch.once('exit', r)),
      ),
    );
    if (up.started) await infraDown((m) => say(c.dim(`[infra] ${m}`)), cfg);
  };

  cleanup = stopAll;
  const ingest = startChild('ingest', 'apps/ingest/src/main.ts', [], { ...env, HTTP_PORT: '3001' }, root);
  children.push(ingest);
  await waitHealthy('http://127.0.0.1:3001/health', 90_000, ingest);
  say(`${c.green('✔')} ingest service healthy: http://127.0.0.1:3001/health, metrics at /metrics`);

  const simArgs = [
    '--mode',
    'accelerated',
    '--rate',
    values.rate,
    '--meters',
    values.meters,
    '--days',
    values.days,
    '--seed',
    '7',
    '--faults',
    values.faults,
    '--no-progress',
    '--write-topology',
  ];
  if (profilesDir) simArgs.push('--profiles-dir', profilesDir);
  const simulator = startChild('simulator', 'apps/simulator/src/cli.ts', simArgs, env, root);
  children.push(simulator);
  say(
    `${c.green('✔')} simulator: ${values.meters} meters, ${values.rate} simulated minutes per second, profiles: ${profilesDir ?? 'built-in approximation'}`,
  );
  say(c.dim('  (logs in .gridwerk/ingest.log and .gridwerk/simulator.log; Ctrl-C stops everything)\n'));

  // A tap on the topics, as an operator's tool would read them.
  const kafka = new Kafka({
    clientId: 'gridwerk-demo',
    brokers: [brokerAddress(cfg)],
    logLevel: logLevel.NOTHING,
  });
  const tap = kafka.consumer({ groupId: `gridwerk-demo-${Date.now()}` });
  await tap.connect();
  await tap.subscribe({
    topics: [Topics.meterReadings, Topics.batteryTelemetry, Topics.deadLetters],
    fromBeginning: false,
  });
  const seen = { readings: 0, telemetry: 0, dead: 0 };
  let lastSample = '';
  let lastBattery = '';
  let lastDead = '';
  await tap.run({
    eachMessage: async ({ topic, message }) => {
      const parsed = parseEvent(message.value ?? Buffer.alloc(0));
      if (topic === Topics.deadLetters) {
        seen.dead += 1;
        if (parsed.ok && parsed.value.type === 'de.gridwerk.dead-letter.v1')
          lastDead = `${parsed.value.data.reason.code} at ${parsed.value.data.originalTopic}@${parsed.value.data.offset}`;
        return;
      }
      if (!parsed.ok) return;
      const ev = parsed.value;
      if (ev.type === 'de.gridwerk.meter.reading.v1') {
        seen.readings += 1;
        const d = ev.data;
        lastSample = `${d.meterPointId.slice(0, 12)}… ${berlin.format(new Date(d.intervalStart))} import ${d.importWh} Wh export ${d.exportWh} Wh`;
      } else if (ev.type === 'de.gridwerk.battery.telemetry.v1') {
        seen.telemetry += 1;
        const d = ev.data;
        lastBattery = `${d.assetId} SoC ${d.stateOfChargePct.toFixed(1)} % ${d.powerW >= 0 ? 'discharging' : 'charging'} ${Math.abs(d.powerW)} W`;
      }
    },
  });

  const db = new Client({ connectionString: cfg.databaseUrl });
  await db.connect();
  const started = Date.now();
  // rows already there from earlier runs: the live line shows what this run adds
  const before = Number(
    (await db.query<{ n: string }>('SELECT count(*)::text AS n FROM meter_reading')).rows[0]?.n ?? 0,
  );
  const duration = values.duration ? Number(values.duration) * 1000 : Infinity;
  let exitCode = 0;
  // set once the demo itself stops the services: their exits from then on are the planned ones
  let finishing = false;
  const tick = setInterval(() => {
    void (async () => {
      try {
        const r = await db.query<{ n: string; latest: Date | null }>(
          'SELECT count(*)::text AS n, max(interval_start) AS latest FROM meter_reading',
        );
        const row = r.rows[0];
        const latest = row?.latest ? berlin.format(row.latest) : '–';
        say(
          `${c.cyan(new Date().toISOString().slice(11, 19))}  consumed ${c.bold(String(seen.readings))} readings, ${seen.telemetry} battery telemetry, ` +
            `${c.yellow(String(seen.dead))} dead letters │ stored in PostgreSQL +${c.bold(String(Number(row?.n ?? 0) - before))} this run (latest interval ${latest} Berlin)`,
        );
        if (lastSample) say(c.dim(`          reading  ${lastSample}`));
        if (lastBattery) say(c.dim(`          battery  ${lastBattery}`));
        if (lastDead) say(c.dim(`          DLQ      ${lastDead}`));
      } catch (err) {
        say(c.yellow(`status query failed: ${err instanceof Error ? err.message : String(err)}`));
      }
    })();
  }, 2_000);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    simulator.once('exit', (code) => {
      if (finishing) return;
      if (code !== 0) exitCode = code ?? 1;
      setTimeout(resolve, 4_000);
    });
    ingest.once('exit', (code) => {
      if (finishing) return;
      exitCode = code ?? 1;
      resolve();
    });
    if (Number.isFinite(duration)) setTimeout(resolve, duration - (Date.now() - started));
  });
  finishing = true;
  clearInterval(tick);
  await tap.disconnect().catch(() => undefined);
  await db.end().catch(() => undefined);
  await stopAll();
  say(
    c.bold(
      `demo finished: consumed ${seen.readings} readings, ${seen.telemetry} telemetry, ${seen.dead} dead letters`,
    ),
  );
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await cleanup().catch(() => undefined);
    process.exit(1);
  },
);
