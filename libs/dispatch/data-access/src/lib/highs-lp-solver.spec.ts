import {
  BatteryInput,
  DEFAULT_PARAMETERS,
  DispatchParameters,
  DispatchProblem,
  injectInfeasibility,
  planDispatch,
} from '@gridwerk/dispatch/domain';
import { HighsLpSolver } from './highs-lp-solver';
import { testBattery } from './testing/battery.fixture';

// Tiny instances whose optimum is known by hand, solved by the real HiGHS in its worker thread.
const T0 = Date.parse('2026-01-13T16:00:00.000Z');
const solver = new HighsLpSolver({ timeLimitS: 10 });
afterAll(() => solver.close());

const battery = testBattery;

const wh = (kw: number[]) => kw.map((k) => k * 250); // kW over a quarter hour → Wh

function problem(over: {
  loadKW: number[];
  p90KW?: number[];
  ratedKva?: number;
  prices?: number[];
  battery?: Partial<BatteryInput>;
  parameters?: Partial<DispatchParameters>;
  dimming?: DispatchProblem['dimming'];
}): DispatchProblem {
  const steps = over.loadKW.length;
  return {
    scopeId: 'UW-01-F01',
    startMs: T0,
    steps,
    sites: [
      {
        secondarySubstationId: 'ONS-0001',
        ratedKva: over.ratedKva ?? 250,
        forecast: { p10Wh: wh(over.loadKW), p50Wh: wh(over.loadKW), p90Wh: wh(over.p90KW ?? over.loadKW) },
      },
    ],
    batteries: [battery(over.battery)],
    pricesCtPerKWh: over.prices ?? new Array<number>(steps).fill(20),
    dimming: over.dimming ?? [],
    parameters: { ...DEFAULT_PARAMETERS, powerFactor: 1, ...over.parameters },
  };
}

async function setpoints(p: DispatchProblem) {
  const out = await planDispatch(p, solver);
  if (!out.ok) throw new Error(out.reason);
  return { plan: out.plan, w: out.plan.batteries['BAT-0001'].map((s) => s.setpointW) };
}

