import {
  type BacktestReport,
  type LoadSeries,
  dayAheadHorizon,
  runBacktest,
} from '@gridwerk/forecast/domain';
import {
  ambientTemperatureC,
  CityWeather,
  deriveSeed,
  normalAt,
  pvYieldWhPerWp,
} from '@gridwerk/simulator/domain';
import { syntheticFeederLoadWh } from '../../e2e/forecast-fixtures';

/*
 * Forecast quality on simulated stations (issue #20): day-ahead rolling-origin backtests of stations with
 * PV and heat pumps, each with and without weather, plus the broken-column cases. Net load (kW) =
 * households and small commerce (the forecast domain's synthetic feeder load, its PV switched off)
 * + heat pumps driven by the day's temperature − rooftop PV under the simulator's city weather
 * (CityWeather's cloud chain, pvYieldWhPerWp). Weather columns are forecasts, not observations:
 * `pv_forecast` = the simulator's PV yield per kWp with a seeded day-ahead error (lognormal per day,
 * sigma 0.25, plus 10 % per hour, as tools/bench/forecast/simulator-series.ts), `temperature` = the
 * realised temperature + N(0, 0.8 K).
 */

const DAY_MS = 86_400_000;
const QH_MS = 900_000;

export interface StationSpec {
  name: string;
  households: number;
  pvKwp: number;
  heatPumps: number;
  seed: number;
}

export function simulatedStation(spec: StationSpec, startIso: string, days: number): LoadSeries {
  const startMs = Date.parse(startIso);
  const baseWh = syntheticFeederLoadWh({ startMs, days, seed: spec.seed, households: spec.households });
  const weather = new CityWeather(spec.seed);
  const errKey = deriveSeed(spec.seed, 'pv-forecast-error');
  const tKey = deriveSeed(spec.seed, 'temperature-forecast-error');
  const anomalyKey = deriveSeed(spec.seed, 'temperature-anomaly');
  const n = baseWh.length;
  const values = new Float64Array(n);
  const pvForecast = new Float64Array(n);
  const temperature = new Float64Array(n);
  // Day-level temperature anomaly (AR(1), K) on top of the simulator's seasonal/diurnal temperature.
  const firstDay = Math.floor(startMs / DAY_MS);
  const anomaly: number[] = [];
  let a = 0;
  for (let d = 0; d <= days + 1; d++) {
    a = 0.8 * a + 2 * normalAt(anomalyKey, firstDay + d);
    anomaly.push(a);
  }
  for (let i = 0; i < n; i++) {
    const t = startMs + i * QH_MS;
    const pos = (t - startMs) / DAY_MS;
    const d0 = Math.floor(pos);
    const w = pos - d0;
    const temp = ambientTemperatureC(t) + (anomaly[d0] ?? 0) * (1 - w) + (anomaly[d0 + 1] ?? 0) * w;
    const yieldKwPerKwp = pvYieldWhPerWp(weather, t, 15) * 4; // Wh/Wp per 15 min → kW/kWp
    const hour = ((t % DAY_MS) / 3_600_000 + 1) % 24;
    // Heat pump: electric power grows below 15 °C; more in the morning and evening (comfort setpoints).
    const hp =
      spec.heatPumps *
      2.2 *
      Math.max(0, (15 - temp) / 25) *
      (0.8 + 0.3 * (hour >= 5 && hour < 9 ? 1 : 0) + 0.2 * (hour >= 17 && hour < 22 ? 1 : 0));
    values[i] = (baseWh[i] ?? 0) / 250 + hp - spec.pvKwp * yieldKwPerKwp;
    const day = Math.floor(t / DAY_MS);
    const hourIndex = Math.floor(t / 3_600_000);
    const err =
      Math.exp(0.25 * normalAt(errKey, day) - 0.03125) *
      Math.exp(0.1 * normalAt(errKey + 1, hourIndex) - 0.005);
    pvForecast[i] = Math.round(yieldKwPerKwp * err * 1e4) / 1e4;
    temperature[i] = Math.round((temp + 0.8 * normalAt(tKey, hourIndex)) * 10) / 10;
  }
  return {
    name: spec.name,
    unit: 'kW',
    startMs,
    stepMs: QH_MS,
    values,
    exogenous: { pv_forecast: pvForecast, temperature },
  };
}

export interface QualityCase {
  name: string;
  series: LoadSeries;
  exogenous: string[];
  kind: 'station' | 'broken';
  /** For stations with weather: the case without it, to measure what weather brings. */
  withoutWeatherOf?: string;
  pvHeavy: boolean;
}

