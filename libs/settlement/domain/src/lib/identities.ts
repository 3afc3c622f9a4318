import type { IntervalAllocation } from './allocate';
import { signOf, UTILITY, type Microtransaction } from './transaction';

/**
 * The identities every settled interval satisfies, recomputed from its transactions:
 * 1. per member: community supply + residual supply = metered consumption;
 * 2. per member: sold + surplus = metered generation;
 * 3. Σ cents paid by buyers = Σ cents received by sellers;
 * plus the caps: no member gets more than it consumed, nothing more is allocated than was generated.
 * Returns the violations (empty = all hold).
 */
export function identityViolations(a: IntervalAllocation): string[] {
  return violationsOf(
    a.members.map((m) => ({
      id: m.meterPointId,
      consumptionWh: m.consumptionWh,
      generationWh: m.generationWh,
    })),
    a.transactions,
    a.generationWh,
  );
}

/**
 * Same checks over the effective transactions of an interval (deliveries minus reversals over all
 * versions), against the metered values of the latest version.
 */
export function violationsOf(
  metered: readonly { id: string; consumptionWh: number; generationWh: number }[],
  transactions: readonly Microtransaction[],
  sharedGenerationWh?: number,
): string[] {
  const problems: string[] = [];
  const bought = new Map<string, number>();
  const sold = new Map<string, number>();
  const allocated = new Map<string, number>();
  let paidCt = 0;
  let receivedCt = 0;
  let totalAllocated = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (const t of transactions) {
    const s = signOf(t);
    add(bought, t.buyerId, s * t.energyWh);
    add(sold, t.sellerId, s * t.energyWh);
    if (t.sellerId !== UTILITY && t.buyerId !== UTILITY) {
      add(allocated, t.buyerId, s * t.energyWh);
      totalAllocated += s * t.energyWh;
    }
    if (t.buyerId !== UTILITY) paidCt += s * t.amountCt;
    if (t.sellerId !== UTILITY) receivedCt += s * t.amountCt;
    if (t.sellerId === t.buyerId) problems.push(`${t.transactionId}: self trade`);
  }
  for (const m of metered) {
    const b = bought.get(m.id) ?? 0;
    const g = sold.get(m.id) ?? 0;
    const al = allocated.get(m.id) ?? 0;
    if (b !== m.consumptionWh)
      problems.push(`${m.id}: community + residual supply ${b} != consumption ${m.consumptionWh}`);
    if (g !== m.generationWh) problems.push(`${m.id}: sold + surplus ${g} != generation ${m.generationWh}`);
    if (al > m.consumptionWh) problems.push(`${m.id}: allocated ${al} > consumption ${m.consumptionWh}`);
    if (al < 0) problems.push(`${m.id}: negative allocation ${al}`);
  }
  if (sharedGenerationWh !== undefined && totalAllocated > sharedGenerationWh) {
    problems.push(`allocated ${totalAllocated} > shared generation ${sharedGenerationWh}`);
  }
  if (paidCt !== receivedCt) problems.push(`buyers paid ${paidCt} ct != sellers received ${receivedCt} ct`);
  return problems;
}
