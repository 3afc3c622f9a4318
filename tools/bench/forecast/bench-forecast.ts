/**
 * `npm run bench:forecast`: prints ONE JSON object.
 *  (q) quality (issue #20): day-ahead backtests (4 folds over 28 days) of simulated stations with PV and heat
 *      pumps, with and without weather, and the broken-column cases (forecast-quality.ts); targets: MAE below
 *      both persistence baselines, weather gain ≥ 15 % on PV-heavy stations, P10–P90 coverage 78–82 %,
 *      ≥ 95 % of the test points scored, nothing outside the envelope unflagged. One HTML report is written.
 *  (a) train: one feeder with a year of 15-minute history (35,040 points) through the train use case —
 *      rolling-origin backtest (4 folds) + final training + storing the artefact; target < 120 s.
 *  (b) run: 500 feeders, day-ahead, through the run use case — one query per view for 22 days of history,
 *      500 models loaded from forecast_model, forecasts, batched writes with outbox, relay to the real broker;
 *      target < 60 s.
 * Uses a throw-away database with the real ingest schema (INGEST_MIGRATIONS; rollups written directly).
 * The 500 series share the trained model's artefact (training 500 models is not what is measured) but each
 * has its own model row and version, so every model is loaded and none is served from the cache.
 */
import { integerFlag } from '@gridwerk/shared/util-config';
import { benchHelp, parseBenchFlags } from '../lib/bench-cli';
import {
  KafkaOutboxPublisher,
  RunForecastsUseCase,
  TrainForecastModelsUseCase,
  parseSeriesId,
  runForecastMigrations,
} from '@gridwerk/forecast/data-access';
import { useTfBackend } from '@gridwerk/forecast/domain';
import { createIngestTestDb, pauseTimescaleJobs } from '@gridwerk/ingest/data-access';
import { kafkaSettingsFrom } from '@gridwerk/shared/data-access-kafka';
import { JsonLogger } from '@gridwerk/shared/util-logging';
import { refreshFixtureRollups, syntheticFeederLoadWh, writeFeederLoad } from '../../e2e/forecast-fixtures';
import { brokerAddress, loadInfraConfig } from '../../infra/infra-config';
import { infraDown, infraUp } from '../../infra/infra';
import { mib, PeakMemory } from '../lib/peak-memory';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderBacktestHtml } from '@gridwerk/forecast/domain';
import { runQualityBench } from './forecast-quality';

const DAY = 86_400_000;

