import path from 'node:path';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { Consumer, Producer } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  BatteryCommandV2 as BatteryCommand,
  createEvent,
  EventTypes,
  ForecastIssued,
  parseEvent,
} from '@gridwerk/contracts';
import { DISPATCH_MIGRATIONS, NoPriceSource } from '@gridwerk/dispatch/data-access';
import { DEFAULT_PARAMETERS } from '@gridwerk/dispatch/domain';
import {
  DispatchCycleService,
  DispatchModule,
  PlannerSettings,
  siteSeriesId,
  SteppedClock,
} from '@gridwerk/dispatch/feature';
import {
  createTestDatabase,
  postgresDataSourceOptions,
  TestDatabase,
} from '@gridwerk/shared/data-access-database';
import { createTopic, testBrokers, testKafka, uniqueName } from '@gridwerk/shared/data-access-kafka';
import { TopologyRepository } from '@gridwerk/shared/data-access-topology';
import { createServiceApp, loadServiceConfig, PlatformModule } from '@gridwerk/shared/feature-ops';
import { createLogger } from '@gridwerk/shared/util-logging';
import {
  BatteryTelemetryData,
  createGridSimulation,
  GridSimulation,
  GridTopology,
  generateTopology,
  loadBdewProfiles,
  SimulationStep,
} from '@gridwerk/simulator/domain';
import { encodeTelemetry } from '@gridwerk/simulator/feature';
import { Pool } from 'pg';
import { freePort } from './free-port';

export const QH = 15 * 60_000;
export const CYCLE_DELAY_MS = 20_000;
const POWER_FACTOR = 0.95;
const PROFILES = loadBdewProfiles(path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'bdew'));

export interface ReceivedCommand {
  command: BatteryCommand;
  /** Clock time of the dispatch service when the command arrived. */
  atMs: number;
  /** How many times the dispatch service had been started when it arrived. */
  generation: number;
}

export interface LoopStep {
  step: SimulationStep;
  /** Net flow through each secondary substation with batteries (meters + storage connections), W. */
  flowW: Map<string, number>;
  telemetry: Map<string, BatteryTelemetryData>;
}

/** The test's grid: 300 metering points, two second-life batteries; ONS-0003 outgrown by its evening peak. */
export function loopTopology(): GridTopology {
  const topology = generateTopology({ seed: 'dispatch-e2e', meters: 300 });
  const ons = topology.secondarySubstations.find((s) => s.secondarySubstationId === 'ONS-0003');
  if (!ons) throw new Error('topology changed: no ONS-0003');
  // 160 kVA (152 kW at cos φ 0.95) for a station whose winter evening peak is about 180 kW
  ons.ratedKva = 160;
  // the storage sized for that overload: 300 kWh nominal at 80 % SoH, 100 kW
  const bat = topology.batteries.find((b) => b.secondarySubstationId === 'ONS-0003');
  if (!bat) throw new Error('topology changed: no battery behind ONS-0003');
  Object.assign(bat, {
    nominalCapacityWh: 300_000,
    stateOfHealthPct: 80,
    usableCapacityWh: 240_000,
    maxChargeW: 100_000,
    maxDischargeW: 100_000,
  });
  return topology;
}

export const ratingW = (kva: number) => kva * POWER_FACTOR * 1000;

/**
 * A closed loop on the real broker and PostgreSQL: the simulator's battery physics (the units) and its
 * meters, the dispatch service (the real Nest module, HiGHS in its worker, the leader lock, its Kafka
 * inputs and outputs) on a clock the test steps quarter hour by quarter hour, and a forecast of the
 * stations' load issued on the forecasts topic. Each loop has its own database, topics and group.
 */
export class DispatchLoop {
  readonly clock: SteppedClock;
  readonly received: ReceivedCommand[] = [];
  readonly steps: LoopStep[] = [];
  /** Realised load of each station without batteries (the meters alone), W per quarter-hour start. */
  readonly meterLoadW = new Map<string, Map<number, number>>();
  app: INestApplication | undefined;
  private generation = 0;
  private readonly stationOf: Map<string, string>;
  private readonly storageStation: Map<string, string>;

