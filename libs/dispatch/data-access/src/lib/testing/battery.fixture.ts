import type { BatteryInput } from '@gridwerk/dispatch/domain';

/** A lossless 100 kWh / 100 kW battery at 50 % SoC behind ONS-0001, for solver tests; `over` changes any field. */
export function testBattery(over: Partial<BatteryInput> = {}): BatteryInput {
  return {
    assetId: 'BAT-0001',
    secondarySubstationId: 'ONS-0001',
    nominalCapacityWh: 100_000,
    usableCapacityWh: 100_000,
    stateOfHealthPct: 100,
    stateOfChargePct: 50,
    ratedChargeW: 100_000,
    ratedDischargeW: 100_000,
    ratedRoundTripEfficiency: 1,
    minSocPct: 0,
    maxSocPct: 100,
    ...over,
  };
}
