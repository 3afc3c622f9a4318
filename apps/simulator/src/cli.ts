import 'reflect-metadata';
import fs from 'node:fs';
import { Logger } from '@nestjs/common';
import { createKafkaClient, kafkaClientConfig } from '@gridwerk/shared/data-access-kafka';
import { Topics } from '@gridwerk/contracts';
import {
  choiceFlag,
  ConfigError,
  directoryFlag,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  type FlagTable,
  helpText,
  integerFlag,
  numberFlag,
  parseCommandLine,
  parseZonedInstant,
  UsageError,
} from '@gridwerk/shared/util-config';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import {
  TOPOLOGY_MIGRATIONS,
  TopologyCounts,
  TopologyRepository,
} from '@gridwerk/shared/data-access-topology';
import {
  CityWeather,
  createGridSimulation,
  FaultRates,
  GridTopology,
  resolveProfiles,
  topologyToJson,
} from '@gridwerk/simulator/domain';
import {
  EventSink,
  FileEventSink,
  KafkaEventSink,
  ParallelKafkaEventSink,
  SimulationMode,
  SimulationRunner,
} from '@gridwerk/simulator/feature';
import { loadSimulatorEnv } from './config/simulator.config';

/** Flags of the simulator CLI; --help is generated from this table. */
export const SIMULATOR_FLAGS = {
  seed: { kind: 'value', arg: 'N|TEXT', help: 'seed of topology, load noise and weather (default 1)' },
  meters: { kind: 'value', arg: 'N', help: 'number of metering points, 1 to 1,000,000 (default 1000)' },
  start: {
    kind: 'value',
    arg: 'ISO',
    help: 'first interval: an ISO-8601 instant with Z or an offset (2025-01-01T00:00:00+01:00), on a\nquarter hour (a minute with --resolution 1); default today 00:00 UTC, or now in realtime mode',
  },
  days: { kind: 'value', arg: 'N', help: 'simulated Europe/Berlin days (default 1)' },
  until: {
    kind: 'value',
    arg: 'ISO',
    help: 'stop before this instant (on the reading interval, after --start): the run covers\n[--start, --until), at most --days',
  },
  mode: { kind: 'value', arg: 'MODE', help: 'realtime | accelerated | backfill (default backfill)' },
  rate: { kind: 'value', arg: 'N', help: 'accelerated: simulated minutes per second (default 60)' },
  resolution: { kind: 'value', arg: '15|1', help: 'reading interval in minutes (default 15)' },
  'profiles-dir': {
    kind: 'value',
    arg: 'DIR',
    help: 'BDEW profiles (h25.csv, ...); default $BDEW_PROFILES_DIR, else the built-in approximation',
  },
  faults: {
    kind: 'value',
    arg: 'SPEC',
    help: 'fault injection, e.g. late=0.01,duplicate=0.01,outOfOrder=0.005,malformed=0.002',
  },
  'undersized-stations': {
    kind: 'value',
    arg: 'N',
    help: 'rate the first N secondary substations one transformer size below their winter\nevening peak, so that their loading alarms fire (default 0; the demo uses 1)',
  },
  topology: {
    kind: 'value',
    arg: 'FILE',
    help: 'simulate this topology (JSON as printed by --print-topology) instead of the generated\none; --meters and --undersized-stations do not apply',
  },
  'print-topology': { kind: 'boolean', help: 'print the generated topology as JSON and exit' },
  'write-topology': {
    kind: 'boolean',
    help: 'write the topology (substations, feeders, secondary substations, meter points,\nbatteries, communities) into the database at DATABASE_URL before streaming',
  },
  'topology-only': { kind: 'boolean', help: 'with --write-topology: write it and exit (no Kafka needed)' },
  out: {
    kind: 'value',
    arg: 'DIR',
    help: 'write the events to DIR/<topic>.ndjson instead of Kafka (backfill mode): history that\n`npm run ingest -- import --format cloudevents --file DIR/grid.meter.readings.v1.ndjson` loads',
  },
  'weather-every-hours': {
    kind: 'value',
    arg: 'N',
    help: 'publish a 48-hour weather forecast (grid.weather.forecasts.v1) every N simulated\nhours, at 00, 06, … UTC for 6 (default 6; 0 = none)',
  },
  json: { kind: 'boolean', help: 'print the run summary as one JSON object on stdout' },
  'no-progress': { kind: 'boolean', help: 'no progress line on stderr' },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const satisfies FlagTable;

export const HELP = helpText({
  usage: `gridwerk simulator: a virtual Leipzig distribution grid streaming meter readings and battery
telemetry as CloudEvents into Kafka (grid.meter.readings.v1, grid.battery.telemetry.v1).

Usage: npm run simulator -- [options]`,
  flags: SIMULATOR_FLAGS,
  footer: `Environment: KAFKA_BROKERS (127.0.0.1:9092), KAFKA_SSL, KAFKA_SASL_*, BDEW_PROFILES_DIR, DATABASE_URL.
Exit codes: 0 done, 2 bad flags or config (the message names the flag), 1 failure (e.g. broker unreachable).`,
});

/** The Kafka sink of a mode: backfill is bound by kafkajs' encoding, so it is spread over worker threads. */
function kafkaSink(mode: SimulationMode, config: ReturnType<typeof loadSimulatorEnv>['kafka']): EventSink {
  const kafka = createKafkaClient(config, new Logger('kafkajs'));
  return mode === 'backfill'
    ? new ParallelKafkaEventSink(kafka, kafkaClientConfig(config))
    : new KafkaEventSink(kafka);
}

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

/** --start: an instant (Z or offset) on the reading interval; refused, naming the flag, otherwise. */
export function parseStart(raw: string | undefined, mode: SimulationMode, resolutionMinutes: number): string {
  const start = raw ?? defaultStart(mode);
  const ms = parseZonedInstant(start);
  if (ms === undefined)
    throw new UsageError(`--start must be an ISO-8601 instant with Z or an offset, got "${start}"`);
  if (ms % (resolutionMinutes * 60_000) !== 0)
    throw new UsageError(
      `--start must be on a ${resolutionMinutes === 15 ? 'quarter hour' : 'minute'} (the reading interval), got "${start}"`,
    );
  return new Date(ms).toISOString();
}

/** --until: an instant on the reading interval after --start; absent = the whole --days. */
export function parseUntil(
  raw: string | undefined,
  start: string,
  resolutionMinutes: number,
): string | undefined {
  if (raw === undefined) return undefined;
  const ms = parseZonedInstant(raw);
  if (ms === undefined)
    throw new UsageError(`--until must be an ISO-8601 instant with Z or an offset, got "${raw}"`);
  if (ms % (resolutionMinutes * 60_000) !== 0)
    throw new UsageError(
      `--until must be on a ${resolutionMinutes === 15 ? 'quarter hour' : 'minute'} (the reading interval), got "${raw}"`,
    );
  if (ms <= Date.parse(start)) throw new UsageError(`--until must be after --start (${start}), got "${raw}"`);
  return new Date(ms).toISOString();
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

/** A topology file as --print-topology writes it; a file that is not one is a usage error naming the flag. */
function readTopologyFile(file: string): GridTopology {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--topology: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const t = parsed as Partial<Record<keyof GridTopology, unknown>>;
  for (const key of [
    'substations',
    'feeders',
    'secondarySubstations',
    'meteringPoints',
    'batteries',
    'communities',
  ] as const)
    if (!Array.isArray(t[key]))
      throw new UsageError(
        `--topology: ${file} is not a topology (as --print-topology writes): no array "${key}"`,
      );
  if ((t.meteringPoints as unknown[]).length === 0)
    throw new UsageError(`--topology: ${file} has no metering points`);
  return parsed as GridTopology;
}

async function main(argv: string[]): Promise<number> {
  const { flags: values } = parseCommandLine(argv, SIMULATOR_FLAGS);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return EXIT_OK;
  }
  const mode = choiceFlag('mode', values.mode, ['realtime', 'accelerated', 'backfill'] as const, 'backfill');
  const seedRaw = values.seed ?? '1';
  const seed = /^\d+$/.test(seedRaw) ? Number(seedRaw) : seedRaw;
  const meters = integerFlag('meters', values.meters, { min: 1, max: 1_000_000, fallback: 1000 });
  const days = integerFlag('days', values.days, { min: 1, max: 36_500, fallback: 1 });
  const resolution = integerFlag('resolution', values.resolution, { min: 1, max: 15, fallback: 15 });
  if (resolution !== 15 && resolution !== 1)
    throw new UsageError(`--resolution must be 15 or 1, got "${values.resolution}"`);
  const rate = numberFlag('rate', values.rate, { above: 0, max: 1_000_000, fallback: 60 });
  const start = parseStart(values.start, mode, resolution);
  const until = parseUntil(values.until, start, resolution);
  const faults = parseFaults(values.faults);
  const profilesDir = directoryFlag('profiles-dir', values['profiles-dir']);
  const env = loadSimulatorEnv();
  let profiles;
  try {
    profiles = resolveProfiles(profilesDir ?? env.profilesDir);
  } catch (e) {
    const flag = profilesDir === undefined ? 'BDEW_PROFILES_DIR' : '--profiles-dir';
    throw new UsageError(`${flag}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const weatherEveryHours = integerFlag('weather-every-hours', values['weather-every-hours'], {
    min: 0,
    max: 24,
    fallback: 6,
  });
  const undersizedStations = integerFlag('undersized-stations', values['undersized-stations'], {
    min: 0,
    fallback: 0,
  });
  const given = values.topology === undefined ? undefined : readTopologyFile(values.topology);
  if (given && (values.meters !== undefined || values['undersized-stations'] !== undefined))
    throw new UsageError(
      '--topology takes the grid from its file: leave out --meters and --undersized-stations',
    );
  const sim = createGridSimulation({
    seed,
    meters: given ? given.meteringPoints.length : meters,
    start,
    days,
    resolutionMinutes: resolution,
    profiles,
    undersizedStations,
    ...(given ? { topology: given } : {}),
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
  if (values.out !== undefined && mode !== 'backfill')
    throw new UsageError(`--out writes files as fast as it can: use it with --mode backfill, not ${mode}`);
  const files = values.out === undefined ? undefined : new FileEventSink(values.out);
  const sink: EventSink = files ?? kafkaSink(mode, env.kafka);
  await sink.connect([Topics.meterReadings, Topics.batteryTelemetry, Topics.weatherForecasts]);
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
      ...(weatherEveryHours > 0
        ? {
            weatherForecasts: {
              weather: new CityWeather(seed),
              everyHours: weatherEveryHours,
              hoursAhead: 48,
            },
          }
        : {}),
      progress: !values['no-progress'],
      signal: abort.signal,
      ...(until === undefined ? {} : { untilMs: Date.parse(until) }),
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
      ...(files
        ? {
            files: Object.entries(files.written()).map(([topic, messages]) => ({
              topic,
              file: files.fileOf(topic),
              messages,
            })),
          }
        : {}),
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
      if (err instanceof UsageError || err instanceof ConfigError) {
        process.stderr.write(`error: ${err.message} (--help for usage)\n`);
        process.exit(EXIT_USAGE);
      }
      process.stderr.write(
        `simulator failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(EXIT_FAILURE);
    },
  );
}
