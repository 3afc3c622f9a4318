import type { Message } from 'kafkajs';
import { Topics } from '@gridwerk/contracts';
import {
  CityWeather,
  FaultCounters,
  FaultInjector,
  FaultRates,
  GridSimulation,
  StreamItem,
  simulatedWeatherForecast,
  weatherIssueTimes,
} from '@gridwerk/simulator/domain';
import { encodeReading, encodeTelemetry, encodeWeatherForecast } from './event-encoder';
import type { EventSink } from './kafka-sink';
import { ProgressReporter } from './progress';

export type SimulationMode = 'realtime' | 'accelerated' | 'backfill';

export interface RunOptions {
  mode: SimulationMode;
  /** Accelerated mode: simulated minutes per wall-clock second. */
  rate: number;
  faults?: Partial<FaultRates> | undefined;
  faultSeed?: number | string;
  progress?: boolean;
  signal?: AbortSignal;
  /** Target topics; default the contract topics (benchmarks and tests use their own). */
  topics?: { readings: string; telemetry: string };
  /** Wall clock and timer; tests give their own. */
  clock?: Clock;
  /**
   * Weather forecasts of the simulated weather on grid.weather.forecasts.v1: when the simulated clock
   * reaches an issue time (every `everyHours`, aligned to UTC midnight), the forecast issued then for the
   * next `hoursAhead` hours, with an error growing with the lead time. Off when absent.
   */
  weatherForecasts?: { weather: CityWeather; everyHours: number; hoursAhead: number; topic?: string };
  /**
   * Stop before the interval that starts at this instant (UTC ms, on an interval boundary): the run
   * covers [start, untilMs) instead of its whole days. The demo replays today up to the last quarter hour.
   */
  untilMs?: number;
  /** Called after every step (the demo prints from here). */
  onStep?: (info: { index: number; intervalStart: string; readings: number; telemetry: number }) => void;
}

export interface RunResult {
  steps: number;
  /** Readings the simulation generated (before fault injection). */
  readingsGenerated: number;
  telemetry: number;
  /** Weather forecasts (vintages) published. */
  weatherForecasts: number;
  /** Messages handed to Kafka: readings after faults + telemetry + weather forecasts. */
  messagesProduced: number;
  faults?: FaultCounters;
  seconds: number;
  eventsPerSecond: number;
  aborted: boolean;
}

/** What the paced modes wait with. */
export interface Clock {
  now(): number;
  /** Resolves after about `ms` (timers may fire early against the wall clock) or on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const toMessage = (i: StreamItem): Message => ({ key: i.key, value: i.value });

/** Waits `ms` of wall time, or until `signal` aborts (then resolves at once, never rejects). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

const systemClock: Clock = { now: () => Date.now(), sleep: abortableSleep };

/**
 * Waits until the wall clock has passed `until`: a timer runs on the monotonic clock and may fire a
 * little before the wall-clock instant, and a reading must never exist before its interval is over.
 */
async function sleepUntil(clock: Clock, until: number, signal?: AbortSignal): Promise<void> {
  while (!signal?.aborted) {
    const left = until - clock.now();
    if (left <= 0) return;
    await clock.sleep(left, signal);
  }
}

/**
 * Drives a simulation into Kafka: real time (each quarter hour when it ends), accelerated
 * (N simulated minutes per second) or backfill (as fast as the broker takes it). Readings may pass
 * through seeded fault injection; its counters let a test reconcile what arrived.
 */
export class SimulationRunner {
  constructor(
    private readonly sim: GridSimulation,
    private readonly sink: EventSink,
  ) {}

  async run(opts: RunOptions): Promise<RunResult> {
    const topics = opts.topics ?? { readings: Topics.meterReadings, telemetry: Topics.batteryTelemetry };
    const injector = opts.faults
      ? new FaultInjector({ seed: opts.faultSeed ?? 'faults', rates: opts.faults })
      : undefined;
    const stepMs = this.sim.resolutionMinutes * 60_000;
    const progress = opts.progress
      ? new ProgressReporter(
          this.sim.stepCount,
          `simulating ${this.sim.topology.meteringPoints.length} meters`,
        )
      : undefined;
    const clock = opts.clock ?? systemClock;
    const t0 = clock.now();
    let steps = 0;
    let generated = 0;
    let telemetry = 0;
    let produced = 0;
    let weatherForecasts = 0;
    let aborted = false;
    const wf = opts.weatherForecasts;

    // A step is computed when its interval has ended (paced modes), so that the dispatch commands that
    // arrived during the interval govern it, as they would a real unit.
    while (this.sim.position < this.sim.stepCount) {
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      const index = this.sim.position;
      if (opts.untilMs !== undefined && this.sim.startMs + index * stepMs >= opts.untilMs) break;
      if (opts.mode === 'realtime') {
        // the interval [start, end) is published only once `end` has passed on the wall clock
        await sleepUntil(clock, this.sim.startMs + (index + 1) * stepMs, opts.signal);
      } else if (opts.mode === 'accelerated') {
        await sleepUntil(
          clock,
          t0 + ((index + 1) * this.sim.resolutionMinutes * 1000) / opts.rate,
          opts.signal,
        );
      }
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      const step = this.sim.nextStep();
      if (step === undefined) break;
      let readings = [...step.readings, ...step.storageReadings].map(encodeReading);
      if (injector) readings = injector.process(readings);
      const tele = step.batteries.map(encodeTelemetry);
      await this.sink.send(topics.readings, readings.map(toMessage));
      if (tele.length > 0) await this.sink.send(topics.telemetry, tele.map(toMessage));
      if (wf !== undefined) {
        const start = Date.parse(step.intervalStart);
        const issued = weatherIssueTimes(start, start + stepMs, wf.everyHours).map((t) =>
          encodeWeatherForecast(simulatedWeatherForecast(wf.weather, t, wf.hoursAhead)),
        );
        if (issued.length > 0) {
          await this.sink.send(wf.topic ?? Topics.weatherForecasts, issued.map(toMessage));
          weatherForecasts += issued.length;
          produced += issued.length;
        }
      }
      steps += 1;
      generated += step.readings.length + step.storageReadings.length;
      telemetry += tele.length;
      produced += readings.length + tele.length;
      opts.onStep?.({
        index: step.index,
        intervalStart: step.intervalStart,
        readings: readings.length,
        telemetry: tele.length,
      });
      progress?.update(steps, produced);
    }
    if (injector) {
      const rest = injector.flush();
      await this.sink.send(topics.readings, rest.map(toMessage));
      produced += rest.length;
    }
    await this.sink.flush();
    progress?.done(produced);
    const seconds = (clock.now() - t0) / 1000;
    return {
      steps,
      readingsGenerated: generated,
      telemetry,
      weatherForecasts,
      messagesProduced: produced,
      ...(injector ? { faults: injector.counters() } : {}),
      seconds,
      eventsPerSecond: produced / Math.max(seconds, 1e-3),
      aborted,
    };
  }
}
