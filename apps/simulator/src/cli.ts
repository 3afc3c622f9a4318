import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createKafkaClient, kafkaClientConfig } from '@gridwerk/shared/data-access-kafka';
import { Topics } from '@gridwerk/contracts';
import { ConfigError } from '@gridwerk/shared/util-config';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import {
  TOPOLOGY_MIGRATIONS,
  TopologyCounts,
  TopologyRepository,
} from '@gridwerk/shared/data-access-topology';
import {
  createGridSimulation,
  FaultRates,
  GridTopology,
  resolveProfiles,
  topologyToJson,
} from '@gridwerk/simulator/domain';
import {
  EventSink,
  KafkaEventSink,
  ParallelKafkaEventSink,
  SimulationMode,
  SimulationRunner,
} from '@gridwerk/simulator/feature';
import { loadSimulatorEnv } from './config/simulator.config';

const HELP = `gridwerk simulator: a virtual Leipzig distribution grid streaming meter readings and battery
telemetry as CloudEvents into Kafka (grid.meter.readings.v1, grid.battery.telemetry.v1).

Usage: npm run simulator -- [options]

  --seed N|TEXT        seed of topology, load noise and weather (default 1)
  --meters N           number of metering points (default 1000)
  --start ISO          first interval, a UTC quarter hour (default: today 00:00 UTC, or now in realtime mode)
  --days N             simulated Europe/Berlin days (default 1)
  --mode MODE          realtime | accelerated | backfill (default backfill)
  --rate N             accelerated: simulated minutes per second (default 60)
  --resolution 15|1    reading interval in minutes (default 15)
  --profiles-dir DIR   BDEW profiles (h25.csv, ...); default $BDEW_PROFILES_DIR, else the built-in approximation
  --faults SPEC        fault injection, e.g. late=0.01,duplicate=0.01,outOfOrder=0.005,malformed=0.002
  --undersized-stations N
                       rate the first N secondary substations one transformer size below their winter
                       evening peak, so that their loading alarms fire (default 0; the demo uses 1)
  --print-topology     print the generated topology as JSON and exit
  --write-topology     write the topology (substations, feeders, secondary substations, meter points,
                       batteries, communities) into the database at DATABASE_URL before streaming
  --topology-only      with --write-topology: write it and exit (no Kafka needed)
  --json               print the run summary as one JSON object on stdout
  --no-progress        no progress line on stderr
  -h, --help           this help

Environment: KAFKA_BROKERS (127.0.0.1:9092), KAFKA_SSL, KAFKA_SASL_*, BDEW_PROFILES_DIR, DATABASE_URL.
Exit codes: 0 done, 2 bad flags or config, 1 failure (e.g. broker unreachable).`;

class UsageError extends Error {}

