import type { Pool, PoolClient } from 'pg';
import {
  createEvent,
  EventTypes,
  Topics,
  type SettlementBatch,
  type SettlementTransaction,
} from '@gridwerk/contracts';
import { withTransaction } from '@gridwerk/shared/data-access-database';
import { mapConcurrently } from '@gridwerk/shared/util-async';
import {
  adjustmentsFor,
  allocateInterval,
  buildBatchTree,
  effectiveTransactions,
  Hex,
  IntervalAllocation,
  LedgerBatch,
  LedgerCommitReceipt,
  MeteredEnergy,
  Microtransaction,
  QUARTER_HOUR_MS,
  quarterHourEnd,
} from '@gridwerk/settlement/domain';
import { CommunityRepository } from './community.repository';
import { iso, num } from './settlement-db';

export const SETTLEMENT_EVENT_SOURCE = '/gridwerk/settlement';

/** Open intervals closed per transaction by `settleIntervals` (about 4,000 transactions of a city's quarter hour). */
export const SETTLE_GROUP_SIZE = 100;

/** One interval version to write: its allocation, the transactions it settles and the community's salt. */
interface VersionWrite {
  readonly allocation: IntervalAllocation;
  readonly txs: readonly Microtransaction[];
  readonly reason: 'close' | 'correction';
  readonly salt: Hex;
}

/** Plain code-unit order of two ids (the order rows are locked in; any fixed order would do). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const refKey = (r: IntervalRef): string => `${r.communityId}|${Date.parse(r.intervalStart)}`;

/** A validated reading of a metering point that is a community member at its interval start. */
export interface MemberReading {
  readonly communityId: string;
  readonly meterPointId: string;
  readonly intervalStart: string;
  readonly intervalEnd: string;
  readonly importWh: number;
  readonly exportWh: number;
  readonly quality: string;
  readonly eventId: string;
}

export interface RecordResult {
  /** First reading of a (meter, interval). */
  stored: number;
  /** The same values again (a replay): nothing stored. */
  duplicates: number;
  /** Different values for a known (meter, interval): a new revision. */
  corrections: number;
  /** Stored readings (first or corrected) for intervals already closed: they will be re-settled. */
  late: number;
}

export interface IntervalRef {
  readonly communityId: string;
  readonly intervalStart: string;
}

export interface SettleResult {
  readonly communityId: string;
  readonly intervalStart: string;
  /** The version written, or 0 when nothing was written (no transactions, or the correction changed nothing). */
  readonly version: number;
  readonly transactions: number;
  readonly reason: 'close' | 'correction';
}

export interface StoredBatch extends LedgerBatch {
  readonly batchId: string;
  readonly state: 'pending' | 'committed';
  readonly txHash: string | null;
  readonly blockNumber: number | null;
  readonly gasUsed: number | null;
  readonly committedAt: string | null;
}

interface TxRow {
  transaction_id: string;
  community_id: string;
  interval_start: Date;
  version: number;
  seller_id: string;
  buyer_id: string;
  energy_wh: string;
  price_milli_ct_per_kwh: string;
  amount_ct: string;
  kind: Microtransaction['kind'];
  direction: Microtransaction['direction'];
  rule: Microtransaction['rule'];
  adjusts_transaction_id: string | null;
}

function toTx(r: TxRow): Microtransaction {
  const intervalStart = iso(r.interval_start);
  return {
    transactionId: r.transaction_id,
    communityId: r.community_id,
    intervalStart,
    intervalEnd: quarterHourEnd(intervalStart),
    version: r.version,
    sellerId: r.seller_id,
    buyerId: r.buyer_id,
    energyWh: num(r.energy_wh),
    priceMilliCtPerKWh: num(r.price_milli_ct_per_kwh),
    amountCt: num(r.amount_ct),
    kind: r.kind,
    direction: r.direction,
    rule: r.rule,
    ...(r.adjusts_transaction_id ? { adjustsTransactionId: r.adjusts_transaction_id } : {}),
  };
}

/** `sb_<community>_<yyyymmddThhmmZ>_v<version>`: the stable id of a batch (billing de-duplicates on it). */
export function batchIdOf(communityId: string, intervalStart: string, version: number): string {
  const compact = intervalStart.replace(/[-:]/g, '').replace(/\.\d+/, '').replace(/00Z$/, 'Z');
  return `sb_${communityId}_${compact}_v${version}`;
}

export function transactionEventData(t: Microtransaction): SettlementTransaction {
  return {
    transactionId: t.transactionId,
    communityId: t.communityId,
    intervalStart: t.intervalStart,
    intervalEnd: t.intervalEnd,
    sellerId: t.sellerId,
    buyerId: t.buyerId,
    energyWh: t.energyWh,
    priceMilliCtPerKWh: t.priceMilliCtPerKWh,
    amountCt: t.amountCt,
    kind: t.kind,
    rule: t.rule,
    ...(t.adjustsTransactionId ? { adjustsTransactionId: t.adjustsTransactionId } : {}),
    direction: t.direction,
    version: t.version,
  };
}

