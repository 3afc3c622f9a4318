import type { BatteryCommandV2 as BatteryCommand, BatteryTelemetry } from '@gridwerk/contracts';
import {
  BatteryInput,
  DimmingSignal,
  DispatchParameters,
  DispatchProblem,
  injectInfeasibility,
  limitModeParameters,
  LpSolver,
  planDispatch,
  QuantileSeries,
  SiteInput,
  STEP_MS,
} from '@gridwerk/dispatch/domain';
import type {
  DispatchRepository,
  FeederTopology,
  PriceSource,
  StoredForecast,
} from '@gridwerk/dispatch/data-access';
import {
  BatteryDefaults,
  batteryInputOf,
  fallbackCommands,
  historyForecast,
  HISTORY_FORECAST_DAYS,
  horizonSteps,
  mergeStoredForecasts,
  planCommands,
  siteSeriesId,
} from './planning-inputs';
import type { CommandMode } from './planning-inputs';
import { mapIsolated } from './feeder-isolation';

export interface PlannerSettings {
  parameters: DispatchParameters;
  batteryDefaults: BatteryDefaults;
  /** MPC horizon, at least 96 quarter hours. */
  minHorizonSteps: number;
  /** Quarter hours each cycle sends commands for (the first bridges a late next cycle). */
  commandSteps: number;
  /** Setpoints (grid.battery.commands.v1) or station-flow limits with SoC reserves (v2). Default setpoint. */
  commandMode?: CommandMode;
  /** A battery whose latest telemetry is older than this is planned without: local rule. */
  telemetryMaxAgeMs: number;
  /** A forecast must cover the cycle's first quarter hours and be issued within this age. */
  forecastMaxAgeMs: number;
  solveTimeLimitS: number;
  /**
   * When no published forecast covers a station's next quarter hours, plan on the history forecast (same
   * day-type mean of the measured load, see `historyForecast`) instead of handing its batteries to the local
   * rule. Default true.
   */
  historyFallback?: boolean;
  /** Drill: cycles starting before this instant solve an infeasible model (the solver-failure path). */
  injectInfeasibleBeforeMs?: number;
  /** Feeders planned at once (the solver pool's size); default 1. */
  concurrency?: number;
  /**
   * A feeder not planned within this many ms (inputs, solve, storing) is given up: its batteries run their
   * local rule, the others are planned. Default: 2 × the solve time limit + 30 s.
   */
  feederTimeoutMs?: number;
}

/** What a station's plan stands on: the published forecast issues, or the history fallback and why. */
type ForecastSource =
  { kind: 'published'; issues: StoredForecast[] } | { kind: 'history'; why: string; series: QuantileSeries };

export interface CycleObserver {
  solved(feederId: string, seconds: number): void;
  commandsSent(commands: readonly BatteryCommand[]): void;
  limitViolations(count: number): void;
  fallback(cause: string, batteries: number): void;
  /** A feeder whose planning threw or timed out (the others were planned). */
  feederFailed?(feederId: string, code: string): void;
}

export interface CommandPublisher {
  publish(commands: readonly BatteryCommand[]): Promise<void>;
}

export interface CycleReport {
  cycleStartMs: number;
  feeders: {
    feederId: string;
    planId: string;
    status: 'optimal' | 'fallback';
    reason: string;
    planned: string[];
    fallback: string[];
  }[];
  sent: number;
}

/**
 * One MPC cycle over every feeder with batteries: read state, forecasts and prices; plan each feeder
 * with the LP; send the setpoints of the next quarter hours; hand to the local rule whatever cannot be
 * planned (telemetry missing, forecast missing or stale, solve failed). Commands are stored with the plan
 * in one transaction under stable ids and sent afterwards, so a repeated cycle sends nothing twice.
 */
export class DispatchPlanner {
  constructor(
    private readonly repo: DispatchRepository,
    private readonly solver: LpSolver,
    private readonly prices: PriceSource,
    private readonly publisher: CommandPublisher,
    private readonly settings: PlannerSettings,
    private readonly observer: CycleObserver,
    private readonly dimming: () => readonly DimmingSignal[] = () => [],
  ) {}

  /** Re-sends commands stored by a cycle that crashed before it could send them (still valid ones only). */
  async resendUnsent(nowMs: number): Promise<number> {
    const pending = await this.repo.unsentCommands(nowMs);
    if (pending.length === 0) return 0;
    await this.publisher.publish(pending);
    await this.repo.markSent(pending.map((c) => c.commandId));
    this.observer.commandsSent(pending);
    return pending.length;
  }

