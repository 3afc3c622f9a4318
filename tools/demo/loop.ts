import type { ChildProcess } from 'node:child_process';
import {
  addDays,
  localDate,
  type SimulatedClockSpec,
  simulatedNow,
  wallDelayUntil,
} from '@gridwerk/shared/util-calendar';
import { defaultIssueTime } from '@gridwerk/forecast/data-access';
import { berlinWallTimeToUtc } from '@gridwerk/forecast/domain';

/**
 * The intelligent loop of the demo: the forecast models trained at start-up, the forecast jobs on their
 * schedule (as the CronJobs of apps/forecast/README.md run them) and what runs them. The dispatch service
 * and the simulator service (whose batteries obey its commands) are started by demo.ts.
 */

/** Starts a ts-node script of the repo as a child (demo.ts's `start`) and gives its process. */
export type ScriptRunner = (name: string, script: string, args: string[]) => { proc: ChildProcess };

const QUARTER_MS = 15 * 60_000;

/** The time the forecast schedule runs on: the wall clock, or the demo's simulated clock. */
export interface ScheduleClock {
  now(): number;
  /** Wall-clock ms until the instant `atMs` of this clock. */
  delayUntil(atMs: number): number;
  /** Whether runs must be told their issue time (a simulated clock: the jobs themselves read the wall clock). */
  readonly simulated: boolean;
}

export const wallClock: ScheduleClock = {
  now: () => Date.now(),
  delayUntil: (atMs) => Math.max(0, atMs - Date.now()),
  simulated: false,
};

export function simulatedScheduleClock(spec: SimulatedClockSpec): ScheduleClock {
  return {
    now: () => simulatedNow(spec),
    delayUntil: (atMs) => wallDelayUntil(spec, atMs),
    simulated: true,
  };
}

