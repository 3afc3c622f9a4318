import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import { Topics } from '@gridwerk/contracts';
import { freePort } from '../e2e/free-port';
import { startUdpGatewayDemo } from './udp-gateway';
import { evmNodeRpcUrl } from '../infra/evm-node';
import { brokerAddress, loadInfraConfig } from '../infra/infra-config';
import { infraDown, infraUp } from '../infra/infra';
import { keycloakCredentialsFile, keycloakIssuer } from '../infra/keycloak';
import {
  addDays,
  formatSimulatedClock,
  localDate,
  type SimulatedClockSpec,
  startOfLocalDayUtc,
} from '@gridwerk/shared/util-calendar';
import {
  TOPOLOGY_MIGRATIONS,
  type TopologyCounts,
  TopologyRepository,
} from '@gridwerk/shared/data-access-topology';
import { type GridTopology, resolveProfiles, topologyToJson } from '@gridwerk/simulator/domain';
import { berlinWallTimeToUtc } from '@gridwerk/forecast/domain';
import { DEMO_SEED, demoTopology } from './demo-grid';
import { dayAheadIssueCovering, ForecastSchedule, simulatedScheduleClock, trainForecastModels } from './loop';
import { STORY_STATION } from './story-station';
import {
  EXIT_USAGE,
  type FlagTable,
  helpText,
  integerFlag,
  numberFlag,
  parseCommandLine,
  parseZonedInstant,
  UsageError,
} from '@gridwerk/shared/util-config';

/**
 * `npm run demo`: the control room on a simulated Leipzig grid. It starts the real Kafka broker, the EVM
 * node, Keycloak and PostgreSQL databases (tools/infra); then, side by side, the dashboard build, ingest
 * and the simulation of 63 whole days of history into files (ONS-0001 and its battery sized for the days
 * shown: story-station.ts). It writes the grid's topology, imports the history (`ingest import`, COPY),
 * and, while that runs, sets up settlement and starts grid-api (which serves the dashboard). The forecast
 * models of every feeder and station train in the background (progress in the terminal) while today is
 * replayed fast (the batteries on their local rule); then it goes on in real time: the dispatch service,
 * the simulator service, whose batteries obey dispatch's commands, and the forecast jobs on their schedule
 * once the models are trained. The history files, their import and the models are keyed by the day, so a
 * second start on the same day skips them. It prints the dashboard's URL and the demo users, and each
 * start-up phase with its duration (also in .gridwerk/demo/startup.json). Ctrl-C stops everything it started.
 * One energy-sharing community of the simulated grid (EG-0001) is settled from today on: the
 * settlement service closes each quarter hour, commits its batch on the local EVM node, and the demo
 * prints every batch with its transaction hash.
 */
