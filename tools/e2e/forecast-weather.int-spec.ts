import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kafka, type KafkaMessage } from 'kafkajs';
import { EventTypes, Topics, parseEvent } from '@gridwerk/contracts';
import { createIngestTestDb, type IngestTestDb, pauseTimescaleJobs } from '@gridwerk/ingest/data-access';
import {
  createTopic,
  endOffsets,
  readMessages,
  readMessagesFrom,
  testBrokers,
  testKafka,
} from '@gridwerk/shared/data-access-kafka';
import {
  CityWeather,
  observedWeather,
  simulatedWeatherForecast,
  weatherIssueTimes,
} from '@gridwerk/simulator/domain';
import { encodeWeatherForecast } from '@gridwerk/simulator/feature';
import { type CliResult } from './app-cli';
import { runForecastCli } from './forecast-cli';
import { refreshFixtureRollups, syntheticFeederLoadWh, writeFeederLoad } from './forecast-fixtures';

/**
 * Weather in the production path, end to end on the real broker and PostgreSQL: the simulator's weather
 * forecasts (vintages every 6 h, 48 h ahead, error growing with the lead time) go through a weather topic,
 * `forecast weather ingest` stores them by vintage, `forecast train` trains a PV-heavy feeder with them and
 * `forecast run` forecasts with them. The vintage rule: adding, after training, a vintage per hour that
 * carries the *observed* weather (what a leaking pipeline would love to use) changes no input of the
 * model — retraining finds the same version. When the feed stops, the model still forecasts: its targets
 * fall back to the baseline, flagged `inputs-missing` on the event and in the table, counted in the metric.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
const ISSUE_ISO = '2025-06-18T08:00:00Z'; // 10:00 Europe/Berlin (CEST): the day-ahead issue time
const ISSUE = Date.parse(ISSUE_ISO);
const LATER_ISO = '2025-06-20T08:00:00Z'; // two days on, the weather feed has stopped at ISSUE
const LATER = Date.parse(LATER_ISO);
const HISTORY_DAYS = 60;
const START = ISSUE - HISTORY_DAYS * DAY;
const tag = `W${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
const feeder = `${tag}-PV`;
const seriesId = `feeder:${feeder}`;
const point = `sim-${tag}`;
const topic = `e2e.weather.forecasts.${tag.toLowerCase()}`;
const weather = new CityWeather(5);

let t: IngestTestDb;
let env: Record<string, string>;
let kafka: Kafka;
const metricsFile = path.join(os.tmpdir(), `forecast-weather-${tag}.prom`);

/** Household load plus a large PV park driven by the simulator's own (observed) weather: 250 kWp. */
function pvFeederLoadWh(startMs: number, days: number): Float64Array {
  const load = syntheticFeederLoadWh({ startMs, days, seed: 21, households: 250 });
  for (let i = 0; i < load.length; i++) {
    const q = startMs + i * 900_000;
    const ghi = observedWeather(weather, Math.floor(q / HOUR) * HOUR).ghiWPerM2;
    load[i] = Math.round((load[i] ?? 0) - 250 * (ghi / 1000) * 0.85 * 250);
  }
  return load;
}

async function publish(messages: { key: string; value: string }[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 200)
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 200) });
  } finally {
    await producer.disconnect();
  }
}

const ours = (m: KafkaMessage): boolean => {
  const p = parseEvent(m.value ?? Buffer.alloc(0), EventTypes.deadLetter);
  return p.ok && p.value.data.originalTopic === topic;
};

async function ingestWeather(): Promise<{ stored: number; duplicate: number; deadLettered: number }> {
  const r = await runForecastCli(
    ['weather', 'ingest', '--topic', topic, '--group', `e2e-${tag}`, '--timeout-seconds', '60', '--json'],
    env,
  );
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout) as { stored: number; duplicate: number; deadLettered: number };
}

function train(): Promise<CliResult> {
  return runForecastCli(
    [
      'train',
      '--series',
      seriesId,
      '--until',
      ISSUE_ISO,
      '--history-days',
      String(HISTORY_DAYS),
      '--folds',
      '1',
      '--max-epochs',
      '20',
      '--json',
    ],
    env,
    150_000,
  );
}