/** Runs a forecast CLI job to its end; calls `onLog` with each JSON log line it writes on stderr. */
export function forecastJob(
  run: ScriptRunner,
  name: string,
  args: string[],
  onLog: (line: Record<string, unknown>) => void = () => undefined,
): Promise<number | null> {
  const { proc } = run(name, 'apps/forecast/src/cli.ts', args);
  let buf = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      try {
        onLog(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  return new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
}

/**
 * Trains the models of every feeder, substation and secondary substation (and the grid) for both
 * horizons on the history up to `untilIso`, reporting each series as it is done. A rerun on the same
 * history finds the stored versions and changes nothing (the second start is faster). Exit code 3 (some
 * series without enough history) is not fatal: their nodes just show no band.
 */
export async function trainForecastModels(
  run: ScriptRunner,
  untilIso: string,
  progress: (message: string) => void,
): Promise<void> {
  for (const horizon of ['day-ahead', 'intraday'] as const) {
    let done = 0;
    const started = Date.now();
    const code = await forecastJob(
      run,
      `forecast-train-${horizon}`,
      ['train', '--all', '--horizon', horizon, '--until', untilIso],
      (log) => {
        const series = log['seriesId'];
        if (typeof series !== 'string' || typeof log['msg'] !== 'string') return;
        if (!/trained|promoted|unchanged|failed|exists/i.test(log['msg'])) return;
        done += 1;
        progress(`  ${horizon}: ${done} models — ${series}: ${log['msg']}`);
      },
    );
    if (code !== 0 && code !== 3)
      throw new Error(`forecast train --horizon ${horizon} exited with code ${code}`);
    progress(`  ${horizon}: ${done} series in ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

/** The next instant (ms) after `nowMs` at `minuteOfDay` Europe/Berlin. */
export function nextLocalTime(nowMs: number, minuteOfDay: number): number {
  const l = localDate(nowMs);
  for (let d = 0; ; d++) {
    const day = addDays(l.year, l.month, l.day, d);
    const t = berlinWallTimeToUtc(day.year, day.month, day.day, minuteOfDay);
    if (t > nowMs) return t;
  }
}

/**
 * The issue time of the day-ahead forecast that covers the Berlin day of `nowMs`: the day before, at
 * `minuteOfDay` Europe/Berlin (what the schedule would have issued had the demo run yesterday).
 */
export function dayAheadIssueCovering(nowMs: number, minuteOfDay: number): number {
  const l = localDate(nowMs);
  const y = addDays(l.year, l.month, l.day, -1);
  return berlinWallTimeToUtc(y.year, y.month, y.day, minuteOfDay);
}

/** The next intraday run: a minute after the next quarter hour (the rollups of the quarter are in). */
export function nextIntradayRun(nowMs: number): number {
  const t = Math.floor(nowMs / QUARTER_MS) * QUARTER_MS + 60_000;
  return t > nowMs ? t : t + QUARTER_MS;
}

/**
 * The forecast jobs on their schedule: intraday every 15 minutes, day-ahead daily at its issue time
 * (`dayAheadMinute`, Europe/Berlin). Runs never overlap per horizon (concurrencyPolicy: Forbid).
 */
export class ForecastSchedule {
  private timers = new Set<NodeJS.Timeout>();
  private running = new Set<string>();
  private stopped = false;

  constructor(
    private readonly run: ScriptRunner,
    private readonly dayAheadMinute: number,
    private readonly report: (horizon: string, code: number | null, issued: number) => void,
    private readonly clock: ScheduleClock = wallClock,
    /** Runs before each forecast run (the demo: the weather forecasts published since into the tables). */
    private readonly prepare: () => Promise<unknown> = () => Promise.resolve(),
  ) {}

  /**
   * Issues both horizons now, then keeps the schedule. First of all (unless `coveringIssued`) the
   * day-ahead forecast that covers today (issued as of yesterday's issue time, on the history known then),
   * so that every node shows today's band against the measured load from the start, not only from
   * tomorrow on.
   */
  start(opts: { coveringIssued?: boolean } = {}): void {
    void (async () => {
      if (opts.coveringIssued !== true)
        await this.issue('day-ahead', dayAheadIssueCovering(this.clock.now(), this.dayAheadMinute));
      await this.issue('day-ahead');
    })();
    void this.issue('intraday');
    this.every(nextIntradayRun, 'intraday');
    this.every((now) => nextLocalTime(now, this.dayAheadMinute), 'day-ahead');
  }

  /** One run now, with the given issue time (the demo's simulated start: today's forecast before the clock runs). */
  issueNow(horizon: 'intraday' | 'day-ahead', issueTimeMs: number): Promise<void> {
    return this.issue(horizon, issueTimeMs);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private every(next: (nowMs: number) => number, horizon: 'intraday' | 'day-ahead'): void {
    const at = next(this.clock.now());
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      void this.issue(horizon);
      this.every(next, horizon);
    }, this.clock.delayUntil(at));
    this.timers.add(timer);
  }

  private async issue(horizon: 'intraday' | 'day-ahead', issueTimeMs?: number): Promise<void> {
    if (this.running.has(horizon) || this.stopped) return;
    this.running.add(horizon);
    let issued = 0;
    try {
      await this.prepare().catch(() => undefined); // a run without the newest weather falls back, flagged
      // on a simulated clock every run is told its issue time (the job would take the wall clock's)
      const issueAt =
        issueTimeMs ??
        (this.clock.simulated ? defaultIssueTime(horizon, this.dayAheadMinute, this.clock.now()) : undefined);
      const at = issueAt === undefined ? [] : ['--issue-time', new Date(issueAt).toISOString()];
      const code = await forecastJob(
        this.run,
        `forecast-run-${horizon}${issueTimeMs === undefined ? '' : '-today'}`,
        ['run', '--all', '--horizon', horizon, ...at],
        (log) => {
          if (log['msg'] === 'forecast issued') issued += 1;
        },
      );
      this.report(horizon, code, issued);
    } finally {
      this.running.delete(horizon);
    }
  }
}