describe('dispatch LP on HiGHS (hand-known optima)', () => {
  it('shaves the evening peak: full discharge in the peak step, nothing else', async () => {
    const { plan, w } = await setpoints(problem({ loadKW: [100, 100, 300, 100] }));
    expect(w).toEqual([0, 0, 100_000, 0]);
    expect(plan.sites['ONS-0001'][2]).toMatchObject({ plannedW: 200_000, binding: 'over-rating' });
    expect(plan.costBreakdownCt.overRating).toBeCloseTo(0, 6);
    expect(plan.batteries['BAT-0001'][2].socPct).toBe(25);
  });

  it('reports the simplex iterations it took (the work of a solve, independent of the machine load)', async () => {
    const out = await planDispatch(problem({ loadKW: [100, 100, 300, 100] }), solver);
    if (!out.ok) throw new Error(out.reason);
    expect(Number.isInteger(out.iterations)).toBe(true);
    expect(out.iterations).toBeGreaterThan(0);
  });

  it('treats the peak already carried as sunk: shaves only above it and keeps the energy', async () => {
    // 15 kWh = 60 kW for one quarter hour; rating 400 kW never binds, only the peak term does
    const base = problem({ loadKW: [270, 270, 300], ratedKva: 400, battery: { stateOfChargePct: 15 } });
    // no peak yet: one level for all three steps, 2 × (270 − P) + (300 − P) = 60 → P = 260
    expect((await setpoints(base)).w).toEqual([10_000, 10_000, 40_000]);
    // 280 kW carried earlier today: shaving below it buys nothing, so 20 kW at the 300 kW step only
    const sunk = { ...base, sites: [{ ...base.sites[0], realisedPeakKW: 280 }] };
    const { plan, w } = await setpoints(sunk);
    expect(w).toEqual([0, 0, 20_000]);
    expect(plan.batteries['BAT-0001'][2].socPct).toBe(10);
    expect(plan.costBreakdownCt.peak).toBeCloseTo(280 * DEFAULT_PARAMETERS.peakCtPerKW, 3);
  });

  it('prices the slack when the rating cannot be kept: 50 kW over for one quarter hour', async () => {
    const { plan, w } = await setpoints(problem({ loadKW: [400], parameters: { peakCtPerKW: 0 } }));
    expect(w).toEqual([100_000]);
    expect(plan.costBreakdownCt.overRating).toBeCloseTo(100_000 * 0.25 * 50, 3);
    // the flow the battery cannot take is on the step (limit mode holds the rating itself there)
    expect(plan.sites['ONS-0001'][0]).toMatchObject({ binding: 'over-rating', overRatingW: 50_000 });
  });

  it('arbitrage in market mode: charge at 10 ct, discharge what is stored at 50 ct (η = 0.81)', async () => {
    const { w } = await setpoints(
      problem({
        loadKW: [0, 0, 0],
        ratedKva: 1000,
        prices: [10, 50, 20],
        battery: {
          usableCapacityWh: 10_000,
          nominalCapacityWh: 10_000,
          stateOfChargePct: 0,
          ratedChargeW: 40_000,
          ratedDischargeW: 40_000,
          ratedRoundTripEfficiency: 0.81,
        },
        parameters: { mode: 'market', peakCtPerKW: 0, packValueCtPerKWh: 0, maxCRate: 10 },
      }),
    );
    // 40 kW for 15 min = 10 kWh AC → 9 kWh stored → 8.1 kWh AC back = 32.4 kW
    expect(w).toEqual([-40_000, 32_400, 0]);
  });

  it('grid-serving mode (§11b EnWG) ignores prices', async () => {
    const { w } = await setpoints(
      problem({
        loadKW: [0, 0, 0],
        ratedKva: 1000,
        prices: [10, 50, 20],
        battery: { stateOfChargePct: 0 },
        parameters: { mode: 'grid-serving', peakCtPerKW: 0 },
      }),
    );
    expect(w).toEqual([0, 0, 0]);
  });

  it('§14a dimming limits charging to 4.2 kW', async () => {
    const { w } = await setpoints(
      problem({
        loadKW: [0, 0],
        ratedKva: 1000,
        prices: [10, 50],
        battery: { stateOfChargePct: 0 },
        parameters: { mode: 'market', peakCtPerKW: 0, packValueCtPerKWh: 0 },
        dimming: [{ assetId: 'BAT-0001', fromMs: T0, untilMs: T0 + 15 * 60_000 }],
      }),
    );
    expect(w[0]).toBe(-4200);
  });

  it('holds the SoC reserve the P90 load needs instead of selling it', async () => {
    const base = {
      loadKW: [0, 0, 0],
      prices: [50, 10, 10],
      battery: { usableCapacityWh: 20_000, nominalCapacityWh: 20_000, stateOfChargePct: 100 },
      parameters: { mode: 'market' as const, peakCtPerKW: 0, maxCRate: 10 },
    };
    const without = await setpoints(problem(base));
    expect(without.w[0]).toBe(80_000); // sells all 20 kWh at 50 ct
    const withReserve = await setpoints(problem({ ...base, p90KW: [0, 300, 0] }));
    // P90 needs 50 kW for 15 min = 12.5 kWh later: only 7.5 kWh may be sold now
    expect(withReserve.w[0]).toBe(30_000);
  });

  it('the first quarter hour, run without a re-plan, covers the P90 load itself; later ones hold a reserve', async () => {
    const base = { loadKW: [240, 240], p90KW: [270, 270], parameters: { peakCtPerKW: 0 } };
    // P90 270 kW on a 250 kW rating: step 0 must discharge the 20 kW itself, step 1 only holds them
    expect((await setpoints(problem(base))).w).toEqual([20_000, 0]);
    const noFirstStage = await setpoints(
      problem({ ...base, parameters: { peakCtPerKW: 0, firstStageSteps: 0 } }),
    );
    expect(noFirstStage.w).toEqual([0, 0]);
  });

  it('plans the import load between the P50 and the P90 by upperQuantileWeight', async () => {
    const base = { loadKW: [240, 240], p90KW: [270, 270] };
    const at = (w: number) =>
      setpoints(
        problem({ ...base, parameters: { peakCtPerKW: 0, firstStageSteps: 0, upperQuantileWeight: w } }),
      );
    expect((await at(0)).w).toEqual([0, 0]);
    // halfway: 255 kW on a 250 kW rating
    expect((await at(0.5)).w).toEqual([5_000, 5_000]);
    const p90 = await at(1);
    expect(p90.w).toEqual([20_000, 20_000]);
    // the plan's expected flow stays the P50 one (220 kW); the step is held for the rating
    expect(p90.plan.sites['ONS-0001'][0]).toMatchObject({
      loadP50W: 240_000,
      plannedW: 220_000,
      binding: 'over-rating',
    });
  });

  it('the peak it shaves below the rating stays the P50 one', async () => {
    // P90 320 kW in step 2: with weight 1 the rating needs 70 kW there, the peak term still levels the P50
    const w1 = await setpoints(
      problem({
        loadKW: [100, 100, 300, 100],
        p90KW: [100, 100, 320, 100],
        parameters: { upperQuantileWeight: 1, firstStageSteps: 0 },
      }),
    );
    expect(w1.w).toEqual([0, 0, 100_000, 0]);
    expect(w1.plan.sites['ONS-0001'][2]).toMatchObject({ plannedW: 200_000, binding: 'over-rating' });
  });

  it('a throughput price stops shaving below the rating when it costs more than the peak saves', async () => {
    const base = { loadKW: [100, 100, 300, 100] };
    expect((await setpoints(problem(base))).w).toEqual([0, 0, 100_000, 0]);
    // shaving 250 → 200 kW saves 50 kW × 200 ct but costs 12.5 kWh × 1,000 ct: only the overload is taken
    const priced = await setpoints(problem({ ...base, parameters: { throughputCtPerKWh: 1_000 } }));
    expect(priced.w).toEqual([0, 0, 50_000, 0]);
  });

  it('an injected infeasibility makes the plan fail with a reason, not a throw', async () => {
    const out = await planDispatch(problem({ loadKW: [100, 300] }), solver, {
      transform: injectInfeasibility,
    });
    expect(out).toMatchObject({ ok: false, code: 'DISPATCH.SOLVE_FAILED' });
    if (!out.ok) expect(out.reason).toMatch(/infeasible/);
    // the worker survives and solves the next model (peak 300 → 200 kW)
    expect((await setpoints(problem({ loadKW: [100, 300] }))).w).toEqual([0, 100_000]);
  });
});
