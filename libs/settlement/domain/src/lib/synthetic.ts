import { allocateInterval, IntervalAllocation, IntervalInput, MeteredEnergy } from './allocate';
import { AllocationKeyKind, CommunityMember, CommunityTerms, MemberRole } from './community';
import { isoInstant, QUARTER_HOUR_MS } from './interval';

/** mulberry32: small deterministic PRNG for synthetic communities (benchmarks, property tests). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticMeterPointId(community: number, member: number): string {
  const body = `${community.toString(36).toUpperCase().padStart(6, '0')}${member.toString(36).toUpperCase().padStart(6, '0')}`;
  return `DE${'0'.repeat(31 - body.length)}${body}`;
}

export interface SyntheticOptions {
  readonly communities: number;
  readonly members: number;
  readonly intervals: number;
  readonly seed?: number;
  readonly key?: AllocationKeyKind;
  /** First quarter hour (UTC ISO); default 2026-06-01T00:00:00Z. */
  readonly start?: string;
}

/**
 * Deterministic synthetic input: `communities` × `intervals` interval inputs of `members` members each
 * (a third PV prosumers, one storage, the rest consumers), with a PV bell over the day. Used by
 * `npm run bench:settlement` (100 × 50 × 96) and by tests.
 */
export function syntheticIntervalInputs(o: SyntheticOptions): IntervalInput[] {
  const random = rng(o.seed ?? 42);
  const start = Date.parse(o.start ?? '2026-06-01T00:00:00Z');
  const out: IntervalInput[] = [];
  const roles: MemberRole[] = ['consumer', 'consumer', 'prosumer'];
  for (let c = 0; c < o.communities; c++) {
    const members: CommunityMember[] = [];
    for (let m = 0; m < o.members; m++) {
      members.push({
        meterPointId: syntheticMeterPointId(c, m),
        role: m === 0 ? 'storage' : m === 1 ? 'generator' : roles[m % 3],
      });
    }
    const kind = o.key ?? 'dynamic';
    const terms: CommunityTerms = {
      communityId: `EG-${String(c + 1).padStart(4, '0')}`,
      partySalt: `0x${(c + 1).toString(16).padStart(64, '0')}`,
      members,
      key:
        kind === 'static'
          ? { kind, shares: Object.fromEntries(members.map((m, i) => [m.meterPointId, 1 + (i % 7)])) }
          : kind === 'double-auction'
            ? {
                kind,
                bids: Object.fromEntries(members.map((m, i) => [m.meterPointId, 20_000 + 1_000 * (i % 11)])),
                asks: Object.fromEntries(members.map((m, i) => [m.meterPointId, 15_000 + 1_000 * (i % 9)])),
              }
            : { kind },
      priceMilliCtPerKWh: 24_500,
    };
    for (let k = 0; k < o.intervals; k++) {
      const t = start + k * QUARTER_HOUR_MS;
      const hour = (t / 3_600_000) % 24;
      const sun = Math.max(0, Math.sin(((hour - 6) / 14) * Math.PI));
      const readings: Record<string, MeteredEnergy> = {};
      for (const m of members) {
        const load = Math.floor(random() * 400);
        const pv =
          m.role === 'consumer' ? 0 : Math.floor(sun * random() * (m.role === 'generator' ? 6_000 : 1_200));
        const net = pv - load;
        readings[m.meterPointId] =
          m.role === 'generator'
            ? { importWh: pv === 0 ? 5 : 0, exportWh: pv }
            : { importWh: Math.max(0, -net), exportWh: Math.max(0, net) };
      }
      out.push({ terms, intervalStart: isoInstant(t), version: 1, readings });
    }
  }
  return out;
}

/**
 * Allocation throughput: allocates every input (keeping only counts, as the service does interval by
 * interval) and reports member-intervals per second.
 */
export function measureAllocation(inputs: readonly IntervalInput[]): {
  memberIntervals: number;
  transactions: number;
  seconds: number;
  memberIntervalsPerS: number;
} {
  let memberIntervals = 0;
  let transactions = 0;
  const t0 = process.hrtime.bigint();
  for (const input of inputs) {
    const a = allocateInterval(input);
    memberIntervals += a.members.length;
    transactions += a.transactions.length;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    memberIntervals,
    transactions,
    seconds,
    memberIntervalsPerS: Math.round(memberIntervals / seconds),
  };
}

/** Allocates every input and returns the allocations. */
export function allocateIntervals(inputs: readonly IntervalInput[]): IntervalAllocation[] {
  return inputs.map(allocateInterval);
}
