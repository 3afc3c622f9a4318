import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { MeterReading } from '@gridwerk/contracts';
import type { BatteryTelemetryData, GridTopology } from '@gridwerk/simulator/domain';
import type { ServiceProcess } from '../../../e2e/service-process';

/** What every stage of bench:city may use: the database, the broker, the city and the running services. */
export interface CityContext {
  readonly root: string;
  readonly databaseUrl: string;
  readonly pool: Pool;
  readonly kafka: Kafka;
  readonly brokers: string;
  readonly topics: { readonly readings: string; readonly telemetry: string };
  /** The simulator's topology, as written into the database. */
  readonly topology: CityTopology;
  readonly log: (m: string) => void;
  /** The services started so far (peak RSS is reported for each); a stage adds the ones it starts. */
  readonly services: Map<string, ServiceProcess>;
  /** The replayed window: its first quarter hour, how many, and the wall-clock seconds between bursts. */
  readonly window: { readonly startMs: number; readonly quarters: number; readonly cadenceSeconds: number };
}

/** The simulator's topology (its generator's, at the benchmark's meter count). */
export type CityTopology = GridTopology;

/** One replayed quarter hour, as the stages see it. */
export interface CityQuarter {
  readonly index: number;
  /** Start of the quarter hour the burst holds. */
  readonly intervalStart: Date;
  /** When its burst started (ms since the epoch); every stage is measured from here. */
  readonly burstAtMs: number;
  readonly readings: readonly MeterReading[];
  /** The fleet batteries' telemetry at the quarter's end (the simulator's units, reporting every quarter). */
  readonly batteries: readonly BatteryTelemetryData[];
  /** Readings produced so far, this burst included. */
  readonly totalReadings: number;
}

/**
 * One stage of the chain (burst → stored → rollups → alarms evaluated → visible → dispatch re-planned →
 * settled). A stage is a module of its own under `stages/`, listed once in `stages/index.ts`: another stage
 * is added there without touching the others or the benchmark's loop.
 */
export interface CityStage {
  /** The issue's name of the stage, e.g. 'alarms evaluated'. */
  readonly name: string;
  /** The JSON field of its figures, e.g. 'toAlarmsEvaluatedSeconds'. */
  readonly key: string;
  /** Starts what the stage needs (services, subscriptions), after the topology and prefill are written. */
  setup?(ctx: CityContext): Promise<void>;
  /**
   * Called once after every stage's setup, right before the window: resolves with the earliest wall-clock
   * instant (ms since the epoch) the first burst may come, e.g. where a service's simulated clock puts the
   * end of the first quarter hour; the first burst waits for the latest of them.
   */
  beforeWindow?(): Promise<number | undefined>;
  /** Called right before a quarter's burst is produced (e.g. to note what the stage should see). */
  beforeBurst?(q: CityQuarter): void;
  /**
   * Resolves with the instant (ms since the epoch) the stage was done for the quarter; all stages of a
   * quarter are awaited together, each measured from the burst. Rejects when it does not finish in time.
   * Resolves with undefined when the burst leaves the stage nothing to do (it is then not measured for
   * that quarter, e.g. settlement: the first burst closes no interval).
   */
  awaitQuarter(q: CityQuarter): Promise<number | undefined>;
  /** Extra figures for the JSON (e.g. what the stage checked), merged under `stageDetails[key]`. */
  details?(): Record<string, unknown>;
  teardown?(): Promise<void>;
}

/** Polls `done` every 100 ms; a stage that does not finish within `timeoutMs` fails the run. */
export async function until(
  what: string,
  done: () => Promise<boolean>,
  timeoutMs = 600_000,
  everyMs = 100,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return Date.now();
}

/** The value of one Prometheus sample (first match) in a /metrics text; undefined when absent. */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  const re = new RegExp(`^${name}${labels ? `\\{${labels}[^}]*\\}` : '(?:\\{[^}]*\\})?'} (\\S+)$`, 'm');
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The sum of a metric's samples over all their labels (e.g. a histogram's `_count` per feeder); 0 when absent. */
export function metricSum(text: string, name: string): number {
  const re = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm');
  let sum = 0;
  for (const m of text.matchAll(re)) sum += Number(m[1]);
  return sum;
}
