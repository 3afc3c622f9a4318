import { parseSimulatedClock } from '@gridwerk/shared/util-calendar';
import { cfg, ConfigError, ConfigOf, Env, loadConfig } from '@gridwerk/shared/util-config';
import { databaseConfigSpec } from '@gridwerk/shared/data-access-database';
import { kafkaConfigSpec, KafkaSettings, kafkaSettingsFrom } from '@gridwerk/shared/data-access-kafka';
import { loadServiceConfig } from '@gridwerk/shared/feature-ops';

const profilesDir = cfg.optional(
  cfg.string(
    'BDEW_PROFILES_DIR',
    'directory with the BDEW profiles (h25.csv, g25.csv, ...); unset: built-in approximation',
  ),
);

/** Environment of the simulator CLI; run options come from flags (see cli.ts --help). */
export const simulatorEnvSpec = {
  ...kafkaConfigSpec,
  databaseUrl: databaseConfigSpec.databaseUrl,
  profilesDir,
};

export type SimulatorEnv = ConfigOf<typeof simulatorEnvSpec> & { kafka: KafkaSettings };

export function loadSimulatorEnv(env?: Env): SimulatorEnv {
  const c = loadConfig('simulator', simulatorEnvSpec, env);
  return { ...c, kafka: kafkaSettingsFrom('simulator', c) };
}

/** The long-running simulator service (Kubernetes Deployment): streams in real or accelerated time. */
export const simulatorServiceSpec = {
  profilesDir,
  seed: cfg.string('SIM_SEED', 'seed of topology, load noise and weather', '1'),
  meters: cfg.int('SIM_METERS', 'number of metering points', { min: 1, max: 2_000_000, default: 1000 }),
  mode: cfg.oneOf('SIM_MODE', 'realtime or accelerated', ['realtime', 'accelerated'] as const, 'realtime'),
  rate: cfg.int('SIM_RATE', 'accelerated mode: simulated minutes per second', {
    min: 1,
    max: 100_000,
    default: 60,
  }),
  start: cfg.optional(
    cfg.string(
      'SIM_START',
      'first simulated interval, a UTC quarter-hour instant; unset: the current quarter hour',
    ),
  ),
  topologyFile: cfg.optional(
    cfg.string(
      'SIM_TOPOLOGY_FILE',
      'JSON topology (as printed by the CLI --print-topology) to simulate instead of the generated one',
    ),
  ),
  days: cfg.int('SIM_DAYS', 'how many days to run before stopping', { min: 1, max: 36_500, default: 3650 }),
  weatherForecastEveryHours: cfg.int(
    'SIM_WEATHER_FORECAST_EVERY_HOURS',
    'publish a 48-hour weather forecast on grid.weather.forecasts.v1 every N simulated hours (0 = none)',
    { min: 0, max: 24, default: 6 },
  ),
  simulatedClock: cfg.optional(
    cfg.string(
      'SIM_SIMULATED_CLOCK',
      "run on a simulated clock shared with other processes instead of SIM_MODE's pacing: <start instant>@<wall-clock anchor instant>x<rate> (each quarter hour is published once the clock has passed its end; the dispatch service gets the same spec)",
    ),
  ),
  batteriesIdle: cfg.bool(
    'SIM_BATTERIES_IDLE',
    'batteries without a valid dispatch command stay idle instead of running their local rule (a day without battery control, for comparisons)',
    false,
  ),
  consumerGroup: cfg.string(
    'SIM_CONSUMER_GROUP',
    'consumer group for grid.battery.commands.v1 and .v2',
    'gridwerk-simulator',
  ),
};

export function loadSimulatorServiceConfig(env?: Env) {
  const c = loadServiceConfig('simulator', 3000, simulatorServiceSpec, env);
  if (c.start !== undefined) {
    const ms = Date.parse(c.start);
    if (!Number.isFinite(ms) || ms % 900_000 !== 0)
      throw new ConfigError('simulator', [
        `SIM_START must be a UTC quarter-hour instant, got "${c.start}": first simulated interval`,
      ]);
  }
  if (c.simulatedClock !== undefined) {
    try {
      parseSimulatedClock(c.simulatedClock);
    } catch (err) {
      throw new ConfigError('simulator', [
        `SIM_SIMULATED_CLOCK: ${err instanceof Error ? err.message : String(err)}`,
      ]);
    }
  }
  return c;
}
export type SimulatorServiceConfig = ReturnType<typeof loadSimulatorServiceConfig>;
