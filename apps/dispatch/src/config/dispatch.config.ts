import { Topics } from '@gridwerk/contracts';
import { DEFAULT_PARAMETERS, DispatchParameters } from '@gridwerk/dispatch/domain';
import type { PlannerSettings } from '@gridwerk/dispatch/feature';
import { loadServiceConfig } from '@gridwerk/shared/feature-ops';
import { parseSimulatedClock } from '@gridwerk/shared/util-calendar';
import { cfg, ConfigError, Env } from '@gridwerk/shared/util-config';

/** dispatch's own variables; HTTP, logging, Kafka and database come from the platform spec. */
export const dispatchConfigSpec = {
  mode: cfg.oneOf(
    'DISPATCH_MODE',
    'grid-serving (a grid operator’s own storage, §11b EnWG: no market arbitrage) or market',
    ['grid-serving', 'market'] as const,
    'grid-serving',
  ),
  cycleMinutes: cfg.int(
    'DISPATCH_CYCLE_MINUTES',
    'minutes between two MPC cycles, a multiple of 15 dividing a day; cycles start on the quarter hours',
    { min: 15, max: 1440, default: 15 },
  ),
  cycleDelaySeconds: cfg.int(
    'DISPATCH_CYCLE_DELAY_S',
    'seconds after the quarter hour a cycle starts (the telemetry of the quarter just ended arrives first)',
    { min: 0, max: 600, default: 20 },
  ),
  horizonSteps: cfg.int(
    'DISPATCH_HORIZON_STEPS',
    'MPC horizon in quarter hours (at least 96; the whole next day once forecasts and prices reach it)',
    { min: 96, max: 384, default: 96 },
  ),
  commandMode: cfg.oneOf(
    'DISPATCH_COMMAND_MODE',
    'setpoint (a power setpoint per quarter hour, grid.battery.commands.v1) or limit (a station-flow limit and SoC reserve the unit holds on its own measurement, v2)',
    ['setpoint', 'limit'] as const,
    'limit',
  ),
  commandSteps: cfg.int(
    'DISPATCH_COMMAND_STEPS',
    'quarter hours each cycle sends setpoints for (the later ones bridge a late or missed cycle)',
    { min: 1, max: 8, default: 2 },
  ),
  telemetryMaxAgeSeconds: cfg.int(
    'DISPATCH_TELEMETRY_MAX_AGE_S',
    'a battery whose newest telemetry is older than this runs its local rule',
    { min: 60, max: 86_400, default: 1_800 },
  ),
  forecastMaxAgeHours: cfg.int(
    'DISPATCH_FORECAST_MAX_AGE_H',
    'a station whose newest forecast was issued longer ago runs its batteries on the local rule',
    { min: 1, max: 168, default: 36 },
  ),
  solveTimeLimitSeconds: cfg.int('DISPATCH_SOLVE_TIME_LIMIT_S', 'HiGHS time limit per feeder', {
    min: 1,
    max: 600,
    default: 30,
  }),
  solverWorkers: cfg.int(
    'DISPATCH_SOLVER_WORKERS',
    'HiGHS worker threads: feeders solved at once (about the cores the service may use)',
    { min: 1, max: 64, default: 2 },
  ),
  solveTimeoutSeconds: cfg.int(
    'DISPATCH_SOLVE_TIMEOUT_S',
    'wall-clock limit per feeder solve; a solve still running then has its worker terminated and the feeder runs the local rule (0: time limit + 10 s)',
    { min: 0, max: 900, default: 0 },
  ),
  feederTimeoutSeconds: cfg.int(
    'DISPATCH_FEEDER_TIMEOUT_S',
    'a feeder not planned within this (inputs, solve, storing) runs the local rule, the others are planned (0: 2 × time limit + 30 s)',
    { min: 0, max: 900, default: 0 },
  ),
  priceSource: cfg.oneOf(
    'DISPATCH_PRICE_SOURCE',
    'day-ahead prices: none, csv-file, http-csv or synthetic (dev)',
    ['none', 'csv-file', 'http-csv', 'synthetic'] as const,
    'none',
  ),
  priceCsvFile: cfg.optional(
    cfg.string(
      'DISPATCH_PRICE_CSV_FILE',
      'csv-file: CSV with intervalStart and priceMilliCtPerKWh or priceEurPerMWh',
    ),
  ),
  priceUrl: cfg.optional(
    cfg.url('DISPATCH_PRICE_URL', 'http-csv: URL serving that CSV (?from=&to= appended)', ['http', 'https']),
  ),
  powerFactor: cfg.int('DISPATCH_POWER_FACTOR', 'cos φ turning kVA ratings into kW, per mille', {
    min: 1,
    max: 1000,
    default: Math.round(DEFAULT_PARAMETERS.powerFactor * 1000),
  }),
  reverseFlowLimit: cfg.int(
    'DISPATCH_REVERSE_FLOW_LIMIT',
    'feed-in tolerated before PV surplus is absorbed, share of the rating, per mille',
    { min: 1, max: 1000, default: Math.round(DEFAULT_PARAMETERS.reverseFlowLimitShare * 1000) },
  ),
  roundTripEfficiency: cfg.int(
    'DISPATCH_ROUND_TRIP_EFFICIENCY',
    'round-trip efficiency of a new pack (AC to AC) where the asset register has none, per mille',
    { min: 500, max: 1000, default: 880 },
  ),
  minSocPct: cfg.int('DISPATCH_MIN_SOC_PCT', 'lower end of the SoC window, % of usable', {
    min: 0,
    max: 100,
    default: 10,
  }),
  maxSocPct: cfg.int('DISPATCH_MAX_SOC_PCT', 'upper end of the SoC window, % of usable', {
    min: 0,
    max: 100,
    default: 95,
  }),
  packValueCtPerKWh: cfg.int(
    'DISPATCH_PACK_VALUE_CT_PER_KWH',
    'replacement value of a second-life pack per kWh nominal, ct (prices degradation)',
    { min: 0, max: 1_000_000, default: DEFAULT_PARAMETERS.packValueCtPerKWh },
  ),
  cycleLifeEfc: cfg.int(
    'DISPATCH_CYCLE_LIFE_EFC',
    'equivalent full cycles from 100 % SoH to the end-of-life SoH',
    { min: 1, max: 100_000, default: DEFAULT_PARAMETERS.cycleLifeEfc },
  ),
  consumerGroup: cfg.string(
    'DISPATCH_CONSUMER_GROUP',
    'Kafka consumer group for telemetry and forecasts',
    'gridwerk-dispatch',
  ),
  telemetryTopic: cfg.string(
    'DISPATCH_TELEMETRY_TOPIC',
    'topic of battery telemetry',
    Topics.batteryTelemetry,
  ),
  forecastsTopic: cfg.string('DISPATCH_FORECASTS_TOPIC', 'topic of forecasts', Topics.forecasts),
  commandsTopic: cfg.string(
    'DISPATCH_COMMANDS_TOPIC',
    'topic the setpoint-mode commands go to (v1)',
    Topics.batteryCommands,
  ),
  commandsV2Topic: cfg.string(
    'DISPATCH_COMMANDS_V2_TOPIC',
    'topic the limit-mode commands go to (v2)',
    Topics.batteryCommandsV2,
  ),
  leaderLockKey: cfg.int(
    'DISPATCH_LEADER_LOCK_KEY',
    'PostgreSQL advisory lock key: replicas with the same key elect one active planner',
    { min: 1, max: 2_147_483_647, default: 74_711_409 },
  ),
  leaderRetrySeconds: cfg.int(
    'DISPATCH_LEADER_RETRY_S',
    'how often a standby replica tries to take the lead',
    { min: 1, max: 600, default: 10 },
  ),
  historyFallback: cfg.bool(
    'DISPATCH_HISTORY_FALLBACK',
    'plan a station on the same day-type mean of its measured load without its batteries (ingest’s uncontrolled_load_15m_secondary_substation) when no published forecast covers its next quarter hours, instead of its local rule',
    true,
  ),
  runMigrations: cfg.bool(
    'DISPATCH_RUN_MIGRATIONS',
    'apply pending migrations at start-up (off when a Kubernetes Job runs them)',
    true,
  ),
  simulatedClock: cfg.optional(
    cfg.string(
      'DISPATCH_SIMULATED_CLOCK',
      "plan on a simulated clock instead of the wall clock: <start instant>@<wall-clock anchor instant>x<rate> (the demo's accelerated live part; the simulator service gets the same spec)",
    ),
  ),
  faultInfeasibleUntil: cfg.optional(
    cfg.string(
      'DISPATCH_FAULT_INFEASIBLE_UNTIL',
      'drill: cycles starting before this UTC instant solve an injected infeasible model (solver failure → local rule)',
    ),
  ),
};