/** Writes the topology tables (creating them through their migration if needed); idempotent. */
async function writeTopology(databaseUrl: string, topology: GridTopology): Promise<TopologyCounts> {
  const ds = new DataSource(
    postgresDataSourceOptions({
      url: databaseUrl,
      applicationName: 'gridwerk-simulator',
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

function int(name: string, raw: string | undefined, def: number, min: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

export function parseFaults(spec: string | undefined): Partial<FaultRates> | undefined {
  if (!spec) return undefined;
  const out: Partial<FaultRates> = {};
  const names: (keyof FaultRates)[] = ['late', 'duplicate', 'outOfOrder', 'malformed'];
  for (const part of spec.split(',')) {
    const [k, v] = part.split('=');
    if (!k || v === undefined || !(names as string[]).includes(k.trim()))
      throw new UsageError(`--faults: unknown fault "${part}" (use ${names.join(', ')})`);
    const rate = Number(v);
    if (!(rate >= 0 && rate <= 1))
      throw new UsageError(`--faults: rate of ${k} must be within 0..1, got "${v}"`);
    out[k.trim() as keyof FaultRates] = rate;
  }
  const sum = Object.values(out).reduce((a, b) => a + b, 0);
  if (sum > 1) throw new UsageError('--faults: rates must add up to at most 1');
  return out;
}

function defaultStart(mode: SimulationMode): string {
  const now = new Date();
  if (mode === 'realtime') {
    now.setUTCMinutes(Math.floor(now.getUTCMinutes() / 15) * 15, 0, 0);
    return now.toISOString();
  }
  now.setUTCHours(0, 0, 0, 0);
  return now.toISOString();
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      meters: { type: 'string' },
      start: { type: 'string' },
      days: { type: 'string' },
      mode: { type: 'string' },
      rate: { type: 'string' },
      resolution: { type: 'string' },
      'profiles-dir': { type: 'string' },
      faults: { type: 'string' },
      'print-topology': { type: 'boolean' },
      'write-topology': { type: 'boolean' },
      'topology-only': { type: 'boolean' },
      json: { type: 'boolean' },
      'no-progress': { type: 'boolean' },
      'undersized-stations': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const mode = (values.mode ?? 'backfill') as SimulationMode;
  if (!['realtime', 'accelerated', 'backfill'].includes(mode))
    throw new UsageError(`--mode must be realtime, accelerated or backfill, got "${mode}"`);
  const seedRaw = values.seed ?? '1';
  const seed = /^\d+$/.test(seedRaw) ? Number(seedRaw) : seedRaw;
  const meters = int('meters', values.meters, 1000, 1);
  const days = int('days', values.days, 1, 1);
  const resolution = int('resolution', values.resolution, 15, 1);
  if (resolution !== 15 && resolution !== 1) throw new UsageError('--resolution must be 15 or 1');
  const rate = Number(values.rate ?? 60);
  if (!(rate > 0)) throw new UsageError(`--rate must be a positive number, got "${values.rate}"`);
  const start = values.start ?? defaultStart(mode);
  if (Number.isNaN(Date.parse(start)))
    throw new UsageError(`--start must be an ISO-8601 instant, got "${start}"`);
  const faults = parseFaults(values.faults);
  const env = loadSimulatorEnv();
  const profiles = resolveProfiles(values['profiles-dir'] ?? env.profilesDir);

  const undersizedStations = int('undersized-stations', values['undersized-stations'], 0, 0);
  const sim = createGridSimulation({
    seed,
    meters,
    start,
    days,
    resolutionMinutes: resolution,
    profiles,
    undersizedStations,
  });
  if (values['print-topology']) {
    process.stdout.write(`${topologyToJson(sim.topology, 2)}\n`);
    return 0;
  }
  if (values['write-topology']) {
    const counts = await writeTopology(env.databaseUrl, sim.topology);
    process.stderr.write(`topology written: ${JSON.stringify(counts)}\n`);
    if (values['topology-only']) return 0;
  } else if (values['topology-only']) {
    throw new UsageError('--topology-only needs --write-topology');
  }
  const kafka = createKafkaClient(env.kafka);
  // Backfill is bound by kafkajs' encoding: spread it over worker threads.
  const sink: EventSink =
    mode === 'backfill'
      ? new ParallelKafkaEventSink(kafka, kafkaClientConfig(env.kafka))
      : new KafkaEventSink(kafka);
  await sink.connect([Topics.meterReadings, Topics.batteryTelemetry]);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await new SimulationRunner(sim, sink).run({
      mode,
      rate,
      faults,
      faultSeed: `${seedRaw}/faults`,
      progress: !values['no-progress'],
      signal: abort.signal,
    });
    const summary = {
      seed,
      meters,
      start,
      days,
      mode,
      resolutionMinutes: resolution,
      ...result,
      eventsPerSecond: Math.round(result.eventsPerSecond),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else
      process.stderr.write(
        `done: ${result.messagesProduced} messages in ${result.seconds.toFixed(1)} s (${summary.eventsPerSecond} ev/s)\n`,
      );
    return 0;
  } finally {
    await sink.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (
        err instanceof UsageError ||
        err instanceof ConfigError ||
        (err instanceof TypeError && /Unknown option|argument/.test(err.message))
      ) {
        process.stderr.write(`${err.message}\n\nRun with --help for usage.\n`);
        process.exit(2);
      }
      process.stderr.write(
        `simulator failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
