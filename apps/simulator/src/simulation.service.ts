import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { TopologyRepository } from '@gridwerk/shared/data-access-topology';
import { BatteryCommand as BatteryCommandData, BatteryCommandV2, Topics } from '@gridwerk/contracts';
import { KAFKA_CLIENT } from '@gridwerk/shared/data-access-kafka';
import { HealthRegistry, MetricsService } from '@gridwerk/shared/feature-ops';
import { readFileSync } from 'node:fs';
import { parseSimulatedClock, simulatedNow } from '@gridwerk/shared/util-calendar';
import {
  CityWeather,
  createGridSimulation,
  GridSimulation,
  GridTopology,
  resolveProfiles,
} from '@gridwerk/simulator/domain';
import { abortableSleep, KafkaEventSink, SimulationRunner } from '@gridwerk/simulator/feature';
import type { SimulatorServiceConfig } from './config/simulator.config';

export const SIMULATOR_CONFIG = Symbol('SIMULATOR_CONFIG');

/** Runs the simulation for the lifetime of the process and routes dispatch commands to batteries. */
@Injectable()
export class SimulationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(SimulationService.name);
  private readonly abort = new AbortController();
  private sim: GridSimulation | undefined;
  private running: Promise<unknown> | undefined;
  private failed: string | undefined;

  constructor(
    @Inject(SIMULATOR_CONFIG) private readonly config: SimulatorServiceConfig,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly metrics: MetricsService,
    health: HealthRegistry,
    private readonly dataSource: DataSource,
  ) {
    health.register({
      key: 'simulation',
      check: () => (this.failed ? { ok: false, detail: this.failed } : { ok: true }),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config;
    let now = new Date();
    now.setUTCMinutes(Math.floor(now.getUTCMinutes() / 15) * 15, 0, 0);
    const clockSpec = c.simulatedClock === undefined ? undefined : parseSimulatedClock(c.simulatedClock);
    if (clockSpec !== undefined) {
      now = new Date(Math.floor(simulatedNow(clockSpec) / 900_000) * 900_000);
    }
    if (c.start !== undefined) now = new Date(c.start);
    const seed = /^\d+$/.test(c.seed) ? Number(c.seed) : c.seed;
    this.sim = createGridSimulation({
      seed,
      meters: c.meters,
      start: now,
      days: c.days,
      resolutionMinutes: 15,
      profiles: resolveProfiles(c.profilesDir),
      ...(c.topologyFile !== undefined
        ? { topology: JSON.parse(readFileSync(c.topologyFile, 'utf8')) as GridTopology }
        : {}),
    });
    if (c.batteriesIdle) {
      // a standing idle command for the whole run: no local rule; dispatch's commands (if any) still rule
      const until = now.getTime() + c.days * 86_400_000;
      for (const b of this.sim.topology.batteries)
        this.sim.applyBatteryCommand(b.assetId, {
          mode: 'idle',
          validFrom: now.getTime(),
          validUntil: until,
          issuedAt: now.getTime() - 1,
        });
    }
    // The grid the events come from, for the services that roll up by feeder and substation.
    await this.dataSource.runMigrations({ transaction: 'each' });
    const pool = new Pool({ connectionString: c.databaseUrl, max: 2 });
    try {
      const counts = await new TopologyRepository(pool).upsertTopology(this.sim.topology);
      this.log.log(`topology written: ${JSON.stringify(counts)}`);
    } finally {
      await pool.end();
    }
    const produced = this.metrics.counter('gridwerk_simulator_events_total', 'events produced', ['kind']);
    const sink = new KafkaEventSink(this.kafka, { chunkSize: 5_000, inFlight: 2 });
    this.running = sink
      .connect([Topics.meterReadings, Topics.batteryTelemetry, Topics.weatherForecasts])
      .then(() => {
        const sim = this.sim;
        if (!sim) throw new Error('simulation not created');
        return new SimulationRunner(sim, sink).run({
          // on a shared simulated clock: each quarter hour once that clock has passed its end
          mode: clockSpec === undefined ? c.mode : 'realtime',
          rate: c.rate,
          ...(clockSpec === undefined
            ? {}
            : {
                clock: {
                  now: () => simulatedNow(clockSpec),
                  // simulated ms pass `rate` times faster than wall ms
                  sleep: (ms: number, signal?: AbortSignal) => abortableSleep(ms / clockSpec.rate, signal),
                },
              }),
          signal: this.abort.signal,
          ...(c.weatherForecastEveryHours > 0
            ? {
                weatherForecasts: {
                  weather: new CityWeather(c.seed),
                  everyHours: c.weatherForecastEveryHours,
                  hoursAhead: 48,
                },
              }
            : {}),
          onStep: (s) => {
            produced.inc({ kind: 'reading' }, s.readings);
            produced.inc({ kind: 'telemetry' }, s.telemetry);
            this.log.log(`step ${s.intervalStart}: ${s.readings} readings, ${s.telemetry} telemetry`);
          },
        });
      })
      .catch((err: unknown) => {
        this.failed = err instanceof Error ? err.message : String(err);
        this.log.error(`simulation stopped: ${this.failed}`);
      })
      .finally(() => sink.close().catch(() => undefined));
    this.log.log(
      `simulating ${c.meters} meters (${clockSpec !== undefined ? `simulated clock ${c.simulatedClock ?? ''}` : c.mode}${clockSpec === undefined && c.mode === 'accelerated' ? `, ${c.rate} min/s` : ''}${c.batteriesIdle ? ', batteries idle without commands' : ''}) from ${now.toISOString()}`,
    );
  }

  /** A validated command from grid.battery.commands.v1 or .v2; returns false for an unknown asset. */
  applyCommand(cmd: BatteryCommandData | BatteryCommandV2): boolean {
    const sim = this.sim;
    if (!sim || !sim.topology.batteries.some((b) => b.assetId === cmd.assetId)) return false;
    sim.applyBatteryCommand(cmd.assetId, {
      mode: cmd.mode,
      ...(cmd.setpointW !== undefined ? { setpointW: cmd.setpointW } : {}),
      ...('stationLimitW' in cmd && cmd.stationLimitW !== undefined
        ? { stationLimitW: cmd.stationLimitW }
        : {}),
      ...('socReservePct' in cmd && cmd.socReservePct !== undefined
        ? { socReservePct: cmd.socReservePct }
        : {}),
      validFrom: cmd.validFrom,
      validUntil: cmd.validUntil,
      issuedAt: cmd.issuedAt,
    });
    return true;
  }

  async onApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.running;
  }
}