function withColumn(s: LoadSeries, name: string, make: (i: number, t: number) => number): LoadSeries {
  const col = Float64Array.from(s.values, (_, i) => make(i, s.startMs + i * s.stepMs));
  return { ...s, exogenous: { ...s.exogenous, [name]: col } };
}

export function qualityCases(startIso: string, days: number, testFromMs: number): QualityCase[] {
  const stations: (StationSpec & { pvHeavy: boolean })[] = [
    { name: 'pv-heavy', households: 250, pvKwp: 900, heatPumps: 10, seed: 31, pvHeavy: true },
    { name: 'heat-pumps', households: 300, pvKwp: 60, heatPumps: 120, seed: 32, pvHeavy: false },
    { name: 'mixed', households: 350, pvKwp: 400, heatPumps: 60, seed: 33, pvHeavy: true },
  ];
  const cases: QualityCase[] = [];
  for (const s of stations) {
    const series = simulatedStation(s, startIso, days);
    cases.push({
      name: `${s.name}/weather`,
      series,
      exogenous: ['pv_forecast', 'temperature'],
      kind: 'station',
      pvHeavy: s.pvHeavy,
    });
    cases.push({
      name: `${s.name}/no-weather`,
      series,
      exogenous: [],
      kind: 'station',
      withoutWeatherOf: `${s.name}/weather`,
      pvHeavy: s.pvHeavy,
    });
  }
  const pv = simulatedStation(
    stations[0] ?? { name: 'pv', households: 250, pvKwp: 900, heatPumps: 10, seed: 31 },
    startIso,
    days,
  );
  const half =
    testFromMs + Math.floor((pv.startMs + pv.values.length * QH_MS - testFromMs) / 2 / DAY_MS) * DAY_MS;
  const pvCol = pv.exogenous['pv_forecast'] ?? new Float64Array();
  cases.push({
    name: 'broken/weather-ends-halfway',
    series: withColumn(pv, 'pv_forecast', (i, t) => (t >= half ? Number.NaN : (pvCol[i] ?? 0))),
    exogenous: ['pv_forecast', 'temperature'],
    kind: 'broken',
    pvHeavy: true,
  });
  cases.push({
    name: 'broken/constant-in-training',
    series: withColumn(pv, 'irradiance_sensor', (i, t) =>
      t >= testFromMs ? 200 * (pvCol[i] ?? 0) : i % 997 === 0 ? 0.001 : 0,
    ),
    exogenous: ['pv_forecast', 'temperature', 'irradiance_sensor'],
    kind: 'broken',
    pvHeavy: true,
  });
  const stale = Float64Array.from(pv.values);
  const from = Math.floor((testFromMs - pv.startMs) / QH_MS) - 20 * 96;
  for (let i = from; i < from + 2 * 96; i++) stale[i] = stale[from] ?? 0;
  cases.push({
    name: 'broken/stale-target',
    series: { ...pv, values: stale },
    exogenous: ['pv_forecast', 'temperature'],
    kind: 'broken',
    pvHeavy: true,
  });
  return cases;
}

export interface QualityResult {
  name: string;
  exogenous: string[];
  mae: number;
  persistence1dMae: number;
  persistence7dMae: number;
  beatsBothPersistence: boolean;
  coverage: number;
  pinballByQuantile: BacktestReport['models']['model']['pinballByQuantile'];
  reliability: BacktestReport['models']['model']['reliability'];
  pointsExpected: number;
  pointsScored: number;
  scoredShare: number;
  replaced: number;
  outsideEnvelopeUnflagged: number;
  staleTarget: boolean;
  inputDecisions: BacktestReport['inputDecisions'];
  trainingSecondsPerFit: number;
  folds: {
    fold: number;
    pointsExpected: number;
    pointsScored: number;
    mae: number;
    coverage: number;
    exogenous: string[];
    /** The fold model's calibration, fitted before the fold's first origin. */
    calibration?: BacktestReport['foldReports'][number]['calibration'];
  }[];
}