/**
 * Settlement state in PostgreSQL: readings (revisions), intervals and their versions, allocations,
 * transactions, batches and the outbox. Every state change and the events announcing it commit in one
 * transaction (`settlement_outbox`), so nothing is announced that was not stored and vice versa.
 */
/** The topics the outbox announces on: the contract's by default, a deployment's own if configured. */
export interface SettlementTopics {
  transactions: string;
  batches: string;
}

export class SettlementRepository {
  private readonly communities: CommunityRepository;

  constructor(
    private readonly db: Pool,
    private readonly topics: SettlementTopics = {
      transactions: Topics.settlementTransactions,
      batches: Topics.settlementBatches,
    },
  ) {
    this.communities = new CommunityRepository(db);
  }

  /**
   * Stores member readings in one transaction: a new (meter, interval) is revision 1, the same values
   * again are a duplicate (replay), different values are the next revision (a correction). Opens the
   * interval of the community, advances the community's watermark (event time), and flags closed intervals
   * that received a late or corrected reading for re-settlement.
   */
  async recordReadings(readings: readonly MemberReading[]): Promise<RecordResult> {
    const result: RecordResult = { stored: 0, duplicates: 0, corrections: 0, late: 0 };
    if (readings.length === 0) return result;
    return withTransaction(this.db, async (c) => {
      const keyOf = (m: string, t: string) => `${m}|${Date.parse(t)}`;
      const latest = new Map<
        string,
        { revision: number; importWh: number; exportWh: number; quality: string }
      >();
      const prev = await c.query<{
        meter_point_id: string;
        interval_start: Date;
        revision: number;
        import_wh: string;
        export_wh: string;
        quality: string;
      }>(
        `SELECT DISTINCT ON (r.meter_point_id, r.interval_start) r.meter_point_id, r.interval_start, r.revision, r.import_wh, r.export_wh, r.quality
         FROM settlement_reading r
         JOIN unnest($1::text[], $2::timestamptz[]) AS k(meter_point_id, interval_start)
           ON r.meter_point_id = k.meter_point_id AND r.interval_start = k.interval_start
         ORDER BY r.meter_point_id, r.interval_start, r.revision DESC`,
        [readings.map((r) => r.meterPointId), readings.map((r) => r.intervalStart)],
      );
      for (const p of prev.rows) {
        latest.set(keyOf(p.meter_point_id, iso(p.interval_start)), {
          revision: p.revision,
          importWh: num(p.import_wh),
          exportWh: num(p.export_wh),
          quality: p.quality,
        });
      }
      const rows: (MemberReading & { revision: number })[] = [];
      for (const r of readings) {
        const k = keyOf(r.meterPointId, r.intervalStart);
        const l = latest.get(k);
        if (l && l.importWh === r.importWh && l.exportWh === r.exportWh && l.quality === r.quality) {
          result.duplicates++;
          continue;
        }
        const revision = (l?.revision ?? 0) + 1;
        if (l) result.corrections++;
        else result.stored++;
        latest.set(k, { revision, importWh: r.importWh, exportWh: r.exportWh, quality: r.quality });
        rows.push({ ...r, revision });
      }
      if (rows.length === 0) return result;
      await c.query(
        `INSERT INTO settlement_reading (meter_point_id, interval_start, revision, import_wh, export_wh, quality, event_id)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::bigint[], $5::bigint[], $6::text[], $7::text[])`,
        [
          rows.map((r) => r.meterPointId),
          rows.map((r) => r.intervalStart),
          rows.map((r) => r.revision),
          rows.map((r) => r.importWh),
          rows.map((r) => r.exportWh),
          rows.map((r) => r.quality),
          rows.map((r) => r.eventId),
        ],
      );
      const intervals = new Map<string, IntervalRef>();
      const watermarks = new Map<string, number>();
      for (const r of rows) {
        intervals.set(`${r.communityId}|${r.intervalStart}`, {
          communityId: r.communityId,
          intervalStart: r.intervalStart,
        });
        watermarks.set(
          r.communityId,
          Math.max(watermarks.get(r.communityId) ?? 0, Date.parse(r.intervalEnd)),
        );
      }
      // in key order: concurrent intakes (one per partition) then take the shared rows' locks in one order
      const refs = [...intervals.values()].sort(
        (a, b) =>
          cmp(a.communityId, b.communityId) || Date.parse(a.intervalStart) - Date.parse(b.intervalStart),
      );
      await c.query(
        `INSERT INTO settlement_interval (community_id, interval_start, state)
         SELECT c, s, 'open' FROM unnest($1::text[], $2::timestamptz[]) AS k(c, s)
         ON CONFLICT (community_id, interval_start) DO NOTHING`,
        [refs.map((r) => r.communityId), refs.map((r) => r.intervalStart)],
      );
      const late = await c.query(
        `UPDATE settlement_interval i SET needs_resettlement = true
         FROM unnest($1::text[], $2::timestamptz[]) AS k(c, s)
         WHERE i.community_id = k.c AND i.interval_start = k.s AND i.state = 'closed'`,
        [refs.map((r) => r.communityId), refs.map((r) => r.intervalStart)],
      );
      result.late = late.rowCount ?? 0;
      const wm = [...watermarks.entries()].sort(([a], [b]) => cmp(a, b));
      await c.query(
        `INSERT INTO settlement_watermark (community_id, watermark)
         SELECT c, w FROM unnest($1::text[], $2::timestamptz[]) AS k(c, w)
         ON CONFLICT (community_id) DO UPDATE SET watermark = GREATEST(settlement_watermark.watermark, EXCLUDED.watermark)`,
        [wm.map(([cId]) => cId), wm.map(([, w]) => new Date(w).toISOString())],
      );
      return result;
    });
  }

