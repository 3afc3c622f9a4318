import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { Topics } from '@gridwerk/contracts';
import { SettlementRepository } from '@gridwerk/settlement/data-access';
import { BillingLedger, reconcile, type Difference, type MemberMonth } from './billing-ledger';

export interface ReadOptions {
  readonly brokers: string[];
  readonly transactionsTopic?: string;
  readonly batchesTopic?: string;
  /** Stop after this long without a new message. */
  readonly idleMs?: number;
  readonly timeoutMs?: number;
  readonly groupId?: string;
}

/** Reads both settlement topics from the beginning into a BillingLedger until they are idle. */
export async function readSettlementEvents(
  o: ReadOptions,
  ledger = new BillingLedger(),
): Promise<BillingLedger> {
  const kafka = new Kafka({ clientId: 'gridwerk-billing', brokers: o.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: o.groupId ?? `gridwerk-billing-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({
      topics: [
        o.transactionsTopic ?? Topics.settlementTransactions,
        o.batchesTopic ?? Topics.settlementBatches,
      ],
      fromBeginning: true,
    });
    let last = Date.now();
    let started = false;
    const deadline = Date.now() + (o.timeoutMs ?? 120_000);
    await consumer.run({
      eachMessage: async ({ message }) => {
        started = true;
        last = Date.now();
        ledger.ingest(message.value);
      },
    });
    const idle = o.idleMs ?? 3_000;
    while (Date.now() < deadline && (!started || Date.now() - last < idle)) {
      await new Promise((r) => setTimeout(r, 200));
      if (!started && Date.now() - last > idle * 4) break;
    }
  } finally {
    await consumer.disconnect();
  }
  return ledger;
}

export interface ReconcileReport {
  communityId: string;
  transactions: number;
  batches: number;
  duplicatesDropped: number;
  invalid: number;
  missing: string[];
  unbatched: string[];
  differences: Difference[];
  statement: MemberMonth[];
  ok: boolean;
}

/** Billing's books for one community against the settlement database, to the cent. */
export async function reconcileWithDatabase(
  ledger: BillingLedger,
  databaseUrl: string,
  communityId: string,
): Promise<ReconcileReport> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const db = await new SettlementRepository(pool).monthlyStatement(communityId);
    const statement = ledger.statement(communityId);
    const differences = reconcile(statement, db);
    const { missing, unbatched } = ledger.completeness();
    const inCommunity = (id: string) => ledger.transactions.get(id)?.communityId === communityId;
    const batches = [...ledger.batches.values()].filter((b) => b.communityId === communityId);
    const missingHere = missing.filter((id) => batches.some((b) => b.transactionIds.includes(id)));
    const unbatchedHere = unbatched.filter(inCommunity);
    return {
      communityId,
      transactions: [...ledger.transactions.values()].filter((t) => t.communityId === communityId).length,
      batches: batches.length,
      duplicatesDropped: ledger.duplicates,
      invalid: ledger.invalid,
      missing: missingHere,
      unbatched: unbatchedHere,
      differences,
      statement,
      ok: differences.length === 0 && missingHere.length === 0 && unbatchedHere.length === 0,
    };
  } finally {
    await pool.end();
  }
}