  private constructor(
    readonly label: string,
    readonly db: TestDatabase,
    readonly pg: Client,
    readonly topics: { telemetry: string; forecasts: string; commands: string; commandsV2: string },
    readonly topology: GridTopology,
    readonly sim: GridSimulation,
    private readonly producer: Producer,
    private readonly consumer: Consumer,
    readonly planner: PlannerSettings,
    readonly t0: number,
  ) {
    this.clock = new SteppedClock(t0 + CYCLE_DELAY_MS);
    this.stationOf = new Map(topology.meteringPoints.map((m) => [m.meterPointId, m.secondarySubstationId]));
    this.storageStation = new Map(topology.batteries.map((b) => [b.meterPointId, b.secondarySubstationId]));
  }

  get batteryIds(): string[] {
    return this.topology.batteries.map((b) => b.assetId);
  }

  /** Topology in the database, a forecast issued, one warm-up quarter hour of telemetry published. */
  static async create(
    label: string,
    t0: number,
    planner: Partial<PlannerSettings> = {},
  ): Promise<DispatchLoop> {
    const db = await createTestDatabase(`dispatch_${label}`);
    const ds = new DataSource(
      postgresDataSourceOptions({
        url: db.url,
        applicationName: 'dispatch-e2e',
        migrations: DISPATCH_MIGRATIONS,
      }),
    );
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await ds.destroy();
    const topology = loopTopology();
    const pool = new Pool({ connectionString: db.url, max: 1 });
    await new TopologyRepository(pool).upsertTopology(topology);
    await pool.end();
    const pg = new Client({ connectionString: db.url });
    await pg.connect();

    const kafka = testKafka(`dispatch-e2e-${label}`);
    const admin = kafka.admin();
    await admin.connect();
    const topics = {
      telemetry: uniqueName(`test.dispatch.${label}.telemetry`),
      forecasts: uniqueName(`test.dispatch.${label}.forecasts`),
      commands: uniqueName(`test.dispatch.${label}.commands`),
      commandsV2: uniqueName(`test.dispatch.${label}.commands-v2`),
    };
    for (const t of Object.values(topics)) await createTopic(admin, t, 3);
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const consumer = kafka.consumer({ groupId: uniqueName(`test.dispatch.${label}.units`) });

    // the units start a quarter hour before the first cycle: that quarter's telemetry is the first state
    const sim = createGridSimulation({
      seed: 'dispatch-e2e',
      meters: 300,
      start: t0 - QH,
      days: 2,
      resolutionMinutes: 15,
      profiles: PROFILES,
      topology,
    });
    const settings: PlannerSettings = {
      parameters: { ...DEFAULT_PARAMETERS, mode: 'grid-serving', powerFactor: POWER_FACTOR },
      batteryDefaults: { roundTripEfficiency: 0.88, minSocPct: 10, maxSocPct: 95 },
      minHorizonSteps: 96,
      commandSteps: 2,
      telemetryMaxAgeMs: 30 * 60_000,
      forecastMaxAgeMs: 36 * 3_600_000,
      solveTimeLimitS: 30,
      ...planner,
    };
    const loop = new DispatchLoop(label, db, pg, topics, topology, sim, producer, consumer, settings, t0);
    await loop.subscribeUnits();
    loop.computeMeterLoad(t0 - QH, 2 * 96);
    await loop.issueForecast(t0 - 2 * QH);
    await loop.step(); // warm-up: telemetry at t0
    return loop;
  }