const FLAGS = {
  series: { kind: 'value', arg: 'N', help: 'series forecast by one run (default 500)' },
  'train-days': {
    kind: 'value',
    arg: 'N',
    help: 'days of 15-minute history the one series is trained on (default 365, at least 60)',
  },
  'quality-only': { kind: 'boolean', help: 'only the quality backtests (no database, no broker)' },
  'skip-quality': { kind: 'boolean', help: 'only the training and run timings' },
  'quality-days': {
    kind: 'value',
    arg: 'N',
    help: 'days per simulated series, the last 28 are tested (default 112, at least 60)',
  },
  'max-epochs': {
    kind: 'value',
    arg: 'N',
    help: 'cap on training epochs in the quality backtests (default: none)',
  },
  only: { kind: 'value', arg: 'TEXT', help: 'quality cases whose name contains TEXT' },
  report: {
    kind: 'value',
    arg: 'FILE',
    help: 'HTML report of the PV-heavy station with weather (default tmp/forecast-report.html)',
  },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const;

const HELP = benchHelp(
  'Usage: npm run bench:forecast -- [options]',
  'Training one series on a year of 15-minute data, and one run forecasting many series.',
  FLAGS,
);
const ISSUE = Date.parse('2025-06-18T08:00:00Z'); // 10:00 Europe/Berlin (CEST)

async function main(): Promise<void> {
  const opts = parseBenchFlags(FLAGS, HELP, (f) => ({
    nSeries: integerFlag('series', f.series, { min: 1, max: 100_000, fallback: 500 }),
    trainDays: integerFlag('train-days', f['train-days'], { min: 60, max: 3_660, fallback: 365 }),
    qualityOnly: f['quality-only'] === true,
    skipQuality: f['skip-quality'] === true,
    qualityDays: integerFlag('quality-days', f['quality-days'], { min: 60, max: 730, fallback: 112 }),
    maxEpochs:
      f['max-epochs'] === undefined
        ? undefined
        : integerFlag('max-epochs', f['max-epochs'], { min: 1, fallback: 60 }),
    only: f.only,
    report: f.report ?? 'tmp/forecast-report.html',
  }));
  const { nSeries, trainDays } = opts;
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  let quality: Awaited<ReturnType<typeof runQualityBench>> | undefined;
  if (!opts.skipQuality) {
    await useTfBackend('wasm');
    const echarts = readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
    const t0 = Date.now();
    let reportWritten = false;
    quality = await runQualityBench(
      {
        startIso: '2025-01-13T00:00:00+01:00',
        days: opts.qualityDays,
        testDays: 28,
        folds: 4,
        ...(opts.maxEpochs === undefined ? {} : { maxEpochs: opts.maxEpochs }),
        ...(opts.only === undefined ? {} : { only: opts.only }),
      },
      progress,
      (name, report) => {
        // The PV-heavy station with weather; with --only, the first case run.
        if (reportWritten || (name !== 'pv-heavy/weather' && opts.only === undefined)) return;
        reportWritten = true;
        mkdirSync(path.dirname(opts.report), { recursive: true });
        writeFileSync(opts.report, renderBacktestHtml(report, echarts));
        progress(`quality: HTML report of ${name} written to ${opts.report}`);
      },
    );
    progress(`quality: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  if (opts.qualityOnly) {
    process.stdout.write(
      `${JSON.stringify({ quality, report: opts.report, targetsMet: quality?.targetsMet ?? false })}\n`,
    );
    return;
  }
  const cfg = loadInfraConfig();
  const up = await infraUp(progress, cfg);
  const t = await createIngestTestDb('forecast_bench');
  const peak = new PeakMemory();
  const logLines: string[] = [];
  const log = new JsonLogger({ service: 'forecast', level: 'warn', write: (l) => logLines.push(l) });
  const publisher = new KafkaOutboxPublisher(
    kafkaSettingsFrom('forecast-bench', {
      kafkaBrokers: [brokerAddress(cfg)],
      kafkaClientId: 'forecast-bench',
      kafkaSsl: false,
      kafkaSslCaFile: undefined,
      kafkaSaslMechanism: undefined,
      kafkaSaslUsername: undefined,
      kafkaSaslPassword: undefined,
    }),
    log,
  );
  try {
    await pauseTimescaleJobs(t.pool);
    await runForecastMigrations(t.db.url);
    await useTfBackend('wasm');

    // (a) one year of one feeder
    const yearStart = ISSUE - trainDays * DAY;
    await writeFeederLoad(
      t.pool,
      'BENCH-YEAR',
      yearStart,
      syntheticFeederLoadWh({ startMs: yearStart, days: trainDays, seed: 1, households: 400 }),
    );
    await refreshFixtureRollups(t.pool, yearStart, ISSUE);
    progress(`train: ${trainDays * 96} points inserted, training…`);
    const t0 = Date.now();
    const train = await new TrainForecastModelsUseCase(t.pool, t.pool, log).execute({
      series: [parseSeriesId('feeder:BENCH-YEAR')],
      horizon: 'day-ahead',
      dayAheadIssueMinute: 600,
      untilMs: ISSUE,
      historyDays: trainDays,
      folds: 4,
      seed: 42,
    });
    const trainSeconds = (Date.now() - t0) / 1000;
    const trained = train.results[0];
    if (trained === undefined || trained.status === 'failed')
      throw new Error(`training failed: ${JSON.stringify(trained)}`);

    // (b) 500 feeders, 22 days each, each with its own (copied) promoted model
    const histStart = ISSUE - 22 * DAY;
    const ids = Array.from({ length: nSeries }, (_, i) => `BENCH-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < ids.length; i += 8) {
      await Promise.all(
        ids.slice(i, i + 8).map((id, k) =>
          writeFeederLoad(
            t.pool,
            id,
            histStart,
            syntheticFeederLoadWh({
              startMs: histStart,
              days: 22,
              seed: 100 + i + k,
              households: 150 + ((i + k) % 7) * 60,
            }),
          ),
        ),
      );
    }
    await refreshFixtureRollups(t.pool, histStart, ISSUE);
    await t.pool.query(
      `INSERT INTO forecast_model (series_id, series_kind, horizon, version, trained_at, artefact, metrics, promoted, promoted_at)
       SELECT 'feeder:' || u.node, 'feeder', m.horizon, m.version || '-' || u.node, m.trained_at, m.artefact, m.metrics, true, now()
         FROM forecast_model m, unnest($1::text[]) AS u(node) WHERE m.series_id = 'feeder:BENCH-YEAR'`,
      [ids],
    );
    await t.pool.query('ANALYZE');
    progress(`run: ${ids.length} series × 22 days inserted, running…`);
    const useCase = new RunForecastsUseCase(t.pool, t.pool, log, publisher);
    const t1 = Date.now();
    const run = await useCase.execute({
      series: ids.map((id) => parseSeriesId(`feeder:${id}`)),
      horizon: 'day-ahead',
      issueTimeMs: ISSUE,
    });
    const runSeconds = (Date.now() - t1) / 1000;
    useCase.dispose();
    const rows = await t.pool.query<{ n: string }>('SELECT count(*) AS n FROM forecast_value');

    process.stdout.write(
      `${JSON.stringify({
        ...(quality === undefined ? {} : { quality, report: opts.report }),
        targetsMet: quality?.targetsMet ?? null,
        train: {
          points: trainDays * 96,
          seconds: Math.round(trainSeconds * 10) / 10,
          targetSeconds: 120,
          status: trained.status,
          modelMae: trained.modelMae,
          bestBaseline: trained.bestBaseline,
          bestBaselineMae: trained.bestBaselineMae,
          improvementVsBestBaselinePct: trained.improvementVsBestBaselinePct,
        },
        run: {
          series: ids.length,
          seconds: Math.round(runSeconds * 10) / 10,
          targetSeconds: 60,
          issued: run.issued,
          failed: run.failed,
          forecastRows: Number(rows.rows[0]?.n ?? 0),
          eventsPublished: run.relay?.published ?? 0,
          phases: run.seconds,
        },
        peakRssMiB: mib(peak.stop()),
      })}\n`,
    );
  } finally {
    await publisher.close();
    await t.close();
    if (up.started) await infraDown(progress, cfg);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
