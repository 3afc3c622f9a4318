import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { freePort } from '../e2e/free-port';
import { startUdpGatewayDemo } from './udp-gateway';
import { evmNodeRpcUrl } from '../infra/evm-node';
import { brokerAddress, loadInfraConfig } from '../infra/infra-config';
import { infraDown, infraUp } from '../infra/infra';
import { keycloakCredentialsFile, keycloakIssuer } from '../infra/keycloak';
import { berlinOffsetMinutes } from '@gridwerk/shared/util-calendar';
import { resolveProfiles, topologyToJson } from '@gridwerk/simulator/domain';
import { DEMO_SEED, demoTopology } from './demo-grid';
import { ForecastSchedule, trainForecastModels } from './loop';
import { STORY_STATION } from './story-station';
import {
  EXIT_USAGE,
  type FlagTable,
  helpText,
  integerFlag,
  numberFlag,
  parseCommandLine,
  UsageError,
} from '@gridwerk/shared/util-config';

/**
 * `npm run demo`: the control room on a simulated Leipzig grid. It starts the real Kafka broker, the EVM
 * node, Keycloak and PostgreSQL databases (tools/infra), then ingest and grid-api (which serves the
 * dashboard), writes the grid's topology (ONS-0001 and its battery sized for the days shown: story-station.ts),
 * backfills 63 days of history, trains the forecast models of every feeder and station, starts the dispatch
 * service, replays the last 24 hours fast (the batteries on their local rule) and then goes on in real time:
 * the simulator service, whose batteries obey dispatch's commands, and the forecast jobs on their schedule. It prints the dashboard's URL and the demo users. Ctrl-C stops everything it started.
 * One energy-sharing community of the simulated grid (EG-0001) is settled from the replayed day on: the
 * settlement service closes each quarter hour, commits its batch on the local EVM node, and the demo
 * prints every batch with its transaction hash.
 */
const DEMO_FLAGS = {
  meters: { kind: 'value', arg: 'N', help: 'metering points to simulate (default 300, at least 1)' },
  'history-days': {
    kind: 'value',
    arg: 'N',
    help: 'days of history backfilled before the replay (default 63, at least 1; the forecast\nmodels need about 58: a 28-day backtest after 28 days of history from the first origin)',
  },
  'replay-rate': {
    kind: 'value',
    arg: 'N',
    help: 'simulated minutes per second while the last 24 h are replayed (default 30)',
  },
  faults: {
    kind: 'value',
    arg: 'SPEC',
    help: 'fault injection of the replay\n(default duplicate=0.002,malformed=0.001; "none" for none)',
  },
  port: { kind: 'value', arg: 'N', help: 'grid-api and dashboard port (default 3004)' },
  'ingest-port': { kind: 'value', arg: 'N', help: 'ingest service port (default 3001)' },
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

const say = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const berlin = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin',
  dateStyle: 'short',
  timeStyle: 'short',
});
const QUARTER_MS = 15 * 60_000;
/** The day-ahead forecast's issue time, Europe/Berlin (the forecast jobs' FORECAST_DAY_AHEAD_ISSUE_AT default). */
const DAY_AHEAD_ISSUE_MINUTE = 10 * 60;
const DAY_MS = 24 * 3_600_000;

export interface DemoOptions {
  meters: number;
  historyDays: number;
  replayRate: number;
  faults: string | undefined;
  port: number;
  ingestPort: number;
  durationS: number | undefined;
  open: boolean;
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
  };
}

/**
 * The three simulator runs of the demo: history (backfill), the last Berlin day replayed, then real time.
 * The simulator counts days in Europe/Berlin (the same local time a day later), so the replay starts at
 * this wall-clock time yesterday: 23 or 25 hours before its end on the DST days.
 */
