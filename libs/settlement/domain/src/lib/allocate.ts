import { CommunityTerms, sharesConsumption, sharesGeneration, MemberRole } from './community';
import { SettlementDomainError } from './errors';
import { quarterHourEnd } from './interval';
import { centsAtPrice, largestRemainder } from './rounding';
import { Microtransaction, SettlementRule, transactionId, UTILITY } from './transaction';

/** A member's metered energy in one quarter hour (integer Wh). */
export interface MeteredEnergy {
  readonly importWh: number;
  readonly exportWh: number;
  /** True when the value is a substitute (missing-reading rule), not a measured value. */
  readonly substituted?: boolean;
}

export interface IntervalInput {
  readonly terms: CommunityTerms;
  /** Quarter-hour start, UTC ISO instant. */
  readonly intervalStart: string;
  /** 1 for the first settlement; corrections pass the next version. */
  readonly version: number;
  /** Metered energy per member; a member without an entry is settled with 0 Wh and flagged substituted. */
  readonly readings: Readonly<Record<string, MeteredEnergy>>;
}

/** Each member's result: what the community supplied and what stays with the member's own supplier. */
export interface MemberResult {
  readonly meterPointId: string;
  readonly role: MemberRole;
  readonly consumptionWh: number;
  readonly generationWh: number;
  /** Energy allocated to the member from the community (community supply). */
  readonly communitySupplyWh: number;
  /** consumption − community supply: billed by the member's own (residual) supplier. */
  readonly residualSupplyWh: number;
  /** Generation allocated to other members. */
  readonly soldWh: number;
  /** generation − sold: surplus fed to the grid. */
  readonly surplusWh: number;
  readonly paidCt: number;
  readonly receivedCt: number;
  readonly substituted: boolean;
}

export interface IntervalAllocation {
  readonly communityId: string;
  readonly intervalStart: string;
  readonly intervalEnd: string;
  readonly version: number;
  readonly rule: SettlementRule;
  /** Price of the community energy in this interval (the clearing price for the auction). */
  readonly priceMilliCtPerKWh: number;
  readonly generationWh: number;
  readonly consumptionWh: number;
  readonly allocatedWh: number;
  /** Sub-cent rest of the exact amount (Wh × price) that whole cents cannot carry, in 10^-6 ct. */
  readonly roundingRemainderMicroCt: number;
  readonly members: readonly MemberResult[];
  /** Deliveries of this version: allocations, then grid imports, then grid exports, in id order. */
  readonly transactions: readonly Microtransaction[];
}

const RULE_OF: Record<CommunityTerms['key']['kind'], SettlementRule> = {
  dynamic: 'pro-rata',
  static: 'static',
  'double-auction': 'double-auction',
};

const byId = (a: { meterPointId: string }, b: { meterPointId: string }) =>
  a.meterPointId < b.meterPointId ? -1 : a.meterPointId > b.meterPointId ? 1 : 0;

function checkWh(id: string, field: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new SettlementDomainError(
      'SETTLEMENT.INVALID_INTERVAL',
      `${id}.${field} must be a non-negative integer`,
    );
  }
}

/**
 * Settles one community in one quarter hour. The three caps hold for every key kind:
 * (1) no buyer is allocated more than it consumed; (2) the total allocated never exceeds the generation
 * fed in by the sellers; (3) a buyer with zero consumption gets nothing, and the share it would have had
 * goes to the other buyers (dynamic: by construction; static: water-filling; auction: zero quantity).
 * A member's own generation is never allocated to itself.
 */
