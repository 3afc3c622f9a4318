import type { DispatchPlan } from '../../api/types';

export const BINDINGS = ['over-rating', 'p90-reserve', 'pv-surplus', 'peak', 'arbitrage', 'idle'] as const;
export type Binding = (typeof BINDINGS)[number];

export function bindingOf(b: string): Binding {
  return (BINDINGS as readonly string[]).includes(b) ? (b as Binding) : 'idle';
}

export interface StationSummary {
  secondarySubstationId: string;
  ratingKW: number;
  /** Highest forecast load without batteries (P50) and planned loading with them over the horizon, kW. */
  peakLoadKW: number;
  peakPlannedKW: number;
  /** Quarter hours the forecast alone would be over the rating, and the plan still is. */
  overWithout: number;
  overPlanned: number;
  /** The next quarter hours of the plan. */
  next: { startMs: number; loadKW: number; plannedKW: number; binding: Binding }[];
}

const kw = (w: number) => Math.round(w / 100) / 10;

/** What the panel shows of a station's plan: the peak with and without the batteries, the next steps. */
export function summariseStations(plan: DispatchPlan, nextSteps = 4): StationSummary[] {
  return plan.stations
    .map((s) => {
      const rating = s.steps[0]?.ratingW ?? 0;
      return {
        secondarySubstationId: s.secondarySubstationId,
        ratingKW: kw(rating),
        peakLoadKW: kw(Math.max(0, ...s.steps.map((x) => x.loadP50W))),
        peakPlannedKW: kw(Math.max(0, ...s.steps.map((x) => x.plannedW))),
        overWithout: s.steps.filter((x) => x.loadP50W > rating).length,
        overPlanned: s.steps.filter((x) => x.plannedW > rating).length,
        next: s.steps.slice(0, nextSteps).map((x) => ({
          startMs: Date.parse(x.intervalStart),
          loadKW: kw(x.loadP50W),
          plannedKW: kw(x.plannedW),
          binding: bindingOf(x.binding),
        })),
      };
    })
    .sort((a, b) => a.secondarySubstationId.localeCompare(b.secondarySubstationId));
}

/** The cost terms that shaped the plan, largest first (terms of zero left out), ct. */
export function costTerms(plan: DispatchPlan): { term: string; ct: number }[] {
  return Object.entries(plan.costBreakdownCt)
    .filter(([, ct]) => Math.abs(ct) >= 0.5)
    .map(([term, ct]) => ({ term, ct: Math.round(ct) }))
    .sort((a, b) => Math.abs(b.ct) - Math.abs(a.ct));
}

export interface PlanStepRow {
  startMs: number;
  /** The station's expected flow without the batteries (forecast P50) and with the plan, and its rating, kW. */
  withoutKW: number;
  plannedKW: number;
  ratingKW: number;
  /** Why the step is what it is. */
  binding: Binding;
  /** The station's batteries in this step: planned power (kW, + = discharge) and SoC at the step's end (%). */
  batteries: { assetId: string; setpointKW: number; socPct: number }[];
}

/**
 * A station's plan step by step over the whole horizon, with its batteries' setpoints and SoC trajectory.
 * `batteryIds` are the station's batteries (from the topology); a battery the plan does not hold is left out.
 */
export function planSteps(
  plan: DispatchPlan,
  stationId: string,
  batteryIds: readonly string[],
): PlanStepRow[] {
  const station = plan.stations.find((s) => s.secondarySubstationId === stationId);
  if (!station) return [];
  const ids = new Set(batteryIds);
  const own = plan.batteries
    .filter((b) => ids.has(b.assetId))
    .sort((a, b) => a.assetId.localeCompare(b.assetId))
    .map((b) => ({
      assetId: b.assetId,
      at: new Map(b.setpoints.map((s) => [Date.parse(s.intervalStart), s])),
    }));
  return station.steps.map((x) => {
    const startMs = Date.parse(x.intervalStart);
    return {
      startMs,
      withoutKW: kw(x.loadP50W),
      plannedKW: kw(x.plannedW),
      ratingKW: kw(x.ratingW),
      binding: bindingOf(x.binding),
      batteries: own.flatMap((b) => {
        const s = b.at.get(startMs);
        return s
          ? [{ assetId: b.assetId, setpointKW: kw(s.setpointW), socPct: Math.round(s.socPct * 10) / 10 }]
          : [];
      }),
    };
  });
}
