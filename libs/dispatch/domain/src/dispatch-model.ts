import { chargeLimitKW, EffectiveLimits, effectiveLimits } from './battery-limits';
import { degradationCtPerKWh } from './degradation';
import { LpBuilder, LpModel, LpSolution } from './lp-model';
import {
  CostTerm,
  DispatchPlan,
  DispatchProblem,
  PlannedSetpoint,
  SitePlanStep,
  STEP_H,
  STEP_MS,
} from './types';

/** Column indices of the model's variables, per battery / site and step, to read the solution back. */
export interface DispatchModelIndex {
  readonly limits: readonly EffectiveLimits[];
  readonly chargeLimitKW: readonly Float64Array[];
  readonly degradationCtPerKWh: readonly number[];
  readonly terminalCtPerKWh: readonly number[];
  /** [battery][step] */
  readonly charge: readonly Int32Array[];
  readonly discharge: readonly Int32Array[];
  readonly soc: readonly Int32Array[];
  readonly highC: readonly Int32Array[];
  /** [site][step] */
  readonly over: readonly Int32Array[];
  readonly overP90: readonly Int32Array[];
  readonly reverse: readonly Int32Array[];
  readonly reverseP10: readonly Int32Array[];
  /** [site] */
  readonly peak: Int32Array;
  /** site index of each battery */
  readonly siteOf: Int32Array;
  readonly ratingKW: Float64Array;
}

export class DispatchModelError extends Error {
  constructor(
    readonly code: 'DISPATCH.BAD_PROBLEM',
    message: string,
  ) {
    super(message);
    this.name = 'DispatchModelError';
  }
}

const kw = (wh: number) => wh / 1000 / STEP_H;

/**
 * The import load (kW) the plan holds under the rating and shaves at step t: the P50, moved towards the P90
 * by `upperQuantileWeight` (never below the P50).
 */
export function planningLoadKW(
  forecast: { p50Wh: readonly number[]; p90Wh: readonly number[] },
  t: number,
  upperQuantileWeight = 0,
): number {
  const l50 = kw(forecast.p50Wh[t]);
  const w = Math.min(1, Math.max(0, upperQuantileWeight));
  return w > 0 ? l50 + w * Math.max(0, kw(forecast.p90Wh[t]) - l50) : l50;
}

/**
 * Builds the dispatch LP of one feeder from typed inputs (pure: the same problem gives the same model).
 *
 * Per battery b and quarter hour t (kW, kWh): `charge`, `discharge` ≥ 0 within the limits after SoH, BMS
 * and §14a dimming; `soc` in the SoC window with `energy_balance` (√η each way); `high_c` above the C-rate
 * threshold. Two reserve scenarios share the plan's setpoints: `reserve_up` / `soc_p90` — extra discharge
 * that keeps the P90 load under the rating, with the energy it needs held in the battery — and
 * `reserve_down` / `soc_p10` — extra charge that takes the P10 surplus, with the room it needs kept free.
 * Per secondary substation s: `over` (P50 flow beyond the rating, either direction, the hard limit with
 * priced slack), `over_p90`, `reverse` / `reverse_p10` (feed-in beyond the reverse-flow limit), `peak`.
 * Objective (ct, minimised) in the order of the weights: over-rating ≫ reserve shortfall ≫ reverse flow ≫
 * peak ≫ energy price (market mode only) + degradation + high C-rate − value of the energy left at the end.
 * `peak[s]` is bounded below by the site's `realisedPeakKW`: a peak already carried is sunk cost.
 */
