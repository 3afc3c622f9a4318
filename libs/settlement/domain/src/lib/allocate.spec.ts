import fc from 'fast-check';
import { allocateInterval, IntervalInput, MeteredEnergy } from './allocate';
import { AllocationKey, CommunityMember, MEMBER_ROLES } from './community';
import { identityViolations, violationsOf } from './identities';
import { syntheticMeterPointId } from './synthetic';
import { adjustmentsFor, effectiveTransactions } from './versioning';
import { signOf } from './transaction';

const SALT = `0x${'ab'.repeat(32)}` as const;
const id = (i: number) => syntheticMeterPointId(7, i);

function input(
  members: CommunityMember[],
  readings: Record<string, MeteredEnergy>,
  key: AllocationKey = { kind: 'dynamic' },
  price = 25_000,
): IntervalInput {
  return {
    terms: { communityId: 'EG-0001', partySalt: SALT, members, key, priceMilliCtPerKWh: price },
    intervalStart: '2026-06-01T10:00:00Z',
    version: 1,
    readings,
  };
}

const communityArb = fc
  .array(
    fc.record({
      role: fc.constantFrom(...MEMBER_ROLES),
      importWh: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5_000 })),
      exportWh: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 8_000 })),
      share: fc.integer({ min: 0, max: 1_000 }),
      bid: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
      ask: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
      missing: fc.boolean(),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .chain((ms) =>
    fc.record({
      ms: fc.constant(ms),
      kind: fc.constantFrom('dynamic', 'static', 'double-auction' as const),
      price: fc.integer({ min: 0, max: 80_000 }),
    }),
  )
  .map(({ ms, kind, price }) => {
    const members = ms.map((m, i) => ({ meterPointId: id(i), role: m.role }));
    const readings: Record<string, MeteredEnergy> = {};
    ms.forEach((m, i) => {
      if (!m.missing || i === 0) readings[id(i)] = { importWh: m.importWh, exportWh: m.exportWh };
    });
    const key: AllocationKey =
      kind === 'static'
        ? { kind, shares: Object.fromEntries(ms.map((m, i) => [id(i), m.share])) }
        : kind === 'double-auction'
          ? {
              kind,
              bids: Object.fromEntries(ms.flatMap((m, i) => (m.bid === undefined ? [] : [[id(i), m.bid]]))),
              asks: Object.fromEntries(ms.flatMap((m, i) => (m.ask === undefined ? [] : [[id(i), m.ask]]))),
            }
          : { kind };
    return input(members, readings, key, price);
  });

