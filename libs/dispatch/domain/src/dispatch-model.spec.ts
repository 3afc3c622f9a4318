import { effectiveLimits, chargeLimitKW } from './battery-limits';
import { degradationCtPerKWh } from './degradation';
import { buildDispatchModel, DispatchModelError, planningLoadKW, readDispatchPlan } from './dispatch-model';
import { injectInfeasibility } from './fault-injection';
import { rowActivity } from './lp-model';
import { thresholdPeakShaving, thresholdSettingsFor } from './threshold-rule';
import { BatteryInput, DEFAULT_PARAMETERS, DispatchProblem } from './types';

const T0 = Date.parse('2026-07-01T10:00:00.000Z');
const bat = (over: Partial<BatteryInput> = {}): BatteryInput => ({
  assetId: 'BAT-0001',
  secondarySubstationId: 'ONS-0001',
  nominalCapacityWh: 200_000,
  usableCapacityWh: 160_000,
  stateOfHealthPct: 80,
  stateOfChargePct: 50,
  ratedChargeW: 100_000,
  ratedDischargeW: 100_000,
  ratedRoundTripEfficiency: 0.9,
  minSocPct: 10,
  maxSocPct: 95,
  ...over,
});
const problem = (steps = 3): DispatchProblem => ({
  scopeId: 'UW-01-F01',
  startMs: T0,
  steps,
  sites: [
    {
      secondarySubstationId: 'ONS-0001',
      ratedKva: 400,
      forecast: { p10Wh: [0, 0, 0], p50Wh: [25_000, 50_000, 75_000], p90Wh: [30_000, 60_000, 90_000] },
    },
  ],
  batteries: [bat()],
  pricesCtPerKWh: [10, 20, 30],
  dimming: [],
  parameters: DEFAULT_PARAMETERS,
});

describe('effective limits', () => {
  it('scales power by SoH, caps by the BMS, keeps the SoC window of the usable capacity', () => {
    const l = effectiveLimits(bat({ bmsMaxDischargeW: 50_000 }), 0.5);
    expect(l.capacityKWh).toBe(160);
    expect(l.minKWh).toBeCloseTo(16);
    expect(l.maxKWh).toBeCloseTo(152);
    expect(l.initialKWh).toBeCloseTo(80);
    expect(l.maxChargeKW).toBeCloseTo(80); // 200 kWh × 0.5 C × SoH 0.8 < 100 kW rating
    expect(effectiveLimits(bat()).maxChargeKW).toBeCloseTo(100); // at 1 C the converter limits
    expect(l.maxDischargeKW).toBeCloseTo(50); // BMS
    expect(l.roundTripEfficiency).toBeCloseTo(0.9 * (1 - 0.1 * 0.2));
  });

  it('clamps an initial SoC outside the window into it', () => {
    expect(effectiveLimits(bat({ stateOfChargePct: 99 })).initialKWh).toBeCloseTo(152);
  });

  it('§14a dimming caps charging at 4.2 kW in every step the window overlaps', () => {
    const b = bat();
    const l = effectiveLimits(b, 0.5);
    const dim = [{ secondarySubstationId: 'ONS-0001', fromMs: T0 + 5 * 60_000, untilMs: T0 + 20 * 60_000 }];
    expect(chargeLimitKW(b, l, dim, T0)).toBe(4.2);
    expect(chargeLimitKW(b, l, dim, T0 + 15 * 60_000)).toBe(4.2);
    expect(chargeLimitKW(b, l, dim, T0 + 30 * 60_000)).toBeCloseTo(80);
    expect(chargeLimitKW(b, l, [{ ...dim[0], secondarySubstationId: 'ONS-0002' }], T0)).toBeCloseTo(80);
  });
});

describe('degradation price', () => {
  it('is the remaining value over the remaining equivalent full cycles', () => {
    // 200 kWh × 60 €/kWh × (80−60)/(100−60) = 6,000 € left over 1,500 EFC of 2 × 160 kWh
    expect(degradationCtPerKWh(bat(), DEFAULT_PARAMETERS)).toBeCloseTo(600_000 / (1500 * 320), 6);
  });
  it('a pack at its end of life is not cycled', () => {
    expect(degradationCtPerKWh(bat({ stateOfHealthPct: 60 }), DEFAULT_PARAMETERS)).toBe(6000);
  });
});

describe('planning load (risk-weighted towards the P90)', () => {
  const f = { p50Wh: [25_000, 25_000], p90Wh: [35_000, 20_000] };
  it('is the P50 at weight 0 and the P90 at weight 1, in kW', () => {
    expect(planningLoadKW(f, 0)).toBeCloseTo(100);
    expect(planningLoadKW(f, 0, 0.5)).toBeCloseTo(120);
    expect(planningLoadKW(f, 0, 1)).toBeCloseTo(140);
  });
  it('never goes below the P50 (a P90 under it adds nothing) and clamps the weight to 0…1', () => {
    expect(planningLoadKW(f, 1, 1)).toBeCloseTo(100);
    expect(planningLoadKW(f, 0, 3)).toBeCloseTo(140);
    expect(planningLoadKW(f, 0, -1)).toBeCloseTo(100);
  });
  it('moves only the rating constraint of the model', () => {
    const p = problem();
    const w = buildDispatchModel({ ...p, parameters: { ...p.parameters, upperQuantileWeight: 0.5 } }).model;
    const base = buildDispatchModel(p).model;
    const row = (m: typeof base, name: string) => m.rowUpper[m.rowNames.indexOf(name)];
    // step 2: P50 300 kW, P90 360 kW → 330 kW held under the 380 kW rating
    expect(row(base, 'rating_import[ONS-0001,2]')).toBeCloseTo(380 - 300);
    expect(row(w, 'rating_import[ONS-0001,2]')).toBeCloseTo(380 - 330);
    expect(row(w, 'peak[ONS-0001,2]')).toBeCloseTo(row(base, 'peak[ONS-0001,2]'));
  });
});