export function buildDispatchModel(problem: DispatchProblem): { model: LpModel; index: DispatchModelIndex } {
  const { steps, sites, batteries, parameters: p } = problem;
  if (steps < 1) throw new DispatchModelError('DISPATCH.BAD_PROBLEM', 'a plan needs at least one step');
  if (problem.startMs % STEP_MS !== 0)
    throw new DispatchModelError('DISPATCH.BAD_PROBLEM', 'startMs must be aligned to a quarter hour');
  if (problem.pricesCtPerKWh.length < steps)
    throw new DispatchModelError(
      'DISPATCH.BAD_PROBLEM',
      `prices cover ${problem.pricesCtPerKWh.length} of ${steps} steps`,
    );
  const siteIndex = new Map(sites.map((s, i) => [s.secondarySubstationId, i]));
  for (const s of sites) {
    const f = s.forecast;
    if (f.p10Wh.length < steps || f.p50Wh.length < steps || f.p90Wh.length < steps)
      throw new DispatchModelError(
        'DISPATCH.BAD_PROBLEM',
        `forecast of ${s.secondarySubstationId} is shorter than ${steps} steps`,
      );
  }
  const siteOf = Int32Array.from(
    batteries.map((b) => {
      const i = siteIndex.get(b.secondarySubstationId);
      if (i === undefined)
        throw new DispatchModelError(
          'DISPATCH.BAD_PROBLEM',
          `battery ${b.assetId} sits behind unknown ${b.secondarySubstationId}`,
        );
      return i;
    }),
  );
  const lp = new LpBuilder(`dispatch:${problem.scopeId}:${new Date(problem.startMs).toISOString()}`);
  const market = p.mode === 'market';
  const prices = problem.pricesCtPerKWh.slice(0, steps);
  const sortedPrices = [...prices].sort((a, b) => a - b);
  const medianPrice = sortedPrices[Math.floor(sortedPrices.length / 2)] ?? 0;
  const ratingKW = Float64Array.from(sites.map((s) => s.ratedKva * p.powerFactor));

  const limits = batteries.map((b) => effectiveLimits(b, p.maxCRate));
  // the throughput price damps cycling on noise; it is priced like degradation (and reported with it)
  const degr = batteries.map((b) => degradationCtPerKWh(b, p) + Math.max(0, p.throughputCtPerKWh ?? 0));
  const w = p.upperQuantileWeight ?? 0;
  const terminal = limits.map((l) => (market ? Math.max(0, medianPrice) * l.sqrtEta : 0));
  const chLimit = batteries.map((b, i) => {
    const out = new Float64Array(steps);
    for (let t = 0; t < steps; t++)
      out[t] = chargeLimitKW(b, limits[i], problem.dimming, problem.startMs + t * STEP_MS);
    return out;
  });

  const charge: Int32Array[] = [];
  const discharge: Int32Array[] = [];
  const soc: Int32Array[] = [];
  const highC: Int32Array[] = [];
  const reserveUp: Int32Array[] = [];
  const reserveDown: Int32Array[] = [];
  batteries.forEach((b, i) => {
    const l = limits[i];
    const s = siteOf[i];
    const rating = ratingKW[s];
    const idC = new Int32Array(steps);
    const idD = new Int32Array(steps);
    const idE = new Int32Array(steps);
    const idH = new Int32Array(steps);
    const idU = new Int32Array(steps);
    const idDn = new Int32Array(steps);
    const id90 = new Int32Array(steps);
    const id10 = new Int32Array(steps);
    const loads = sites[s].forecast;
    for (let t = 0; t < steps; t++) {
      const tag = `${b.assetId},${t}`;
      // charging at low loading is preferred (valley filling), a tie-breaker far below every other term
      const valley = rating > 0 ? Math.max(0, planningLoadKW(loads, t, w) / rating) * 0.01 : 0;
      const energyCt = market ? prices[t] * STEP_H : 0;
      idC[t] = lp.variable(`charge[${tag}]`, 0, chLimit[i][t], energyCt + degr[i] * STEP_H + valley * STEP_H);
      idD[t] = lp.variable(`discharge[${tag}]`, 0, l.maxDischargeKW, -energyCt + degr[i] * STEP_H);
      idE[t] = lp.variable(`soc[${tag}]`, l.minKWh, l.maxKWh, t === steps - 1 ? -terminal[i] : 0);
      idH[t] = lp.variable(
        `high_c[${tag}]`,
        0,
        Number.POSITIVE_INFINITY,
        p.highCRatePenaltyCtPerKWh * STEP_H,
      );
      // the first quarter hours run as commanded: a reserve there could never be called on
      const firstStage = t < p.firstStageSteps;
      idU[t] = lp.variable(`reserve_up[${tag}]`, 0, firstStage ? 0 : l.maxDischargeKW);
      idDn[t] = lp.variable(`reserve_down[${tag}]`, 0, firstStage ? 0 : chLimit[i][t]);
      id90[t] = lp.variable(`soc_p90[${tag}]`, l.minKWh, l.maxKWh);
      id10[t] = lp.variable(`soc_p10[${tag}]`, l.minKWh, l.maxKWh);
      const prev = (ids: Int32Array): [number, number][] => (t === 0 ? [] : [[ids[t - 1], -1]]);
      const rhs = t === 0 ? l.initialKWh : 0;
      const inC = -STEP_H * l.sqrtEta;
      const outD = STEP_H / l.sqrtEta;
      lp.constraint(
        `energy_balance[${tag}]`,
        [[idE[t], 1], ...prev(idE), [idC[t], inC], [idD[t], outD]],
        rhs,
        rhs,
      );
      lp.constraint(
        `energy_balance_p90[${tag}]`,
        [[id90[t], 1], ...prev(id90), [idC[t], inC], [idD[t], outD], [idU[t], outD]],
        rhs,
        rhs,
      );
      lp.constraint(
        `energy_balance_p10[${tag}]`,
        [[id10[t], 1], ...prev(id10), [idC[t], inC], [idDn[t], inC], [idD[t], outD]],
        rhs,
        rhs,
      );
      lp.constraint(
        `discharge_capacity[${tag}]`,
        [
          [idD[t], 1],
          [idU[t], 1],
        ],
        0,
        l.maxDischargeKW,
      );
      lp.constraint(
        `charge_capacity[${tag}]`,
        [
          [idC[t], 1],
          [idDn[t], 1],
        ],
        0,
        chLimit[i][t],
      );
      lp.constraint(
        `high_c_rate[${tag}]`,
        [
          [idC[t], 1],
          [idD[t], 1],
          [idH[t], -1],
        ],
        Number.NEGATIVE_INFINITY,
        p.highCRate * l.capacityKWh,
      );
    }
    charge.push(idC);
    discharge.push(idD);
    soc.push(idE);
    highC.push(idH);
    reserveUp.push(idU);
    reserveDown.push(idDn);
  });

  const over: Int32Array[] = [];
  const overP90: Int32Array[] = [];
  const reverse: Int32Array[] = [];
  const reverseP10: Int32Array[] = [];
  const peak = new Int32Array(sites.length);
  const members = sites.map((_, s) => batteries.map((_, i) => i).filter((i) => siteOf[i] === s));
  sites.forEach((site, s) => {
    const rating = ratingKW[s];
    const revLimit = rating * p.reverseFlowLimitShare;
    const idO = new Int32Array(steps);
    const idO90 = new Int32Array(steps);
    const idR = new Int32Array(steps);
    const idR10 = new Int32Array(steps);
    // the peak already realised in this period is sunk: only load above it is priced
    const sunk = site.realisedPeakKW;
    peak[s] = lp.variable(
      `peak[${site.secondarySubstationId}]`,
      sunk !== undefined && Number.isFinite(sunk) ? sunk : Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      p.peakCtPerKW,
    );
    for (let t = 0; t < steps; t++) {
      const tag = `${site.secondarySubstationId},${t}`;
      const l10 = kw(site.forecast.p10Wh[t]);
      const l50 = kw(site.forecast.p50Wh[t]);
      const lPlan = planningLoadKW(site.forecast, t, w);
      const l90 = Math.max(lPlan, kw(site.forecast.p90Wh[t]));
      idO[t] = lp.variable(`over[${tag}]`, 0, Number.POSITIVE_INFINITY, p.overRatingCtPerKWh * STEP_H);
      idO90[t] = lp.variable(
        `over_p90[${tag}]`,
        0,
        Number.POSITIVE_INFINITY,
        p.reserveShortfallCtPerKWh * STEP_H,
      );
      idR[t] = lp.variable(`reverse[${tag}]`, 0, Number.POSITIVE_INFINITY, p.reverseFlowCtPerKWh * STEP_H);
      idR10[t] = lp.variable(
        `reverse_p10[${tag}]`,
        0,
        Number.POSITIVE_INFINITY,
        (p.reverseFlowCtPerKWh / 2) * STEP_H,
      );
      const net: [number, number][] = members[s].flatMap((i): [number, number][] => [
        [charge[i][t], 1],
        [discharge[i][t], -1],
      ]);
      const neg = (terms: [number, number][]): [number, number][] => terms.map(([c, v]) => [c, -v]);
      // flow = load + Σ(charge − discharge); |flow| ≤ rating + over
      lp.constraint(
        `rating_import[${tag}]`,
        [...net, [idO[t], -1]],
        Number.NEGATIVE_INFINITY,
        rating - lPlan,
      );
      lp.constraint(
        `rating_export[${tag}]`,
        [...neg(net), [idO[t], -1]],
        Number.NEGATIVE_INFINITY,
        rating + l50,
      );
      const up = members[s].map((i): [number, number] => [reserveUp[i][t], -1]);
      lp.constraint(
        `rating_p90[${tag}]`,
        [...net, ...up, [idO90[t], -1]],
        Number.NEGATIVE_INFINITY,
        rating - l90,
      );
      lp.constraint(
        `reverse_flow[${tag}]`,
        [...neg(net), [idR[t], -1]],
        Number.NEGATIVE_INFINITY,
        revLimit + l50,
      );
      const down = members[s].map((i): [number, number] => [reserveDown[i][t], -1]);
      lp.constraint(
        `reverse_flow_p10[${tag}]`,
        [...neg(net), ...down, [idR10[t], -1]],
        Number.NEGATIVE_INFINITY,
        revLimit + l10,
      );
      lp.constraint(`peak[${tag}]`, [...net, [peak[s], -1]], Number.NEGATIVE_INFINITY, -l50);
    }
    over.push(idO);
    overP90.push(idO90);
    reverse.push(idR);
    reverseP10.push(idR10);
  });

  return {
    model: lp.build(),
    index: {
      limits,
      chargeLimitKW: chLimit,
      degradationCtPerKWh: degr,
      terminalCtPerKWh: terminal,
      charge,
      discharge,
      soc,
      highC,
      over,
      overP90,
      reverse,
      reverseP10,
      peak,
      siteOf,
      ratingKW,
    },
  };
}