  async runCycle(cycleStartMs: number): Promise<CycleReport> {
    if (cycleStartMs % STEP_MS !== 0) throw new RangeError('a cycle starts on a quarter hour');
    const s = this.settings;
    const [feeders, states] = await Promise.all([
      this.repo.feedersWithBatteries(),
      this.repo.batteryStates(),
    ]);
    const forecasts = await this.repo.forecasts(
      feeders.flatMap((f) => f.secondarySubstations.map((x) => siteSeriesId(x.secondarySubstationId))),
    );
    // the measured load for the history forecast, read only when a station has no usable published one
    const needHistory = feeders.flatMap((f) =>
      f.secondarySubstations
        .map((x) => x.secondarySubstationId)
        .filter((id) => {
          const issues = forecasts.get(siteSeriesId(id)) ?? [];
          const fresh = issues.filter((x) => cycleStartMs - Date.parse(x.issueTime) <= s.forecastMaxAgeMs);
          return (
            fresh.length === 0 ||
            mergeStoredForecasts(fresh, cycleStartMs, s.commandSteps).coverageEndMs <
              cycleStartMs + s.commandSteps * STEP_MS
          );
        }),
    );
    const measured =
      (s.historyFallback ?? true) && needHistory.length > 0
        ? await this.repo.measuredLoad(
            needHistory,
            cycleStartMs - (HISTORY_FORECAST_DAYS + 2) * 96 * STEP_MS,
            cycleStartMs,
          )
        : new Map<string, Map<number, number>>();
    const historyOf = (id: string, steps = 96): QuantileSeries | undefined => {
      const m = measured.get(id);
      return m ? historyForecast(m, cycleStartMs, steps) : undefined;
    };
    const market = s.parameters.mode === 'market';
    let prices = new Map<number, number>();
    let priceProblem: string | undefined;
    if (market) {
      try {
        prices = await this.prices.prices(cycleStartMs, cycleStartMs + 4 * 96 * STEP_MS);
      } catch (err) {
        priceProblem = err instanceof Error ? err.message : String(err);
      }
    }
    const report: CycleReport = { cycleStartMs, feeders: [], sent: 0 };
    // feeders in parallel (as many as the solver pool has workers); one that throws or hangs fails alone
    const outcomes = await mapIsolated(
      feeders,
      {
        concurrency: s.concurrency ?? 1,
        timeoutMs: s.feederTimeoutMs ?? 2 * s.solveTimeLimitS * 1000 + 30_000,
      },
      (feeder) => this.planFeeder(feeder, states, forecasts, prices, priceProblem, cycleStartMs, historyOf),
    );
    for (const [i, outcome] of outcomes.entries()) {
      const feeder = feeders[i];
      if (feeder === undefined) continue;
      const r = outcome.ok
        ? outcome.value
        : await this.failFeeder(feeder, cycleStartMs, `${outcome.code}: ${outcome.reason}`, outcome.code);
      report.feeders.push(r.summary);
      report.sent += r.sent;
    }
    return report;
  }

  /**
   * A feeder whose planning threw or timed out: every battery of it gets the local rule, stored as a
   * fallback plan whose reason carries the code. If storing fails too, the cycle reports the feeder and
   * goes on (the units fall back on their own when commands stop).
   */
  private async failFeeder(feeder: FeederTopology, cycleStartMs: number, reason: string, code: string) {
    const s = this.settings;
    const planId = `${feeder.feederId}/${new Date(cycleStartMs).toISOString()}`;
    const assets = feeder.batteries.map((b) => b.assetId);
    this.observer.feederFailed?.(feeder.feederId, code);
    this.observer.fallback(
      code === 'DISPATCH.FEEDER_TIMEOUT' ? 'feeder timed out' : 'feeder failed',
      assets.length,
    );
    let sent = 0;
    try {
      const commands = fallbackCommands(assets, cycleStartMs, s.commandSteps, reason);
      const fresh = await this.repo.savePlan({
        id: planId,
        scopeId: feeder.feederId,
        cycleStart: new Date(cycleStartMs).toISOString(),
        status: 'fallback',
        reason,
        horizonSteps: 0,
        solveMs: 0,
        objectiveCt: null,
        explanation: {
          error: { code, reason },
          fallback: Object.fromEntries(assets.map((a) => [a, reason])),
        },
        commands,
      });
      if (fresh.length > 0) {
        await this.publisher.publish(fresh);
        await this.repo.markSent(fresh.map((c) => c.commandId));
        this.observer.commandsSent(fresh);
      }
      sent = fresh.length;
    } catch (err) {
      reason = `${reason}; its fallback plan could not be stored: ${err instanceof Error ? err.message : String(err)}`;
    }
    return {
      sent,
      summary: {
        feederId: feeder.feederId,
        planId,
        status: 'fallback' as const,
        reason,
        planned: [],
        fallback: assets,
      },
    };
  }