describe('allocateInterval: identities over random communities (fast-check)', () => {
  it('allocated + residual = consumption, allocated + surplus = generation, Σ buyer ct = Σ seller ct, caps', () => {
    fc.assert(
      fc.property(communityArb, (inp) => {
        const a = allocateInterval(inp);
        expect(identityViolations(a)).toEqual([]);
        let paid = 0;
        let received = 0;
        for (const m of a.members) {
          expect(m.communitySupplyWh + m.residualSupplyWh).toBe(m.consumptionWh);
          expect(m.soldWh + m.surplusWh).toBe(m.generationWh);
          expect(m.communitySupplyWh).toBeLessThanOrEqual(m.consumptionWh);
          if (m.consumptionWh === 0) expect(m.communitySupplyWh).toBe(0);
          paid += m.paidCt;
          received += m.receivedCt;
        }
        expect(paid).toBe(received);
        expect(a.allocatedWh).toBeLessThanOrEqual(a.generationWh);
        // remainders accounted: whole cents + sub-cent rest = exact value of the community energy
        const exactMicro = a.transactions
          .filter((t) => t.kind === 'allocation')
          .reduce((s, t) => s + t.energyWh * t.priceMilliCtPerKWh, 0);
        expect(paid * 1_000_000 + a.roundingRemainderMicroCt).toBe(exactMicro);
        expect(a.roundingRemainderMicroCt).toBeLessThan(1_000_000);
        for (const t of a.transactions) {
          expect(Number.isInteger(t.energyWh) && t.energyWh > 0).toBe(true);
          expect(t.sellerId).not.toBe(t.buyerId);
        }
        expect(new Set(a.transactions.map((t) => t.transactionId)).size).toBe(a.transactions.length);
      }),
      { numRuns: 400 },
    );
  });

  it('dynamic allocates as much as possible: min(generation, consumption) up to self pairs', () => {
    fc.assert(
      fc.property(communityArb, (inp) => {
        const a = allocateInterval({ ...inp, terms: { ...inp.terms, key: { kind: 'dynamic' } } });
        const consumersOnly = a.members.every((m) => m.role === 'consumer' || m.role === 'generator');
        if (consumersOnly) expect(a.allocatedWh).toBe(Math.min(a.generationWh, a.consumptionWh));
      }),
      { numRuns: 200 },
    );
  });

  it('a correction produces adjustments that net out exactly to the new allocation', () => {
    fc.assert(
      fc.property(communityArb, fc.nat({ max: 39 }), fc.nat({ max: 9_000 }), (inp, k, wh) => {
        const v1 = allocateInterval(inp);
        const target = inp.terms.members[k % inp.terms.members.length].meterPointId;
        const readings = {
          ...inp.readings,
          [target]: { importWh: wh, exportWh: inp.readings[target]?.exportWh ?? 0 },
        };
        const v2 = allocateInterval({ ...inp, readings, version: 2 });
        const adj = adjustmentsFor(v1.transactions, v2.transactions, SALT);
        for (const r of adj.filter((t) => t.direction === 'reversal')) {
          const orig = v1.transactions.find((t) => t.transactionId === r.adjustsTransactionId);
          expect(orig).toBeDefined();
          expect([r.energyWh, r.amountCt, r.kind]).toEqual([orig?.energyWh, orig?.amountCt, 'adjustment']);
        }
        const all = [...v1.transactions, ...adj];
        const eff = effectiveTransactions(all);
        const key = (t: { transactionId: string }) => t.transactionId;
        const expected = new Map(v2.transactions.map((t) => [`${t.sellerId}|${t.buyerId}`, t]));
        expect(eff.length).toBe(expected.size);
        for (const t of eff) {
          const e = expected.get(`${t.sellerId}|${t.buyerId}`);
          expect([t.energyWh, t.amountCt]).toEqual([e?.energyWh, e?.amountCt]);
        }
        // signed sums over all versions equal the new result, per member and in cents
        const metered = v2.members.map((m) => ({
          id: m.meterPointId,
          consumptionWh: m.consumptionWh,
          generationWh: m.generationWh,
        }));
        expect(violationsOf(metered, all)).toEqual([]);
        const net = all.reduce((s, t) => s + signOf(t) * t.amountCt, 0);
        expect(net).toBe(v2.transactions.reduce((s, t) => s + t.amountCt, 0));
        expect(new Set(all.map(key)).size).toBe(all.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('allocateInterval: worked examples', () => {
  const members: CommunityMember[] = [
    { meterPointId: id(1), role: 'generator' },
    { meterPointId: id(2), role: 'consumer' },
    { meterPointId: id(3), role: 'consumer' },
    { meterPointId: id(4), role: 'consumer' },
  ];

  it('dynamic: pro-rata to consumption, largest remainder, zero demand gets nothing', () => {
    const a = allocateInterval(
      input(members, {
        [id(1)]: { importWh: 0, exportWh: 1000 },
        [id(2)]: { importWh: 1000, exportWh: 0 },
        [id(3)]: { importWh: 2000, exportWh: 0 },
        [id(4)]: { importWh: 0, exportWh: 0 },
      }),
    );
    expect(a.members.map((m) => m.communitySupplyWh)).toEqual([0, 333, 667, 0]);
    expect(a.members.map((m) => m.residualSupplyWh)).toEqual([0, 667, 1333, 0]);
    expect(a.members[0]).toMatchObject({ soldWh: 1000, surplusWh: 0, receivedCt: 25 });
    // 333 Wh and 667 Wh at 25 ct/kWh = 8.325 + 16.675 ct: 25 ct in whole cents, no rest
    expect(a.members.map((m) => m.paidCt)).toEqual([0, 8, 17, 0]);
    expect(a.roundingRemainderMicroCt).toBe(0);
  });

  it('dynamic with more generation than consumption: everyone fully served, the rest is surplus', () => {
    const a = allocateInterval(
      input(members, {
        [id(1)]: { importWh: 0, exportWh: 5000 },
        [id(2)]: { importWh: 1000, exportWh: 0 },
        [id(3)]: { importWh: 2000, exportWh: 0 },
      }),
    );
    expect(a.members.map((m) => m.communitySupplyWh)).toEqual([0, 1000, 2000, 0]);
    expect(a.members[0]).toMatchObject({ soldWh: 3000, surplusWh: 2000 });
    expect(a.members[3].substituted).toBe(true);
    expect(a.transactions.map((t) => t.kind)).toEqual(['allocation', 'allocation', 'grid-export']);
  });

  it('static: a capped member’s share is redistributed by the others’ shares', () => {
    const a = allocateInterval(
      input(
        members,
        {
          [id(1)]: { importWh: 0, exportWh: 3000 },
          [id(2)]: { importWh: 500, exportWh: 0 },
          [id(3)]: { importWh: 5000, exportWh: 0 },
          [id(4)]: { importWh: 5000, exportWh: 0 },
        },
        { kind: 'static', shares: { [id(2)]: 500, [id(3)]: 250, [id(4)]: 250 } },
      ),
    );
    // id2 would get 1500 but consumed 500; the other 1000 go to id3/id4 by 250:250
    expect(a.members.map((m) => m.communitySupplyWh)).toEqual([0, 500, 1250, 1250]);
    expect(a.rule).toBe('static');
  });

  it('double auction: uniform price at the midpoint of the marginal bid and ask', () => {
    const a = allocateInterval(
      input(
        members,
        {
          [id(1)]: { importWh: 0, exportWh: 3000 },
          [id(2)]: { importWh: 2000, exportWh: 0 },
          [id(3)]: { importWh: 2000, exportWh: 0 },
          [id(4)]: { importWh: 2000, exportWh: 0 },
        },
        {
          kind: 'double-auction',
          bids: { [id(2)]: 30_000, [id(3)]: 20_000, [id(4)]: 10_000 },
          asks: { [id(1)]: 15_000 },
        },
      ),
    );
    expect(a.members.map((m) => m.communitySupplyWh)).toEqual([0, 2000, 1000, 0]);
    expect(a.priceMilliCtPerKWh).toBe(17_500);
    expect(a.members[0].receivedCt).toBe(52); // 3 kWh x 17.5 ct = 52.5 ct: 52 ct + 0.5 ct rest
    expect(a.roundingRemainderMicroCt).toBe(500_000);
  });

  it('never allocates a prosumer its own generation', () => {
    const a = allocateInterval(
      input(
        [{ meterPointId: id(1), role: 'prosumer' }],
        { [id(1)]: { importWh: 100, exportWh: 100 } },
        { kind: 'dynamic' },
      ),
    );
    expect(a.allocatedWh).toBe(0);
    expect(a.members[0]).toMatchObject({ residualSupplyWh: 100, surplusWh: 100 });
  });

  it('gives stable transaction ids', () => {
    const r = { [id(1)]: { importWh: 0, exportWh: 800 }, [id(2)]: { importWh: 900, exportWh: 0 } };
    const a = allocateInterval(input(members, r, { kind: 'dynamic' }));
    const b = allocateInterval(input([...members].reverse(), r, { kind: 'dynamic' }));
    expect(a.transactions.map((t) => t.transactionId)).toEqual(b.transactions.map((t) => t.transactionId));
    expect(a.transactions[0].transactionId).toMatch(/^stx_[0-9a-f]{40}$/);
  });
});