export function allocateInterval(input: IntervalInput): IntervalAllocation {
  const { terms, intervalStart, version } = input;
  const intervalEnd = quarterHourEnd(intervalStart);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new SettlementDomainError('SETTLEMENT.INVALID_INTERVAL', `version must be a positive integer`);
  }
  const members = sortedMembers(terms);
  const n = members.length;
  const consumption = new Array<number>(n);
  const generation = new Array<number>(n);
  const substituted = new Array<boolean>(n);
  for (let i = 0; i < n; i++) {
    const m = members[i];
    const r = input.readings[m.meterPointId];
    consumption[i] = r?.importWh ?? 0;
    generation[i] = r?.exportWh ?? 0;
    substituted[i] = r === undefined || r.substituted === true;
    checkWh(m.meterPointId, 'importWh', consumption[i]);
    checkWh(m.meterPointId, 'exportWh', generation[i]);
  }

  // Demand and supply that take part in the sharing.
  const demand = members.map((m, i) => (sharesConsumption(m.role) ? consumption[i] : 0));
  const supply = members.map((m, i) => (sharesGeneration(m.role) ? generation[i] : 0));
  const key = terms.key;
  let bought: number[];
  let sold: number[];
  let price = terms.priceMilliCtPerKWh;
  if (key.kind === 'double-auction') {
    const result = clearDoubleAuction(members, demand, supply, key.bids, key.asks);
    bought = result.bought;
    sold = result.sold;
    price = result.priceMilliCtPerKWh;
  } else {
    const totalSupply = sum(supply);
    bought =
      key.kind === 'static'
        ? waterFill(
            totalSupply,
            demand,
            members.map((m) => key.shares[m.meterPointId] ?? 0),
          )
        : largestRemainder(Math.min(totalSupply, sum(demand)), demand);
    sold = largestRemainder(sum(bought), supply);
  }

  const pairs = pairSellersToBuyers(sold, bought);
  const rule = RULE_OF[key.kind];
  // Self pairs that could not be exchanged away are not allocated (documented rule).
  for (const p of pairs) {
    if (p.seller === p.buyer) {
      bought[p.buyer] -= p.wh;
      sold[p.seller] -= p.wh;
      p.wh = 0;
    }
  }
  const tradePairs = pairs.filter((p) => p.wh > 0);
  const { amountsCt, remainderMicroCt } = centsAtPrice(
    tradePairs.map((p) => p.wh),
    price,
  );
  const paid = new Array<number>(n).fill(0);
  const received = new Array<number>(n).fill(0);
  const tx: Microtransaction[] = [];
  const make = (
    sellerId: string,
    buyerId: string,
    energyWh: number,
    priceMilliCtPerKWh: number,
    amountCt: number,
    kind: Microtransaction['kind'],
  ): Microtransaction => ({
    transactionId: transactionId(
      terms.partySalt,
      terms.communityId,
      intervalStart,
      sellerId,
      buyerId,
      version,
      'delivery',
    ),
    communityId: terms.communityId,
    intervalStart,
    intervalEnd,
    version,
    sellerId,
    buyerId,
    energyWh,
    priceMilliCtPerKWh,
    amountCt,
    kind,
    direction: 'delivery',
    rule,
  });
  for (let k = 0; k < tradePairs.length; k++) {
    const p = tradePairs[k];
    paid[p.buyer] += amountsCt[k];
    received[p.seller] += amountsCt[k];
    tx.push(
      make(
        members[p.seller].meterPointId,
        members[p.buyer].meterPointId,
        p.wh,
        price,
        amountsCt[k],
        'allocation',
      ),
    );
  }
  const results: MemberResult[] = new Array<MemberResult>(n);
  for (let i = 0; i < n; i++) {
    const id = members[i].meterPointId;
    const residual = consumption[i] - bought[i];
    const surplus = generation[i] - sold[i];
    results[i] = {
      meterPointId: id,
      role: members[i].role,
      consumptionWh: consumption[i],
      generationWh: generation[i],
      communitySupplyWh: bought[i],
      residualSupplyWh: residual,
      soldWh: sold[i],
      surplusWh: surplus,
      paidCt: paid[i],
      receivedCt: received[i],
      substituted: substituted[i],
    };
  }
  // Residual supply and surplus are reported as energy-only transactions with the utility as counterparty
  // (price 0: the member's own supplier prices them outside the community), so that billing sees each
  // member's community supply and residual supply separately.
  for (const r of results) {
    if (r.residualSupplyWh > 0)
      tx.push(make(UTILITY, r.meterPointId, r.residualSupplyWh, 0, 0, 'grid-import'));
  }
  for (const r of results) {
    if (r.surplusWh > 0) tx.push(make(r.meterPointId, UTILITY, r.surplusWh, 0, 0, 'grid-export'));
  }
  return {
    communityId: terms.communityId,
    intervalStart,
    intervalEnd,
    version,
    rule,
    priceMilliCtPerKWh: price,
    generationWh: sum(supply),
    consumptionWh: sum(demand),
    allocatedWh: sum(bought),
    roundingRemainderMicroCt: remainderMicroCt,
    members: results,
    transactions: tx,
  };
}