const DEMO_FLAGS = {
  meters: { kind: 'value', arg: 'N', help: 'metering points to simulate (default 300, at least 1)' },
  'history-days': {
    kind: 'value',
    arg: 'N',
    help: 'whole Berlin days of history before today, simulated into files and imported (default 63,\nat least 1; the forecast models need about 58: a 28-day backtest after 28 days of history)',
  },
  'replay-rate': {
    kind: 'value',
    arg: 'N',
    help: 'simulated minutes per second while today up to now is replayed (default 30)',
  },
  faults: {
    kind: 'value',
    arg: 'SPEC',
    help: 'fault injection of the replay of today\n(default duplicate=0.002,malformed=0.001; "none" for none)',
  },
  port: { kind: 'value', arg: 'N', help: 'grid-api and dashboard port (default 3004)' },
  'ingest-port': { kind: 'value', arg: 'N', help: 'ingest service port (default 3001)' },
  start: {
    kind: 'value',
    arg: 'INSTANT',
    help: "run as if it were this instant: Europe/Berlin wall time YYYY-MM-DDTHH:MM (or an ISO-8601 instant\nwith Z or an offset), on a quarter hour. The history ends at that day's midnight, the day is replayed up\nto the instant, and the live part runs on a simulated clock from it (--live-rate) that the dispatch\nservice, the simulator service and the forecast schedule share (default: now, real time)",
  },
  'live-rate': {
    kind: 'value',
    arg: 'N',
    help: 'with --start: simulated minutes per wall-clock second of the live part (default 1)',
  },
  'no-dispatch': {
    kind: 'boolean',
    help: "no dispatch service: the live simulator's batteries stay idle (no local rule either), so the\nday shows what the stations carry without battery control",
  },
  'state-dir': {
    kind: 'value',
    arg: 'DIR',
    help: 'logs, history files and start-up figures (default .gridwerk/demo)',
  },
  duration: { kind: 'value', arg: 'S', help: 'stop by itself after S seconds (default: run until Ctrl-C)' },
  open: { kind: 'boolean', help: "also open the dashboard in the desktop's browser (xdg-open)" },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const satisfies FlagTable;

/** The demo's help, generated from its flag table (so it lists every flag). */
export const DEMO_HELP = helpText({
  usage: 'Usage: npm run demo [-- options]',
  description: 'Opens the Gridwerk control room (dashboard at http://127.0.0.1:<port>/) on a simulated grid.',
  flags: DEMO_FLAGS,
  footer: `Environment: BDEW_PROFILES_DIR (default ../shared/data/bdew when present, else the built-in profiles),
DATABASE_URL, KAFKA_PORT, KEYCLOAK_PORT, EVM_NODE_PORT.
Exit codes: 0 stopped by Ctrl-C or --duration, 2 bad flags, 1 a service failed (its log is named).`,
});

const c = {
  dim: (s: string) => `\x1b[2m${s}\x1b[0m`,
  green: (s: string) => `\x1b[32m${s}\x1b[0m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[0m`,
  red: (s: string) => `\x1b[31m${s}\x1b[0m`,
  cyan: (s: string) => `\x1b[36m${s}\x1b[0m`,
  bold: (s: string) => `\x1b[1m${s}\x1b[0m`,
};

class ServiceFailed extends Error {}

/**
 * How long a service of the demo may take to answer /health. The services start side by side with the
 * history import and the training (which take both cores of a small machine), and each compiles its
 * TypeScript through ts-node first: on the shared 2-core machine at load 25-30, the settlement service
 * took more than 120 s and ingest 90 s.
 */
const SERVICE_START_MS = 300_000;

/** Runs a command to its end without blocking the event loop (the demo's other start-up work goes on). */
function runAsync(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(command, args, {
      cwd: path.resolve(__dirname, '..', '..'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    p.once('error', (err) => resolve({ status: null, stdout, stderr: stderr + String(err) }));
    p.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Writes the topology tables (their own migration first, idempotent), as `simulator --write-topology` does. */
async function writeTopology(databaseUrl: string, topology: GridTopology): Promise<TopologyCounts> {
  const ds = new DataSource(
    postgresDataSourceOptions({
      url: databaseUrl,
      applicationName: 'gridwerk-demo',
      migrations: TOPOLOGY_MIGRATIONS,
    }),
  );
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  try {
    return await new TopologyRepository(pool).upsertTopology(topology);
  } finally {
    await pool.end();
  }
}

const say = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const berlin = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin',
  dateStyle: 'short',
  timeStyle: 'short',
});
const QUARTER_MS = 15 * 60_000;
/**
 * With --start: wall-clock time the live services get to start before the simulated clock reaches the
 * replay's end (ts-node compiles each of them first; on a loaded 2-core machine that takes 30-90 s).
 * Quarter hours the clock passes before they are up are caught up by the simulator at once.
 */
const LIVE_BOOT_ALLOWANCE_MS = 60_000;
/**
 * The history carries the simulated weather forecasts (a 48-hour forecast every 6 simulated hours, as the
 * live simulator publishes them), and the models train on them: without them, ONS-0001's day-ahead model
 * did not beat persistence (its PV makes the days differ by the clouds), with them it did (7 December:
 * MAE 2.39 against 3.36 kWh per quarter hour, on the load without its battery).
 */
const HISTORY_WEATHER_EVERY_HOURS = 6;
/** The simulator's weather point id. */
const SIM_WEATHER_POINT = 'sim-leipzig';

/** A Kafka consumer group of one demo run and the topics it reads. */
export interface RunGroup {
  groupId: string;
  topics: string[];
}

/**
 * The consumer groups of one demo run (`runId`: when it started, ms), one per consumer it starts. The demo
 * places each at the end of its topics before the run produces anything, so a run consumes exactly what it
 * produces: never what earlier runs (or anyone else on a long-lived broker) left on the default topics,
 * and it shares no group, and so no partition, with another run.
 */
export function demoRunGroups(runId: number) {
  const group = (service: string, topics: string[]): RunGroup => ({
    groupId: `gridwerk-${service}-demo-${runId}`,
    topics,
  });
  return {
    ingest: group('ingest', [Topics.meterReadings, Topics.batteryTelemetry]),
    gridApi: group('grid-api', [
      Topics.batteryTelemetry,
      Topics.batteryCommands,
      Topics.batteryCommandsV2,
      Topics.forecasts,
      Topics.settlementBatches,
    ]),
    dispatch: group('dispatch', [Topics.batteryTelemetry, Topics.forecasts]),
    settlement: group('settlement', [Topics.meterReadings]),
    simulator: group('simulator', [Topics.batteryCommands, Topics.batteryCommandsV2]),
    weather: group('forecast-weather', [Topics.weatherForecasts]),
  };
}
/** The day-ahead forecast's issue time, Europe/Berlin (the forecast jobs' FORECAST_DAY_AHEAD_ISSUE_AT default). */
const DAY_AHEAD_ISSUE_MINUTE = 10 * 60;

export interface DemoOptions {
  meters: number;
  historyDays: number;
  replayRate: number;
  faults: string | undefined;
  port: number;
  ingestPort: number;
  durationS: number | undefined;
  open: boolean;
  /** The instant the demo runs as if it were (--start); undefined: now, real time. */
  startMs: number | undefined;
  /** Simulated minutes per wall-clock second of the live part (with --start). */
  liveRate: number;
  dispatch: boolean;
  /** Logs, history files and start-up figures, relative to the repository root or absolute. */
  stateDir: string;
}

/**
 * `--start`: a zoneless YYYY-MM-DDTHH:MM is Europe/Berlin wall time (the demo's clock is Berlin's); an
 * ISO instant with Z or an offset is taken as is. It must lie on a quarter hour.
 */
export function parseStartFlag(raw: string): number {
  const local = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(raw);
  const ms = local
    ? berlinWallTimeToUtc(
        Number(local[1]),
        Number(local[2]),
        Number(local[3]),
        Number(local[4]) * 60 + Number(local[5]),
      )
    : parseZonedInstant(raw);
  if (ms === undefined || !Number.isFinite(ms))
    throw new UsageError(
      `--start must be a Berlin wall time YYYY-MM-DDTHH:MM or an ISO-8601 instant with Z or an offset, got "${raw}"`,
    );
  if (ms % QUARTER_MS !== 0) throw new UsageError(`--start must lie on a quarter hour, got "${raw}"`);
  return ms;
}

/** Parses the demo's flags; a bad value or an unknown flag is a UsageError naming the flag. */
export function parseDemoArgs(argv: string[]): DemoOptions | 'help' {
  const { flags } = parseCommandLine(argv, DEMO_FLAGS);
  if (flags.help === true) return 'help';
  const faults = flags.faults ?? 'duplicate=0.002,malformed=0.001';
  if (faults !== 'none' && !/^([a-zA-Z]+=(0|0?\.\d+|1)(,|$))+$/.test(faults))
    throw new UsageError(
      `--faults must look like duplicate=0.01,malformed=0.002 or be "none", got "${faults}"`,
    );
  return {
    meters: integerFlag('meters', flags.meters, { min: 1, max: 20_000, fallback: 300 }),
    historyDays: integerFlag('history-days', flags['history-days'], { min: 1, max: 400, fallback: 63 }),
    replayRate: numberFlag('replay-rate', flags['replay-rate'], { above: 0, max: 1440, fallback: 30 }),
    faults: faults === 'none' ? undefined : faults,
    port: integerFlag('port', flags.port, { min: 1, max: 65_535, fallback: 3004 }),
    ingestPort: integerFlag('ingest-port', flags['ingest-port'], { min: 1, max: 65_535, fallback: 3001 }),
    durationS: integerFlag('duration', flags.duration, { min: 1, max: 10 ** 7 }),
    open: flags.open === true,
    startMs: flags.start === undefined ? undefined : parseStartFlag(flags.start),
    liveRate: (() => {
      if (flags['live-rate'] !== undefined && flags.start === undefined)
        throw new UsageError('--live-rate applies to the simulated clock of --start: give --start too');
      return numberFlag('live-rate', flags['live-rate'], { above: 0, max: 1440, fallback: 1 });
    })(),
    dispatch: flags['no-dispatch'] !== true,
    stateDir: flags['state-dir'] ?? path.join('.gridwerk', 'demo'),
  };
}

/**
 * The demo's timeline: history (backfilled through a file and imported) up to today's Europe/Berlin
 * midnight, then today replayed fast up to the last quarter hour, then real time. The history window is
 * whole local days that end at midnight, so a second start on the same day finds the history file, its
 * import and the models trained on it (cut-off: that midnight) already done.
 */
export function demoTimeline(nowMs: number, historyDays: number) {
  const replayEndMs = Math.floor(nowMs / QUARTER_MS) * QUARTER_MS;
  const today = localDate(replayEndMs);
  const first = addDays(today.year, today.month, today.day, -historyDays);
  const yesterday = addDays(today.year, today.month, today.day, -1);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    historyStart: iso(startOfLocalDayUtc(first.year, first.month, first.day)),
    /** Today 00:00 Berlin: the end of the history, the models' cut-off and the start of the replay. */
    historyEnd: iso(startOfLocalDayUtc(today.year, today.month, today.day)),
    /** Yesterday 00:00 Berlin: the first of the days ONS-0001 is sized for (yesterday, today, tomorrow). */
    shownFrom: iso(startOfLocalDayUtc(yesterday.year, yesterday.month, yesterday.day)),
    replayStart: iso(startOfLocalDayUtc(today.year, today.month, today.day)),
    replayEnd: iso(replayEndMs),
  };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

interface Child {
  name: string;
  proc: ChildProcess;
  logPath: string;
}

function tail(file: string, lines = 12): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseDemoArgs(argv);
  if (parsed === 'help') {
    say(DEMO_HELP);
    return 0;
  }
  const opts = parsed;
  // from the process's start: loading the demo script through ts-node is part of what a user waits for
  const demoStarted = Date.now() - Math.round(process.uptime() * 1000);
  const groups = demoRunGroups(demoStarted);
  const root = path.resolve(__dirname, '..', '..');
  const cfg = loadInfraConfig();
  const logDir = path.resolve(root, opts.stateDir);
  fs.mkdirSync(logDir, { recursive: true });
  for (const [flag, port] of [
    ['--port', opts.port],
    ['--ingest-port', opts.ingestPort],
  ] as const) {
    if (!(await portFree(port)))
      throw new UsageError(`port ${port} is taken by another process: stop it or choose another ${flag}`);
  }

  say(c.bold('Gridwerk demo: the control room on a simulated Leipzig grid'));
  const children: Child[] = [];
  let up: Awaited<ReturnType<typeof infraUp>> | undefined;
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(c.dim('\nstopping the demo services and what the demo started of the infrastructure ...'));
    for (const ch of children) if (ch.proc.exitCode === null) ch.proc.kill('SIGTERM');
    await Promise.all(
      children.map((ch) =>
        ch.proc.exitCode !== null ? Promise.resolve() : new Promise((r) => ch.proc.once('exit', r)),
      ),
    );
    if (up) await infraDown((m) => say(c.dim(`[infra] ${m}`)), cfg, up);
  };
  // a signal while starting up stops what has started so far
  let interrupted: (() => void) | undefined;
  const interruptedP = new Promise<void>((resolve) => {
    interrupted = resolve;
  });
  const onSignal = (): void => interrupted?.();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  /** Fails fast when a service the demo depends on exits. */
  let failure: ((err: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    failure = reject;
  });
  failed.catch(() => undefined);

  const start = (name: string, script: string, args: string[], env: NodeJS.ProcessEnv, critical: boolean) => {
    const logPath = path.join(logDir, `${name}.log`);
    const log = fs.createWriteStream(logPath);
    const proc = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', script, ...args],
      {
        cwd: root,
        env: { ...process.env, ...env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    proc.stdout?.pipe(log);
    proc.stderr?.pipe(log);
    const child = { name, proc, logPath };
    children.push(child);
    proc.once('exit', (code, signal) => {
      if (stopping || !critical) return;
      failure?.(
        new ServiceFailed(
          `${name} exited (${signal ?? `code ${code}`}); last lines of ${path.relative(process.cwd(), logPath)}:\n${tail(logPath)}`,
        ),
      );
    });
    return child;
  };

  /** Health of OUR child: its own process must be alive and its port must answer. */
  const waitHealthy = async (child: Child, url: string, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (child.proc.exitCode !== null)
        throw new ServiceFailed(
          `${child.name} exited with code ${child.proc.exitCode} while starting; last lines of ${path.relative(process.cwd(), child.logPath)}:\n${tail(child.logPath)}`,
        );
      try {
        const r = await fetch(url);
        if (r.ok) return;
        last = `${r.status}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new ServiceFailed(`${child.name}: ${url} not healthy within ${timeoutMs / 1000} s (${last})`);
  };

  /** Runs a simulator CLI to its end; a failure names its log. */
  const runSimulator = async (name: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> => {
    const child = start(name, 'apps/simulator/src/cli.ts', args, env, false);
    const code = await new Promise<number | null>((r) => child.proc.once('exit', (c) => r(c)));
    if (code !== 0 && !stopping)
      throw new ServiceFailed(
        `the simulator (${name}) exited with code ${code}; last lines of ${path.relative(process.cwd(), child.logPath)}:\n${tail(child.logPath)}`,
      );
  };

  /** A ts-node script of the repo as a (non-critical) child, for the forecast jobs. */
  const runScript = (env: NodeJS.ProcessEnv) => (name: string, script: string, args: string[]) =>
    start(name, script, args, env, false);

  /**
   * The history of whole days before today: the simulator writes it to files (as fast as it computes),
   * `ingest import` loads the readings by COPY and brings the rollups up to date, and the battery
   * telemetry goes through Kafka (a few thousand events). The files are kept in .gridwerk/demo/history/
   * under a key of everything they depend on, and an import completed before is not repeated, so a
   * second start on the same day skips both.
   */
  const simulateHistory = async (
    env: NodeJS.ProcessEnv,
    common: string[],
    topologyJson: string,
    t: ReturnType<typeof demoTimeline>,
  ): Promise<string> => {
    const key = createHash('sha256')
      .update(
        JSON.stringify({
          common,
          topologyJson,
          start: t.historyStart,
          days: opts.historyDays,
          weatherEveryHours: HISTORY_WEATHER_EVERY_HOURS,
        }),
      )
      .digest('hex')
      .slice(0, 16);
    const historyRoot = path.join(logDir, 'history');
    const dir = path.join(historyRoot, key);
    const complete = path.join(dir, 'complete.json');
    if (fs.existsSync(complete)) {
      say(c.dim(`  history files of an earlier start found: ${path.relative(process.cwd(), dir)}/`));
      return dir;
    }
    // one history is kept: an older one (another day, other flags) is about 1 GB
    fs.rmSync(historyRoot, { recursive: true, force: true });
    say(
      c.dim(
        `  simulating ${opts.historyDays} days of history into ${path.relative(process.cwd(), dir)}/ ...`,
      ),
    );
    await runSimulator(
      'simulator-history',
      [
        ...common,
        '--mode',
        'backfill',
        '--start',
        t.historyStart,
        '--days',
        String(opts.historyDays),
        '--weather-every-hours',
        String(HISTORY_WEATHER_EVERY_HOURS),
        '--out',
        dir,
      ],
      env,
    );
    fs.writeFileSync(complete, JSON.stringify({ historyStart: t.historyStart, days: opts.historyDays }));
    say(`${c.green('✔')} history simulated into files`);
    return dir;
  };

  const importHistory = async (env: NodeJS.ProcessEnv, dir: string): Promise<void> => {
    const readings = path.join(dir, `${Topics.meterReadings}.ndjson`);
    let lastShown = 0;
    const imported = await runTool(
      'ingest-import',
      'apps/ingest/src/cli.ts',
      ['import', '--file', readings, '--format', 'cloudevents', '--json'],
      env,
      (line) => {
        // the import's progress line every 2 s; shown every 10 s
        if (!line.startsWith('import:') || Date.now() - lastShown < 10_000) return;
        lastShown = Date.now();
        say(c.dim(`  ${line}`));
      },
    );
    const result = JSON.parse(imported.trim().split('\n').pop() ?? '{}') as {
      stored?: number;
      rejected?: number;
      alreadyComplete?: boolean;
      durationMs?: number;
    };
    say(
      `${c.green('✔')} history imported: ${result.stored ?? '?'} readings stored, ${result.rejected ?? '?'} rejected` +
        (result.alreadyComplete
          ? ' (imported completely before: nothing to do)'
          : ` in ${Math.round((result.durationMs ?? 0) / 1000)} s`),
    );
    const telemetry = await produceFile(
      path.join(dir, `${Topics.batteryTelemetry}.ndjson`),
      Topics.batteryTelemetry,
    );
    say(
      `${c.green('✔')} ${telemetry} battery telemetry events of the history sent to ${Topics.batteryTelemetry}`,
    );
    const weather = await produceFile(
      path.join(dir, `${Topics.weatherForecasts}.ndjson`),
      Topics.weatherForecasts,
    );
    const stored = await ingestWeather(env);
    say(
      `${c.green('✔')} ${weather} weather forecasts of the history sent to ${Topics.weatherForecasts}: ${stored.trim()}`,
    );
  };

  /**
   * `forecast weather ingest`: the weather forecasts on the topic up to its end into the forecast
   * tables (by vintage), in the run's consumer group: what this run produced since it started (the
   * history's forecasts, then the live simulator's).
   */
  const ingestWeather = (env: NodeJS.ProcessEnv): Promise<string> =>
    runTool(
      'forecast-weather-ingest',
      'apps/forecast/src/cli.ts',
      ['weather', 'ingest', '--group', groups.weather.groupId],
      env,
    );

  const kafka = (): Kafka =>
    new Kafka({ clientId: 'gridwerk-demo', brokers: [brokerAddress(cfg)], logLevel: logLevel.NOTHING });

  /**
   * Commits each group's offsets at the end of its topics, partition by partition (groups of this run: no
   * member yet). Without it a new group would start at the beginning of the topics (the services subscribe
   * from the beginning), and the live simulator would obey the battery commands of every earlier run of the
   * same day. The ends are explicit offsets: kafkajs's `resetOffsets` to the latest commits -1, which a
   * consumer that subscribes from the beginning reads as "no offset" and starts at the earliest.
   */
  const placeGroupsAtEnd = async (runGroups: RunGroup[]): Promise<void> => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const topics = [...new Set(runGroups.flatMap((g) => g.topics))];
      const ends = new Map(
        await Promise.all(
          topics.map(async (topic) => [topic, await admin.fetchTopicOffsets(topic)] as const),
        ),
      );
      // groups side by side; one group's topics one after the other (setting offsets joins the group)
      await Promise.all(
        runGroups.map(async (g) => {
          for (const topic of g.topics)
            await admin.setOffsets({
              groupId: g.groupId,
              topic,
              partitions: (ends.get(topic) ?? []).map((p) => ({ partition: p.partition, offset: p.high })),
            });
        }),
      );
    } finally {
      await admin.disconnect();
    }
  };

  /** Sends a file of CloudEvents (one a line, keyed by their subject) to a topic (none: 0). */
  const produceFile = async (file: string, topic: string): Promise<number> => {
    if (!fs.existsSync(file)) return 0;
    const producer = kafka().producer();
    await producer.connect();
    let sent = 0;
    try {
      const lines = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0);
      // batches of at most 2,000 events and 256 KiB: the broker refuses a request over its 1 MB
      // message.max.bytes (a weather forecast is about 4 KB, a telemetry event 0.5 KB)
      let batch: { key: string | null; value: string }[] = [];
      let bytes = 0;
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        await producer.send({ topic, messages: batch });
        sent += batch.length;
        batch = [];
        bytes = 0;
      };
      for (const value of lines) {
        if (batch.length >= 2_000 || bytes + value.length > 256 * 1024) await flush();
        batch.push({ key: (JSON.parse(value) as { subject?: string }).subject ?? null, value });
        bytes += value.length;
      }
      await flush();
    } finally {
      await producer.disconnect();
    }
    return sent;
  };

  /** Runs a CLI of the repo to its end and gives its stdout; stderr lines go to `onErr` and the log. */
  const runTool = async (
    name: string,
    script: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    onErr: (line: string) => void = () => undefined,
  ): Promise<string> => {
    const child = start(name, script, args, env, false);
    let out = '';
    let buf = '';
    child.proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    child.proc.stderr?.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onErr(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    const code = await new Promise<number | null>((r) => child.proc.once('exit', (c) => r(c)));
    if (code !== 0 && !stopping)
      throw new ServiceFailed(
        `${name} exited with code ${code}; last lines of ${path.relative(process.cwd(), child.logPath)}:\n${tail(child.logPath)}`,
      );
    return out;
  };

  /**
   * The start-up's phases, printed and written to .gridwerk/demo/startup.json: when each ended (seconds
   * since `npm run demo` started) and how long since the previous one ended (phases run side by side).
   */
  const phases: { phase: string; endedAtS: number; sincePreviousS: number }[] = [];
  let phaseStarted = demoStarted;
  const phaseDone = (phase: string): void => {
    const now = Date.now();
    const entry = {
      phase,
      endedAtS: Math.round((now - demoStarted) / 100) / 10,
      sincePreviousS: Math.round((now - phaseStarted) / 100) / 10,
    };
    phases.push(entry);
    phaseStarted = now;
    say(c.dim(`  [${Math.round(entry.endedAtS)} s] ${phase} (+${entry.sincePreviousS} s)`));
  };
  const writePhases = (extra: Record<string, unknown>): void => {
    fs.writeFileSync(
      path.join(logDir, 'startup.json'),
      JSON.stringify({ startedAt: new Date(demoStarted).toISOString(), phases, ...extra }, null, 2),
    );
  };

  const startup = async () => {
    phaseDone('demo script loaded');
    up = await infraUp((m) => say(c.dim(`[infra] ${m}`)), cfg, { keycloak: true });
    say(
      `${c.green('✔')} Kafka at ${up.broker}, Keycloak at ${keycloakIssuer(cfg)}, PostgreSQL at ${cfg.databaseUrl.replace(/\/\/[^@]*@/, '//')}`,
    );
    phaseDone('infrastructure');

    // the dashboard build, ingest's start and the history's simulation into files run side by side
    say(
      c.dim(
        'building the dashboard (npx nx run dashboard:build, cached), starting ingest, simulating the history ...',
      ),
    );
    const built = new Promise<void>((resolve, reject) => {
      const p = spawn('npx', ['nx', 'run', 'dashboard:build', '--outputStyle=static'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      p.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
      p.once('exit', (code) =>
        code === 0 ? resolve() : reject(new ServiceFailed(`dashboard build failed:\n${out.slice(-2000)}`)),
      );
    }).then(() => phaseDone('dashboard build (in parallel)'));
    built.catch(() => undefined);
    const dashboardDir = path.join(root, 'dist', 'apps', 'dashboard');

    const shared = path.resolve(root, '..', 'shared', 'data', 'bdew');
    const profilesDir = process.env['BDEW_PROFILES_DIR'] || (fs.existsSync(shared) ? shared : undefined);
    const env: NodeJS.ProcessEnv = {
      KAFKA_BROKERS: brokerAddress(cfg),
      DATABASE_URL: cfg.databaseUrl,
      LOG_LEVEL: 'info',
      // the forecast jobs attach the simulated city's weather forecasts (by vintage) to every series:
      // its cloud cover drives the PV of the stations, which no calendar feature knows
      FORECAST_WEATHER_POINTS: `*=${SIM_WEATHER_POINT}`,
    };

    // before anything of this run is produced: each of its consumer groups at the end of its topics
    await placeGroupsAtEnd(Object.values(groups));
    const ingest = start(
      'ingest',
      'apps/ingest/src/main.ts',
      [],
      { ...env, HTTP_PORT: String(opts.ingestPort), INGEST_CONSUMER_GROUP: groups.ingest.groupId },
      true,
    );
    const ingestHealthy = waitHealthy(
      ingest,
      `http://127.0.0.1:${opts.ingestPort}/health`,
      SERVICE_START_MS,
    ).then(() => {
      say(`${c.green('✔')} ingest healthy at http://127.0.0.1:${opts.ingestPort}/health`);
      phaseDone('ingest (in parallel)');
    });
    ingestHealthy.catch(() => undefined);

    const t = demoTimeline(opts.startMs ?? Date.now(), opts.historyDays);
    // the grid with ONS-0001 sized for the days the demo shows, handed to every simulator run
    const { topology, sizing } = demoTopology({
      meters: opts.meters,
      firstDayMs: Date.parse(t.shownFrom),
      profiles: resolveProfiles(profilesDir),
    });
    const topologyFile = path.join(logDir, 'topology.json');
    const topologyJson = topologyToJson(topology, 2);
    fs.writeFileSync(topologyFile, topologyJson);
    say(
      `${c.green('✔')} ${STORY_STATION} sized for the days shown: ${sizing.ratedKva} kVA transformer (${Math.round(sizing.ratingW / 1000)} kW), ` +
        `battery ${Math.round(sizing.battery.usableCapacityWh / 1000)} kWh usable / ${Math.round(sizing.battery.maxDischargeW / 1000)} kW; without it: ` +
        sizing.days
          .map(
            (d) =>
              `${d.day} peak ${Math.round(d.peakW / 1000)} kW, ${Math.round(d.energyAboveWh / 1000)} kWh above`,
          )
          .join('; '),
    );
    const common = ['--topology', topologyFile, '--seed', String(DEMO_SEED), '--no-progress'];
    if (profilesDir) common.push('--profiles-dir', profilesDir);
    say(
      c.dim(
        `backfilling ${opts.historyDays} days of history (${berlin.format(new Date(t.historyStart))} to ${berlin.format(new Date(t.historyEnd))} Berlin) for ${opts.meters} meters ...`,
      ),
    );
    const files = simulateHistory(env, common, topologyJson, t);
    files.catch(() => undefined);
    await ingestHealthy;
    // ingest has migrated its tables: the topology goes next to them (its own migration, idempotent)
    const counts = await writeTopology(cfg.databaseUrl, topology);
    say(`${c.green('✔')} topology written: ${JSON.stringify(counts)}`);
    // settlement's set-up and grid-api come up while the history is imported; the control room does not
    // wait for settlement (its consumer group is at the topic's end since the run's start: it settles the replay)
    const settling = startSettlement(env, t.replayStart).then((r) => {
      phaseDone('settlement (in parallel)');
      return r;
    });
    settling.catch(() => undefined);
    const apiUp = built.then(async () => {
      const api = start(
        'grid-api',
        'apps/grid-api/src/main.ts',
        [],
        {
          ...env,
          HTTP_PORT: String(opts.port),
          OIDC_ISSUER_URL: keycloakIssuer(cfg),
          DASHBOARD_DIR: dashboardDir,
          GRID_API_CONSUMER_GROUP: groups.gridApi.groupId,
        },
        true,
      );
      await waitHealthy(api, `http://127.0.0.1:${opts.port}/health`, SERVICE_START_MS);
      phaseDone('grid-api (in parallel)');
    });
    apiUp.catch(() => undefined);
    await importHistory(env, await files);
    phaseDone('history (simulated to files, imported)');

    // the models train while today is replayed; the forecast schedule starts when they are done
    say(
      c.dim(
        `training the forecast models of every feeder and station on the history up to ${berlin.format(new Date(t.historyEnd))} Berlin (both horizons, in the background) ...`,
      ),
    );
    const trainingStarted = Date.now();
    const training = trainForecastModels(runScript(env), t.historyEnd.replace(/\.\d+Z$/, 'Z'), (m) =>
      say(c.dim(m)),
    ).then(() => {
      const seconds = Math.round((Date.now() - trainingStarted) / 1000);
      say(`${c.green('✔')} forecast models trained (${seconds} s)`);
      return seconds;
    });
    training.catch((err: unknown) =>
      failure?.(new ServiceFailed(`training failed: ${err instanceof Error ? err.message : String(err)}`)),
    );
    await apiUp;
    const db = new Client({ connectionString: cfg.databaseUrl });
    await db.connect();
    return { db, env, common, t, settling, topologyFile, profilesDir, training };
  };

  /**
   * Settlement of one community from the replayed day on: the contract deployed and the community
   * registered through the settlement CLI (as an operator would), then the service, in the run's consumer
   * group (at the end of the readings topic since the run started: the history, imported by COPY before
   * the community existed, is not settled).
   */
  const startSettlement = async (env: NodeJS.ProcessEnv, fromInstant: string) => {
    const from = fromInstant.replace(/\.\d+Z$/, 'Z');
    const group = groups.settlement.groupId;
    const tsNode = (script: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
      runAsync(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', script, ...args],
        { ...process.env, ...env, ...extra, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
      );
    const cli = async (name: string, args: string[], extra: NodeJS.ProcessEnv = {}) => {
      const r = await tsNode('apps/settlement/src/cli.ts', args, extra);
      if (r.status !== 0)
        throw new ServiceFailed(`settlement ${name} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
      return r.stdout;
    };
    say(c.dim('setting up settlement: contract, migrations, community EG-0001 (settlement CLI) ...'));
    const contracts = await runAsync(
      'npx',
      ['nx', 'run', 'settlement-ledger-evm:build-contracts', '--outputStyle=static'],
      process.env,
    );
    if (contracts.status !== 0)
      throw new ServiceFailed(
        `contract build failed:\n${(contracts.stdout + contracts.stderr).slice(-2000)}`,
      );
    const chain = {
      EVM_RPC_URL: evmNodeRpcUrl(cfg),
      EVM_CHAIN_ID: String(cfg.evmChainId),
      SETTLEMENT_DEV_SIGNER: 'true',
    };
    // the contract of an earlier demo run is reused while the node still has it: the settlement tables
    // of that run refer to it
    const saved = path.join(logDir, 'settlement-contract.json');
    let address = fs.existsSync(saved)
      ? (JSON.parse(fs.readFileSync(saved, 'utf8')) as { address?: string; chainId?: number }).address
      : undefined;
    if (address !== undefined) {
      const code = await fetch(chain.EVM_RPC_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getCode', params: [address, 'latest'] }),
      })
        .then((r) => r.json() as Promise<{ result?: string }>)
        .catch(() => ({ result: undefined }));
      if (!code.result || code.result === '0x') address = undefined;
    }
    if (address === undefined) {
      address = (JSON.parse(await cli('deploy', ['deploy', '--json'], chain)) as { address: string }).address;
      fs.writeFileSync(saved, JSON.stringify({ address, chainId: cfg.evmChainId }));
    }
    await cli('migrate', ['migrate'], chain);
    const topo = JSON.parse(fs.readFileSync(path.join(logDir, 'topology.json'), 'utf8')) as {
      meteringPoints: { meterPointId: string; communityId: string | null; pvPeakW: number | null }[];
      communities: { communityId: string; name: string }[];
    };
    const community = topo.communities[0];
    if (!community)
      throw new ServiceFailed(
        `the simulated grid of ${opts.meters} meters has no energy community; use more --meters`,
      );
    const communityId = community.communityId;
    const created = await tsNode(
      'apps/settlement/src/cli.ts',
      [
        'create-community',
        '--id',
        communityId,
        '--name',
        community.name,
        '--price',
        '21500',
        '--effective-from',
        from,
        '--actor',
        'demo',
      ],
      chain,
    );
    if (created.status !== 0 && !/COMMUNITY\.ALREADY_EXISTS/.test(created.stderr))
      throw new ServiceFailed(`settlement create-community failed:\n${created.stderr.slice(-2000)}`);
    const members = topo.meteringPoints.filter((m) => m.communityId === communityId);
    const csv = path.join(logDir, `${communityId}-members.csv`);
    fs.writeFileSync(
      csv,
      [
        'communityId,meterPointId,role,effectiveFrom',
        ...members.map(
          (m) => `${communityId},${m.meterPointId},${m.pvPeakW === null ? 'consumer' : 'prosumer'},${from}`,
        ),
      ].join('\n'),
    );
    if (created.status === 0)
      await cli('import', ['import', 'members', '--file', csv, '--actor', 'demo'], chain);

    const port = await freePort();
    const svc = start(
      'settlement',
      'apps/settlement/src/main.ts',
      [],
      {
        ...env,
        ...chain,
        HTTP_PORT: String(port),
        SETTLEMENT_CONTRACT_ADDRESS: address,
        SETTLEMENT_CONSUMER_GROUP: group,
        OIDC_ISSUER_URL: keycloakIssuer(cfg),
      },
      true,
    );
    await waitHealthy(svc, `http://127.0.0.1:${port}/health`, SERVICE_START_MS);
    say(
      `${c.green('✔')} settlement healthy at http://127.0.0.1:${port}/health: ${communityId} (${members.length} members) from ${berlin.format(new Date(from))} Berlin, contract ${address}`,
    );
    return { communityId, address, port };
  };

  let ready: Awaited<ReturnType<typeof startup>>;
  try {
    const r = await Promise.race([startup(), failed, interruptedP.then(() => 'interrupted' as const)]);
    if (r === 'interrupted') {
      await stopAll();
      return 0;
    }
    ready = r;
  } catch (err) {
    await stopAll();
    throw err;
  }
  const { db, env: serviceEnv, common } = ready;
  const { replayStart, replayEnd } = ready.t;

  const url = `http://127.0.0.1:${opts.port}/`;
  const creds = JSON.parse(fs.readFileSync(keycloakCredentialsFile(cfg), 'utf8')) as {
    users: Record<string, { username: string; password: string }>;
  };
  say('');
  say(c.bold(`  Control room:  ${c.cyan(url)}`));
  say(
    `  Sign in as     ${c.bold('operator')} / ${c.bold(creds.users['operator']?.password ?? '?')}   (acknowledges and shelves alarms)`,
  );
  for (const role of ['viewer', 'admin', 'billing'])
    say(c.dim(`                 ${role} / ${creds.users[role]?.password ?? '?'}`));
  say(
    c.dim(
      `  Passwords are generated per machine: ${path.relative(process.cwd(), keycloakCredentialsFile(cfg))}`,
    ),
  );
  const readyS = Math.round((Date.now() - demoStarted) / 1000);
  say(
    c.dim(
      `  The control room came up ${readyS} s after \`npm run demo\` (phases in .gridwerk/demo/startup.json).`,
    ),
  );
  writePhases({ controlRoomSeconds: readyS });
  const replaying = Date.parse(replayEnd) > Date.parse(replayStart);
  say(
    c.dim(
      replaying
        ? `  Replaying today, ${berlin.format(new Date(replayStart))} to ${berlin.format(new Date(replayEnd))} Berlin, at ${opts.replayRate} simulated minutes per second, then live.`
        : '  Live from now on (today has no closed quarter hour to replay yet).',
    ),
  );
  say(
    c.dim(
      '  ONS-0001 has outgrown its transformer: while today is replayed its battery is on the local rule, which clips\n' +
        "  the evening peak to a flat line under the rating; live, the dispatch service plans it: where ONS-0001's\n" +
        '  forecast model is promoted, its P90 raises TRANSFORMER.PREDICTED_OVERLOAD ahead of the peak and the plan\n' +
        '  holds the station under its rating (Battery dispatch page; the station page shows its mode and the\n' +
        '  energy above its rating avoided). Logs: .gridwerk/demo/\n',
    ),
  );
  await startUdpGatewayDemo({ start, waitHealthy, env: serviceEnv, say }).catch((e: unknown) =>
    say(c.dim(`  udp-gateway not started: ${String(e)}`)),
  );
  if (opts.open) spawn('xdg-open', [url], { stdio: 'ignore', detached: true }).on('error', () => undefined);

  // today so far, fast; then real time from where the replay ended (no gap)
  const faults = opts.faults ? ['--faults', opts.faults] : [];
  let phase = replaying ? 'replay' : 'live';

  /**
   * Live: the dispatch service (started now, so that its first plan finds the batteries' telemetry of the
   * replay's last quarter hour), the simulator service in real time from where the replay ended (no gap),
   * whose batteries obey dispatch's commands, and the forecast jobs on their schedule once the models are
   * trained.
   */
  let schedule: ForecastSchedule | undefined;
  /**
   * With --start, the live part's simulated clock: simulated `replayEnd` once the services have had
   * LIVE_BOOT_ALLOWANCE_MS to start (their TypeScript compiles first), then --live-rate simulated minutes
   * per second. The dispatch service, the simulator service and the forecast schedule get the same spec.
   */
  let liveClock: SimulatedClockSpec | undefined;
  /** One `forecast weather ingest` at a time: runs that start while one is under way wait for it. */
  let weatherIngest: Promise<string> | undefined;
  const freshWeather = (): Promise<string> =>
    (weatherIngest ??= ingestWeather(serviceEnv).finally(() => {
      weatherIngest = undefined;
    }));
  const reportRun = (horizon: string, code: number | null, issued: number): void =>
    say(
      code === 0 || code === 3
        ? `${c.green('✔')} ${horizon} forecasts issued for ${issued} series${code === 3 ? c.yellow(' (some series without a promoted model)') : ''}`
        : c.yellow(`forecast run --horizon ${horizon} exited with code ${code} (log in .gridwerk/demo/)`),
    );
  const startLive = async (): Promise<void> => {
    let trainingS: number | undefined;
    if (opts.startMs !== undefined) {
      // a simulated clock waits for the loop: the models trained and today's day-ahead forecast issued
      // (as of yesterday's issue time) before it starts, so that the evening is forecast before it comes
      say(
        c.dim('  the simulated clock starts once the models are trained and today’s forecast is issued ...'),
      );
      trainingS = await ready.training;
      if (stopping) return;
      await new ForecastSchedule(
        runScript(serviceEnv),
        DAY_AHEAD_ISSUE_MINUTE,
        reportRun,
        undefined,
        freshWeather,
      ).issueNow('day-ahead', dayAheadIssueCovering(Date.parse(replayEnd), DAY_AHEAD_ISSUE_MINUTE));
      if (stopping) return;
      liveClock = {
        startMs: Date.parse(replayEnd),
        anchorWallMs: Date.now() + LIVE_BOOT_ALLOWANCE_MS,
        rate: opts.liveRate * 60,
      };
      say(
        c.dim(
          `  live on a simulated clock: ${berlin.format(new Date(replayEnd))} Berlin in ${LIVE_BOOT_ALLOWANCE_MS / 1000} s, then ${opts.liveRate} simulated minutes per second (${formatSimulatedClock(liveClock)})`,
        ),
      );
    }
    const clockEnv = (name: string): NodeJS.ProcessEnv =>
      liveClock === undefined ? {} : { [name]: formatSimulatedClock(liveClock) };
    const dispatchPort = await freePort();
    const dispatch = opts.dispatch
      ? start(
          'dispatch',
          'apps/dispatch/src/main.ts',
          [],
          {
            ...serviceEnv,
            HTTP_PORT: String(dispatchPort),
            DISPATCH_CONSUMER_GROUP: groups.dispatch.groupId,
            ...clockEnv('DISPATCH_SIMULATED_CLOCK'),
          },
          true,
        )
      : undefined;
    const simPort = await freePort();
    start(
      'simulator-live',
      'apps/simulator/src/main.ts',
      [],
      {
        ...serviceEnv,
        HTTP_PORT: String(simPort),
        SIM_SEED: String(DEMO_SEED),
        SIM_METERS: String(opts.meters),
        SIM_MODE: 'realtime',
        SIM_START: replayEnd,
        SIM_DAYS: '3650',
        SIM_TOPOLOGY_FILE: ready.topologyFile,
        // the run's group: commands of an earlier run of the same simulated day must not reach it
        SIM_CONSUMER_GROUP: groups.simulator.groupId,
        ...(opts.dispatch ? {} : { SIM_BATTERIES_IDLE: 'true' }),
        ...clockEnv('SIM_SIMULATED_CLOCK'),
        ...(ready.profilesDir ? { BDEW_PROFILES_DIR: ready.profilesDir } : {}),
      },
      true,
    );
    if (dispatch !== undefined) {
      await waitHealthy(dispatch, `http://127.0.0.1:${dispatchPort}/health`, SERVICE_START_MS);
      say(`${c.green('✔')} dispatch healthy at http://127.0.0.1:${dispatchPort}/health (MPC every 15 min)`);
    } else
      say(
        c.yellow(
          '  --no-dispatch: no dispatch service; the live batteries stay idle (no local rule): the stations carry their whole load',
        ),
      );
    trainingS ??= await ready.training;
    if (stopping) return;
    writePhases({
      controlRoomSeconds: readyS,
      trainingSeconds: trainingS,
      loopRunningSeconds: Math.round((Date.now() - demoStarted) / 1000),
    });
    schedule = new ForecastSchedule(
      runScript(serviceEnv),
      DAY_AHEAD_ISSUE_MINUTE,
      reportRun,
      liveClock === undefined ? undefined : simulatedScheduleClock(liveClock),
      freshWeather,
    );
    schedule.start({ coveringIssued: liveClock !== undefined });
  };
  const goLive = (): void => {
    phase = 'live';
    startLive().catch((err: unknown) => failure?.(err instanceof Error ? err : new Error(String(err))));
  };

  if (replaying) {
    const replay = start(
      'simulator-replay',
      'apps/simulator/src/cli.ts',
      [
        ...common,
        '--mode',
        'accelerated',
        '--rate',
        String(opts.replayRate),
        '--start',
        replayStart,
        '--days',
        '1',
        '--until',
        replayEnd,
        ...faults,
      ],
      serviceEnv,
      false,
    );
    replay.proc.once('exit', (code) => {
      if (stopping) return;
      if (code !== 0) {
        failure?.(
          new ServiceFailed(`the replay simulator exited with code ${code}:\n${tail(replay.logPath)}`),
        );
        return;
      }
      goLive();
    });
  } else goLive();

  let settlement: Awaited<typeof ready.settling> | undefined;
  ready.settling.then(
    (r) => {
      settlement = r;
      say(
        c.dim(
          `  Settlement batches of ${r.communityId} appear below as they are committed. List or prove them:\n` +
            `    npm run settlement -- batches --community ${r.communityId}\n` +
            `    SETTLEMENT_CONTRACT_ADDRESS=${r.address} npm run settlement -- verify --transaction stx_…\n`,
        ),
      );
    },
    (err: unknown) => failure?.(err instanceof Error ? err : new Error(String(err))),
  );
  let lastBatch = new Date(0);
  const printBatches = async (): Promise<void> => {
    if (settlement === undefined) return;
    const communityId = settlement.communityId;
    const r = await db.query<{
      interval_start: Date;
      version: number;
      transaction_count: number;
      total_energy_wh: string;
      total_amount_ct: string;
      tx_hash: string;
      committed_at: Date;
      shared_wh: string;
      shared_ct: string;
    }>(
      // the batch totals include the residual grid import (priced by the supplier, 0 in the community's
      // books); the energy shared within the community is shown apart
      `SELECT b.interval_start, b.version, b.transaction_count, b.total_energy_wh, b.total_amount_ct, b.tx_hash,
              b.committed_at, coalesce(s.wh, 0)::text AS shared_wh, coalesce(s.ct, 0)::text AS shared_ct
         FROM settlement_batch b
         LEFT JOIN LATERAL (
           SELECT sum(t.energy_wh) AS wh, sum(t.amount_ct) AS ct FROM settlement_transaction t
            WHERE t.community_id = b.community_id AND t.interval_start = b.interval_start
              AND t.version = b.version AND t.kind = 'allocation') s ON true
        WHERE b.community_id = $1 AND b.state = 'committed' AND b.committed_at > $2
        ORDER BY b.committed_at, b.interval_start, b.version`,
      [communityId, lastBatch],
    );
    const shown = r.rows.slice(-4);
    if (r.rows.length > shown.length)
      say(c.dim(`  … ${r.rows.length - shown.length} more batches committed`));
    for (const b of shown)
      say(
        `  ${c.green('⛓')} ${communityId} ${berlin.format(b.interval_start)} v${b.version}: ${b.transaction_count} transactions, ${b.total_energy_wh} Wh (shared ${b.shared_wh} Wh, ${b.shared_ct} ct) → tx ${c.cyan(b.tx_hash)}`,
      );
    const latest = r.rows[r.rows.length - 1];
    if (latest) lastBatch = latest.committed_at;
  };

  const started = Date.now();
  const durationMs = opts.durationS === undefined ? undefined : opts.durationS * 1000;
  const tick = setInterval(() => {
    void (async () => {
      try {
        const r = await db.query<{ n: string; latest: Date | null; open: string; crit: string }>(
          `SELECT (SELECT count(*) FROM meter_reading)::text AS n,
                  (SELECT max(interval_start) FROM meter_reading) AS latest,
                  (SELECT count(*) FROM grid_alarm WHERE state IN ('unacknowledged', 'rtn-unacknowledged'))::text AS open,
                  (SELECT count(*) FROM grid_alarm WHERE state <> 'cleared' AND severity = 'critical')::text AS crit`,
        );
        const row = r.rows[0];
        say(
          `${c.cyan(new Date().toISOString().slice(11, 19))}  ${phase === 'replay' ? c.yellow(`replaying ${berlin.format(new Date(Math.min(Date.parse(replayEnd), Date.parse(replayStart) + ((Date.now() - started) / 1000) * opts.replayRate * 60_000)))}`) : c.green('live')}  ` +
            `latest interval stored ${row?.latest ? berlin.format(row.latest) : '–'} Berlin │ ${row?.n ?? 0} readings stored │ ` +
            `alarms: ${c.bold(row?.open ?? '0')} unacknowledged, ${row?.crit ?? 0} critical │ ${url}`,
        );
        await printBatches();
      } catch (err) {
        say(c.yellow(`status query failed: ${err instanceof Error ? err.message : String(err)}`));
      }
    })();
  }, 5_000);

  let exitCode = 0;
  try {
    await Promise.race([
      interruptedP,
      failed,
      durationMs === undefined
        ? new Promise(() => undefined)
        : new Promise((r) => setTimeout(r, durationMs - (Date.now() - started))),
    ]);
  } catch (err) {
    process.stderr.write(c.red(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`));
    exitCode = 1;
  }
  clearInterval(tick);
  schedule?.stop();
  await db.end().catch(() => undefined);
  await stopAll();
  return exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`error: ${err.message} (npm run demo -- --help for usage)\n`);
        process.exit(EXIT_USAGE);
      }
      process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
