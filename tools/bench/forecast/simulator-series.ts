import fs from 'node:fs';
import path from 'node:path';
import {
  ambientTemperatureC,
  CityWeather,
  createGridSimulation,
  deriveSeed,
  normalAt,
  pvYieldWhPerWp,
  resolveProfiles,
} from '@gridwerk/simulator/domain';
import {
  directoryFlag,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  type FlagTable,
  helpText,
  integerFlag,
  numberFlag,
  parseCommandLine,
  UsageError,
} from '@gridwerk/shared/util-config';

/**
 * Writes the simulator's feeder and substation net load (import - export, Wh per 15 minutes) as CSV
 * files, one per series, with exogenous columns a utility has in advance from its weather service: the
 * ambient temperature and a day-ahead PV yield forecast per Wp — the simulator's own PV yield with a
 * seeded forecast error (per day lognormal, sigma = --pv-forecast-error, plus per-hour noise), so that
 * the forecaster is not handed the future. The input of `npm run forecast -- backtest`.
 *   npx ts-node ... tools/bench/forecast/simulator-series.ts --meters 3000 --days 120 --out /tmp/series
 * (`--help` for every flag)
 */
const FLAGS = {
  meters: { kind: 'value', arg: 'N', help: 'metering points simulated (default 3000)' },
  days: { kind: 'value', arg: 'N', help: 'days of quarter hours (default 120)' },
  start: { kind: 'value', arg: 'ISO', help: 'first interval start, UTC (default 2025-01-05T23:00:00Z)' },
  seed: { kind: 'value', arg: 'N', help: 'seed of the simulation and the forecast error (default 11)' },
  out: { kind: 'value', arg: 'DIR', help: 'directory the CSV files are written to (default tmp/series)' },
  'profiles-dir': { kind: 'value', arg: 'DIR', help: 'BDEW profile CSVs (default: the built-in profiles)' },
  'pv-forecast-error': {
    kind: 'value',
    arg: 'SIGMA',
    help: 'sigma of the lognormal day-ahead PV forecast error, above 0 (default 0.25)',
  },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const satisfies FlagTable;

const HELP = helpText({
  usage:
    'Usage: npx ts-node --transpile-only -r tsconfig-paths/register tools/bench/forecast/simulator-series.ts [options]',
  flags: FLAGS,
  footer: 'Prints one JSON line (directory, series, points). Exit 0 ok, 2 bad flags, 1 failure.',
});

function main(): number {
  const { flags } = parseCommandLine(process.argv.slice(2), FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${HELP}\n`);
    return EXIT_OK;
  }
  const start = flags.start ?? '2025-01-05T23:00:00Z';
  if (Number.isNaN(Date.parse(start)) || Date.parse(start) % 900_000 !== 0)
    throw new UsageError(`--start must be an instant on the quarter hour, got "${start}"`);
  const values = {
    meters: integerFlag('meters', flags.meters, { min: 1, max: 1_000_000, fallback: 3000 }),
    days: integerFlag('days', flags.days, { min: 1, max: 3_660, fallback: 120 }),
    start,
    seed: integerFlag('seed', flags.seed, { min: 0, fallback: 11 }),
    out: flags.out ?? 'tmp/series',
    'profiles-dir': directoryFlag('profiles-dir', flags['profiles-dir']),
    'pv-forecast-error': numberFlag('pv-forecast-error', flags['pv-forecast-error'], {
      above: 0,
      max: 5,
      fallback: 0.25,
    }),
  };
  const sim = createGridSimulation({
    seed: values.seed,
    meters: values.meters,
    start: values.start,
    days: values.days,
    resolutionMinutes: 15,
    profiles: resolveProfiles(values['profiles-dir']),
  });
  const feederOf = new Map(
    sim.topology.secondarySubstations.map((s) => [s.secondarySubstationId, s.feederId]),
  );
  const substationOf = new Map(sim.topology.feeders.map((f) => [f.feederId, f.substationId]));
  const meterSeries = sim.topology.meteringPoints.map((m) => {
    const feeder = feederOf.get(m.secondarySubstationId) ?? '?';
    return { feeder, substation: substationOf.get(feeder) ?? '?' };
  });
  const weather = new CityWeather(values.seed);
  const sigma = values['pv-forecast-error'];
  const errKey = deriveSeed(values.seed, 'pv-forecast-error');
  const forecastError = (ms: number): number => {
    const day = Math.floor(ms / 86_400_000);
    const hour = Math.floor(ms / 3_600_000);
    return (
      Math.exp(sigma * normalAt(errKey, day) - (sigma * sigma) / 2) *
      Math.exp(0.1 * normalAt(errKey + 1, hour) - 0.005)
    );
  };
  const series = new Map<string, string[]>();
  const add = (id: string, line: string): void => {
    const rows = series.get(id) ?? ['time,net_wh,temperature_c,pv_forecast_mwh_per_wp'];
    rows.push(line);
    series.set(id, rows);
  };
  for (let step = sim.nextStep(); step; step = sim.nextStep()) {
    const sums = new Map<string, number>();
    step.readings.forEach((r, i) => {
      const m = meterSeries[i];
      if (!m) return;
      const net = r.importWh - r.exportWh;
      sums.set(`feeder-${m.feeder}`, (sums.get(`feeder-${m.feeder}`) ?? 0) + net);
      sums.set(`substation-${m.substation}`, (sums.get(`substation-${m.substation}`) ?? 0) + net);
    });
    const ms = Date.parse(step.intervalStart);
    const t = ambientTemperatureC(ms).toFixed(1);
    const pv = (pvYieldWhPerWp(weather, ms, 15) * 1000 * forecastError(ms)).toFixed(2);
    for (const [id, wh] of sums) add(id, `${step.intervalStart},${wh},${t},${pv}`);
  }
  fs.mkdirSync(values.out, { recursive: true });
  for (const [id, rows] of series)
    fs.writeFileSync(path.join(values.out, `${id}.csv`), `${rows.join('\n')}\n`);
  process.stdout.write(
    `${JSON.stringify({ dir: values.out, series: [...series.keys()], points: sim.stepCount })}\n`,
  );
  return EXIT_OK;
}

try {
  process.exitCode = main();
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message} (--help for usage)\n`);
    process.exitCode = EXIT_USAGE;
  } else {
    process.stderr.write(
      `simulator-series failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = EXIT_FAILURE;
  }
}
