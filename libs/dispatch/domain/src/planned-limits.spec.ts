import { limitModeParameters, plannedLimits } from './planned-limits';
import { DEFAULT_PARAMETERS, DispatchPlan, DispatchProblem, SitePlanStep, STEP_MS } from './types';

const battery = (assetId: string) => ({
  assetId,
  secondarySubstationId: 'ONS-1',
  nominalCapacityWh: 100_000,
  usableCapacityWh: 100_000,
  stateOfHealthPct: 100,
  stateOfChargePct: 80,
  ratedChargeW: 50_000,
  ratedDischargeW: 50_000,
  ratedRoundTripEfficiency: 0.9,
  minSocPct: 10,
  maxSocPct: 95,
});

function problem(ids: string[]): DispatchProblem {
  return {
    scopeId: 'F-1',
    startMs: 0,
    steps: 4,
    sites: [],
    batteries: ids.map(battery),
    pricesCtPerKWh: [0, 0, 0, 0],
    dimming: [],
    parameters: DEFAULT_PARAMETERS,
  };
}

const site = (plannedW: number[], binding: SitePlanStep['binding'][] = []): SitePlanStep[] =>
  plannedW.map((p, t) => ({
    intervalStartMs: t * STEP_MS,
    loadP50W: p,
    loadP90W: p,
    loadP10W: p,
    plannedW: p,
    ratingW: 200_000,
    binding: binding[t] ?? 'peak',
  }));

function plan(
  batteries: DispatchPlan['batteries'],
  plannedW: number[],
  binding: SitePlanStep['binding'][] = [],
): DispatchPlan {
  return {
    scopeId: 'F-1',
    startMs: 0,
    steps: plannedW.length,
    status: 'optimal',
    objectiveCt: 0,
    costBreakdownCt: {
      overRating: 0,
      reserveShortfall: 0,
      reverseFlow: 0,
      peak: 0,
      energy: 0,
      degradation: 0,
      highCRate: 0,
      terminalValue: 0,
    },
    batteries,
    sites: { 'ONS-1': site(plannedW, binding) },
    degradationCtPerKWh: {},
  };
}

const steps = (sp: number[], soc: number[]) =>
  sp.map((setpointW, t) => ({ intervalStartMs: t * STEP_MS, setpointW, socPct: soc[t] }));

describe('plannedLimits', () => {
  it('holds the planned station flow and reserves what the plan draws later', () => {
    // recharge, then an evening peak shaved to 180 kW over two steps, then idle
    const p = plan(
      { B1: steps([-20_000, 30_000, 40_000, 0], [85, 55, 15, 15]) },
      [120_000, 180_000, 180_000, 150_000],
    );
    const limits = plannedLimits(problem(['B1']), p)['B1'];
    expect(limits.map((l) => l.stationLimitW)).toEqual([120_000, 180_000, 180_000, 150_000]);
    // after step 0 the plan still draws 85 − 15 = 70 points, after step 1 40, then nothing
    expect(limits.map((l) => l.socReservePct)).toEqual([80, 50, 10, 10]);
    expect(limits[2].intervalStartMs).toBe(2 * STEP_MS);
  });

  it('off the peak the unit gives no more than planned: its reserve is the planned SoC of the step', () => {
    // valley charge (arbitrage), a quarter hour the plan leaves idle, then the shaved peak
    const p = plan(
      { B1: steps([-20_000, 0, 40_000], [70, 70, 30]) },
      [120_000, 150_000, 180_000],
      ['arbitrage', 'idle', 'peak'],
    );
    const held = plannedLimits(problem(['B1']), p)['B1'];
    // steps 0 and 1 would otherwise only keep the 40 points the peak draws (10 + 40 = 50)
    expect(held.map((l) => l.socReservePct)).toEqual([70, 70, 10]);
    expect(held.map((l) => l.stationLimitW)).toEqual([120_000, 150_000, 180_000]);
    const free = plannedLimits(problem(['B1']), p, { holdPlanOffPeak: false })['B1'];
    expect(free.map((l) => l.socReservePct)).toEqual([50, 50, 10]);
  });

  it('never holds a limit above the rating: where the plan expects an overload the unit holds the rating', () => {
    // the plan cannot cover the overload in step 1 (250 kW planned on a 200 kW rating)
    const p = plan({ B1: steps([50_000, 50_000, 0], [60, 10, 10]) }, [150_000, 250_000, 120_000]);
    const limits = plannedLimits(problem(['B1']), p)['B1'];
    expect(limits.map((l) => l.stationLimitW)).toEqual([150_000, 200_000, 120_000]);
    // the reserve still keeps what the plan draws in step 1 for step 1
    expect(limits[0].socReservePct).toBe(60);
  });

  it("where the plan holds the rating on its risk-weighted load, the unit holds the plan's P50 peak level", () => {
    // the plan discharges 30 kW so that the P90-weighted load stays at the rating; its P50 flow is 170 kW
    // now and 180 kW at its peak later: the unit shaves to that level, not to the 170 kW below it
    const p = plan(
      { B1: steps([30_000, 20_000, 0], [60, 40, 40]) },
      [170_000, 180_000, 150_000],
      ['over-rating', 'peak', 'idle'],
    );
    const limits = plannedLimits(problem(['B1']), p)['B1'];
    expect(limits.map((l) => l.stationLimitW)).toEqual([180_000, 180_000, 150_000]);
  });

  it('when the plan cannot keep the rating somewhere, energy is short and the unit holds the rating', () => {
    const p = plan(
      { B1: steps([30_000, 50_000, 0], [60, 10, 10]) },
      [170_000, 230_000, 150_000],
      ['over-rating', 'over-rating', 'idle'],
    );
    p.sites['ONS-1'][1].overRatingW = 30_000;
    const limits = plannedLimits(problem(['B1']), p)['B1'];
    expect(limits.map((l) => l.stationLimitW)).toEqual([200_000, 200_000, 150_000]);
  });

  it('limit mode deploys reserves from the first quarter hour on (the unit measures within it)', () => {
    const p = limitModeParameters({ ...DEFAULT_PARAMETERS, firstStageSteps: 1 });
    expect(p.firstStageSteps).toBe(0);
    expect(p.upperQuantileWeight).toBe(0.5);
    expect(p.peakCtPerKW).toBe(DEFAULT_PARAMETERS.peakCtPerKW);
  });

  it('with two units behind one station, each holds the limit plus what the other is planned to give', () => {
    const p = plan(
      { B1: steps([10_000, 0], [50, 50]), B2: steps([25_000, 0], [40, 40]) },
      [190_000, 100_000],
    );
    const limits = plannedLimits(problem(['B1', 'B2']), p);
    expect(limits['B1'][0].stationLimitW).toBe(190_000 + 25_000);
    expect(limits['B2'][0].stationLimitW).toBe(190_000 + 10_000);
    expect(limits['B1'][1].stationLimitW).toBe(100_000);
  });
});