  /** Open intervals whose end + grace the community's watermark has passed, oldest first. */
  async dueIntervals(graceMs: number, limit = 500): Promise<IntervalRef[]> {
    const res = await this.db.query<{ community_id: string; interval_start: Date }>(
      `SELECT i.community_id, i.interval_start FROM settlement_interval i
       JOIN settlement_watermark w ON w.community_id = i.community_id
       WHERE i.state = 'open' AND i.interval_start + make_interval(secs => $1::double precision) <= w.watermark
       ORDER BY i.interval_start, i.community_id LIMIT $2`,
      [(QUARTER_HOUR_MS + graceMs) / 1000, limit],
    );
    return res.rows.map((r) => ({ communityId: r.community_id, intervalStart: iso(r.interval_start) }));
  }

  /** Closed intervals that received late or corrected readings. */
  async intervalsToResettle(limit = 500): Promise<IntervalRef[]> {
    const res = await this.db.query<{ community_id: string; interval_start: Date }>(
      `SELECT community_id, interval_start FROM settlement_interval WHERE needs_resettlement
       ORDER BY interval_start, community_id LIMIT $1`,
      [limit],
    );
    return res.rows.map((r) => ({ communityId: r.community_id, intervalStart: iso(r.interval_start) }));
  }

  /**
   * Settles one interval in one transaction: closes an open interval as version 1, or re-settles a closed
   * one flagged for it as version n+1 (adjustments: reversals of what changed plus the new values). Writes
   * the version, the allocation per member, the transactions, the pending batch and the transaction events
   * (outbox). Idempotent: an interval that is neither open nor flagged is left alone.
   */
  async settleInterval(ref: IntervalRef): Promise<SettleResult | undefined> {
    return withTransaction(this.db, async (c) => {
      const row = await c.query<{ state: 'open' | 'closed'; version: number; needs_resettlement: boolean }>(
        'SELECT state, version, needs_resettlement FROM settlement_interval WHERE community_id = $1 AND interval_start = $2 FOR UPDATE',
        [ref.communityId, ref.intervalStart],
      );
      const interval = row.rows[0];
      if (!interval || (interval.state === 'closed' && !interval.needs_resettlement)) return undefined;
      const reason = interval.state === 'open' ? 'close' : 'correction';
      const terms = await this.communities.termsAt(ref.communityId, ref.intervalStart, c);
      if (!terms)
        throw new Error(
          `SETTLEMENT.NO_TERMS: ${ref.communityId} has no key or price at ${ref.intervalStart}`,
        );
      const readings = await this.latestReadings(
        c,
        terms.members.map((m) => m.meterPointId),
        ref.intervalStart,
      );
      const version = interval.version + 1;
      const allocation = allocateInterval({ terms, intervalStart: ref.intervalStart, version, readings });
      let txs: Microtransaction[];
      if (interval.version === 0) {
        txs = [...allocation.transactions];
      } else {
        const prior = await c.query<TxRow>(
          'SELECT * FROM settlement_transaction WHERE community_id = $1 AND interval_start = $2 ORDER BY version, transaction_id',
          [ref.communityId, ref.intervalStart],
        );
        txs = adjustmentsFor(
          effectiveTransactions(prior.rows.map(toTx)),
          allocation.transactions,
          terms.partySalt,
        );
      }
      if (txs.length === 0) {
        // Nothing to settle (no energy at all) or the correction changed no transaction: no new version.
        await c.query(
          `UPDATE settlement_interval SET state = 'closed', needs_resettlement = false, closed_at = COALESCE(closed_at, now())
           WHERE community_id = $1 AND interval_start = $2`,
          [ref.communityId, ref.intervalStart],
        );
        return {
          communityId: ref.communityId,
          intervalStart: ref.intervalStart,
          version: 0,
          transactions: 0,
          reason,
        };
      }
      await this.writeVersions(c, [{ allocation, txs, reason, salt: terms.partySalt }]);
      await c.query(
        `UPDATE settlement_interval SET state = 'closed', version = $3, needs_resettlement = false, closed_at = COALESCE(closed_at, now())
         WHERE community_id = $1 AND interval_start = $2`,
        [ref.communityId, ref.intervalStart, version],
      );
      return {
        communityId: ref.communityId,
        intervalStart: ref.intervalStart,
        version,
        transactions: txs.length,
        reason,
      };
    });
  }

