/**
 * `npm run bench:forecast-global`: prints ONE JSON object (issue #23, "forecasts for a city").
 *  (a) accuracy: the global model against the per-series models on bench:forecast's stations (PV-heavy,
 *      heat pumps, mixed; with weather) and test windows (day-ahead, 4 rolling-origin folds over the last
 *      28 of 112 days). Per-series: runBacktest exactly as bench:forecast. Global: one model per fold trained
 *      on those stations plus `--pool` more simulated stations of varied size, PV and heat pumps, scored on
 *      the same (origin, target) pairs. MAE, pinball, P10–P90 coverage per series and overall.
 *  (b) scale: every secondary substation of the simulator's `--meters` topology (350,000 meters: ~3,000
 *      stations) with `--city-days` of simulated history; per horizon (day-ahead, intraday) what
 *      `forecast train --global` does: a one-fold backtest over the last 7 days deciding promotion per
 *      series, then the final model on all history. Wall-clock seconds, the load average, peak RSS.
 * No database and no broker: the registry path is covered by tools/e2e/forecast-global.int-spec.ts.
 */
import { integerFlag } from '@gridwerk/shared/util-config';
import {
  type ForecastMetrics,
  type GlobalBacktestReport,
  type GlobalSeriesInput,
  type Horizon,
  dayAheadHorizon,
  globalPromotionDecision,
  intradayHorizon,
  runGlobalBacktest,
  trainGlobalModel,
  useTfBackend,
} from '@gridwerk/forecast/domain';
import { resolveProfiles } from '@gridwerk/simulator/domain';
import os from 'node:os';
import { benchHelp, parseBenchFlags } from '../lib/bench-cli';
import { mib, PeakMemory } from '../lib/peak-memory';
import {
  type StationSpec,
  qualityCases,
  runQualityCase,
  simulatedStation,
} from '../forecast/forecast-quality';
import { cityStations } from './city-stations';

const DAY = 86_400_000;

