import type { Admin, Producer } from 'kafkajs';
import { createEvent, EventTypes, type ForecastIssued } from '@gridwerk/contracts';
import { siteSeriesId } from '@gridwerk/dispatch/feature';
import { formatSimulatedClock } from '@gridwerk/shared/util-calendar';
import { encodeTelemetry } from '@gridwerk/simulator/feature';
import { freePort } from '../../../e2e/free-port';
import { ServiceProcess } from '../../../e2e/service-process';
import type { CityContext, CityQuarter, CityStage } from './stage';
import { metricSum, until } from './stage';

const QH = 900_000;
/** The dispatch service's default: a cycle starts 20 s after its quarter hour (DISPATCH_CYCLE_DELAY_S). */
const CYCLE_DELAY_S = 20;
/** Wall-clock seconds the dispatch service gets to start before its clock reaches the first quarter's end. */
const START_LEAD_MS = 30_000;
/** How far the stand-in forecast reaches from the window's start (the MPC's horizon is at least 96 quarters). */
const FORECAST_QUARTERS = 40 * 4;

/** Messages per produce request: a request stays well under the broker's 1 MB (a forecast issue is ~15 kB). */
const FORECASTS_PER_REQUEST = 40;
const TELEMETRY_PER_REQUEST = 500;

async function sendChunked(
  producer: Producer,
  topic: string,
  messages: readonly { key: string; value: string }[],
  per: number,
): Promise<void> {
  for (let i = 0; i < messages.length; i += per)
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + per) });
}

/**
 * The forecast service's day-ahead issue for one battery station, stood in for (the forecast service is not
 * part of the chain measured): the station's meters' mean load from their annual consumption, shaped like a
 * winter weekday with its evening peak (Berlin time), P10/P90 at ∓/±10 %. The dispatch LP is as large as
 * with the real issue: it depends on the batteries, stations and horizon, not on the values.
 */
function standInForecast(
  stationId: string,
  annualWh: number,
  fromMs: number,
  issueMs: number,
): ForecastIssued {
  const meanW = annualWh / 8760;
  const points = Array.from({ length: FORECAST_QUARTERS }, (_, k) => {
    const t = fromMs + k * QH;
    const hour = (new Date(t).getUTCHours() + new Date(t).getUTCMinutes() / 60 + 1) % 24;
    const w = meanW * (0.7 + 1.1 * Math.exp(-(((hour - 18.5) / 2.5) ** 2)));
    const p50Wh = Math.round(w / 4);
    const band = Math.round(p50Wh * 0.1);
    return { targetStart: new Date(t).toISOString(), p10Wh: p50Wh - band, p50Wh, p90Wh: p50Wh + band };
  });
  return {
    seriesId: siteSeriesId(stationId),
    seriesKind: 'secondary-substation',
    horizon: 'day-ahead',
    issueTime: new Date(issueMs).toISOString(),
    modelVersion: 'bench-city-stand-in',
    stepMinutes: 15,
    unit: 'Wh',
    points,
  };
}

/**
 * → dispatch re-planned: the dispatch service (compiled bundle, as deployed: its HiGHS worker pool of
 * DISPATCH_SOLVER_WORKERS, default 2) stored a plan for every feeder with batteries for the cycle that starts
 * at the quarter's end. The service runs its own schedule, a cycle DISPATCH_CYCLE_DELAY_S (20 s) after each
 * quarter hour, on a simulated clock that puts the end of every replayed quarter hour at its burst (the
 * first burst waits for the clock's anchor; the rate follows `--cadence-seconds`). With every burst the
 * fleet's units report their telemetry (the simulator's batteries); every battery station has a day-ahead
 * forecast issue (a stand-in, see `standInForecast`). Measured from the burst to the last feeder's plan
 * stored (`dispatch_plan.created_at`) of the first cycle, from the quarter's end on, that planned every feeder
 * after the burst (`plannedBeforeBurst` lists the quarters whose own cycle ran before their burst: the
 * previous quarter's chain outlasted the cadence, so the burst came late on dispatch's clock).
 */
