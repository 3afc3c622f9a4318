import crypto from 'node:crypto';
import net from 'node:net';
import { Kafka, KafkaMessage } from 'kafkajs';
import { EventTypes, Topics, parseEvent } from '@gridwerk/contracts';
import {
  FORECAST_LOOKBACK_DAYS,
  LoadSeriesRepository,
  TrainForecastModelsUseCase,
  parseSeriesId,
  toContractPoints,
} from '@gridwerk/forecast/data-access';
import { QuantileModel, forecastGuarded, loadQuantileModel, useTfBackend } from '@gridwerk/forecast/domain';
import { createIngestTestDb, IngestTestDb, pauseTimescaleJobs } from '@gridwerk/ingest/data-access';
import { readMessages, testBrokers, testKafka } from '@gridwerk/shared/data-access-kafka';
import { JsonLogger } from '@gridwerk/shared/util-logging';
import { runForecastCli } from './forecast-cli';
import { refreshFixtureRollups, syntheticFeederLoadWh, writeFeederLoad } from './forecast-fixtures';
import { ServiceProcess } from './service-process';

/**
 * The forecast jobs end to end, as a CronJob runs them: `forecast train` and `forecast run` as processes
 * against real PostgreSQL (ingest schema + rollups) and the real broker. The feeders' load is written as
 * meter readings and rolled up by the ingest lib, in the storage mode the test database has (native, or
 * TimescaleDB's continuous aggregates when TEST_DATABASE_URL points at a server that preloads it).
 */