const FLAGS = {
  meters: { kind: 'value', arg: 'N', help: 'metering points of the city topology (default 350000)' },
  'city-days': {
    kind: 'value',
    arg: 'N',
    help: 'days of simulated history per station (default 70, at least 35)',
  },
  pool: {
    kind: 'value',
    arg: 'N',
    help: 'extra simulated stations in the accuracy pool of the global model (default 40)',
  },
  'max-epochs': { kind: 'value', arg: 'N', help: 'cap on training epochs (default: none, early stopping)' },
  'accuracy-only': { kind: 'boolean', help: 'only (a)' },
  'scale-only': { kind: 'boolean', help: 'only (b)' },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const;

const HELP = benchHelp(
  'Usage: npm run bench:forecast-global -- [options]',
  'Global forecast model across series: accuracy against the per-series models, and training time for a city.',
  FLAGS,
);

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

function metricsOf(m: ForecastMetrics) {
  return {
    mae: round(m.mae),
    rmse: round(m.rmse),
    pinball: round(m.pinball),
    coverage: round(m.coverage),
    n: m.n,
  };
}

/** Statics of a bench:forecast-style station (households on H25; ~4.3 MWh/a each; heat pumps ~4.2 MWh/a). */
function specStatics(s: StationSpec): GlobalSeriesInput['statics'] {
  const hh = s.households * 4.3;
  const hp = s.heatPumps * 4.2;
  return {
    profileShares: { H25: hh / (hh + hp) },
    pvShare: s.pvKwp / (hh + hp),
    heatPumpShare: hp / (hh + hp),
  };
}

async function accuracy(opts: { pool: number; maxEpochs?: number }, progress: (m: string) => void) {
  const startIso = '2025-01-13T00:00:00+01:00';
  const days = 112;
  const startMs = Date.parse(startIso);
  const testFromMs = startMs + (days - 28) * DAY;
  const specs: StationSpec[] = [
    { name: 'pv-heavy', households: 250, pvKwp: 900, heatPumps: 10, seed: 31 },
    { name: 'heat-pumps', households: 300, pvKwp: 60, heatPumps: 120, seed: 32 },
    { name: 'mixed', households: 350, pvKwp: 400, heatPumps: 60, seed: 33 },
  ];
  const cases = qualityCases(startIso, days, testFromMs).filter(
    (c) => c.kind === 'station' && c.exogenous.length > 0,
  );
  const train = { seed: 42, ...(opts.maxEpochs === undefined ? {} : { maxEpochs: opts.maxEpochs }) };
  const perSeries: Record<string, { model: ForecastMetrics; seconds: number }> = {};
  const t0 = Date.now();
  for (const c of cases) {
    progress(`accuracy: per-series backtest of ${c.name}`);
    const { result, report } = await runQualityCase(c, testFromMs, 4, opts.maxEpochs, () => undefined);
    perSeries[c.name.split('/')[0] ?? c.name] = {
      model: report.models.model,
      seconds: report.trainingSeconds,
    };
    progress(
      `accuracy: ${c.name}: per-series MAE ${result.mae.toFixed(3)}, coverage ${result.coverage.toFixed(3)}`,
    );
  }
  const perSeriesSeconds = (Date.now() - t0) / 1000;
  // The pool: the three stations plus varied ones (sizes 80–520 households, 0–1000 kWp, 0–150 heat pumps).
  const pool: StationSpec[] = Array.from({ length: opts.pool }, (_, i) => ({
    name: `pool-${i}`,
    households: 80 + ((i * 37) % 440),
    pvKwp: (i * 173) % 1000,
    heatPumps: (i * 29) % 150,
    seed: 100 + i,
  }));
  const inputs: GlobalSeriesInput[] = [...specs, ...pool].map((s) => ({
    series: simulatedStation(s, startIso, days),
    statics: specStatics(s),
  }));
  progress(`accuracy: global backtest over ${inputs.length} stations`);
  const t1 = Date.now();
  const global = await runGlobalBacktest(inputs, {
    horizon: dayAheadHorizon(),
    exogenous: ['pv_forecast', 'temperature'],
    testFromMs,
    folds: 4,
    train,
    evaluate: (name) => specs.some((s) => s.name === name),
    log: progress,
  });
  const globalSeconds = (Date.now() - t1) / 1000;
  const rows = specs.map((s) => {
    const g = global.series.find((x) => x.series === s.name);
    const p = perSeries[s.name];
    if (g === undefined || p === undefined) throw new Error(`no result for ${s.name}`);
    return {
      series: s.name,
      perSeries: metricsOf(p.model),
      global: metricsOf(g.model),
      persistence1dMae: round(g.persistence1d.mae),
      persistence7dMae: round(g.persistence7d.mae),
      maeRatioGlobalOverPerSeries: round(g.model.mae / p.model.mae),
      pinballRatioGlobalOverPerSeries: round(g.model.pinball / p.model.pinball),
      sameTestPairs: g.model.n === p.model.n,
    };
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const overall = {
    meanMaeRatioGlobalOverPerSeries: round(mean(rows.map((r) => r.maeRatioGlobalOverPerSeries))),
    meanPinballRatioGlobalOverPerSeries: round(mean(rows.map((r) => r.pinballRatioGlobalOverPerSeries))),
    meanCoveragePerSeries: round(mean(rows.map((r) => r.perSeries.coverage))),
    meanCoverageGlobal: round(mean(rows.map((r) => r.global.coverage))),
  };
  return {
    horizon: 'day-ahead',
    days,
    testFrom: new Date(testFromMs).toISOString(),
    folds: 4,
    poolStations: inputs.length,
    globalSamplesPerFold: global.samplesPerFold,
    series: rows,
    overall,
    /** Kept only if at least as accurate: mean MAE ratio ≤ 1 and mean pinball ratio ≤ 1. */
    globalAtLeastAsAccurate:
      overall.meanMaeRatioGlobalOverPerSeries <= 1 && overall.meanPinballRatioGlobalOverPerSeries <= 1,
    seconds: { perSeriesBacktests: round(perSeriesSeconds, 1), globalBacktest: round(globalSeconds, 1) },
  };
}

async function scaleHorizon(
  name: string,
  horizon: Horizon,
  stations: GlobalSeriesInput[],
  endMs: number,
  maxEpochs: number | undefined,
  progress: (m: string) => void,
) {
  const t0 = Date.now();
  const train = { seed: 42, ...(maxEpochs === undefined ? {} : { maxEpochs }) };
  const evaluation: GlobalBacktestReport = await runGlobalBacktest(stations, {
    horizon,
    exogenous: ['pv_forecast', 'temperature'],
    testFromMs: endMs - 7 * DAY,
    folds: 1,
    originEveryMs: 4 * 3_600_000,
    train: { ...train, progress },
    log: progress,
  });
  const evalSeconds = (Date.now() - t0) / 1000;
  let promoted = 0;
  for (const s of evaluation.series) if (globalPromotionDecision(s).promote) promoted++;
  progress(
    `scale ${name}: backtest in ${evalSeconds.toFixed(0)} s, promoted ${promoted}/${stations.length}; final fit`,
  );
  const t1 = Date.now();
  const final = await trainGlobalModel(stations, {
    ...train,
    horizon,
    exogenous: ['pv_forecast', 'temperature'],
    untilMs: endMs,
    progress,
  });
  const finalSeconds = (Date.now() - t1) / 1000;
  final.model.dispose();
  const impr = evaluation.series.map((s) => s.improvementVsBestBaselinePct).sort((a, b) => a - b);
  return {
    series: stations.length,
    evaluated: evaluation.series.length,
    skipped: final.skipped.length,
    promoted,
    medianImprovementVsBestBaselinePct: round(impr[Math.floor(impr.length / 2)] ?? Number.NaN, 1),
    samples: final.samples,
    samplesPerSeries: final.samplesPerSeries,
    epochs: final.model.metadata.training.epochs,
    seconds: {
      backtest: round(evalSeconds, 1),
      final: round(finalSeconds, 1),
      finalRows: round(final.seconds.rows, 1),
      finalFit: round(final.seconds.fit, 1),
      total: round(evalSeconds + finalSeconds, 1),
    },
  };
}

async function main(): Promise<void> {
  const opts = parseBenchFlags(FLAGS, HELP, (f) => ({
    meters: integerFlag('meters', f.meters, { min: 1000, max: 2_000_000, fallback: 350_000 }),
    cityDays: integerFlag('city-days', f['city-days'], { min: 35, max: 400, fallback: 70 }),
    pool: integerFlag('pool', f.pool, { min: 0, max: 1000, fallback: 40 }),
    maxEpochs:
      f['max-epochs'] === undefined
        ? undefined
        : integerFlag('max-epochs', f['max-epochs'], { min: 1, fallback: 60 }),
    accuracyOnly: f['accuracy-only'] === true,
    scaleOnly: f['scale-only'] === true,
  }));
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  await useTfBackend('wasm');
  const out: Record<string, unknown> = { backend: 'wasm' };
  if (!opts.scaleOnly) {
    out['accuracy'] = await accuracy(
      { pool: opts.pool, ...(opts.maxEpochs === undefined ? {} : { maxEpochs: opts.maxEpochs }) },
      progress,
    );
  }
  if (!opts.accuracyOnly) {
    const peak = new PeakMemory();
    const loadBefore = os.loadavg();
    const startMs = Date.parse('2025-03-03T00:00:00+01:00');
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const city = cityStations({
      meters: opts.meters,
      seed: 7,
      startMs,
      days: opts.cityDays,
      profiles: resolveProfiles(undefined),
      progress,
    });
    const simSeconds = (Date.now() - t0) / 1000;
    const endMs = startMs + opts.cityDays * DAY;
    const dayAhead = await scaleHorizon(
      'day-ahead',
      dayAheadHorizon(),
      city.stations,
      endMs,
      opts.maxEpochs,
      progress,
    );
    const intraday = await scaleHorizon(
      'intraday',
      intradayHorizon(),
      city.stations,
      endMs,
      opts.maxEpochs,
      progress,
    );
    const trainingSeconds = dayAhead.seconds.total + intraday.seconds.total;
    out['scale'] = {
      meters: city.topology.meteringPoints.length,
      stations: city.stations.length,
      historyDays: opts.cityDays,
      historyFrom: new Date(startMs).toISOString(),
      simulationSeconds: round(simSeconds, 1),
      horizons: { 'day-ahead': dayAhead, intraday },
      trainingSecondsAllStations: round(trainingSeconds, 1),
      targetSeconds: 900,
      withinTarget: trainingSeconds < 900,
      cpuSecondsIncludingSimulation: round(
        (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e6,
        1,
      ),
      peakRssMiB: mib(peak.stop()),
      loadAverage: {
        before: loadBefore.map((x) => round(x, 1)),
        after: os.loadavg().map((x) => round(x, 1)),
      },
      cores: os.cpus().length,
    };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
