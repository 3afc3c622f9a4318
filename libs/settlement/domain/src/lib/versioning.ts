import { SettlementDomainError } from './errors';
import { Microtransaction, transactionId } from './transaction';

/** The transactions in force after all versions so far: deliveries that no later reversal took back. */
export function effectiveTransactions(all: readonly Microtransaction[]): Microtransaction[] {
  const reversed = new Set<string>();
  for (const t of all)
    if (t.direction === 'reversal' && t.adjustsTransactionId) reversed.add(t.adjustsTransactionId);
  return all.filter((t) => t.direction === 'delivery' && !reversed.has(t.transactionId));
}

const pairKey = (t: Microtransaction) => `${t.sellerId}|${t.buyerId}`;
const same = (a: Microtransaction, b: Microtransaction) =>
  a.energyWh === b.energyWh &&
  a.amountCt === b.amountCt &&
  a.priceMilliCtPerKWh === b.priceMilliCtPerKWh &&
  a.kind === b.kind &&
  a.rule === b.rule;

/**
 * The transactions of version `next.version` of an interval, given what is in force (`effective`, from
 * earlier versions) and the freshly computed deliveries of the new version (`next`). A pair whose
 * transaction is unchanged stays as it is; a changed or vanished one is reversed in full (an `adjustment`
 * that names the original, same energy and cents, direction `reversal`) and, if the pair still trades,
 * re-issued with the new values. Effective after the version = the new computation, exactly: the
 * reversals net out the originals to the Wh and the cent. Returns [] when nothing changed.
 */
export function adjustmentsFor(
  effective: readonly Microtransaction[],
  next: readonly Microtransaction[],
  partySalt: string,
): Microtransaction[] {
  const version = next[0]?.version ?? Math.max(0, ...effective.map((t) => t.version)) + 1;
  for (const t of effective) {
    if (t.version >= version) {
      throw new SettlementDomainError(
        'SETTLEMENT.VERSION_CONFLICT',
        `transaction ${t.transactionId} has version ${t.version}, not below ${version}`,
      );
    }
  }
  const current = new Map(effective.map((t) => [pairKey(t), t]));
  const fresh = new Map(next.map((t) => [pairKey(t), t]));
  const out: Microtransaction[] = [];
  for (const [k, old] of current) {
    const neu = fresh.get(k);
    if (neu && same(old, neu)) continue;
    out.push({
      ...old,
      transactionId: transactionId(
        partySalt,
        old.communityId,
        old.intervalStart,
        old.sellerId,
        old.buyerId,
        version,
        'reversal',
      ),
      version,
      kind: 'adjustment',
      direction: 'reversal',
      adjustsTransactionId: old.transactionId,
    });
  }
  for (const [k, neu] of fresh) {
    const old = current.get(k);
    if (old && same(old, neu)) continue;
    out.push(neu);
  }
  return out;
}