describe('the dispatch model', () => {
  it('has named variables and constraints per battery, site and step', () => {
    const { model } = buildDispatchModel(problem());
    expect(model.colNames).toContain('charge[BAT-0001,0]');
    expect(model.colNames).toContain('soc_p90[BAT-0001,2]');
    expect(model.colNames).toContain('peak[ONS-0001]');
    expect(model.rowNames).toContain('energy_balance[BAT-0001,1]');
    expect(model.rowNames).toContain('rating_p90[ONS-0001,2]');
    expect(model.rowNames).toContain('reverse_flow_p10[ONS-0001,0]');
    expect(new Set(model.colNames).size).toBe(model.numCols);
    expect(new Set(model.rowNames).size).toBe(model.numRows);
    // 8 per battery-step, 4 per site-step, 1 peak per site
    expect(model.numCols).toBe(3 * 8 + 3 * 4 + 1);
  });

  it('bounds the peak below by the peak already carried (sunk), and leaves it free without one', () => {
    const free = buildDispatchModel(problem());
    expect(free.model.colLower[free.index.peak[0]]).toBe(Number.NEGATIVE_INFINITY);
    const p = problem();
    const sunk = buildDispatchModel({ ...p, sites: [{ ...p.sites[0], realisedPeakKW: 123.4 }] });
    expect(sunk.model.colLower[sunk.index.peak[0]]).toBe(123.4);
    expect(sunk.model.numCols).toBe(free.model.numCols);
  });

  it('is pure: the same problem gives the same model', () => {
    expect(buildDispatchModel(problem()).model).toEqual(buildDispatchModel(problem()).model);
  });

  it('puts the initial energy on the right-hand side of the first balance only', () => {
    const { model } = buildDispatchModel(problem());
    const r0 = model.rowNames.indexOf('energy_balance[BAT-0001,0]');
    const r1 = model.rowNames.indexOf('energy_balance[BAT-0001,1]');
    expect(model.rowLower[r0]).toBeCloseTo(80);
    expect(model.rowUpper[r1]).toBe(0);
  });

  it('prices arbitrage only in market mode', () => {
    const grid = buildDispatchModel(problem()).model;
    const market = buildDispatchModel({
      ...problem(),
      parameters: { ...DEFAULT_PARAMETERS, mode: 'market' },
    }).model;
    const c0 = grid.colNames.indexOf('charge[BAT-0001,0]');
    expect(market.colCost[c0] - grid.colCost[c0]).toBeCloseTo(10 * 0.25);
  });

  it('refuses problems it cannot model, with a stable code', () => {
    expect(() => buildDispatchModel({ ...problem(), startMs: T0 + 1 })).toThrow(DispatchModelError);
    expect(() =>
      buildDispatchModel({ ...problem(), batteries: [bat({ secondarySubstationId: 'ONS-9' })] }),
    ).toThrow(/unknown ONS-9/);
    expect(() => buildDispatchModel(problem(4))).toThrow(/prices cover 3 of 4/);
  });

  it('reads a solution back into integer setpoints within the limits', () => {
    const p = problem();
    const { model, index } = buildDispatchModel(p);
    const x = new Float64Array(model.numCols);
    // a hand-made point: discharge 30.0004 kW at step 2, charge beyond the limit at step 0 is clipped
    x[index.discharge[0][2]] = 30.0004;
    x[index.charge[0][0]] = 101;
    for (let t = 0; t < 3; t++) x[index.soc[0][t]] = 80;
    const plan = readDispatchPlan(p, index, { status: 'optimal', objective: 0, colValues: x, solveMs: 1 });
    expect(plan.batteries['BAT-0001'].map((s) => s.setpointW)).toEqual([-100_000, 0, 30_000]);
    expect(plan.sites['ONS-0001'][2].plannedW).toBe(270_000);
    expect(rowActivity(model, x, model.rowNames.indexOf('discharge_capacity[BAT-0001,2]'))).toBeCloseTo(
      30.0004,
    );
  });

  it('fault injection adds a contradictory pair of named rows', () => {
    const { model } = buildDispatchModel(problem());
    const bad = injectInfeasibility(model);
    expect(bad.numRows).toBe(model.numRows + 2);
    expect(bad.rowNames.slice(-2)).toEqual(['fault_injection_at_least_one', 'fault_injection_at_most_zero']);
  });
});

describe('threshold peak shaving (OpenEMS style)', () => {
  const s = thresholdSettingsFor(250, 1); // 225 kW shave, 125 kW recharge
  const roomy = { maxChargeW: 100_000, maxDischargeW: 100_000, dischargeableWh: 1e9, chargeableWh: 1e9 };
  it('discharges the excess above the threshold, charges below the recharge level, rests between', () => {
    expect(thresholdPeakShaving(s, 260_000, roomy)).toBe(35_000);
    expect(thresholdPeakShaving(s, 100_000, roomy)).toBe(-25_000);
    expect(thresholdPeakShaving(s, -50_000, roomy)).toBe(-100_000);
    expect(thresholdPeakShaving(s, 200_000, roomy)).toBe(0);
  });
  it('stays within power and the energy left in the SoC window', () => {
    expect(thresholdPeakShaving(s, 400_000, roomy)).toBe(100_000);
    expect(thresholdPeakShaving(s, 400_000, { ...roomy, dischargeableWh: 5_000 })).toBe(20_000);
    expect(thresholdPeakShaving(s, 0, { ...roomy, chargeableWh: 0 })).toBe(0);
  });
});