  /**
   * Settles many intervals with up to `concurrency` transactions at once: a city's communities close the
   * same quarter hour together, and one after another they would not keep up. Open intervals are closed
   * in groups of `groupSize` per transaction (`closeGroup`: set-based reads and writes); what a group leaves
   * (intervals flagged for re-settlement, communities without terms) and every interval of a group that
   * failed are settled one by one (`settleInterval`), so one failing interval fails alone. Intervals are
   * taken in the order given; `stop()` (e.g. the committer lock was lost) ends it before the next group;
   * `onSettled` hears of each as it is done. Resolves with the results of those that were settled (a
   * version written, or closed without one), in the order given; rejects with the first failure once every
   * running settle has ended (the others stay settled).
   */
  async settleIntervals(
    refs: readonly IntervalRef[],
    opts: {
      concurrency: number;
      groupSize?: number;
      stop?: () => boolean;
      onSettled?: (r: SettleResult) => void;
    },
  ): Promise<SettleResult[]> {
    const size = Math.max(1, opts.groupSize ?? SETTLE_GROUP_SIZE);
    const groups: IntervalRef[][] = [];
    for (let i = 0; i < refs.length; i += size) groups.push(refs.slice(i, i + size));
    const stop = (): boolean => opts.stop?.() ?? false;
    const perGroup = await mapConcurrently(
      groups,
      opts.concurrency,
      async (group) => {
        const settled = new Map<string, SettleResult>();
        const heard = (r: SettleResult): void => {
          settled.set(refKey(r), r);
          opts.onSettled?.(r);
        };
        let rest: readonly IntervalRef[] = group;
        try {
          const closed = await this.closeGroup(group);
          closed.results.forEach(heard);
          rest = closed.rest;
        } catch {
          // one interval of the group failed it: each is settled on its own below, the culprit fails alone
        }
        for (const ref of rest) {
          if (stop()) break;
          const r = await this.settleInterval(ref);
          if (r) heard(r);
        }
        return group.flatMap((ref) => settled.get(refKey(ref)) ?? []);
      },
      { stop },
    );
    return perGroup.flatMap((g) => g ?? []);
  }

  /**
   * Closes the open intervals among `refs` in one transaction, as `settleInterval` closes one (version 1,
   * same allocation, transactions, batch and outbox events), with a constant number of statements: the
   * rows locked in key order, the terms of every community (`termsAtMany`), the latest readings of all
   * members, then each table written once. Returns what it closed, and the refs it left for
   * `settleInterval`: those not open (e.g. flagged for re-settlement) and communities without terms.
   */
  private async closeGroup(
    refs: readonly IntervalRef[],
  ): Promise<{ results: SettleResult[]; rest: IntervalRef[] }> {
    return withTransaction(this.db, async (c) => {
      const locked = await c.query<{
        community_id: string;
        interval_start: Date;
        state: string;
        version: number;
      }>(
        `SELECT i.community_id, i.interval_start, i.state, i.version FROM settlement_interval i
         JOIN unnest($1::text[], $2::timestamptz[]) AS k(c, s) ON i.community_id = k.c AND i.interval_start = k.s
         ORDER BY i.community_id, i.interval_start FOR UPDATE OF i`,
        [refs.map((r) => r.communityId), refs.map((r) => r.intervalStart)],
      );
      const state = new Map(
        locked.rows.map((r) => [
          refKey({ communityId: r.community_id, intervalStart: iso(r.interval_start) }),
          r,
        ]),
      );
      const rest: IntervalRef[] = [];
      const open: IntervalRef[] = [];
      for (const ref of refs) {
        const row = state.get(refKey(ref));
        if (row === undefined) continue; // no such interval: nothing to settle, as settleInterval
        if (row.state === 'open' && row.version === 0) open.push(ref);
        else rest.push(ref);
      }
      const terms = await this.communities.termsAtMany(
        open.map((r) => ({ communityId: r.communityId, instant: r.intervalStart })),
        c,
      );
      const withTerms = open.flatMap((ref, i) => {
        const t = terms[i];
        if (t === undefined) {
          rest.push(ref); // settleInterval fails it with SETTLEMENT.NO_TERMS, alone
          return [];
        }
        return [{ ref, terms: t }];
      });
      const readings = await this.latestReadingsOf(
        c,
        [...new Set(withTerms.flatMap((w) => w.terms.members.map((m) => m.meterPointId)))],
        [...new Set(withTerms.map((w) => w.ref.intervalStart))],
      );
      const writes: VersionWrite[] = [];
      const results: SettleResult[] = [];
      const versions: number[] = [];
      for (const { ref, terms: t } of withTerms) {
        const mine: Record<string, MeteredEnergy> = {};
        const at = Date.parse(ref.intervalStart);
        for (const m of t.members) {
          const r = readings.get(`${m.meterPointId}|${at}`);
          if (r) mine[m.meterPointId] = r;
        }
        const allocation = allocateInterval({
          terms: t,
          intervalStart: ref.intervalStart,
          version: 1,
          readings: mine,
        });
        const txs = [...allocation.transactions];
        // no energy at all: closed without a version, as settleInterval does
        const version = txs.length === 0 ? 0 : 1;
        if (version === 1) writes.push({ allocation, txs, reason: 'close', salt: t.partySalt });
        versions.push(version);
        results.push({ ...ref, version, transactions: txs.length, reason: 'close' });
      }
      await this.writeVersions(c, writes);
      await c.query(
        `UPDATE settlement_interval i SET state = 'closed', version = k.v, needs_resettlement = false, closed_at = COALESCE(i.closed_at, now())
         FROM unnest($1::text[], $2::timestamptz[], $3::int[]) AS k(c, s, v)
         WHERE i.community_id = k.c AND i.interval_start = k.s`,
        [withTerms.map((w) => w.ref.communityId), withTerms.map((w) => w.ref.intervalStart), versions],
      );
      return { results, rest };
    });
  }