  /** The units: every command received is handed to its battery, as the simulator service does. */
  private async subscribeUnits(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [this.topics.commands, this.topics.commandsV2],
      fromBeginning: true,
    });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const value = message.value ?? Buffer.alloc(0);
        const parsed =
          topic === this.topics.commandsV2
            ? parseEvent(value, EventTypes.batteryCommandV2)
            : parseEvent(value, EventTypes.batteryCommand);
        if (!parsed.ok)
          throw new Error(`dispatch sent an invalid command: ${JSON.stringify(parsed.problems)}`);
        const c = parsed.value.data;
        this.received.push({ command: c, atMs: this.clock.now(), generation: this.generation });
        this.sim.applyBatteryCommand(c.assetId, {
          mode: c.mode,
          ...(c.setpointW !== undefined ? { setpointW: c.setpointW } : {}),
          ...('stationLimitW' in c && c.stationLimitW !== undefined
            ? { stationLimitW: c.stationLimitW }
            : {}),
          ...('socReservePct' in c && c.socReservePct !== undefined
            ? { socReservePct: c.socReservePct }
            : {}),
          validFrom: c.validFrom,
          validUntil: c.validUntil,
          issuedAt: c.issuedAt,
        });
        return Promise.resolve();
      },
    });
  }

  /** A twin of the simulation (same seed and topology): the stations' meter load, which batteries do not change. */
  private computeMeterLoad(fromMs: number, steps: number): void {
    const twin = createGridSimulation({
      seed: 'dispatch-e2e',
      meters: 300,
      start: fromMs,
      days: 3,
      resolutionMinutes: 15,
      profiles: PROFILES,
      topology: this.topology,
    });
    for (let k = 0; k < steps; k++) {
      const s = twin.nextStep();
      if (!s) break;
      const t = Date.parse(s.intervalStart);
      for (const r of s.readings) {
        const st = this.stationOf.get(r.meterPointId) ?? '';
        let m = this.meterLoadW.get(st);
        if (!m) this.meterLoadW.set(st, (m = new Map()));
        m.set(t, (m.get(t) ?? 0) + (r.importWh - r.exportWh) * 4);
      }
    }
  }

  /**
   * The day-ahead forecast of each battery station, as the forecast service publishes it: a P50 within
   * ±3 % of what the meters will do, P10/P90 at ∓/±8 %.
   */
  async issueForecast(
    issueMs: number,
    horizon: 'day-ahead' | 'intraday' = 'day-ahead',
    modelVersion = 'e2e-forecast',
  ): Promise<void> {
    const stations = new Set(this.topology.batteries.map((b) => b.secondarySubstationId));
    const messages = [...stations].map((st) => {
      const load = this.meterLoadW.get(st) ?? new Map<number, number>();
      // intraday: the next four hours from the issue
      const points = [...load.entries()]
        .filter(([t]) => horizon === 'day-ahead' || (t >= issueMs && t < issueMs + 16 * QH))
        .sort((a, b) => a[0] - b[0])
        .map(([t, w], k) => {
          const p50 = Math.round((w / 4) * (1 + 0.03 * Math.sin(k * 1.7)));
          const band = Math.round(Math.abs(p50) * 0.08);
          return { targetStart: new Date(t).toISOString(), p10Wh: p50 - band, p50Wh: p50, p90Wh: p50 + band };
        });
      const data: ForecastIssued = {
        seriesId: siteSeriesId(st),
        seriesKind: 'secondary-substation',
        horizon,
        issueTime: new Date(issueMs).toISOString(),
        modelVersion,
        stepMinutes: 15,
        unit: 'Wh',
        points,
      };
      const event = createEvent(EventTypes.forecastIssued, data, {
        source: '/gridwerk/forecast',
        subject: data.seriesId,
      });
      return { key: data.seriesId, value: JSON.stringify(event) };
    });
    await this.producer.send({ topic: this.topics.forecasts, messages, acks: -1 });
  }

  /**
   * One quarter hour of the units and meters: the simulator steps (obeying the commands it holds), the
   * telemetry of every battery not in `silent` is published, and the step waits until dispatch stored it.
   */
  async step(opts: { silent?: ReadonlySet<string> } = {}): Promise<LoopStep> {
    const step = this.sim.nextStep();
    if (!step) throw new Error('simulation ended');
    const flowW = new Map<string, number>();
    for (const r of [...step.readings, ...step.storageReadings]) {
      const st = this.stationOf.get(r.meterPointId) ?? this.storageStation.get(r.meterPointId) ?? '';
      flowW.set(st, (flowW.get(st) ?? 0) + (r.importWh - r.exportWh) * 4);
    }
    const telemetry = new Map(step.batteries.map((b) => [b.assetId, b]));
    const sent = step.batteries.filter((b) => !opts.silent?.has(b.assetId));
    if (sent.length > 0) {
      await this.producer.send({
        topic: this.topics.telemetry,
        messages: sent.map(encodeTelemetry),
        acks: -1,
      });
      if (this.app)
        await this.untilStored(
          sent.map((b) => b.assetId),
          Date.parse(step.intervalEnd),
        );
    }
    const s = { step, flowW, telemetry };
    this.steps.push(s);
    return s;
  }

  private async untilStored(assets: readonly string[], timeMs: number): Promise<void> {
    await until(
      async () => {
        const r = await this.pg.query<{ n: string }>(
          'SELECT count(*) AS n FROM dispatch_battery_state WHERE asset_id = ANY($1) AND time >= $2',
          [assets, new Date(timeMs)],
        );
        return Number(r.rows[0]?.n) === assets.length;
      },
      `telemetry of ${assets.join(', ')} at ${new Date(timeMs).toISOString()} stored by dispatch`,
    );
  }

  /** Starts the dispatch service (the real module) at the clock's time; it takes the lead and plans. */
  async startDispatch(): Promise<DispatchCycleService> {
    const port = await freePort();
    const config = loadServiceConfig(
      'dispatch',
      port,
      {},
      {
        DATABASE_URL: this.db.url,
        KAFKA_BROKERS: testBrokers().join(','),
        KAFKA_CLIENT_ID: `dispatch-e2e-${this.label}`,
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
    );
    const feature = DispatchModule.forRoot({
      service: 'dispatch',
      logLevel: 'warn',
      databaseUrl: this.db.url,
      planner: this.planner,
      cycleMinutes: 15,
      cycleDelayMs: CYCLE_DELAY_MS,
      priceSource: new NoPriceSource(),
      topics: this.topics,
      consumerGroup: `dispatch-e2e-${this.label}`,
      leaderLockKey: 74_711_409n,
      leaderRetryMs: 60_000,
      runMigrations: true,
      clock: this.clock,
    });
    @Module({})
    class DispatchE2eModule {
      static forRoot(): DynamicModule {
        return {
          module: DispatchE2eModule,
          imports: [PlatformModule.forRoot(config, { migrations: DISPATCH_MIGRATIONS }), feature],
        };
      }
    }
    this.generation += 1;
    const app = await createServiceApp(DispatchE2eModule.forRoot(), createLogger('dispatch', 'warn'));
    await app.listen(port, '127.0.0.1');
    this.app = app;
    const svc = app.get(DispatchCycleService);
    await svc.whenIdle();
    return svc;
  }

  get service(): DispatchCycleService {
    if (!this.app) throw new Error('dispatch is not running');
    return this.app.get(DispatchCycleService);
  }

  async metrics(): Promise<string> {
    if (!this.app) throw new Error('dispatch is not running');
    const url = await this.app.getUrl();
    return (await fetch(`${url.replace('[::1]', '127.0.0.1')}/metrics`)).text();
  }

  async stopDispatch(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    await app?.close();
  }

  /** Commands of the cycle that starts at `cycleStartMs` received so far. */
  commandsOf(cycleStartMs: number): ReceivedCommand[] {
    return this.received.filter((r) => Date.parse(r.command.issuedAt) === cycleStartMs);
  }

  /** Moves the clock to the next cycle (quarter hour + delay), lets it run, and waits for its commands. */
  async cycle(): Promise<{ cycleStartMs: number; commands: BatteryCommand[] }> {
    const now = this.clock.now();
    const cycleStartMs = Math.floor(now / QH) * QH + QH;
    this.clock.advanceTo(cycleStartMs + CYCLE_DELAY_MS);
    await this.service.whenIdle();
    return { cycleStartMs, commands: await this.awaitCommands(cycleStartMs) };
  }

  /** Waits until every battery has the cycle's commands (planned or handed to the local rule). */
  async awaitCommands(cycleStartMs: number): Promise<BatteryCommand[]> {
    const expected = this.batteryIds.length * this.planner.commandSteps;
    await until(
      () => Promise.resolve(this.commandsOf(cycleStartMs).length >= expected),
      `${expected} commands of the cycle at ${new Date(cycleStartMs).toISOString()}`,
    );
    return this.commandsOf(cycleStartMs).map((r) => r.command);
  }

  async close(): Promise<void> {
    await this.stopDispatch().catch(() => undefined);
    await this.consumer.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.pg.end().catch(() => undefined);
    await this.db.drop();
  }
}

export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
