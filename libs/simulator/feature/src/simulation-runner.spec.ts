import type { Message } from 'kafkajs';
import { EventTypes, Topics, parseEvent } from '@gridwerk/contracts';
import { CityWeather, createGridSimulation } from '@gridwerk/simulator/domain';
import { builtInProfiles } from '@gridwerk/shared/util-load-profiles';
import type { EventSink } from './kafka-sink';
import { type Clock, SimulationRunner } from './simulation-runner';

const QUARTER = 15 * 60_000;
const START = Date.parse('2026-06-01T10:00:00Z');

/** Records what is sent, and when on the simulated wall clock. */
class RecordingSink implements EventSink {
  readonly sent: { at: number; intervalEnds: number[] }[] = [];
  constructor(private readonly clock: Clock) {}
  connect(): Promise<void> {
    return Promise.resolve();
  }
  async send(_topic: string, messages: Message[]): Promise<void> {
    const ends = messages.map((m) => {
      const event = JSON.parse(String(m.value)) as { data?: { intervalEnd?: string } };
      return Date.parse(event.data?.intervalEnd ?? '');
    });
    this.sent.push({ at: this.clock.now(), intervalEnds: ends.filter((e) => !Number.isNaN(e)) });
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A wall clock whose timers fire `earlyMs` before the instant they were set for, as real timers can. */
function driftingClock(startAt: number, earlyMs: number): Clock & { t: number } {
  const c = {
    t: startAt,
    now: () => c.t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) return;
      c.t += Math.max(1, ms - earlyMs);
    },
  };
  return c;
}

const sim = () =>
  createGridSimulation({
    seed: 3,
    meters: 4,
    start: new Date(START).toISOString(),
    days: 1,
    resolutionMinutes: 15,
    profiles: builtInProfiles(),
  });

describe('SimulationRunner in real time', () => {
  it('publishes a quarter hour only after it has ended, even when timers fire early', async () => {
    const clock = driftingClock(START + 60_000, 5);
    const sink = new RecordingSink(clock);
    const abort = new AbortController();
    const result = await new SimulationRunner(sim(), sink).run({
      mode: 'realtime',
      rate: 1,
      clock,
      signal: abort.signal,
      onStep: (s) => {
        if (s.index === 2) abort.abort();
      },
    });
    expect(result.steps).toBe(3);
    const readings = sink.sent.filter((s) => s.intervalEnds.length > 0);
    expect(readings.length).toBeGreaterThanOrEqual(3);
    for (const batch of readings)
      for (const end of batch.intervalEnds) expect(batch.at).toBeGreaterThanOrEqual(end);
    expect(Math.max(...readings.flatMap((b) => b.intervalEnds))).toBe(START + 3 * QUARTER);
  });

  it('publishes nothing of the quarter hour running when it is stopped', async () => {
    const abort = new AbortController();
    const clock = driftingClock(START + 60_000, 0);
    const realSleep = clock.sleep;
    clock.sleep = async (ms, signal) => {
      // the stop arrives 7 minutes into the second quarter hour, while the runner waits for its end
      if (clock.t >= START + QUARTER) {
        clock.t = START + QUARTER + 7 * 60_000;
        abort.abort();
        return;
      }
      return realSleep(ms, signal);
    };
    const sink = new RecordingSink(clock);
    const result = await new SimulationRunner(sim(), sink).run({
      mode: 'realtime',
      rate: 1,
      clock,
      signal: abort.signal,
    });
    expect(result.aborted).toBe(true);
    expect(result.steps).toBe(1);
    const ends = sink.sent.flatMap((b) => b.intervalEnds);
    expect(ends.length).toBeGreaterThan(0);
    expect(Math.max(...ends)).toBe(START + QUARTER);
  });
});

describe('SimulationRunner with an end instant (untilMs)', () => {
  it('covers [start, untilMs) and no interval after it, in accelerated mode', async () => {
    const clock = driftingClock(START, 0);
    const sink = new RecordingSink(clock);
    const result = await new SimulationRunner(sim(), sink).run({
      mode: 'accelerated',
      rate: 1440,
      clock,
      untilMs: START + 5 * QUARTER,
    });
    expect(result.steps).toBe(5);
    expect(result.aborted).toBe(false);
    const ends = sink.sent.flatMap((b) => b.intervalEnds);
    expect(ends.length).toBeGreaterThan(0);
    expect(Math.max(...ends)).toBe(START + 5 * QUARTER);
  });
});

describe('SimulationRunner weather forecasts', () => {
  it('publishes a valid weather forecast vintage at every issue time the simulated clock passes', async () => {
    const messages: { topic: string; value: string }[] = [];
    const sink: EventSink = {
      connect: () => Promise.resolve(),
      send: (topic, ms) => {
        for (const m of ms) messages.push({ topic, value: String(m.value) });
        return Promise.resolve();
      },
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const s = sim(); // 2026-06-01 10:00 UTC + one Berlin day
    const result = await new SimulationRunner(s, sink).run({
      mode: 'backfill',
      rate: 1,
      weatherForecasts: { weather: new CityWeather(3), everyHours: 6, hoursAhead: 48 },
    });
    const weather = messages.filter((m) => m.topic === Topics.weatherForecasts);
    expect(result.weatherForecasts).toBe(weather.length);
    const issues = weather.map((m) => {
      const parsed = parseEvent(m.value, EventTypes.weatherForecast);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
      const data = parsed.value.data;
      expect(data.points).toHaveLength(48);
      expect(data.source).toBe('simulator');
      return data.issueTime;
    });
    const last = START + s.stepCount * QUARTER;
    const expected = [];
    for (let t = Math.ceil(START / (6 * 3_600_000)) * 6 * 3_600_000; t < last; t += 6 * 3_600_000)
      expected.push(new Date(t).toISOString().replace('.000Z', 'Z'));
    expect(issues).toEqual(expected);
  });
});