  private async latestReadings(
    c: PoolClient,
    meters: string[],
    intervalStart: string,
  ): Promise<Record<string, MeteredEnergy>> {
    const at = Date.parse(intervalStart);
    const out: Record<string, MeteredEnergy> = {};
    for (const [key, energy] of await this.latestReadingsOf(c, meters, [intervalStart]))
      if (key.endsWith(`|${at}`)) out[key.slice(0, key.lastIndexOf('|'))] = energy;
    return out;
  }

  /** The latest revision of each (meter, interval) among `meters` × `intervalStarts`, keyed `meter|epoch ms`. */
  private async latestReadingsOf(
    c: PoolClient,
    meters: readonly string[],
    intervalStarts: readonly string[],
  ): Promise<Map<string, MeteredEnergy>> {
    const out = new Map<string, MeteredEnergy>();
    if (meters.length === 0 || intervalStarts.length === 0) return out;
    const res = await c.query<{
      meter_point_id: string;
      interval_start: Date;
      import_wh: string;
      export_wh: string;
      quality: string;
    }>(
      `SELECT DISTINCT ON (meter_point_id, interval_start) meter_point_id, interval_start, import_wh, export_wh, quality
         FROM settlement_reading WHERE meter_point_id = ANY($1) AND interval_start = ANY($2::timestamptz[])
        ORDER BY meter_point_id, interval_start, revision DESC`,
      [meters, intervalStarts],
    );
    for (const r of res.rows) {
      out.set(`${r.meter_point_id}|${r.interval_start.getTime()}`, {
        importWh: num(r.import_wh),
        exportWh: num(r.export_wh),
        substituted: r.quality === 'substituted',
      });
    }
    return out;
  }

  /**
   * Writes interval versions (version row, allocation per member, transactions, the pending batch and the
   * transaction events in the outbox): each table once for all of them.
   */
  private async writeVersions(c: PoolClient, writes: readonly VersionWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const a = writes.map((w) => w.allocation);
    await c.query(
      `INSERT INTO settlement_interval_version (community_id, interval_start, version, reason, rule, price_milli_ct_per_kwh,
         generation_wh, consumption_wh, allocated_wh, rounding_remainder_micro_ct)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
         $8::bigint[], $9::bigint[], $10::bigint[])`,
      [
        a.map((x) => x.communityId),
        a.map((x) => x.intervalStart),
        a.map((x) => x.version),
        writes.map((w) => w.reason),
        a.map((x) => x.rule),
        a.map((x) => x.priceMilliCtPerKWh),
        a.map((x) => x.generationWh),
        a.map((x) => x.consumptionWh),
        a.map((x) => x.allocatedWh),
        a.map((x) => x.roundingRemainderMicroCt),
      ],
    );
    const m = a.flatMap((x) => x.members.map((member) => ({ ...member, of: x })));
    await c.query(
      `INSERT INTO settlement_allocation (community_id, interval_start, version, meter_point_id, role, consumption_wh, generation_wh,
         community_supply_wh, residual_supply_wh, sold_wh, surplus_wh, paid_ct, received_ct, substituted)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
         $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::boolean[])`,
      [
        m.map((x) => x.of.communityId),
        m.map((x) => x.of.intervalStart),
        m.map((x) => x.of.version),
        m.map((x) => x.meterPointId),
        m.map((x) => x.role),
        m.map((x) => x.consumptionWh),
        m.map((x) => x.generationWh),
        m.map((x) => x.communitySupplyWh),
        m.map((x) => x.residualSupplyWh),
        m.map((x) => x.soldWh),
        m.map((x) => x.surplusWh),
        m.map((x) => x.paidCt),
        m.map((x) => x.receivedCt),
        m.map((x) => x.substituted),
      ],
    );
    const txs = writes.flatMap((w) => w.txs);
    await c.query(
      `INSERT INTO settlement_transaction (transaction_id, community_id, interval_start, version, seller_id, buyer_id, energy_wh,
         price_milli_ct_per_kwh, amount_ct, kind, direction, rule, adjusts_transaction_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
         $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[])`,
      [
        txs.map((t) => t.transactionId),
        txs.map((t) => t.communityId),
        txs.map((t) => t.intervalStart),
        txs.map((t) => t.version),
        txs.map((t) => t.sellerId),
        txs.map((t) => t.buyerId),
        txs.map((t) => t.energyWh),
        txs.map((t) => t.priceMilliCtPerKWh),
        txs.map((t) => t.amountCt),
        txs.map((t) => t.kind),
        txs.map((t) => t.direction),
        txs.map((t) => t.rule),
        txs.map((t) => t.adjustsTransactionId ?? null),
      ],
    );
    const batches = writes.map((w) => ({
      a: w.allocation,
      b: buildBatchTree(
        w.allocation.communityId,
        w.allocation.intervalStart,
        w.allocation.version,
        w.txs,
        w.salt,
      ).batch,
    }));
    await c.query(
      `INSERT INTO settlement_batch (community_id, interval_start, version, batch_id, merkle_root, transaction_count, total_energy_wh,
         total_amount_ct, state)
       SELECT *, 'pending' FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::text[], $5::text[], $6::int[], $7::bigint[],
         $8::bigint[])`,
      [
        batches.map((x) => x.a.communityId),
        batches.map((x) => x.a.intervalStart),
        batches.map((x) => x.a.version),
        batches.map((x) => batchIdOf(x.a.communityId, x.a.intervalStart, x.a.version)),
        batches.map((x) => x.b.merkleRoot),
        batches.map((x) => x.b.transactionCount),
        batches.map((x) => x.b.totalEnergyWh.toString()),
        batches.map((x) => x.b.totalAmountCt.toString()),
      ],
    );
    const events = txs.map((t) => {
      const e = createEvent(EventTypes.settlementTransaction, transactionEventData(t), {
        source: SETTLEMENT_EVENT_SOURCE,
        subject: t.communityId,
        id: t.transactionId,
      });
      return {
        eventId: e.id,
        topic: this.topics.transactions,
        key: t.communityId,
        payload: JSON.stringify(e),
      };
    });
    await this.enqueue(c, events);
  }

