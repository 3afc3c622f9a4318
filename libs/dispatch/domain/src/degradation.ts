import { BatteryInput, DispatchParameters } from './types';

/**
 * Price of ageing, ct per kWh of AC throughput (charge or discharge): what is left of the pack's value
 * (its value falls linearly from 100 % SoH to the end-of-life SoH) over the equivalent full cycles it has
 * left, where one cycle moves twice the usable capacity. A pack near its end of life is not cheaper to
 * cycle: fewer cycles remain for less value, and both shrink in proportion.
 */
export function degradationCtPerKWh(b: BatteryInput, p: DispatchParameters): number {
  const soh = Math.min(100, Math.max(0, b.stateOfHealthPct));
  const span = 100 - p.endOfLifeSohPct;
  const remainingShare = span > 0 ? Math.max(0, (soh - p.endOfLifeSohPct) / span) : 0;
  const remainingValueCt = (p.packValueCtPerKWh * b.nominalCapacityWh * remainingShare) / 1000;
  const remainingEfc = p.cycleLifeEfc * remainingShare;
  const usableKWh = b.usableCapacityWh / 1000;
  if (remainingEfc <= 0 || usableKWh <= 0) return p.packValueCtPerKWh; // at end of life: do not cycle
  return remainingValueCt / (remainingEfc * 2 * usableKWh);
}
