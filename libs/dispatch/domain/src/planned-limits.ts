import type { DispatchPlan, DispatchProblem } from './types';

/** The limit-mode command of one battery for one quarter hour (grid.battery.commands.v2, mode `limit`). */
export interface PlannedLimit {
  intervalStartMs: number;
  /** Station flow (import through the transformer, W) the unit holds on its own measurement. */
  stationLimitW: number;
  /** State of charge (% of usable) the unit keeps for the plan's later discharges. */
  socReservePct: number;
}

/**
 * Turns a plan into limit-mode commands, in the manner of OpenEMS's peak shaving under a planned level: the
 * LP plans the energy, the unit's local controller handles the noise within the quarter hour.
 *
 * - `stationLimitW`: the highest flow the plan lets the station carry from this step to the end of the
 *   horizon (its planned peak level, at least the flow planned for this step). Under it the unit recharges
 *   with the headroom; over it it discharges the excess, whatever the forecast said.
 * - `socReservePct`: what the plan still draws from the battery after this step before its lowest planned
 *   SoC (the energy held for the later part of the peak), on top of the SoC window's minimum, so that noise
 *   now does not spend what the plan needs later.
 *
 * Assumes one unit per secondary substation acting on the station's flow; with several, the limit is held by
 * each on its share of the flow the plan gives it (the station's limit minus the others' planned power).
 */
export function plannedLimits(problem: DispatchProblem, plan: DispatchPlan): Record<string, PlannedLimit[]> {
  const out: Record<string, PlannedLimit[]> = {};
  for (const b of problem.batteries) {
    const site = plan.sites[b.secondarySubstationId];
    const steps = plan.batteries[b.assetId];
    if (!site || !steps) continue;
    const others = problem.batteries.filter(
      (o) => o.secondarySubstationId === b.secondarySubstationId && o.assetId !== b.assetId,
    );
    const n = Math.min(site.length, steps.length);
    // planned peak level from each step to the end of the horizon (a suffix maximum)
    const level = new Array<number>(n);
    const lowestSoc = new Array<number>(n);
    let runLevel = Number.NEGATIVE_INFINITY;
    let runSoc = Number.POSITIVE_INFINITY;
    for (let t = n - 1; t >= 0; t--) {
      runLevel = Math.max(runLevel, site[t].plannedW);
      runSoc = Math.min(runSoc, steps[t].socPct);
      level[t] = runLevel;
      lowestSoc[t] = runSoc;
    }
    out[b.assetId] = steps.slice(0, n).map((s, t) => {
      const othersW = others.reduce((sum, o) => sum + (plan.batteries[o.assetId]?.[t]?.setpointW ?? 0), 0);
      const drawnLaterPct = Math.max(0, s.socPct - lowestSoc[t]);
      return {
        intervalStartMs: s.intervalStartMs,
        stationLimitW: Math.round(level[t] + othersW),
        socReservePct: Math.round(Math.min(b.maxSocPct, b.minSocPct + drawnLaterPct) * 10) / 10,
      };
    });
  }
  return out;
}