beforeAll(async () => {
  t = await createIngestTestDb('forecast_weather');
  await pauseTimescaleJobs(t.pool);
  // load up to LATER: the feeder goes on reporting after the weather feed stops
  const days = HISTORY_DAYS + 2;
  await writeFeederLoad(t.pool, feeder, START, pvFeederLoadWh(START, days));
  await refreshFixtureRollups(t.pool, START, LATER);
  kafka = testKafka('forecast-weather-test');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopic(admin, topic, 3);
  } finally {
    await admin.disconnect();
  }
  env = {
    DATABASE_URL: t.db.url,
    KAFKA_BROKERS: testBrokers().join(','),
    LOG_LEVEL: 'info',
    FORECAST_WEATHER_POINTS: `*=${point}`,
    FORECAST_METRICS_FILE: metricsFile,
  };
}, 240_000);

afterAll(async () => {
  await t?.close();
});

describe('weather in the forecast production path (simulator topic, PostgreSQL, CLI)', () => {
  let version = '';

  it('stores the simulator’s vintages from the topic, dead-letters an invalid one, and trains with them', async () => {
    // The simulator's forecasts from a day before the history up to the issue time; then the feed stops.
    const issues = weatherIssueTimes(START - DAY, ISSUE + 1, 6);
    const vintages = issues.map((i) =>
      encodeWeatherForecast(simulatedWeatherForecast(weather, i, 48, point)),
    );
    const bad = {
      key: point,
      value: JSON.stringify({ specversion: '1.0', type: EventTypes.weatherForecast }),
    };
    const dlqOffsets = await endOffsets(kafka, Topics.deadLetters);
    await publish([...vintages, bad]);
    expect(await ingestWeather()).toMatchObject({ stored: issues.length, duplicate: 0, deadLettered: 1 });
    // nothing new since: the group has read the topic to its end, so the next run stops at once
    expect(await ingestWeather()).toMatchObject({ stored: 0, duplicate: 0, deadLettered: 0 });
    const stored = await t.pool.query<{ n: string; last: Date }>(
      'SELECT count(*) AS n, max(issue_time) AS last FROM weather_forecast WHERE point_id = $1',
      [point],
    );
    expect(Number(stored.rows[0]?.n)).toBe(issues.length);
    expect(stored.rows[0]?.last.toISOString()).toBe(new Date(issues.at(-1) ?? 0).toISOString());
    const dlq = (
      await readMessagesFrom(kafka, Topics.deadLetters, dlqOffsets, {
        until: (m) => m.some(ours),
        timeoutMs: 30_000,
      })
    ).filter(ours);
    expect(dlq).toHaveLength(1);

    const r = await train();
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(r.stdout) as {
      results: { status: string; version: string; features: string[]; weatherPointId?: string }[];
    };
    const res = summary.results[0];
    expect(res?.status).toBe('promoted');
    expect(res?.weatherPointId).toBe(point);
    expect(res?.features).toEqual(
      expect.arrayContaining(['weather_ghiWPerM2', 'weather_temperatureC', 'weather_cloudCoverPct']),
    );
    version = res?.version ?? '';
    const registry = await t.pool.query<{ features: string[]; weather_point_id: string; promoted: boolean }>(
      'SELECT features, weather_point_id, promoted FROM forecast_model WHERE series_id = $1',
      [seriesId],
    );
    expect(registry.rows).toEqual([{ features: res?.features, weather_point_id: point, promoted: true }]);
  }, 300_000);

  it('never uses a later vintage: adding the observed weather as vintages of every hour changes no model input', async () => {
    // A vintage issued at each hour h with the weather observed in [h, h+1 h): the latest vintage at or
    // before every target, but issued after the target's forecast was (the day before, 10:00).
    const observed = [];
    for (let h = START; h < ISSUE; h += HOUR) {
      const obs = observedWeather(weather, h);
      observed.push({
        key: point,
        value: JSON.stringify({
          specversion: '1.0',
          id: `obs-${point}-${h}`,
          source: '/e2e/observations',
          type: EventTypes.weatherForecast,
          time: new Date(h).toISOString().replace('.000Z', 'Z'),
          subject: point,
          datacontenttype: 'application/json',
          dataschema: 'https://schemas.gridwerk.de/events/weather-forecast.v1.schema.json',
          data: {
            weatherPointId: point,
            source: 'simulator',
            issueTime: new Date(h).toISOString().replace('.000Z', 'Z'),
            stepMinutes: 60,
            points: [
              {
                targetStart: new Date(h).toISOString().replace('.000Z', 'Z'),
                ghiWPerM2: Math.round(obs.ghiWPerM2 * 10) / 10,
                temperatureC: Math.round(obs.temperatureC * 10) / 10,
                cloudCoverPct: Math.round(obs.cloudCoverPct),
              },
            ],
          },
        }),
      });
    }
    await publish(observed);
    // (vintages issued at 00/06/12/18 UTC collide with the simulator's: stored before, left as they were)
    const ingested = await ingestWeather();
    expect(ingested.stored + ingested.duplicate).toBe(observed.length);
    expect(ingested.deadLettered).toBe(0);
    expect(ingested.stored).toBeGreaterThan(observed.length * 0.7);
    const r = await train();
    expect(r.code).toBe(0);
    const again = JSON.parse(r.stdout) as { results: { status: string; version: string }[] };
    // The version hashes the series and every input column: same version = the same inputs.
    expect(again.results.map((x) => [x.status, x.version])).toEqual([['unchanged', version]]);
  }, 200_000);

  it('forecasts with weather while the feed runs, and falls back, flagged and counted, once it has stopped', async () => {
    const run = async (issue: string) => {
      const r = await runForecastCli(
        ['run', '--series', seriesId, '--horizon', 'day-ahead', '--issue-time', issue, '--json'],
        env,
      );
      expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
      return JSON.parse(r.stdout) as {
        issued: number;
        results: { weatherFallback?: boolean; replaced?: { inputsMissing: number }; points: number }[];
      };
    };
    const withWeather = await run(ISSUE_ISO);
    expect(withWeather.issued).toBe(1);
    expect(withWeather.results[0]).toMatchObject({ weatherFallback: false, replaced: { inputsMissing: 0 } });

    const stopped = await run(LATER_ISO);
    expect(stopped.issued).toBe(1);
    expect(stopped.results[0]).toMatchObject({ weatherFallback: true, replaced: { inputsMissing: 96 } });
    const metrics = readFileSync(metricsFile, 'utf8');
    expect(metrics).toMatch(/gridwerk_forecast_weather_fallback_series_total\{horizon="day-ahead"\} 1\b/);
    expect(metrics).toMatch(
      /gridwerk_forecast_points_replaced_total\{reason="inputs-missing",horizon="day-ahead"\} 96\b/,
    );

    const rows = await t.pool.query<{ issue_time: Date; replaced: string | null; n: string }>(
      'SELECT issue_time, replaced, count(*) AS n FROM forecast_value WHERE series_id = $1 GROUP BY 1, 2 ORDER BY 1, 2',
      [seriesId],
    );
    expect(rows.rows.map((x) => [x.issue_time.toISOString(), x.replaced, Number(x.n)])).toEqual([
      [new Date(ISSUE).toISOString(), null, 96],
      [new Date(LATER).toISOString(), 'inputs-missing', 96],
    ]);
    const events = (
      await readMessages(
        kafka,
        Topics.forecasts,
        (m) => m.filter((x) => x.key?.toString() === seriesId).length >= 2,
        30_000,
      )
    )
      .filter((m) => m.key?.toString() === seriesId)
      .map((m) => {
        const p = parseEvent(m.value ?? Buffer.alloc(0), EventTypes.forecastIssued);
        if (!p.ok) throw new Error(JSON.stringify(p.problems));
        return p.value.data;
      });
    const later = events.find((e) => e.issueTime === LATER_ISO);
    expect(later?.points.every((p) => p.replaced === 'inputs-missing')).toBe(true);
    const first = events.find((e) => e.issueTime === ISSUE_ISO);
    expect(first?.points.some((p) => p.replaced !== undefined)).toBe(false);
  }, 120_000);
});
