import { SettlementDomainError } from './errors';

/**
 * A member's role decides on which side of the sharing it takes part:
 * - `generator`: its export (fed-in generation) is shared, it buys nothing from the community;
 * - `consumer`: its import (metered consumption) is served from the community, it sells nothing;
 * - `prosumer` and `storage`: both (storage discharges = export, charges = import).
 * Energy a member meters on the side its role does not share is residual supply / surplus as usual.
 */
export const MEMBER_ROLES = ['generator', 'storage', 'consumer', 'prosumer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const ALLOCATION_KEY_KINDS = ['dynamic', 'static', 'double-auction'] as const;
export type AllocationKeyKind = (typeof ALLOCATION_KEY_KINDS)[number];

export const sharesGeneration = (role: MemberRole): boolean => role !== 'consumer';
export const sharesConsumption = (role: MemberRole): boolean => role !== 'generator';

export interface CommunityMember {
  /** Messlokations-ID of the metering point. */
  readonly meterPointId: string;
  readonly role: MemberRole;
}

/**
 * The allocation key of a community.
 * - `dynamic` (default): the generation is allocated pro-rata to each consumer's metered consumption.
 * - `static`: fixed integer weights per member (for example per-mille shares).
 * - `double-auction`: standing limit prices per member (milli-ct/kWh): bids of buyers, asks of sellers;
 *   quantities are the metered values. Members without a bid (ask) do not buy (sell).
 */
export type AllocationKey =
  | { readonly kind: 'dynamic' }
  | { readonly kind: 'static'; readonly shares: Readonly<Record<string, number>> }
  | {
      readonly kind: 'double-auction';
      readonly bids: Readonly<Record<string, number>>;
      readonly asks: Readonly<Record<string, number>>;
    };

/** Everything that decides how one interval of a community is settled (the terms in force at its start). */
export interface CommunityTerms {
  readonly communityId: string;
  /** Salt of the party hashes in Merkle leaves (hex, 32 bytes); kept off chain. */
  readonly partySalt: `0x${string}`;
  /** Members in force, any order; settlement sorts them by meter point id. */
  readonly members: readonly CommunityMember[];
  readonly key: AllocationKey;
  /** Price of community energy for the `dynamic` and `static` keys, milli-ct/kWh. */
  readonly priceMilliCtPerKWh: number;
}

/** A value that holds from `effectiveFrom` (UTC instant) until the next version's `effectiveFrom`. */
export interface Versioned<T> {
  readonly version: number;
  readonly effectiveFrom: string;
  readonly value: T;
}

/** The version in force at `instant`: the latest `effectiveFrom` ≤ instant (ties: the higher version). */
export function effectiveAt<T>(versions: readonly Versioned<T>[], instant: string): Versioned<T> | undefined {
  const t = Date.parse(instant);
  let best: Versioned<T> | undefined;
  for (const v of versions) {
    const from = Date.parse(v.effectiveFrom);
    if (from > t) continue;
    if (!best) {
      best = v;
      continue;
    }
    const bestFrom = Date.parse(best.effectiveFrom);
    if (from > bestFrom || (from === bestFrom && v.version > best.version)) best = v;
  }
  return best;
}

const MAX_PRICE = 100_000_000; // 1,000 EUR/kWh in milli-ct: far above any real price, keeps products exact
const METER_POINT = /^DE[0-9A-Z]{31}$/;

/** Checks terms before they are stored or used; returns every problem (empty = valid). */
export function validateTerms(terms: CommunityTerms): string[] {
  const problems: string[] = [];
  if (!/^0x[0-9a-f]{64}$/.test(terms.partySalt)) problems.push('partySalt: 32 bytes as lowercase hex');
  if (!Number.isSafeInteger(terms.priceMilliCtPerKWh) || terms.priceMilliCtPerKWh < 0)
    problems.push('priceMilliCtPerKWh: non-negative integer');
  else if (terms.priceMilliCtPerKWh > MAX_PRICE) problems.push(`priceMilliCtPerKWh: at most ${MAX_PRICE}`);
  const ids = new Set<string>();
  for (const m of terms.members) {
    if (!METER_POINT.test(m.meterPointId))
      problems.push(`members: ${m.meterPointId} is not a metering point id`);
    if (ids.has(m.meterPointId)) problems.push(`members: ${m.meterPointId} appears twice`);
    ids.add(m.meterPointId);
    if (!(MEMBER_ROLES as readonly string[]).includes(m.role))
      problems.push(`members: unknown role ${m.role}`);
  }
  problems.push(...validateKey(terms.key, ids));
  return problems;
}

export function validateKey(key: AllocationKey, memberIds: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const checkMap = (name: string, map: Readonly<Record<string, number>>, max: number) => {
    for (const [id, v] of Object.entries(map)) {
      if (!memberIds.has(id)) problems.push(`key.${name}: ${id} is not a member`);
      if (!Number.isSafeInteger(v) || v < 0 || v > max) problems.push(`key.${name}.${id}: integer 0..${max}`);
    }
  };
  switch (key.kind) {
    case 'dynamic':
      break;
    case 'static':
      checkMap('shares', key.shares, 1_000_000);
      break;
    case 'double-auction':
      checkMap('bids', key.bids, MAX_PRICE);
      checkMap('asks', key.asks, MAX_PRICE);
      break;
    default:
      problems.push(`key.kind: one of ${['dynamic', 'static', 'double-auction'].join(', ')}`);
  }
  return problems;
}

export function assertValidTerms(terms: CommunityTerms): void {
  const problems = validateTerms(terms);
  if (problems.length > 0)
    throw new SettlementDomainError('SETTLEMENT.INVALID_COMMUNITY', problems.join('; '));
}