export function demoTimeline(nowMs: number, historyDays: number) {
  const replayEndMs = Math.floor(nowMs / QUARTER_MS) * QUARTER_MS;
  const dayBefore = replayEndMs - DAY_MS;
  const replayStartMs =
    dayBefore - (berlinOffsetMinutes(dayBefore) - berlinOffsetMinutes(replayEndMs)) * 60_000;
  return {
    historyStart: new Date(replayStartMs - historyDays * DAY_MS).toISOString(),
    replayStart: new Date(replayStartMs).toISOString(),
    replayEnd: new Date(replayEndMs).toISOString(),
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
  const root = path.resolve(__dirname, '..', '..');
  const cfg = loadInfraConfig();
  const logDir = path.join(root, '.gridwerk', 'demo');
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
   * Waits until ingest has stored the history up to `instant`: the readings of its last quarter hour from
   * every metering point (Kafka partitions are consumed at different paces, so the newest interval of one
   * meter says nothing about the others).
   */
  const waitStored = async (databaseUrl: string, instant: string): Promise<void> => {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const last = new Date(Date.parse(instant) - QUARTER_MS);
      const deadline = Date.now() + 20 * 60_000;
      for (;;) {
        const r = await db.query<{ points: string; reported: string }>(
          `SELECT (SELECT count(*) FROM meter_point)::text AS points,
                  (SELECT count(DISTINCT meter_point_id) FROM meter_reading WHERE interval_start = $1)::text AS reported`,
          [last],
        );
        const row = r.rows[0];
        if (row && Number(row.reported) > 0 && Number(row.reported) >= Number(row.points)) return;
        if (Date.now() > deadline)
          throw new ServiceFailed(
            `ingest did not store the history up to ${instant} within 20 min (${row?.reported ?? 0} of ${row?.points ?? '?'} metering points)`,
          );
        await new Promise((res) => setTimeout(res, 3_000));
      }
    } finally {
      await db.end();
    }
  };

  const startup = async () => {
    up = await infraUp((m) => say(c.dim(`[infra] ${m}`)), cfg, { keycloak: true });
    say(
      `${c.green('✔')} Kafka at ${up.broker}, Keycloak at ${keycloakIssuer(cfg)}, PostgreSQL at ${cfg.databaseUrl.replace(/\/\/[^@]*@/, '//')}`,
    );

    say(c.dim('building the dashboard (npx nx run dashboard:build, cached) ...'));
    const build = spawnSync('npx', ['nx', 'run', 'dashboard:build', '--outputStyle=static'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (build.status !== 0)
      throw new ServiceFailed(`dashboard build failed:\n${(build.stdout + build.stderr).slice(-2000)}`);
    const dashboardDir = path.join(root, 'dist', 'apps', 'dashboard');

    const shared = path.resolve(root, '..', 'shared', 'data', 'bdew');
    const profilesDir = process.env['BDEW_PROFILES_DIR'] || (fs.existsSync(shared) ? shared : undefined);
    const env: NodeJS.ProcessEnv = {
      KAFKA_BROKERS: brokerAddress(cfg),
      DATABASE_URL: cfg.databaseUrl,
      LOG_LEVEL: 'info',
    };

    const ingest = start(
      'ingest',
      'apps/ingest/src/main.ts',
      [],
      { ...env, HTTP_PORT: String(opts.ingestPort) },
      true,
    );
    await waitHealthy(ingest, `http://127.0.0.1:${opts.ingestPort}/health`, 120_000);
    say(`${c.green('✔')} ingest healthy at http://127.0.0.1:${opts.ingestPort}/health`);

    const t = demoTimeline(Date.now(), opts.historyDays);
    // the grid with ONS-0001 sized for the days the demo shows, handed to every simulator run
    const { topology, sizing } = demoTopology({
      meters: opts.meters,
      replayStartMs: Date.parse(t.replayStart),
      profiles: resolveProfiles(profilesDir),
    });
    const topologyFile = path.join(logDir, 'topology.json');
    fs.writeFileSync(topologyFile, topologyToJson(topology, 2));
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
        `backfilling ${opts.historyDays} days of history (${berlin.format(new Date(t.historyStart))} to ${berlin.format(new Date(t.replayStart))} Berlin) for ${opts.meters} meters ...`,
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
        '--write-topology',
      ],
      env,
    );
    say(`${c.green('✔')} topology written and history produced`);
    await waitStored(cfg.databaseUrl, t.replayStart);
    say(c.dim(`training the forecast models of every feeder and station on the history (both horizons) ...`));
    await trainForecastModels(runScript(env), t.replayStart.replace(/\.\d+Z$/, 'Z'), (m) => say(c.dim(m)));
    say(`${c.green('✔')} forecast models trained`);

    const settlement = await startSettlement(env, t.replayStart);

    const api = start(
      'grid-api',
      'apps/grid-api/src/main.ts',
      [],
      {
        ...env,
        HTTP_PORT: String(opts.port),
        OIDC_ISSUER_URL: keycloakIssuer(cfg),
        DASHBOARD_DIR: dashboardDir,
      },
      true,
    );
    await waitHealthy(api, `http://127.0.0.1:${opts.port}/health`, 120_000);

    // battery dispatch: plans on the published forecasts, commands the simulator service's batteries
    const dispatchPort = await freePort();
    const dispatch = start(
      'dispatch',
      'apps/dispatch/src/main.ts',
      [],
      { ...env, HTTP_PORT: String(dispatchPort) },
      true,
    );
    await waitHealthy(dispatch, `http://127.0.0.1:${dispatchPort}/health`, 120_000);
    say(`${c.green('✔')} dispatch healthy at http://127.0.0.1:${dispatchPort}/health (MPC every 15 min)`);
    const db = new Client({ connectionString: cfg.databaseUrl });
    await db.connect();
    return { db, env, common, t, settlement, topologyFile, profilesDir };
  };

  /**
   * Settlement of one community from the replayed day on: the contract deployed and the community
   * registered through the settlement CLI (as an operator would), the consumer group set to the end of
   * the readings topic (history before the community existed is not settled), then the service.
   */
  const startSettlement = async (env: NodeJS.ProcessEnv, fromInstant: string) => {
    const from = fromInstant.replace(/\.\d+Z$/, 'Z');
    const tsNode = (script: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
      spawnSync(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', script, ...args],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, ...env, ...extra, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
          maxBuffer: 256 * 1024 * 1024,
        },
      );
    const cli = (name: string, args: string[], extra: NodeJS.ProcessEnv = {}) => {
      const r = tsNode('apps/settlement/src/cli.ts', args, extra);
      if (r.status !== 0)
        throw new ServiceFailed(`settlement ${name} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
      return r.stdout;
    };
    say(c.dim('setting up settlement: contract, migrations, community EG-0001 (settlement CLI) ...'));
    const contracts = spawnSync(
      'npx',
      ['nx', 'run', 'settlement-ledger-evm:build-contracts', '--outputStyle=static'],
      {
        cwd: root,
        encoding: 'utf8',
      },
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
      address = (JSON.parse(cli('deploy', ['deploy', '--json'], chain)) as { address: string }).address;
      fs.writeFileSync(saved, JSON.stringify({ address, chainId: cfg.evmChainId }));
    }
    cli('migrate', ['migrate'], chain);
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
    const created = tsNode(
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
    if (created.status === 0) cli('import', ['import', 'members', '--file', csv, '--actor', 'demo'], chain);

    const group = `gridwerk-settlement-demo-${Date.parse(from)}`;
    const kafka = new Kafka({
      clientId: 'gridwerk-demo',
      brokers: [brokerAddress(cfg)],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.resetOffsets({ groupId: group, topic: 'grid.meter.readings.v1', earliest: false });
    } finally {
      await admin.disconnect();
    }
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
    await waitHealthy(svc, `http://127.0.0.1:${port}/health`, 120_000);
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
  say(
    c.dim(
      `  Replaying ${berlin.format(new Date(replayStart))} to ${berlin.format(new Date(replayEnd))} Berlin at ${opts.replayRate} simulated minutes per second, then live.`,
    ),
  );
  say(
    c.dim(
      '  ONS-0001 has outgrown its transformer: in the replay its battery, on the local rule, clips the evening\n' +
        '  peak to a flat line under the rating; live, once its forecast model is promoted, the forecast raises\n' +
        '  TRANSFORMER.PREDICTED_OVERLOAD ahead of the peak and dispatch plans the battery to hold the station under\n' +
        '  its rating (Battery dispatch page; the station page shows its mode and the energy avoided). Logs: .gridwerk/demo/\n',
    ),
  );
  await startUdpGatewayDemo({ start, waitHealthy, env: serviceEnv, say }).catch((e: unknown) =>
    say(c.dim(`  udp-gateway not started: ${String(e)}`)),
  );
  if (opts.open) spawn('xdg-open', [url], { stdio: 'ignore', detached: true }).on('error', () => undefined);

  // the last 24 h, fast; then real time from where the replay ended (no gap)
  const faults = opts.faults ? ['--faults', opts.faults] : [];
  let phase = 'replay';
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
      ...faults,
    ],
    serviceEnv,
    false,
  );
  replay.proc.once('exit', (code) => {
    if (stopping) return;
    if (code !== 0) {
      failure?.(new ServiceFailed(`the replay simulator exited with code ${code}:\n${tail(replay.logPath)}`));
      return;
    }
    phase = 'live';
    void startLive();
  });

  /**
   * Live: the simulator service in real time from where the replay ended (no gap), whose batteries obey
   * dispatch's commands, and the forecast jobs on their schedule.
   */
  let schedule: ForecastSchedule | undefined;
  const startLive = async (): Promise<void> => {
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
        SIM_CONSUMER_GROUP: `gridwerk-simulator-demo-${Date.parse(replayEnd)}`,
        ...(ready.profilesDir ? { BDEW_PROFILES_DIR: ready.profilesDir } : {}),
      },
      true,
    );
    schedule = new ForecastSchedule(runScript(serviceEnv), DAY_AHEAD_ISSUE_MINUTE, (horizon, code, issued) =>
      say(
        code === 0 || code === 3
          ? `${c.green('✔')} ${horizon} forecasts issued for ${issued} series${code === 3 ? c.yellow(' (some series without a model)') : ''}`
          : c.yellow(`forecast run --horizon ${horizon} exited with code ${code} (log in .gridwerk/demo/)`),
      ),
    );
    schedule.start();
  };

  const { settlement } = ready;
  let lastBatch = new Date(0);
  const printBatches = async (): Promise<void> => {
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
      [settlement.communityId, lastBatch],
    );
    const shown = r.rows.slice(-4);
    if (r.rows.length > shown.length)
      say(c.dim(`  … ${r.rows.length - shown.length} more batches committed`));
    for (const b of shown)
      say(
        `  ${c.green('⛓')} ${settlement.communityId} ${berlin.format(b.interval_start)} v${b.version}: ${b.transaction_count} transactions, ${b.total_energy_wh} Wh (shared ${b.shared_wh} Wh, ${b.shared_ct} ct) → tx ${c.cyan(b.tx_hash)}`,
      );
    const latest = r.rows[r.rows.length - 1];
    if (latest) lastBatch = latest.committed_at;
  };
  say(
    c.dim(
      `  Settlement batches of ${settlement.communityId} appear below as they are committed. List or prove them:\n` +
        `    npm run settlement -- batches --community ${settlement.communityId}\n` +
        `    SETTLEMENT_CONTRACT_ADDRESS=${settlement.address} npm run settlement -- verify --transaction stx_…\n`,
    ),
  );

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
