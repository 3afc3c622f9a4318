import { parseEvent, type SettlementBatch, type SettlementTransaction } from '@gridwerk/contracts';

/** One member's month as billing books it (Europe/Berlin months), from the settlement events alone. */
export interface MemberMonth {
  communityId: string;
  meterPointId: string;
  month: string;
  communitySupplyWh: number;
  residualSupplyWh: number;
  soldWh: number;
  surplusWh: number;
  paidCt: number;
  receivedCt: number;
}

const UTILITY = 'UTILITY';
const monthFmt = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Berlin',
  year: 'numeric',
  month: '2-digit',
});
export const berlinMonth = (instant: string): string => {
  const parts = monthFmt.formatToParts(new Date(instant));
  return `${parts.find((p) => p.type === 'year')?.value}-${parts.find((p) => p.type === 'month')?.value}`;
};

export interface IngestResult {
  accepted: boolean;
  duplicate: boolean;
  invalid?: string;
}

/**
 * The reference billing consumer's books: de-duplicates settlement events by their CloudEvents id (the
 * relay publishes at least once), books each transaction once with its sign (a reversal takes energy and
 * cents back), keeps the batches, and tells which transactions a batch announced but never arrived.
 */
export class BillingLedger {
  private readonly seen = new Set<string>();
  private readonly months = new Map<string, MemberMonth>();
  readonly transactions = new Map<string, SettlementTransaction>();
  readonly batches = new Map<string, SettlementBatch>();
  duplicates = 0;
  invalid = 0;

  ingest(value: Buffer | string | null): IngestResult {
    const parsed = parseEvent(value ?? Buffer.alloc(0));
    if (!parsed.ok) {
      this.invalid++;
      return { accepted: false, duplicate: false, invalid: parsed.problems.map((p) => p.code).join(',') };
    }
    const e = parsed.value;
    if (e.type !== 'de.gridwerk.settlement.transaction.v1' && e.type !== 'de.gridwerk.settlement.batch.v1') {
      this.invalid++;
      return { accepted: false, duplicate: false, invalid: `unexpected type ${e.type}` };
    }
    if (this.seen.has(e.id)) {
      this.duplicates++;
      return { accepted: false, duplicate: true };
    }
    this.seen.add(e.id);
    if (e.type === 'de.gridwerk.settlement.batch.v1') {
      const b = e.data;
      this.batches.set(b.batchId, b);
    } else {
      const t = e.data;
      this.transactions.set(t.transactionId, t);
      this.book(t);
    }
    return { accepted: true, duplicate: false };
  }

  private book(t: SettlementTransaction): void {
    const s = t.direction === 'reversal' ? -1 : 1;
    const month = berlinMonth(t.intervalStart);
    const line = (member: string) => {
      const k = `${t.communityId}|${member}|${month}`;
      let m = this.months.get(k);
      if (!m) {
        m = {
          communityId: t.communityId,
          meterPointId: member,
          month,
          communitySupplyWh: 0,
          residualSupplyWh: 0,
          soldWh: 0,
          surplusWh: 0,
          paidCt: 0,
          receivedCt: 0,
        };
        this.months.set(k, m);
      }
      return m;
    };
    if (t.buyerId !== UTILITY) {
      const b = line(t.buyerId);
      if (t.sellerId === UTILITY) b.residualSupplyWh += s * t.energyWh;
      else b.communitySupplyWh += s * t.energyWh;
      b.paidCt += s * t.amountCt;
    }
    if (t.sellerId !== UTILITY) {
      const m = line(t.sellerId);
      if (t.buyerId === UTILITY) m.surplusWh += s * t.energyWh;
      else m.soldWh += s * t.energyWh;
      m.receivedCt += s * t.amountCt;
    }
  }

  statement(communityId?: string): MemberMonth[] {
    return [...this.months.values()]
      .filter((m) => communityId === undefined || m.communityId === communityId)
      .sort((a, b) => (a.meterPointId + a.month < b.meterPointId + b.month ? -1 : 1));
  }

  /** Transactions announced by a batch but not received, and received ones no batch announced. */
  completeness(): { missing: string[]; unbatched: string[] } {
    const announced = new Set<string>();
    for (const b of this.batches.values()) for (const id of b.transactionIds) announced.add(id);
    return {
      missing: [...announced].filter((id) => !this.transactions.has(id)),
      unbatched: [...this.transactions.keys()].filter((id) => !announced.has(id)),
    };
  }
}

export interface Difference {
  key: string;
  field: string;
  billing: number;
  database: number;
}

/** Compares billing's statement with the database's, line by line, to the Wh and the cent. */
export function reconcile(billing: readonly MemberMonth[], database: readonly MemberMonth[]): Difference[] {
  const fields = [
    'communitySupplyWh',
    'residualSupplyWh',
    'soldWh',
    'surplusWh',
    'paidCt',
    'receivedCt',
  ] as const;
  const keyOf = (m: MemberMonth) => `${m.communityId}|${m.meterPointId}|${m.month}`;
  const a = new Map(billing.map((m) => [keyOf(m), m]));
  const b = new Map(database.map((m) => [keyOf(m), m]));
  const out: Difference[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    for (const field of fields) {
      const x = a.get(key)?.[field] ?? 0;
      const y = b.get(key)?.[field] ?? 0;
      if (x !== y) out.push({ key, field, billing: x, database: y });
    }
  }
  return out;
}