  private async enqueue(
    c: PoolClient,
    events: { eventId: string; topic: string; key: string; payload: string }[],
  ): Promise<void> {
    await c.query(
      `INSERT INTO settlement_outbox (event_id, topic, key, payload)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) ON CONFLICT (event_id) DO NOTHING`,
      [
        events.map((e) => e.eventId),
        events.map((e) => e.topic),
        events.map((e) => e.key),
        events.map((e) => e.payload),
      ],
    );
  }

  /** Pending batches in commit order: by interval, then version (the chain refuses versions out of order). */
  async pendingBatches(limit = 100): Promise<StoredBatch[]> {
    return this.batches(
      `WHERE b.state = 'pending' ORDER BY b.interval_start, b.community_id, b.version LIMIT $1`,
      [limit],
    );
  }

  async batchesOf(communityId: string, from?: string, to?: string): Promise<StoredBatch[]> {
    return this.batches(
      `WHERE b.community_id = $1 AND ($2::timestamptz IS NULL OR b.interval_start >= $2) AND ($3::timestamptz IS NULL OR b.interval_start < $3)
       ORDER BY b.interval_start, b.version`,
      [communityId, from ?? null, to ?? null],
    );
  }

  private async batches(where: string, params: unknown[]): Promise<StoredBatch[]> {
    const res = await this.db.query<{
      community_id: string;
      interval_start: Date;
      version: number;
      batch_id: string;
      merkle_root: Hex;
      transaction_count: number;
      total_energy_wh: string;
      total_amount_ct: string;
      state: 'pending' | 'committed';
      tx_hash: string | null;
      block_number: string | null;
      gas_used: string | null;
      committed_at: Date | null;
    }>(`SELECT b.* FROM settlement_batch b ${where}`, params);
    return res.rows.map((r) => ({
      communityId: r.community_id,
      intervalStart: iso(r.interval_start),
      version: r.version,
      batchId: r.batch_id,
      merkleRoot: r.merkle_root,
      transactionCount: r.transaction_count,
      totalEnergyWh: BigInt(r.total_energy_wh),
      totalAmountCt: BigInt(r.total_amount_ct),
      state: r.state,
      txHash: r.tx_hash,
      blockNumber: r.block_number === null ? null : num(r.block_number),
      gasUsed: r.gas_used === null ? null : num(r.gas_used),
      committedAt: r.committed_at ? new Date(r.committed_at).toISOString() : null,
    }));
  }

  /** Records the on-chain commit of a batch and enqueues its batch event, in one transaction (idempotent). */
  async markCommitted(batch: StoredBatch, receipt: LedgerCommitReceipt): Promise<boolean> {
    return (await this.markCommittedMany([{ batch, receipt }]))[0] ?? false;
  }