export function loadDispatchConfig(env?: Env) {
  const c = loadServiceConfig('dispatch', 3005, dispatchConfigSpec, env);
  const problems: string[] = [];
  if (c.cycleMinutes % 15 !== 0 || 1440 % c.cycleMinutes !== 0)
    problems.push(
      `DISPATCH_CYCLE_MINUTES must be a multiple of 15 that divides 1440, got ${c.cycleMinutes}: minutes between two MPC cycles`,
    );
  if (c.simulatedClock !== undefined) {
    try {
      parseSimulatedClock(c.simulatedClock);
    } catch (err) {
      problems.push(`DISPATCH_SIMULATED_CLOCK: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (c.minSocPct >= c.maxSocPct)
    problems.push(
      `DISPATCH_MIN_SOC_PCT (${c.minSocPct}) must be below DISPATCH_MAX_SOC_PCT (${c.maxSocPct})`,
    );
  if (c.priceSource === 'csv-file' && c.priceCsvFile === undefined)
    problems.push('DISPATCH_PRICE_CSV_FILE is missing: DISPATCH_PRICE_SOURCE=csv-file reads prices from it');
  if (c.priceSource === 'http-csv' && c.priceUrl === undefined)
    problems.push('DISPATCH_PRICE_URL is missing: DISPATCH_PRICE_SOURCE=http-csv reads prices from it');
  if (c.mode === 'market' && c.priceSource === 'none')
    problems.push('DISPATCH_PRICE_SOURCE must not be none with DISPATCH_MODE=market: arbitrage needs prices');
  let faultInfeasibleUntilMs: number | undefined;
  if (c.faultInfeasibleUntil !== undefined) {
    faultInfeasibleUntilMs = Date.parse(c.faultInfeasibleUntil);
    if (!Number.isFinite(faultInfeasibleUntilMs) || !c.faultInfeasibleUntil.endsWith('Z'))
      problems.push(
        `DISPATCH_FAULT_INFEASIBLE_UNTIL must be a UTC instant, got "${c.faultInfeasibleUntil}": drill of the solver-failure path`,
      );
  }
  if (problems.length > 0) throw new ConfigError('dispatch', problems);
  return { ...c, faultInfeasibleUntilMs };
}
export type DispatchConfig = ReturnType<typeof loadDispatchConfig>;

/** The planner's settings from the validated config. */
export function plannerSettingsOf(c: DispatchConfig): PlannerSettings {
  const parameters: DispatchParameters = {
    ...DEFAULT_PARAMETERS,
    mode: c.mode,
    powerFactor: c.powerFactor / 1000,
    reverseFlowLimitShare: c.reverseFlowLimit / 1000,
    packValueCtPerKWh: c.packValueCtPerKWh,
    cycleLifeEfc: c.cycleLifeEfc,
  };
  return {
    parameters,
    batteryDefaults: {
      roundTripEfficiency: c.roundTripEfficiency / 1000,
      minSocPct: c.minSocPct,
      maxSocPct: c.maxSocPct,
    },
    minHorizonSteps: c.horizonSteps,
    commandSteps: c.commandSteps,
    commandMode: c.commandMode,
    telemetryMaxAgeMs: c.telemetryMaxAgeSeconds * 1000,
    forecastMaxAgeMs: c.forecastMaxAgeHours * 3_600_000,
    historyFallback: c.historyFallback,
    solveTimeLimitS: c.solveTimeLimitSeconds,
    concurrency: c.solverWorkers,
    ...(c.feederTimeoutSeconds > 0 ? { feederTimeoutMs: c.feederTimeoutSeconds * 1000 } : {}),
    ...(c.faultInfeasibleUntilMs !== undefined ? { injectInfeasibleBeforeMs: c.faultInfeasibleUntilMs } : {}),
  };
}
