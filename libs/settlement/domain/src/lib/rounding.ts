import { SettlementDomainError } from './errors';

/**
 * Largest-remainder (Hamilton) apportionment of a non-negative integer `total` to integer `weights`.
 * Each part gets floor(total·w/W); the units left over go, one each, to the largest remainders
 * (ties: the lower index, i.e. the earlier member in id order). The parts always sum to `total` when
 * W > 0, so nothing is dropped. All arithmetic is exact integer arithmetic in safe doubles.
 */
export function largestRemainder(total: number, weights: readonly number[]): number[] {
  const n = weights.length;
  const parts = new Array<number>(n).fill(0);
  if (total === 0 || n === 0) return parts;
  let weightSum = 0;
  for (const w of weights) weightSum += w;
  if (weightSum === 0) return parts;
  const remainders = new Array<number>(n);
  let assigned = 0;
  for (let i = 0; i < n; i++) {
    const product = total * weights[i];
    if (!Number.isSafeInteger(product)) {
      throw new SettlementDomainError(
        'SETTLEMENT.ARITHMETIC_OVERFLOW',
        `${total} x ${weights[i]} is not exact`,
      );
    }
    const q = Math.floor(product / weightSum);
    parts[i] = q;
    remainders[i] = product - q * weightSum;
    assigned += q;
  }
  let left = total - assigned;
  if (left > 0) {
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => remainders[b] - remainders[a] || a - b,
    );
    for (let k = 0; k < left; k++) parts[order[k]]++;
    left = 0;
  }
  return parts;
}

/** One micro-cent is 10^-6 ct: Wh × milli-ct/kWh = 10^-3 kWh × 10^-3 ct/kWh. */
export const MICRO_CT_PER_CT = 1_000_000;

/**
 * Cents for energy amounts that share one price, rounded so that their sum is the floor of the exact
 * total. The sub-cent rest of the total is returned as `remainderMicroCt` (recorded with the interval, not
 * dropped); the whole cents are apportioned by largest remainder of each exact amount.
 */
export function centsAtPrice(
  energiesWh: readonly number[],
  priceMilliCtPerKWh: number,
): { amountsCt: number[]; remainderMicroCt: number } {
  const n = energiesWh.length;
  const amounts = new Array<number>(n);
  const fractions = new Array<number>(n);
  let totalMicro = 0;
  let floorSum = 0;
  for (let i = 0; i < n; i++) {
    const exact = energiesWh[i] * priceMilliCtPerKWh;
    if (!Number.isSafeInteger(exact)) {
      throw new SettlementDomainError(
        'SETTLEMENT.ARITHMETIC_OVERFLOW',
        `${energiesWh[i]} Wh x ${priceMilliCtPerKWh} milli-ct/kWh is not exact`,
      );
    }
    totalMicro += exact;
    const whole = Math.floor(exact / MICRO_CT_PER_CT);
    amounts[i] = whole;
    fractions[i] = exact - whole * MICRO_CT_PER_CT;
    floorSum += whole;
  }
  const totalCt = Math.floor(totalMicro / MICRO_CT_PER_CT);
  const extra = totalCt - floorSum;
  if (extra > 0) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => fractions[b] - fractions[a] || a - b);
    for (let k = 0; k < extra; k++) amounts[order[k]]++;
  }
  return { amountsCt: amounts, remainderMicroCt: totalMicro - totalCt * MICRO_CT_PER_CT };
}