  /**
   * Records the on-chain commits of many batches (e.g. the up to 200 of one multi-batch chain transaction)
   * and enqueues their batch events, in one transaction with a constant number of statements. Idempotent:
   * a batch already marked is left alone. Resolves, per batch in the order given, whether it was marked now.
   */
  async markCommittedMany(
    commits: readonly { batch: StoredBatch; receipt: LedgerCommitReceipt }[],
  ): Promise<boolean[]> {
    if (commits.length === 0) return [];
    return withTransaction(this.db, async (c) => {
      const marked = await c.query<{ community_id: string; interval_start: Date; version: number }>(
        `UPDATE settlement_batch b SET state = 'committed', chain_id = k.chain_id, contract_address = k.contract_address,
           tx_hash = k.tx_hash, block_number = k.block_number, gas_used = k.gas_used, committed_at = k.committed_at
         FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::int[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
           $9::timestamptz[]) AS k(community_id, interval_start, version, chain_id, contract_address, tx_hash, block_number,
           gas_used, committed_at)
         WHERE b.community_id = k.community_id AND b.interval_start = k.interval_start AND b.version = k.version
           AND b.state = 'pending'
         RETURNING b.community_id, b.interval_start, b.version`,
        [
          commits.map((x) => x.batch.communityId),
          commits.map((x) => x.batch.intervalStart),
          commits.map((x) => x.batch.version),
          commits.map((x) => x.receipt.chainId),
          commits.map((x) => x.receipt.contractAddress),
          commits.map((x) => x.receipt.txHash),
          commits.map((x) => x.receipt.blockNumber.toString()),
          commits.map((x) => x.receipt.gasUsed.toString()),
          commits.map((x) => x.receipt.committedAt),
        ],
      );
      const batchKey = (communityId: string, intervalStart: string, version: number): string =>
        `${communityId}|${Date.parse(intervalStart)}|${version}`;
      const now = new Set(marked.rows.map((r) => batchKey(r.community_id, iso(r.interval_start), r.version)));
      const done = commits.filter((x) =>
        now.has(batchKey(x.batch.communityId, x.batch.intervalStart, x.batch.version)),
      );
      if (done.length > 0) {
        const ids = await c.query<{
          community_id: string;
          interval_start: Date;
          version: number;
          transaction_id: string;
        }>(
          `SELECT t.community_id, t.interval_start, t.version, t.transaction_id FROM settlement_transaction t
           JOIN unnest($1::text[], $2::timestamptz[], $3::int[]) AS k(c, s, v)
             ON t.community_id = k.c AND t.interval_start = k.s AND t.version = k.v
           ORDER BY t.community_id, t.interval_start, t.version, t.transaction_id`,
          [
            done.map((x) => x.batch.communityId),
            done.map((x) => x.batch.intervalStart),
            done.map((x) => x.batch.version),
          ],
        );
        const idsOf = new Map<string, string[]>();
        for (const r of ids.rows) {
          const k = batchKey(r.community_id, iso(r.interval_start), r.version);
          const list = idsOf.get(k);
          if (list) list.push(r.transaction_id);
          else idsOf.set(k, [r.transaction_id]);
        }
        await this.enqueue(
          c,
          done.map(({ batch, receipt }) => {
            const data: SettlementBatch = {
              batchId: batch.batchId,
              communityId: batch.communityId,
              intervalStart: batch.intervalStart,
              intervalEnd: quarterHourEnd(batch.intervalStart),
              transactionIds:
                idsOf.get(batchKey(batch.communityId, batch.intervalStart, batch.version)) ?? [],
              transactionCount: batch.transactionCount,
              totalEnergyWh: Number(batch.totalEnergyWh),
              totalAmountCt: Number(batch.totalAmountCt),
              merkleRoot: batch.merkleRoot,
              chainId: receipt.chainId,
              contractAddress: receipt.contractAddress,
              txHash: receipt.txHash,
              blockNumber: Number(receipt.blockNumber),
              committedAt: new Date(receipt.committedAt).toISOString(),
              version: batch.version,
            };
            const e = createEvent(EventTypes.settlementBatch, data, {
              source: SETTLEMENT_EVENT_SOURCE,
              subject: batch.communityId,
              id: batch.batchId,
            });
            return {
              eventId: e.id,
              topic: this.topics.batches,
              key: batch.communityId,
              payload: JSON.stringify(e),
            };
          }),
        );
      }
      return commits.map((x) =>
        now.has(batchKey(x.batch.communityId, x.batch.intervalStart, x.batch.version)),
      );
    });
  }

  async transaction(transactionId: string): Promise<Microtransaction | undefined> {
    const res = await this.db.query<TxRow>('SELECT * FROM settlement_transaction WHERE transaction_id = $1', [
      transactionId,
    ]);
    return res.rows[0] ? toTx(res.rows[0]) : undefined;
  }

  async transactionsOf(
    communityId: string,
    intervalStart: string,
    version?: number,
  ): Promise<Microtransaction[]> {
    const res = await this.db.query<TxRow>(
      `SELECT * FROM settlement_transaction WHERE community_id = $1 AND interval_start = $2 AND ($3::int IS NULL OR version = $3)
       ORDER BY version, transaction_id`,
      [communityId, intervalStart, version ?? null],
    );
    return res.rows.map(toTx);
  }