/**
 * Maps an optimal solution back to domain setpoints: integer W, rounded towards zero so that every power,
 * SoC and dimming limit still holds; with the cost split by term and the binding reason per site step.
 */
export function readDispatchPlan(
  problem: DispatchProblem,
  index: DispatchModelIndex,
  solution: LpSolution,
): DispatchPlan {
  if (solution.status !== 'optimal') throw new RangeError(`cannot read a ${solution.status} solution`);
  const x = solution.colValues;
  const { steps, parameters: p } = problem;
  const market = p.mode === 'market';
  const cost: Record<CostTerm, number> = {
    overRating: 0,
    reserveShortfall: 0,
    reverseFlow: 0,
    peak: 0,
    energy: 0,
    degradation: 0,
    highCRate: 0,
    terminalValue: 0,
  };
  const batteries: Record<string, PlannedSetpoint[]> = {};
  const netKW = problem.sites.map(() => new Float64Array(steps));
  problem.batteries.forEach((b, i) => {
    const l = index.limits[i];
    const out: PlannedSetpoint[] = [];
    for (let t = 0; t < steps; t++) {
      const c = x[index.charge[i][t]];
      const d = x[index.discharge[i][t]];
      const raw = (d - c) * 1000;
      const maxC = Math.floor(index.chargeLimitKW[i][t] * 1000);
      const maxD = Math.floor(l.maxDischargeKW * 1000);
      const truncated = raw >= 0 ? Math.floor(raw + 1e-6) : -Math.floor(-raw + 1e-6);
      const setpointW = Math.max(-maxC, Math.min(maxD, truncated)) || 0;
      netKW[index.siteOf[i]][t] -= setpointW / 1000;
      const socKWh = x[index.soc[i][t]];
      out.push({
        intervalStartMs: problem.startMs + t * STEP_MS,
        setpointW,
        socPct: l.capacityKWh > 0 ? Math.round((socKWh / l.capacityKWh) * 1000) / 10 : 0,
      });
      cost.degradation += index.degradationCtPerKWh[i] * STEP_H * (c + d);
      cost.highCRate += p.highCRatePenaltyCtPerKWh * STEP_H * x[index.highC[i][t]];
      if (market) cost.energy += problem.pricesCtPerKWh[t] * STEP_H * (c - d);
    }
    cost.terminalValue -= index.terminalCtPerKWh[i] * x[index.soc[i][steps - 1]];
    batteries[b.assetId] = out;
  });
  const sites: Record<string, SitePlanStep[]> = {};
  problem.sites.forEach((site, s) => {
    const rating = index.ratingKW[s];
    const peakKW = x[index.peak[s]];
    cost.peak += p.peakCtPerKW * peakKW;
    const out: SitePlanStep[] = [];
    for (let t = 0; t < steps; t++) {
      const o = x[index.over[s][t]];
      const o90 = x[index.overP90[s][t]];
      const r = x[index.reverse[s][t]];
      cost.overRating += p.overRatingCtPerKWh * STEP_H * o;
      cost.reserveShortfall += p.reserveShortfallCtPerKWh * STEP_H * o90;
      cost.reverseFlow += p.reverseFlowCtPerKWh * STEP_H * (r + x[index.reverseP10[s][t]] / 2);
      const l50 = kw(site.forecast.p50Wh[t]);
      const lPlan = planningLoadKW(site.forecast, t, p.upperQuantileWeight ?? 0);
      const planned = l50 + netKW[s][t];
      const active = Math.abs(netKW[s][t]) > 1e-3;
      const tol = Math.max(0.5, rating * 0.005);
      const binding: SitePlanStep['binding'] =
        o > 1e-6 || (active && (lPlan + netKW[s][t] >= rating - tol || lPlan > rating))
          ? 'over-rating'
          : o90 > 1e-6 || (active && kw(site.forecast.p90Wh[t]) > rating)
            ? 'p90-reserve'
            : active && l50 < 0
              ? 'pv-surplus'
              : active && planned >= peakKW - tol
                ? 'peak'
                : active
                  ? 'arbitrage'
                  : 'idle';
      out.push({
        intervalStartMs: problem.startMs + t * STEP_MS,
        loadP50W: Math.round(l50 * 1000),
        loadP90W: Math.round(kw(site.forecast.p90Wh[t]) * 1000),
        loadP10W: Math.round(kw(site.forecast.p10Wh[t]) * 1000),
        plannedW: Math.round(planned * 1000),
        ratingW: Math.round(rating * 1000),
        binding,
        ...(o > 1e-6 ? { overRatingW: Math.round(o * 1000) } : {}),
      });
    }
    sites[site.secondarySubstationId] = out;
  });
  const degradationCtPerKWh = Object.fromEntries(
    problem.batteries.map((b, i) => [b.assetId, index.degradationCtPerKWh[i]]),
  );
  return {
    scopeId: problem.scopeId,
    startMs: problem.startMs,
    steps,
    status: 'optimal',
    objectiveCt: solution.objective,
    costBreakdownCt: cost,
    batteries,
    sites,
    degradationCtPerKWh,
  };
}