export function dispatchStage(): CityStage {
  let ctx: CityContext | undefined;
  let svc: ServiceProcess | undefined;
  let env: Record<string, string> = {};
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let topics: { telemetry: string; forecasts: string; commands: string; commandsV2: string } | undefined;
  let feeders = 0;
  let stations = 0;
  let clock = '';
  let metrics = '';
  const telemetrySent = new Map<number, Promise<unknown>>();
  const perQuarter: { cycleStart: string; optimal: number; fallback: number; cycleSeconds: number }[] = [];
  const plannedBeforeBurst: string[] = [];
  return {
    name: 'dispatch re-planned',
    key: 'toDispatchReplannedSeconds',
    async setup(c: CityContext) {
      ctx = c;
      const batteryStations = new Set(c.topology.batteries.map((b) => b.secondarySubstationId));
      const feederOf = new Map(
        c.topology.secondarySubstations.map((s) => [s.secondarySubstationId, s.feederId]),
      );
      feeders = new Set([...batteryStations].map((s) => feederOf.get(s))).size;
      stations = batteryStations.size;
      const suffix = Date.now().toString(36);
      const base = `${c.topics.telemetry}.dispatch`;
      topics = {
        telemetry: `${base}.telemetry`,
        forecasts: `${base}.forecasts`,
        commands: `${base}.commands`,
        commandsV2: `${base}.commands-v2`,
      };
      admin = c.kafka.admin();
      await admin.connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
      });
      producer = c.kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      // the day-ahead issue of every battery station, published before the service starts (it reads from the start)
      const annual = new Map<string, number>();
      for (const m of c.topology.meteringPoints)
        if (batteryStations.has(m.secondarySubstationId))
          annual.set(
            m.secondarySubstationId,
            (annual.get(m.secondarySubstationId) ?? 0) + m.annualConsumptionWh,
          );
      const issueMs = c.window.startMs - 6 * 3_600_000;
      await sendChunked(
        producer,
        topics.forecasts,
        [...batteryStations].map((id) => {
          const data = standInForecast(id, annual.get(id) ?? 0, c.window.startMs, issueMs);
          const event = createEvent(EventTypes.forecastIssued, data, {
            source: '/gridwerk/forecast',
            subject: data.seriesId,
          });
          return { key: data.seriesId, value: JSON.stringify(event) };
        }),
        FORECASTS_PER_REQUEST,
      );
      env = {
        DATABASE_URL: c.databaseUrl,
        KAFKA_BROKERS: c.brokers,
        LOG_LEVEL: 'warn',
        DISPATCH_CONSUMER_GROUP: `bench.city.dispatch.${suffix}`,
        DISPATCH_TELEMETRY_TOPIC: topics.telemetry,
        DISPATCH_FORECASTS_TOPIC: topics.forecasts,
        DISPATCH_COMMANDS_TOPIC: topics.commands,
        DISPATCH_COMMANDS_V2_TOPIC: topics.commandsV2,
        DISPATCH_CYCLE_DELAY_S: String(CYCLE_DELAY_S),
      };
    },
    async beforeWindow() {
      const c = ctx as CityContext;
      // the end of the first quarter hour at the first burst, then one quarter hour per cadence
      const anchor = Date.now() + START_LEAD_MS;
      clock = formatSimulatedClock({
        startMs: c.window.startMs + QH,
        anchorWallMs: anchor,
        rate: 900 / c.window.cadenceSeconds,
      });
      const s = new ServiceProcess(
        'dispatch',
        await freePort(),
        { ...env, DISPATCH_SIMULATED_CLOCK: clock },
        [],
        c.root,
      );
      svc = s;
      c.services.set('dispatch', s);
      await s.start(START_LEAD_MS);
      await until(
        'dispatch stored the forecast of every battery station',
        async () =>
          (
            await c.pool.query<{ n: number }>(
              'SELECT count(DISTINCT series_id)::int AS n FROM dispatch_forecast',
            )
          ).rows[0]?.n === stations,
        Math.max(1_000, anchor - Date.now()),
      );
      return anchor;
    },
    beforeBurst(q: CityQuarter) {
      // the units report with the burst, as every quarter hour
      telemetrySent.set(
        q.index,
        sendChunked(
          producer as Producer,
          (topics as { telemetry: string }).telemetry,
          q.batteries.map(encodeTelemetry),
          TELEMETRY_PER_REQUEST,
        ),
      );
    },
    async awaitQuarter(q: CityQuarter) {
      const c = ctx as CityContext;
      await telemetrySent.get(q.index);
      const quarterEnd = new Date(q.intervalStart.getTime() + QH);
      type Cycle = { cycle: Date; n: number; optimal: number; first: number; last: number };
      let row: Cycle | undefined;
      // the first cycle (from the quarter's end on) that every feeder was planned in after the burst: when a
      // quarter's chain outlasts the cadence, the next burst comes after dispatch's clock ran that cycle
      await until(
        `dispatch plans of every feeder after the burst of ${q.intervalStart.toISOString()}`,
        async () => {
          row = (
            await c.pool.query<Cycle>(
              `SELECT cycle_start AS cycle, count(*)::int AS n, count(*) FILTER (WHERE status = 'optimal')::int AS optimal,
                      (extract(epoch FROM min(created_at)) * 1000)::float8 AS first,
                      (extract(epoch FROM max(created_at)) * 1000)::float8 AS last
                 FROM dispatch_plan WHERE cycle_start >= $1 GROUP BY cycle_start
               HAVING min(created_at) >= to_timestamp($2::float8 / 1000) ORDER BY cycle_start LIMIT 1`,
              [quarterEnd, q.burstAtMs],
            )
          ).rows[0];
          return row !== undefined && row.n >= feeders;
        },
        600_000,
        200,
      );
      const r = row as Cycle;
      if (r.cycle.getTime() !== quarterEnd.getTime()) plannedBeforeBurst.push(quarterEnd.toISOString());
      perQuarter.push({
        cycleStart: r.cycle.toISOString(),
        optimal: r.optimal,
        fallback: r.n - r.optimal,
        cycleSeconds: Math.round(r.last - r.first) / 1000,
      });
      metrics = await (svc as ServiceProcess).metrics().catch(() => metrics);
      return r.last;
    },
    details: () => ({
      feedersWithBatteries: feeders,
      batteryStations: stations,
      batteries: ctx?.topology.batteries.length ?? 0,
      cycleDelaySeconds: CYCLE_DELAY_S,
      simulatedClock: clock,
      cycles: perQuarter,
      plannedBeforeBurst,
      solves: metricSum(metrics, 'gridwerk_dispatch_solve_seconds_count'),
      solveSecondsTotal: Math.round(metricSum(metrics, 'gridwerk_dispatch_solve_seconds_sum') * 100) / 100,
      feederFailures: metricSum(metrics, 'gridwerk_dispatch_feeder_failures_total'),
    }),
    async teardown() {
      await svc?.stop().catch(() => undefined);
      await producer?.disconnect().catch(() => undefined);
      if (topics) await admin?.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