const sortedCache = new WeakMap<CommunityTerms, readonly CommunityTerms['members'][number][]>();
/** Members in id order; cached per terms object (a community's terms serve 96 intervals a day). */
function sortedMembers(terms: CommunityTerms): readonly CommunityTerms['members'][number][] {
  let m = sortedCache.get(terms);
  if (!m) {
    m = [...terms.members].sort(byId);
    sortedCache.set(terms, m);
  }
  return m;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/**
 * Static key: distributes `total` by `shares` among buyers with demand, capping each at its demand and
 * redistributing what a capped (or zero-demand) buyer cannot take to the others by their shares.
 */
export function waterFill(total: number, demand: readonly number[], shares: readonly number[]): number[] {
  const n = demand.length;
  const out = new Array<number>(n).fill(0);
  let active: number[] = [];
  for (let i = 0; i < n; i++) if (demand[i] > 0 && shares[i] > 0) active.push(i);
  let rest = total;
  while (rest > 0 && active.length > 0) {
    let w = 0;
    for (const i of active) w += shares[i];
    // tentative_i = rest·share_i / w; a buyer whose tentative part reaches its demand is capped.
    const capped = active.filter((i) => rest * shares[i] >= demand[i] * w);
    if (capped.length === 0) {
      const parts = largestRemainder(
        rest,
        active.map((i) => shares[i]),
      );
      active.forEach((i, k) => (out[i] = parts[k]));
      rest = 0;
      break;
    }
    for (const i of capped) {
      out[i] = demand[i];
      rest -= demand[i];
    }
    const cappedSet = new Set(capped);
    active = active.filter((i) => !cappedSet.has(i));
  }
  return out;
}

/**
 * Uniform-price double auction over standing limit prices. Bids (buyers, quantity = consumption) are
 * ordered by price descending, asks (sellers, quantity = generation) ascending; the traded quantity is the
 * largest one at which the marginal bid is still ≥ the marginal ask, and everybody trades at one price:
 * the midpoint of the marginal bid and ask, rounded down. Participants at the marginal price level share the
 * marginal quantity pro-rata (largest remainder).
 */
export function clearDoubleAuction(
  members: readonly { meterPointId: string }[],
  demand: readonly number[],
  supply: readonly number[],
  bids: Readonly<Record<string, number>>,
  asks: Readonly<Record<string, number>>,
): { bought: number[]; sold: number[]; priceMilliCtPerKWh: number } {
  const n = members.length;
  const bidders = [];
  const askers = [];
  for (let i = 0; i < n; i++) {
    const id = members[i].meterPointId;
    const b = bids[id];
    if (b !== undefined && demand[i] > 0) bidders.push({ i, p: b, q: demand[i] });
    const a = asks[id];
    if (a !== undefined && supply[i] > 0) askers.push({ i, p: a, q: supply[i] });
  }
  bidders.sort((x, y) => y.p - x.p || x.i - y.i);
  askers.sort((x, y) => x.p - y.p || x.i - y.i);
  let bi = 0;
  let ai = 0;
  let bLeft = bidders[0]?.q ?? 0;
  let aLeft = askers[0]?.q ?? 0;
  let traded = 0;
  let lastBid = 0;
  let lastAsk = 0;
  while (bi < bidders.length && ai < askers.length && bidders[bi].p >= askers[ai].p) {
    const q = Math.min(bLeft, aLeft);
    traded += q;
    lastBid = bidders[bi].p;
    lastAsk = askers[ai].p;
    bLeft -= q;
    aLeft -= q;
    if (bLeft === 0 && ++bi < bidders.length) bLeft = bidders[bi].q;
    if (aLeft === 0 && ++ai < askers.length) aLeft = askers[ai].q;
  }
  const bought = fillByMeritOrder(n, bidders, traded);
  const sold = fillByMeritOrder(n, askers, traded);
  return { bought, sold, priceMilliCtPerKWh: traded > 0 ? Math.floor((lastBid + lastAsk) / 2) : 0 };
}

/** Fills `quantity` along an ordered list; a price level that cannot be filled completely is pro-rated. */
function fillByMeritOrder(
  n: number,
  ordered: { i: number; p: number; q: number }[],
  quantity: number,
): number[] {
  const out = new Array<number>(n).fill(0);
  let rest = quantity;
  let k = 0;
  while (rest > 0 && k < ordered.length) {
    let end = k;
    let levelQ = 0;
    while (end < ordered.length && ordered[end].p === ordered[k].p) levelQ += ordered[end++].q;
    const level = ordered.slice(k, end);
    const parts =
      levelQ <= rest
        ? level.map((o) => o.q)
        : largestRemainder(
            rest,
            level.map((o) => o.q),
          );
    level.forEach((o, j) => (out[o.i] = parts[j]));
    rest -= Math.min(levelQ, rest);
    k = end;
  }
  return out;
}

interface Pair {
  seller: number;
  buyer: number;
  wh: number;
}

/**
 * Turns per-seller sold and per-buyer bought quantities (equal totals) into seller→buyer pairs: a
 * north-west-corner walk in member-id order (at most sellers + buyers − 1 pairs), then every self pair
 * (a prosumer matched with itself) is exchanged against another pair (s,b) → (s,m) + (m,b), which keeps
 * every seller's and buyer's total. Whatever self pair is left (no other pair to exchange with) is returned
 * with seller === buyer for the caller to drop.
 */
export function pairSellersToBuyers(sold: readonly number[], bought: readonly number[]): Pair[] {
  const pairs: Pair[] = [];
  let s = 0;
  let b = 0;
  const n = sold.length;
  let sLeft = n > 0 ? sold[0] : 0;
  let bLeft = n > 0 ? bought[0] : 0;
  while (s < n && b < n) {
    if (sLeft === 0) {
      s++;
      sLeft = s < n ? sold[s] : 0;
      continue;
    }
    if (bLeft === 0) {
      b++;
      bLeft = b < n ? bought[b] : 0;
      continue;
    }
    const q = Math.min(sLeft, bLeft);
    pairs.push({ seller: s, buyer: b, wh: q });
    sLeft -= q;
    bLeft -= q;
  }
  for (const self of pairs) {
    if (self.seller !== self.buyer) continue;
    const m = self.seller;
    for (let k = 0; k < pairs.length && self.wh > 0; k++) {
      const o = pairs[k];
      if (o.wh === 0 || o.seller === m || o.buyer === m) continue;
      const z = Math.min(o.wh, self.wh);
      o.wh -= z;
      self.wh -= z;
      addPair(pairs, o.seller, m, z);
      addPair(pairs, m, o.buyer, z);
    }
  }
  const merged = new Map<number, Pair>();
  for (const p of pairs) {
    if (p.wh === 0 && p.seller !== p.buyer) continue;
    const k = p.seller * n + p.buyer;
    const e = merged.get(k);
    if (e) e.wh += p.wh;
    else merged.set(k, { ...p });
  }
  return [...merged.values()].sort((x, y) => x.seller - y.seller || x.buyer - y.buyer);
}

function addPair(pairs: Pair[], seller: number, buyer: number, wh: number): void {
  pairs.push({ seller, buyer, wh });
}