export async function runQualityCase(
  c: QualityCase,
  testFromMs: number,
  folds: number,
  maxEpochs: number | undefined,
  log: (m: string) => void,
): Promise<{ result: QualityResult; report: BacktestReport }> {
  const report = await runBacktest(c.series, {
    horizon: dayAheadHorizon(),
    exogenous: c.exogenous,
    testFromMs,
    folds,
    keepPoints: true,
    train: { seed: 42, ...(maxEpochs === undefined ? {} : { maxEpochs }) },
    log,
  });
  const m = report.models;
  const result: QualityResult = {
    name: c.name,
    exogenous: c.exogenous,
    mae: m.model.mae,
    persistence1dMae: m.persistence1d.mae,
    persistence7dMae: m.persistence7d.mae,
    beatsBothPersistence: m.model.mae < m.persistence1d.mae && m.model.mae < m.persistence7d.mae,
    coverage: m.model.coverage,
    pinballByQuantile: m.model.pinballByQuantile,
    reliability: m.model.reliability,
    pointsExpected: report.pointsExpected,
    pointsScored: report.pointsScored,
    scoredShare: report.pointsExpected > 0 ? report.pointsScored / report.pointsExpected : 0,
    replaced: report.replaced,
    outsideEnvelopeUnflagged: report.outsideEnvelopeUnflagged,
    staleTarget: report.staleTarget,
    inputDecisions: report.inputDecisions,
    trainingSecondsPerFit:
      report.modelsTrained.length > 0
        ? report.modelsTrained.reduce((s, x) => s + x.trainingSeconds, 0) / report.modelsTrained.length
        : 0,
    folds: report.foldReports.map((f) => ({
      fold: f.fold,
      pointsExpected: f.pointsExpected,
      pointsScored: f.pointsScored,
      mae: f.modelMae,
      coverage: f.modelCoverage,
      exogenous: f.exogenous,
      ...(f.calibration === undefined ? {} : { calibration: f.calibration }),
    })),
  };
  return { result, report };
}

export interface QualityBench {
  days: number;
  testFrom: string;
  folds: number;
  series: QualityResult[];
  /** MAE reduction by weather on PV-heavy stations, in %. */
  weatherGainPct: Record<string, number>;
  targets: {
    maeBelowBothPersistenceOnEverySeries: boolean;
    weatherGainOnPvHeavyAtLeast15Pct: boolean;
    coverageWithin78To82: boolean;
    everySeriesScoresAtLeast95Pct: boolean;
    noForecastOutsideEnvelopeUnflagged: boolean;
  };
  targetsMet: boolean;
  trainingSecondsPerFit: number;
}

/** Runs every quality case; `reports` receives each backtest (e.g. to write an HTML report). */
export async function runQualityBench(
  opts: {
    startIso: string;
    days: number;
    testDays: number;
    folds: number;
    maxEpochs?: number;
    only?: string;
  },
  log: (m: string) => void,
  reports: (name: string, report: BacktestReport) => void = () => undefined,
): Promise<QualityBench> {
  const startMs = Date.parse(opts.startIso);
  const testFromMs = startMs + (opts.days - opts.testDays) * DAY_MS;
  const cases = qualityCases(opts.startIso, opts.days, testFromMs).filter(
    (c) => opts.only === undefined || c.name.includes(opts.only),
  );
  const series: QualityResult[] = [];
  for (const c of cases) {
    log(`quality: ${c.name}`);
    const { result, report } = await runQualityCase(
      c,
      testFromMs,
      opts.folds,
      opts.maxEpochs,
      () => undefined,
    );
    log(
      `quality: ${c.name}: MAE ${result.mae.toFixed(2)} (p1d ${result.persistence1dMae.toFixed(2)}, p7d ${result.persistence7dMae.toFixed(2)}), coverage ${result.coverage.toFixed(3)}, scored ${result.pointsScored}/${result.pointsExpected}, replaced ${result.replaced}`,
    );
    series.push(result);
    reports(c.name, report);
  }
  const weatherGainPct: Record<string, number> = {};
  for (const c of cases) {
    if (c.withoutWeatherOf === undefined || !c.pvHeavy) continue;
    const without = series.find((s) => s.name === c.name);
    const withW = series.find((s) => s.name === c.withoutWeatherOf);
    if (without !== undefined && withW !== undefined)
      weatherGainPct[c.withoutWeatherOf] = Math.round(1000 * (1 - withW.mae / without.mae)) / 10;
  }
  const targets = {
    maeBelowBothPersistenceOnEverySeries: series.every((s) => s.beatsBothPersistence),
    weatherGainOnPvHeavyAtLeast15Pct:
      Object.keys(weatherGainPct).length > 0 && Object.values(weatherGainPct).every((g) => g >= 15),
    coverageWithin78To82: series.every((s) => s.coverage >= 0.78 && s.coverage <= 0.82),
    everySeriesScoresAtLeast95Pct: series.every((s) => s.scoredShare >= 0.95),
    noForecastOutsideEnvelopeUnflagged: series.every((s) => s.outsideEnvelopeUnflagged === 0),
  };
  const fits = series.map((s) => s.trainingSecondsPerFit);
  return {
    days: opts.days,
    testFrom: new Date(testFromMs).toISOString(),
    folds: opts.folds,
    series,
    weatherGainPct,
    targets,
    targetsMet: Object.values(targets).every((v) => v),
    trainingSecondsPerFit: Math.round((10 * fits.reduce((a, b) => a + b, 0)) / Math.max(1, fits.length)) / 10,
  };
}