  private async planFeeder(
    feeder: FeederTopology,
    states: Map<string, BatteryTelemetry>,
    forecasts: Awaited<ReturnType<DispatchRepository['forecasts']>>,
    prices: Map<number, number>,
    priceProblem: string | undefined,
    cycleStartMs: number,
    historyOf: (secondarySubstationId: string, steps?: number) => QuantileSeries | undefined,
  ) {
    const s = this.settings;
    const planId = `${feeder.feederId}/${new Date(cycleStartMs).toISOString()}`;
    const fallback = new Map<string, string>(); // assetId → reason
    const usable: BatteryInput[] = [];
    for (const b of feeder.batteries) {
      const t = states.get(b.assetId);
      if (!t) fallback.set(b.assetId, 'no telemetry');
      else if (cycleStartMs - Date.parse(t.time) > s.telemetryMaxAgeMs)
        fallback.set(b.assetId, `telemetry missing since ${t.time}`);
      else if (t.mode === 'fault' || t.mode === 'maintenance') fallback.set(b.assetId, `unit in ${t.mode}`);
      else usable.push(batteryInputOf(b, t, s.batteryDefaults));
    }
    // sites need a forecast that covers the next quarter hours and is not stale: the published issues
    // merged per quarter hour, else (history fallback) the same day-type mean of the measured load
    const sites: SiteInput[] = [];
    const sources = new Map<string, ForecastSource>();
    let coverageEnd = Number.POSITIVE_INFINITY;
    const longest = 4 * 96;
    for (const site of feeder.secondarySubstations) {
      const members = usable.filter((b) => b.secondarySubstationId === site.secondarySubstationId);
      if (members.length === 0) continue;
      const issues = (forecasts.get(siteSeriesId(site.secondarySubstationId)) ?? []).filter(
        (f) => cycleStartMs - Date.parse(f.issueTime) <= s.forecastMaxAgeMs,
      );
      const merged = issues.length > 0 ? mergeStoredForecasts(issues, cycleStartMs, longest) : undefined;
      if (merged && merged.coverageEndMs >= cycleStartMs + s.commandSteps * STEP_MS) {
        coverageEnd = Math.min(coverageEnd, merged.coverageEndMs);
        sources.set(site.secondarySubstationId, { kind: 'published', issues });
        sites.push({
          secondarySubstationId: site.secondarySubstationId,
          ratedKva: site.ratedKva,
          forecast: { p10Wh: [], p50Wh: [], p90Wh: [] },
        });
        continue;
      }
      const all = forecasts.get(siteSeriesId(site.secondarySubstationId)) ?? [];
      const why =
        all.length === 0
          ? 'no forecast'
          : issues.length === 0
            ? `forecast of ${
                all
                  .map((f) => f.issueTime)
                  .sort()
                  .at(-1) ?? ''
              } is stale`
            : 'forecast does not cover the next quarter hours';
      const history = (s.historyFallback ?? true) ? historyOf(site.secondarySubstationId) : undefined;
      if (history) {
        sources.set(site.secondarySubstationId, { kind: 'history', why, series: history });
        sites.push({
          secondarySubstationId: site.secondarySubstationId,
          ratedKva: site.ratedKva,
          forecast: history,
        });
        continue;
      }
      for (const b of members) fallback.set(b.assetId, why);
    }
    const planned = usable.filter((b) =>
      sites.some((x) => x.secondarySubstationId === b.secondarySubstationId),
    );
    let priceEnd = cycleStartMs;
    while (prices.has(priceEnd)) priceEnd += STEP_MS;
    const market = s.parameters.mode === 'market';
    const steps = horizonSteps(
      cycleStartMs,
      s.minHorizonSteps,
      market ? Math.min(coverageEnd, priceEnd) : coverageEnd,
    );
    const known = [...prices.values()].sort((a, b) => a - b);
    const median = known[Math.floor(known.length / 2)] ?? 0;
    const priceArr = Array.from(
      { length: steps },
      (_, t) => prices.get(cycleStartMs + t * STEP_MS) ?? median,
    );
    const forecastSources: Record<string, unknown> = {};
    for (const site of sites) {
      const src = sources.get(site.secondarySubstationId);
      if (src?.kind === 'published') {
        const merged = mergeStoredForecasts(src.issues, cycleStartMs, steps);
        site.forecast = merged.series;
        forecastSources[site.secondarySubstationId] = {
          source: 'published',
          spans: merged.spans.map((x) => ({
            from: new Date(x.fromMs).toISOString(),
            until: new Date(x.untilMs).toISOString(),
            ...(x.kind === 'filled'
              ? { filled: 'same quarter hour a day earlier' }
              : { horizon: x.horizon, issueTime: x.issueTime, modelVersion: x.modelVersion }),
          })),
          // the day-ahead part brought to the intraday issue's level (mergeForecastIssues)
          ...(merged.alignment ? { alignment: merged.alignment } : {}),
        };
      } else if (src?.kind === 'history') {
        site.forecast = historyOf(site.secondarySubstationId, steps) ?? src.series;
        forecastSources[site.secondarySubstationId] = {
          source: 'history',
          reason: src.why,
          method: `same day-type mean of the measured load over ${HISTORY_FORECAST_DAYS} days`,
        };
      }
    }

    const commands: BatteryCommand[] = [];
    let status: 'optimal' | 'fallback' = 'fallback';
    let reason: string;
    let solveMs = 0;
    let objectiveCt: number | null = null;
    let explanation: unknown = { fallback: Object.fromEntries(fallback) };
    if (planned.length > 0) {
      const problem: DispatchProblem = {
        scopeId: feeder.feederId,
        startMs: cycleStartMs,
        steps,
        sites,
        batteries: planned,
        pricesCtPerKWh: priceArr,
        dimming: this.dimming(),
        parameters: s.commandMode === 'limit' ? limitModeParameters(s.parameters) : s.parameters,
      };
      const outcome = await planDispatch(problem, this.solver, {
        timeLimitS: s.solveTimeLimitS,
        ...(s.injectInfeasibleBeforeMs !== undefined && cycleStartMs < s.injectInfeasibleBeforeMs
          ? { transform: injectInfeasibility }
          : {}),
      });
      solveMs = outcome.solveMs;
      this.observer.solved(feeder.feederId, outcome.solveMs / 1000);
      if (outcome.ok) {
        status = 'optimal';
        objectiveCt = outcome.plan.objectiveCt;
        const built = planCommands(
          outcome.plan,
          planned,
          s.parameters,
          cycleStartMs,
          s.commandSteps,
          planId,
          s.commandMode ?? 'setpoint',
        );
        this.observer.limitViolations(built.limitViolations);
        commands.push(...built.commands);
        const kinds = [...new Set([...sources.values()].map((x) => x.kind))].sort().join(' + ');
        reason = `optimal over ${steps} quarter hours (${s.parameters.mode}${market && priceProblem ? `, prices unavailable: ${priceProblem}` : ''}) on the ${kinds} forecast`;
        explanation = {
          mode: s.parameters.mode,
          model: outcome.model,
          costBreakdownCt: outcome.plan.costBreakdownCt,
          degradationCtPerKWh: outcome.plan.degradationCtPerKWh,
          sites: outcome.plan.sites,
          batteries: outcome.plan.batteries,
          forecasts: forecastSources,
          fallback: Object.fromEntries(fallback),
        };
      } else {
        reason = `${outcome.code}: ${outcome.reason}`;
        for (const b of planned) fallback.set(b.assetId, `solve failed (${outcome.reason})`);
        explanation = {
          error: { code: outcome.code, reason: outcome.reason },
          fallback: Object.fromEntries(fallback),
        };
      }
    } else {
      reason = 'nothing to plan: every battery is on its local rule';
    }
    const byReason = new Map<string, string[]>();
    for (const [asset, why] of fallback) byReason.set(why, [...(byReason.get(why) ?? []), asset]);
    for (const [why, assets] of byReason) {
      commands.push(...fallbackCommands(assets, cycleStartMs, s.commandSteps, why));
      this.observer.fallback(
        why
          .replace(/ \(.*$/, '')
          .replace(/ since .*$/, '')
          .replace(/ of .* is /, ' is '),
        assets.length,
      );
    }
    const fresh = await this.repo.savePlan({
      id: planId,
      scopeId: feeder.feederId,
      cycleStart: new Date(cycleStartMs).toISOString(),
      status,
      reason,
      horizonSteps: status === 'optimal' ? steps : 0,
      solveMs,
      objectiveCt,
      explanation,
      commands,
    });
    if (fresh.length > 0) {
      await this.publisher.publish(fresh);
      await this.repo.markSent(fresh.map((c) => c.commandId));
      this.observer.commandsSent(fresh);
    }
    return {
      sent: fresh.length,
      summary: {
        feederId: feeder.feederId,
        planId,
        status,
        reason,
        planned: status === 'optimal' ? planned.map((b) => b.assetId) : [],
        fallback: [...fallback.keys()],
      },
    };
  }
}
