import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ambientTemperatureC,
  CityWeather,
  createGridSimulation,
  deriveSeed,
  normalAt,
  pvYieldWhPerWp,
  resolveProfiles,
} from '@gridwerk/simulator/domain';

/**
 * Writes the simulator's feeder and substation net load (import - export, Wh per 15 minutes) as CSV
 * files, one per series, with exogenous columns a utility has in advance from its weather service: the
 * ambient temperature and a day-ahead PV yield forecast per Wp — the simulator's own PV yield with a
 * seeded forecast error (per day lognormal, sigma = --pv-forecast-error, plus per-hour noise), so that
 * the forecaster is not handed the future. The input of `npm run forecast -- backtest`.
 *   npx ts-node ... tools/bench/forecast/simulator-series.ts --meters 3000 --days 120 --out /tmp/series
 */
function main(): void {
  const { values } = parseArgs({
    options: {
      meters: { type: 'string', default: '3000' },
      days: { type: 'string', default: '120' },
      start: { type: 'string', default: '2025-01-05T23:00:00Z' },
      seed: { type: 'string', default: '11' },
      out: { type: 'string', default: 'tmp/series' },
      'profiles-dir': { type: 'string' },
      'pv-forecast-error': { type: 'string', default: '0.25' },
    },
  });
  const sim = createGridSimulation({
    seed: Number(values.seed),
    meters: Number(values.meters),
    start: values.start,
    days: Number(values.days),
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
  const weather = new CityWeather(Number(values.seed));
  const sigma = Number(values['pv-forecast-error']);
  const errKey = deriveSeed(Number(values.seed), 'pv-forecast-error');
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
}

main();