  /**
   * The proof of one transaction: leaf, Merkle proof and its batch, rebuilt from the stored transactions of
   * its version (deterministic), checked against the stored root.
   */
  async proofOf(transactionId: string) {
    const t = await this.transaction(transactionId);
    if (!t) return undefined;
    const salt = await this.communities.partySalt(t.communityId);
    const txs = await this.transactionsOf(t.communityId, t.intervalStart, t.version);
    const tree = buildBatchTree(t.communityId, t.intervalStart, t.version, txs, salt);
    const [stored] = await this.batches(
      'WHERE b.community_id = $1 AND b.interval_start = $2 AND b.version = $3',
      [t.communityId, t.intervalStart, t.version],
    );
    const { leaf, proof } = tree.proofOf(transactionId);
    return {
      transaction: t,
      leaf,
      proof,
      root: tree.batch.merkleRoot,
      batch: stored,
      rootMatchesStored: stored?.merkleRoot === tree.batch.merkleRoot,
    };
  }

  /** Counters for /metrics and the demo. */
  async stats(): Promise<{
    intervalsClosed: number;
    batchesCommitted: number;
    batchesPending: number;
    gasUsed: number;
    outboxPending: number;
  }> {
    const res = await this.db.query<{
      closed: string;
      committed: string;
      pending: string;
      gas: string | null;
      outbox: string;
    }>(
      `SELECT (SELECT count(*) FROM settlement_interval WHERE state = 'closed') AS closed,
              (SELECT count(*) FROM settlement_batch WHERE state = 'committed') AS committed,
              (SELECT count(*) FROM settlement_batch WHERE state = 'pending') AS pending,
              (SELECT sum(gas_used) FROM settlement_batch) AS gas,
              (SELECT count(*) FROM settlement_outbox WHERE published_at IS NULL) AS outbox`,
    );
    const r = res.rows[0];
    return {
      intervalsClosed: num(r.closed),
      batchesCommitted: num(r.committed),
      batchesPending: num(r.pending),
      gasUsed: num(r.gas),
      outboxPending: num(r.outbox),
    };
  }

  /**
   * Per member and month (Europe/Berlin): community supply, residual supply, sold, surplus (Wh) and cents
   * paid / received, from the effective transactions (deliveries minus reversals). Billing reconciles
   * against this to the cent.
   */
  async monthlyStatement(communityId: string): Promise<MonthlyLine[]> {
    const res = await this.db.query<{
      member: string;
      month: string;
      community_supply_wh: string;
      residual_supply_wh: string;
      sold_wh: string;
      surplus_wh: string;
      paid_ct: string;
      received_ct: string;
    }>(
      `WITH t AS (
         SELECT *, CASE direction WHEN 'reversal' THEN -1 ELSE 1 END AS s,
                to_char(interval_start AT TIME ZONE 'Europe/Berlin', 'YYYY-MM') AS month
         FROM settlement_transaction WHERE community_id = $1),
       sides AS (
         SELECT buyer_id AS member, month,
                sum(s * energy_wh) FILTER (WHERE seller_id <> 'UTILITY') AS community_supply_wh,
                sum(s * energy_wh) FILTER (WHERE seller_id = 'UTILITY') AS residual_supply_wh,
                0::numeric AS sold_wh, 0::numeric AS surplus_wh, sum(s * amount_ct) AS paid_ct, 0::numeric AS received_ct
         FROM t WHERE buyer_id <> 'UTILITY' GROUP BY 1, 2
         UNION ALL
         SELECT seller_id, month, 0, 0,
                sum(s * energy_wh) FILTER (WHERE buyer_id <> 'UTILITY'),
                sum(s * energy_wh) FILTER (WHERE buyer_id = 'UTILITY'), 0, sum(s * amount_ct)
         FROM t WHERE seller_id <> 'UTILITY' GROUP BY 1, 2)
       SELECT member, month, coalesce(sum(community_supply_wh), 0) AS community_supply_wh,
              coalesce(sum(residual_supply_wh), 0) AS residual_supply_wh, coalesce(sum(sold_wh), 0) AS sold_wh,
              coalesce(sum(surplus_wh), 0) AS surplus_wh, coalesce(sum(paid_ct), 0) AS paid_ct,
              coalesce(sum(received_ct), 0) AS received_ct
       FROM sides GROUP BY member, month ORDER BY member, month`,
      [communityId],
    );
    return res.rows.map((r) => ({
      communityId,
      meterPointId: r.member,
      month: r.month,
      communitySupplyWh: num(r.community_supply_wh),
      residualSupplyWh: num(r.residual_supply_wh),
      soldWh: num(r.sold_wh),
      surplusWh: num(r.surplus_wh),
      paidCt: num(r.paid_ct),
      receivedCt: num(r.received_ct),
    }));
  }
}

export interface MonthlyLine {
  communityId: string;
  meterPointId: string;
  /** YYYY-MM in Europe/Berlin. */
  month: string;
  communitySupplyWh: number;
  residualSupplyWh: number;
  soldWh: number;
  surplusWh: number;
  paidCt: number;
  receivedCt: number;
}
