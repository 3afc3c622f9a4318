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

/** A station's quarter hour as the plan in force at it saw it: its first step. */
export interface StationStepInForce {
  readonly intervalStartMs: number;
  readonly loadP50W: number;
  readonly plannedW: number;
  readonly ratingW: number;
}

export interface AboveRatingDay {
  /** Quarter hours with a plan in force (a quarter hour without one counts nothing). */
  readonly quarterHours: number;
  /** Energy above the rating the station would have seen without the batteries (forecast P50), Wh. */
  readonly withoutBatteriesWh: number;
  /** Energy above the rating that was still planned with the batteries, Wh. */
  readonly plannedWh: number;
  /** What the batteries took off: the difference, Wh. */
  readonly avoidedWh: number;
}

const QUARTER_HOUR_MS = 900_000;

/**
 * Energy above the rating avoided by the batteries, per quarter hour from the plan in force at it:
 * `max(0, P50 without batteries − rating) − max(0, planned − rating)`, over ¼ h, rounded to whole Wh.
 * Each quarter hour counts once (the step whose start it is).
 */
export function aboveRatingDay(steps: readonly StationStepInForce[]): AboveRatingDay {
  const seen = new Set<number>();
  let without = 0;
  let planned = 0;
  for (const s of steps) {
    if (s.intervalStartMs % QUARTER_HOUR_MS !== 0 || seen.has(s.intervalStartMs)) continue;
    seen.add(s.intervalStartMs);
    without += Math.max(0, s.loadP50W - s.ratingW) / 4;
    planned += Math.max(0, s.plannedW - s.ratingW) / 4;
  }
  const withoutBatteriesWh = Math.round(without);
  const plannedWh = Math.round(planned);
  return {
    quarterHours: seen.size,
    withoutBatteriesWh,
    plannedWh,
    avoidedWh: Math.max(0, withoutBatteriesWh - plannedWh),
  };
}

/** The steps of one station from the plans of its feeder whose cycle started in `[from, to)`: each plan's first step. */
export async function stationStepsInForce(
  db: Queryable,
  feederId: string,
  stationId: string,
  from: Date,
  to: Date,
): Promise<StationStepInForce[]> {
  let found: { cycle_start: Date; steps: (StationStepInForce & Record<string, unknown>)[] | null }[];
  try {
    found = await rows(
      db,
      `SELECT DISTINCT ON (cycle_start) cycle_start, sites -> $2 AS steps
         FROM dispatch_plan_v1
        WHERE feeder_id = $1 AND cycle_start >= $3 AND cycle_start < $4 AND status = 'optimal'
          AND sites IS NOT NULL AND jsonb_exists(sites, $2)
        ORDER BY cycle_start, created_at DESC`,
      [feederId, stationId, from, to],
    );
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  }
  return found.flatMap((r) => {
    const startMs = r.cycle_start.getTime();
    const first = (r.steps ?? []).find((s) => s.intervalStartMs === startMs);
    return first
      ? [
          {
            intervalStartMs: startMs,
            loadP50W: Number(first.loadP50W),
            plannedW: Number(first.plannedW),
            ratingW: Number(first.ratingW),
          },
        ]
      : [];
  });
}