const DAY = 86_400_000;
const ISSUE = Date.parse('2025-03-20T09:00:00Z'); // 10:00 Europe/Berlin: the day-ahead issue time
const ISSUE_ISO = '2025-03-20T09:00:00Z';
const tag = `E2E${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
const feeders = [`${tag}-F01`, `${tag}-F02`];
const shortFeeder = `${tag}-F03`;
const seriesIds = feeders.map((f) => `feeder:${f}`);

let t: IngestTestDb;
let env: Record<string, string>;
let kafka: Kafka;
let feederLoad: Float64Array[];

function ourEvents(msgs: KafkaMessage[]): KafkaMessage[] {
  return msgs.filter((m) => seriesIds.includes(m.key?.toString() ?? ''));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const r = await t.pool.query<{ n: string }>(sql, params);
  return Number(r.rows[0]?.n ?? -1);
}

beforeAll(async () => {
  t = await createIngestTestDb('forecast_jobs');
  await pauseTimescaleJobs(t.pool);
  const days = 75;
  const start = ISSUE - days * DAY;
  feederLoad = feeders.map((_, i) =>
    syntheticFeederLoadWh({ startMs: start, days, seed: 11 + i, households: 250 + 100 * i }),
  );
  await Promise.all(
    feeders.map((f, i) => writeFeederLoad(t.pool, f, start, feederLoad[i] ?? new Float64Array())),
  );
  await writeFeederLoad(
    t.pool,
    shortFeeder,
    ISSUE - 10 * DAY,
    syntheticFeederLoadWh({ startMs: ISSUE - 10 * DAY, days: 10, seed: 99 }),
  );
  await refreshFixtureRollups(t.pool, start, ISSUE);
  env = { DATABASE_URL: t.db.url, KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: 'info' };
  kafka = testKafka('forecast-jobs-test');
  // TimescaleDB 2.28.3 takes ~70 s on this machine to materialise the upper levels over the 75 days
  // (2.23.1 a few seconds), native mode a few seconds
}, 240_000);

afterAll(async () => {
  await t?.close();
});

describe('forecast jobs (CLI, PostgreSQL, Kafka)', () => {
  it('reads the fixture load from the rollups, bucket for bucket, whatever the storage mode', async () => {
    const rows = await t.pool.query<{ net_wh: string }>(
      `SELECT net_wh FROM load_15m_feeder WHERE node_id = $1 ORDER BY bucket_start`,
      [feeders[1]],
    );
    expect(rows.rows.map((r) => Number(r.net_wh))).toEqual(Array.from(feederLoad[1] ?? []));
    const hourly = await t.pool.query<{ n: string; sum: string }>(
      `SELECT count(*) AS n, sum(net_wh) AS sum FROM load_1h_substation WHERE node_id = $1`,
      [`${feeders[1]}-UW`],
    );
    expect(hourly.rows[0]).toEqual({
      n: String(75 * 24),
      sum: String((feederLoad[1] ?? []).reduce((a, v) => a + v, 0)),
    });
  });

  it('train stores and promotes a model per feeder, then run issues forecasts through the outbox to Kafka', async () => {
    const train = await runForecastCli(
      [
        'train',
        '--series',
        seriesIds.join(','),
        '--until',
        ISSUE_ISO,
        '--history-days',
        '75',
        '--folds',
        '2',
        '--json',
      ],
      env,
      // Training with calibration, on a machine shared by several engineers: generous, never retried.
      300_000,
    );
    expect({ code: train.code, stderr: train.code === 0 ? '' : train.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    const summary = JSON.parse(train.stdout) as {
      promoted: number;
      failed: number;
      results: {
        seriesId: string;
        status: string;
        version: string;
        modelMae: number;
        bestBaselineMae: number;
      }[];
    };
    expect(summary.failed).toBe(0);
    // The synthetic load is forecastable: the model must beat persistence, or run would have nothing to use.
    expect(summary.results.map((r) => [r.seriesId, r.status])).toEqual(seriesIds.map((s) => [s, 'promoted']));
    for (const r of summary.results) {
      expect(r.version).toMatch(/^day-ahead-2025-03-20T09:00:00Z-[0-9a-f]{16}$/);
      expect(r.modelMae).toBeLessThan(r.bestBaselineMae);
    }
    expect(train.stderr).toContain('"msg":"model trained and promoted"');
    const models = await t.pool.query<{
      series_id: string;
      promoted: boolean;
      metrics: { model: { mae: number }; baselines: Record<string, { mae: number }> };
    }>('SELECT series_id, promoted, metrics FROM forecast_model ORDER BY series_id');
    expect(models.rows.map((m) => [m.series_id, m.promoted])).toEqual(seriesIds.map((s) => [s, true]));
    expect(Object.keys(models.rows[0]?.metrics.baselines ?? {}).sort()).toEqual([
      'persistence1d',
      'persistence7d',
    ]);

    const run = await runForecastCli(
      ['run', '--series', seriesIds.join(','), '--horizon', 'day-ahead', '--issue-time', ISSUE_ISO, '--json'],
      env,
    );
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const runSummary = JSON.parse(run.stdout) as {
      issued: number;
      failed: number;
      relay: { published: number };
    };
    expect(runSummary).toMatchObject({ issued: 2, failed: 0, relay: { published: 2 } });

    // 96 quarter hours of 21 March 2025 (local) per feeder, quantiles ordered.
    expect(await count('SELECT count(*) AS n FROM forecast_value')).toBe(192);
    const range = await t.pool.query<{ first: Date; last: Date; bad: string }>(
      'SELECT min(target_start) AS first, max(target_start) AS last, count(*) FILTER (WHERE NOT (p10_wh <= p50_wh AND p50_wh <= p90_wh)) AS bad FROM forecast_value',
    );
    expect(range.rows[0]?.first.toISOString()).toBe('2025-03-20T23:00:00.000Z');
    expect(range.rows[0]?.last.toISOString()).toBe('2025-03-21T22:45:00.000Z');
    expect(range.rows[0]?.bad).toBe('0');
    expect(await count('SELECT count(*) AS n FROM forecast_run')).toBe(2);
    expect(await count('SELECT count(*) AS n FROM forecast_outbox WHERE published_at IS NOT NULL')).toBe(2);

    const msgs = ourEvents(
      await readMessages(kafka, Topics.forecasts, (m) => ourEvents(m).length >= 2, 30_000),
    );
    expect(msgs).toHaveLength(2);
    for (const m of msgs) {
      const parsed = parseEvent(m.value ?? Buffer.alloc(0), EventTypes.forecastIssued);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
      const ev = parsed.value;
      expect(ev.id).toBe(`${ev.data.seriesId}/day-ahead/${ISSUE_ISO}`);
      expect(ev.data).toMatchObject({
        seriesKind: 'feeder',
        horizon: 'day-ahead',
        issueTime: ISSUE_ISO,
        stepMinutes: 15,
        unit: 'Wh',
      });
      expect(ev.data.points).toHaveLength(96);
      expect(ev.data.modelVersion).toBe(
        summary.results.find((r) => r.seriesId === ev.data.seriesId)?.version,
      );
      // The forecast is in the feeder's range (Wh per quarter hour), not garbage.
      const p50 = ev.data.points.map((p) => p.p50Wh);
      expect(Math.max(...p50)).toBeLessThan(400_000);
      expect(Math.max(...p50)).toBeGreaterThan(20_000);
    }

    // The run applies the model's calibration (level correction from the model's own forecasts of the
    // last days, conformal interval factors stored with the model): the published points are exactly the
    // calibrated forecast of the promoted artefact, and differ from the same network without calibration.
    await useTfBackend('wasm');
    const stored = await t.pool.query<{ series_id: string; artefact: unknown }>(
      'SELECT series_id, artefact FROM forecast_model WHERE promoted ORDER BY series_id',
    );
    const history = await new LoadSeriesRepository(t.pool).loadMany(
      seriesIds.map(parseSeriesId),
      ISSUE - FORECAST_LOOKBACK_DAYS * DAY,
      ISSUE,
    );
    expect(stored.rows).toHaveLength(2);
    for (const row of stored.rows) {
      const model = await loadQuantileModel(row.artefact);
      const series = history.get(row.series_id);
      if (series === undefined) throw new Error(`no history for ${row.series_id}`);
      const cal = model.metadata.calibration;
      expect(cal?.method).toBe('recent-level+split-conformal');
      expect(cal?.fit.samples).toBeGreaterThan(500);
      const published = msgs
        .map((m) => parseEvent(m.value ?? Buffer.alloc(0), EventTypes.forecastIssued))
        .flatMap((p) => (p.ok && p.value.data.seriesId === row.series_id ? [p.value.data.points] : []));
      const calibrated = toContractPoints(forecastGuarded(model, series, ISSUE).points);
      expect(published).toEqual([calibrated]);
      const { calibration: _c, ...uncalibratedMeta } = model.metadata;
      const uncalibrated = toContractPoints(
        forecastGuarded(new QuantileModel(model.sharedNetwork, uncalibratedMeta), series, ISSUE).points,
      );
      expect(uncalibrated).toHaveLength(96);
      expect(uncalibrated.map((p) => [p.p10Wh, p.p50Wh, p.p90Wh])).not.toEqual(
        calibrated.map((p) => [p.p10Wh, p.p50Wh, p.p90Wh]),
      );
      model.dispose();
    }

    // Rerunning the same issue time changes nothing: no rows, no outbox rows, no second event.
    const again = await runForecastCli(
      ['run', '--series', seriesIds.join(','), '--horizon', 'day-ahead', '--issue-time', ISSUE_ISO, '--json'],
      env,
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      issued: 0,
      alreadyIssued: 2,
      failed: 0,
      relay: { published: 0 },
    });
    expect(await count('SELECT count(*) AS n FROM forecast_value')).toBe(192);
    expect(await count('SELECT count(*) AS n FROM forecast_outbox')).toBe(2);
    expect(ourEvents(await readMessages(kafka, Topics.forecasts, () => false, 4_000))).toHaveLength(2);

    // Retraining with the same cut-off and data finds the same versions and changes nothing.
    await useTfBackend('wasm');
    const lines: string[] = [];
    const retrain = await new TrainForecastModelsUseCase(
      t.pool,
      t.pool,
      new JsonLogger({ service: 'forecast', write: (l) => lines.push(l) }),
    ).execute({
      series: seriesIds.map(parseSeriesId),
      horizon: 'day-ahead',
      dayAheadIssueMinute: 600,
      untilMs: ISSUE,
      historyDays: 75,
      folds: 2,
      seed: 42,
    });
    expect(retrain.results.map((r) => [r.status, r.version])).toEqual(
      summary.results.map((r) => ['unchanged', r.version]),
    );
    expect(await count('SELECT count(*) AS n FROM forecast_model')).toBe(2);
  }, 600_000);

  // Uses the forecasts issued by the first test (same database).
  it('serves the latest forecasts with actuals and the model over HTTP, 400 for bad parameters, 404 for unknown series', async () => {
    const port = await freePort();
    const svc = new ServiceProcess('forecast', port, {
      DATABASE_URL: t.db.url,
      KAFKA_BROKERS: testBrokers().join(','),
      LOG_LEVEL: 'warn',
    });
    try {
      await svc.start();
      const get = async (p: string) => {
        const r = await fetch(`http://127.0.0.1:${port}${p}`);
        return { status: r.status, body: (await r.json()) as Record<string, unknown> };
      };
      const id = encodeURIComponent(seriesIds[0] ?? '');
      // 20 March 23:00Z .. 21 March 01:00Z: 8 forecast steps; actuals exist before 20 March 09:00Z only.
      const ok = await get(
        `/forecasts/${id}?horizon=day-ahead&from=2025-03-20T22:00:00Z&to=2025-03-21T01:00:00Z`,
      );
      expect(ok.status).toBe(200);
      const body = ok.body as {
        seriesId: string;
        horizon: string;
        model: { version: string; metrics: { model: { mae: number } } };
        points: { targetStart: string; issueTime: string; p50Wh: number; actualWh: number | null }[];
      };
      expect(body).toMatchObject({ seriesId: seriesIds[0], horizon: 'day-ahead' });
      expect(body.model.version).toMatch(/^day-ahead-/);
      expect(body.model.metrics.model.mae).toBeGreaterThan(0);
      expect(body.points.map((p) => p.targetStart)).toEqual([
        '2025-03-20T23:00:00Z',
        '2025-03-20T23:15:00Z',
        '2025-03-20T23:30:00Z',
        '2025-03-20T23:45:00Z',
        '2025-03-21T00:00:00Z',
        '2025-03-21T00:15:00Z',
        '2025-03-21T00:30:00Z',
        '2025-03-21T00:45:00Z',
      ]);
      expect(
        body.points.every(
          (p) => p.issueTime === ISSUE_ISO && p.actualWh === null && Number.isInteger(p.p50Wh),
        ),
      ).toBe(true);

      // Actuals come from the rollup views where they exist (a forecast row for a past target, written here).
      await t.pool.query(
        `INSERT INTO forecast_run (series_id, horizon, issue_time, model_version, status, points) VALUES ($1, 'day-ahead', '2025-03-18T09:00:00Z', 'v0', 'issued', 1)`,
        [seriesIds[0]],
      );
      await t.pool.query(
        `INSERT INTO forecast_value VALUES ($1, 'day-ahead', '2025-03-18T09:00:00Z', '2025-03-19T12:00:00Z', 1, 2, 3, 'v0')`,
        [seriesIds[0]],
      );
      const actual = await t.pool.query<{ net_wh: string }>(
        `SELECT net_wh FROM load_15m_feeder WHERE node_id = $1 AND bucket_start = '2025-03-19T12:00:00Z'`,
        [feeders[0]],
      );
      const past = await get(`/forecasts/${id}?from=2025-03-19T12:00:00Z&to=2025-03-19T12:15:00Z`);
      expect(past.body['points']).toEqual([
        {
          targetStart: '2025-03-19T12:00:00Z',
          issueTime: '2025-03-18T09:00:00Z',
          p10Wh: 1,
          p50Wh: 2,
          p90Wh: 3,
          actualWh: Number(actual.rows[0]?.net_wh),
        },
      ]);

      const bad = await get(
        `/forecasts/${id}?horizon=weekly&from=2025-03-20T22:00:00Z&to=2025-03-21T01:00:00Z`,
      );
      expect(bad.status).toBe(400);
      expect(bad.body['message']).toContain('"horizon" must be one of day-ahead, intraday');
      const badTime = await get(`/forecasts/${id}?from=yesterday&to=2025-03-21T01:00:00Z`);
      expect(badTime.status).toBe(400);
      expect(badTime.body['message']).toContain('"from"');
      expect((await get(`/forecasts/pole:1?from=2025-03-20T22:00:00Z&to=2025-03-21T01:00:00Z`)).status).toBe(
        400,
      );
      const unknown = await get(
        `/forecasts/feeder:NOPE-${tag}?from=2025-03-20T22:00:00Z&to=2025-03-21T01:00:00Z`,
      );
      expect(unknown.status).toBe(404);
      expect(unknown.body['code']).toBe('SERIES.UNKNOWN');
    } finally {
      await svc.stop();
    }
  }, 60_000);

  it('exits 3 and names the series that has too little history to train', async () => {
    const res = await runForecastCli(
      ['train', '--series', `feeder:${shortFeeder}`, '--until', ISSUE_ISO, '--history-days', '75', '--json'],
      env,
    );
    expect(res.code).toBe(3);
    const summary = JSON.parse(res.stdout) as {
      failed: number;
      results: { seriesId: string; status: string; code: string }[];
    };
    expect(summary.results).toEqual([
      expect.objectContaining({
        seriesId: `feeder:${shortFeeder}`,
        status: 'failed',
        code: 'BACKTEST.TOO_LITTLE_HISTORY',
      }),
    ]);
    expect(res.stderr).toContain(`could not train: feeder:${shortFeeder} (BACKTEST.TOO_LITTLE_HISTORY)`);
    expect(
      await count('SELECT count(*) AS n FROM forecast_model WHERE series_id = $1', [`feeder:${shortFeeder}`]),
    ).toBe(0);

    // ...and `run --all` (every feeder, secondary substation and substation in the views) names its missing model, also with exit code 3,
    // while the feeders issued by the first test stay untouched.
    const run = await runForecastCli(['run', '--all', '--issue-time', ISSUE_ISO, '--json'], env);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`could not forecast: feeder:${shortFeeder} (RUN.NO_PROMOTED_MODEL)`);
    const runSummary = JSON.parse(run.stdout) as { results: { seriesId: string; status: string }[] };
    expect(
      runSummary.results
        .filter((r) => r.seriesId.includes(tag))
        .map((r) => [r.seriesId, r.status])
        .sort(),
    ).toEqual([
      [seriesIds[0], 'already-issued'],
      [seriesIds[1], 'already-issued'],
      [`feeder:${shortFeeder}`, 'failed'],
      // every secondary substation and substation in the views too (the fixtures' feeders each have one
      // of each), none with a model
      ...[...feeders, shortFeeder].map((f) => [`secondary-substation:${f}-ONS`, 'failed']),
      ...[...feeders, shortFeeder].map((f) => [`substation:${f}-UW`, 'failed']),
    ]);
  }, 60_000);

  it('rejects bad flags with exit code 2', async () => {
    const res = await runForecastCli(['run', '--series', 'transformer:1', '--issue-time', ISSUE_ISO], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--series');
  }, 30_000);
});
