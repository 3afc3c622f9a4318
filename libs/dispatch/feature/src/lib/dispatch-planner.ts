import type { BatteryCommandV2 as BatteryCommand, BatteryTelemetry } from '@gridwerk/contracts';
import {
  BatteryInput,
  DimmingSignal,
  DispatchParameters,
  DispatchProblem,
  injectInfeasibility,
  LpSolver,
  planDispatch,
  SiteInput,
  STEP_MS,
} from '@gridwerk/dispatch/domain';
import type { DispatchRepository, FeederTopology, PriceSource } from '@gridwerk/dispatch/data-access';
import {
  BatteryDefaults,
  batteryInputOf,
  fallbackCommands,
  forecastCoverageEnd,
  forecastSeries,
  horizonSteps,
  planCommands,
  siteSeriesId,
} from './planning-inputs';
import type { CommandMode } from './planning-inputs';

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
  /** Drill: cycles starting before this instant solve an infeasible model (the solver-failure path). */
  injectInfeasibleBeforeMs?: number;
}

export interface CycleObserver {
  solved(feederId: string, seconds: number): void;
  commandsSent(commands: readonly BatteryCommand[]): void;
  limitViolations(count: number): void;
  fallback(cause: string, batteries: number): void;
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
    for (const feeder of feeders) {
      const r = await this.planFeeder(feeder, states, forecasts, prices, priceProblem, cycleStartMs);
      report.feeders.push(r.summary);
      report.sent += r.sent;
    }
    return report;
  }

  private async planFeeder(
    feeder: FeederTopology,
    states: Map<string, BatteryTelemetry>,
    forecasts: Awaited<ReturnType<DispatchRepository['forecasts']>>,
    prices: Map<number, number>,
    priceProblem: string | undefined,
    cycleStartMs: number,
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
    // sites need a forecast that covers the next quarter hours and is not stale
    const sites: SiteInput[] = [];
    let coverageEnd = Number.POSITIVE_INFINITY;
    for (const site of feeder.secondarySubstations) {
      const members = usable.filter((b) => b.secondarySubstationId === site.secondarySubstationId);
      if (members.length === 0) continue;
      const f = forecasts.get(siteSeriesId(site.secondarySubstationId));
      const end = f ? forecastCoverageEnd(f, cycleStartMs) : cycleStartMs;
      const stale = f !== undefined && cycleStartMs - Date.parse(f.issueTime) > s.forecastMaxAgeMs;
      if (!f || end < cycleStartMs + s.commandSteps * STEP_MS || stale) {
        const why = !f
          ? 'no forecast'
          : stale
            ? `forecast of ${f.issueTime} is stale`
            : 'forecast does not cover the next quarter hours';
        for (const b of members) fallback.set(b.assetId, why);
        continue;
      }
      coverageEnd = Math.min(coverageEnd, end);
      sites.push({
        secondarySubstationId: site.secondarySubstationId,
        ratedKva: site.ratedKva,
        forecast: { p10Wh: [], p50Wh: [], p90Wh: [] },
      });
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
    for (const site of sites) {
      const f = forecasts.get(siteSeriesId(site.secondarySubstationId));
      if (f) site.forecast = forecastSeries(f, cycleStartMs, steps);
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
        parameters: s.parameters,
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
        reason = `optimal over ${steps} quarter hours (${s.parameters.mode}${market && priceProblem ? `, prices unavailable: ${priceProblem}` : ''})`;
        explanation = {
          mode: s.parameters.mode,
          model: outcome.model,
          costBreakdownCt: outcome.plan.costBreakdownCt,
          degradationCtPerKWh: outcome.plan.degradationCtPerKWh,
          sites: outcome.plan.sites,
          batteries: outcome.plan.batteries,
          forecasts: Object.fromEntries(
            sites.map((x) => {
              const f = forecasts.get(siteSeriesId(x.secondarySubstationId));
              return [
                x.secondarySubstationId,
                f ? { issueTime: f.issueTime, modelVersion: f.modelVersion } : null,
              ];
            }),
          ),
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
