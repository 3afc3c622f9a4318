import { iso, Queryable, rows } from './db';

export interface DispatchPlanStationStep {
  readonly intervalStart: string;
  readonly loadP50W: number;
  readonly loadP90W: number;
  readonly loadP10W: number;
  readonly plannedW: number;
  readonly ratingW: number;
  readonly binding: string;
}

export interface DispatchPlanRow {
  readonly planId: string;
  readonly feederId: string;
  readonly cycleStart: string;
  readonly createdAt: string;
  readonly status: string;
  readonly reason: string;
  readonly horizonSteps: number;
  readonly solveMs: number;
  readonly objectiveCt: number | null;
  readonly costBreakdownCt: Readonly<Record<string, number>>;
  readonly stations: readonly { secondarySubstationId: string; steps: readonly DispatchPlanStationStep[] }[];
  readonly batteries: readonly {
    assetId: string;
    setpoints: readonly { intervalStart: string; setpointW: number; socPct: number }[];
  }[];
  readonly fallback: readonly { assetId: string; reason: string }[];
}

interface ViewRow {
  plan_id: string;
  feeder_id: string;
  cycle_start: Date;
  created_at: Date;
  status: string;
  reason: string;
  horizon_steps: number;
  solve_ms: number;
  objective_ct: number | null;
  cost_breakdown_ct: Record<string, number> | null;
  sites: Record<
    string,
    (Omit<DispatchPlanStationStep, 'intervalStart'> & { intervalStartMs: number })[]
  > | null;
  batteries: Record<string, { intervalStartMs: number; setpointW: number; socPct: number }[]> | null;
  fallback: Record<string, string> | null;
}

/**
 * The dispatch plans, from the view dispatch publishes (`dispatch_plan_v1`, read only): the newest plan
 * per feeder with the planned loading of its stations, the batteries' setpoints and why each battery was
 * handed to its local rule. Without the view (dispatch not deployed there) the answer is empty.
 */
export class DispatchPlanQueries {
  async latestPerFeeder(db: Queryable, feederIds: readonly string[] | undefined): Promise<DispatchPlanRow[]> {
    let found: ViewRow[];
    try {
      found = await rows<ViewRow>(
        db,
        `SELECT DISTINCT ON (feeder_id) plan_id, feeder_id, cycle_start, created_at, status, reason, horizon_steps,
                solve_ms, objective_ct, cost_breakdown_ct, sites, batteries, fallback
           FROM dispatch_plan_v1
          WHERE ($1::text[] IS NULL OR feeder_id = ANY($1))
          ORDER BY feeder_id, cycle_start DESC`,
        [feederIds ?? null],
      );
    } catch (err) {
      if ((err as { code?: string }).code === '42P01') return [];
      throw err;
    }
    return found.map(planOf);
  }
}

const at = (ms: number): string => new Date(ms).toISOString();

function planOf(r: ViewRow): DispatchPlanRow {
  return {
    planId: r.plan_id,
    feederId: r.feeder_id,
    cycleStart: iso(r.cycle_start) ?? '',
    createdAt: iso(r.created_at) ?? '',
    status: r.status,
    reason: r.reason,
    horizonSteps: r.horizon_steps,
    solveMs: r.solve_ms,
    objectiveCt: r.objective_ct,
    costBreakdownCt: r.cost_breakdown_ct ?? {},
    stations: Object.entries(r.sites ?? {}).map(([id, steps]) => ({
      secondarySubstationId: id,
      steps: steps.map((s) => ({
        intervalStart: at(s.intervalStartMs),
        loadP50W: s.loadP50W,
        loadP90W: s.loadP90W,
        loadP10W: s.loadP10W,
        plannedW: s.plannedW,
        ratingW: s.ratingW,
        binding: s.binding,
      })),
    })),
    batteries: Object.entries(r.batteries ?? {}).map(([id, sp]) => ({
      assetId: id,
      setpoints: sp.map((s) => ({
        intervalStart: at(s.intervalStartMs),
        setpointW: s.setpointW,
        socPct: s.socPct,
      })),
    })),
    fallback: Object.entries(r.fallback ?? {}).map(([assetId, reason]) => ({ assetId, reason })),
  };
}
