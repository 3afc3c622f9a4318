import { Pool } from 'pg';
import { Kafka, Producer } from 'kafkajs';
import { createTestDatabase, TestDatabase } from '@gridwerk/shared/data-access-database';
import { createTopic, readMessages, testKafka, uniqueName } from '@gridwerk/shared/data-access-kafka';
import { parseEvent, Topics } from '@gridwerk/contracts';
import {
  signOf,
  syntheticMeterPointId,
  verifyProofOffChain,
  type MemberRole,
} from '@gridwerk/settlement/domain';
import { CommitterLock } from './committer-lock';
import { CommunityRepository, type MemberVersion } from './community.repository';
import { relaySettlementOutbox } from './outbox.relay';
import { createSettlementPool, runSettlementMigrations } from './settlement-db';
import { MemberReading, SettlementRepository } from './settlement.repository';

const id = (i: number) => syntheticMeterPointId(99, i);
const C = 'EG-TEST';
const T0 = '2026-06-01T10:00:00Z';
const at = (k: number) => new Date(Date.parse(T0) + k * 900_000).toISOString().replace('.000Z', 'Z');

function reading(
  meter: number,
  k: number,
  importWh: number,
  exportWh: number,
  eventId = `e-${meter}-${k}-${importWh}`,
): MemberReading {
  return {
    communityId: C,
    meterPointId: id(meter),
    intervalStart: at(k),
    intervalEnd: at(k + 1),
    importWh,
    exportWh,
    quality: 'measured',
    eventId,
  };
}

describe('settlement data access (real PostgreSQL, real Kafka)', () => {
  let tdb: TestDatabase;
  let pool: Pool;
  let communities: CommunityRepository;
  let repo: SettlementRepository;

  beforeAll(async () => {
    tdb = await createTestDatabase('settlement_repo');
    expect(await runSettlementMigrations(tdb.url)).toEqual(['SettlementTables1733000000000']);
    expect(await runSettlementMigrations(tdb.url)).toEqual([]);
    pool = createSettlementPool(tdb.url, 4);
    communities = new CommunityRepository(pool);
    repo = new SettlementRepository(pool);
    await communities.create({
      communityId: C,
      name: 'Test',
      actor: 'admin-a',
      effectiveFrom: '2026-01-01T00:00:00Z',
      priceMilliCtPerKWh: 20_000,
    });
    await communities.setMember({
      communityId: C,
      meterPointId: id(1),
      role: 'generator',
      effectiveFrom: '2026-01-01T00:00:00Z',
      actor: 'admin-a',
    });
    await communities.setMembers(
      [2, 3].map((i) => ({
        communityId: C,
        meterPointId: id(i),
        role: 'consumer' as const,
        effectiveFrom: '2026-01-01T00:00:00Z',
      })),
      'admin-b',
    );
  });

  afterAll(async () => {
    await pool?.end();
    await tdb?.drop();
  });

  it('versions members, keys and prices with effective-from and an audit trail of who changed what', async () => {
    await communities.setPrice({
      communityId: C,
      priceMilliCtPerKWh: 25_000,
      effectiveFrom: '2026-06-01T10:30:00Z',
      actor: 'admin-c',
    });
    await communities.setMember({
      communityId: 'EG-TEST',
      meterPointId: id(4),
      role: 'consumer',
      effectiveFrom: '2026-06-02T00:00:00Z',
      actor: 'admin-c',
    });
    const before = await communities.termsAt(C, '2026-06-01T10:15:00Z');
    const after = await communities.termsAt(C, '2026-06-02T00:00:00Z');
    expect(before?.priceMilliCtPerKWh).toBe(20_000);
    expect(after?.priceMilliCtPerKWh).toBe(25_000);
    expect(before?.members.map((m) => m.meterPointId).sort()).toEqual([id(1), id(2), id(3)]);
    expect(after?.members).toHaveLength(4);
    const trail = await communities.auditTrail(C);
    expect(trail.map((a) => `${a.actor}:${a.entity}:${a.action}`)).toEqual([
      'admin-a:community:create',
      'admin-a:key:set',
      'admin-a:price:set',
      'admin-a:member:add',
      'admin-b:member:add',
      'admin-b:member:add',
      'admin-c:price:set',
      'admin-c:member:add',
    ]);
    expect(trail[6].detail).toMatchObject({ before: 20_000, after: 25_000 });
    await communities.create({
      communityId: 'EG-OTHER',
      name: 'Other',
      actor: 'a',
      effectiveFrom: '2026-01-01T00:00:00Z',
      priceMilliCtPerKWh: 1,
    });
    await expect(
      communities.setMember({
        communityId: 'EG-OTHER',
        meterPointId: id(2),
        role: 'consumer',
        effectiveFrom: '2026-03-01T00:00:00Z',
        actor: 'a',
      }),
    ).rejects.toThrow('MEMBER.IN_OTHER_COMMUNITY');
    await expect(
      communities.setKey({
        communityId: C,
        key: { kind: 'static', shares: { [id(9)]: 1 } },
        effectiveFrom: T0,
        actor: 'a',
      }),
    ).rejects.toThrow('COMMUNITY.INVALID');
    expect(
      await communities.membershipOf([
        { meterPointId: id(4), instant: T0 },
        { meterPointId: id(8), instant: T0 },
        { meterPointId: id(2), instant: T0 },
      ]),
    ).toEqual([
      { kind: 'outside' },
      { kind: 'unknown' },
      { kind: 'member', communityId: C, role: 'consumer' },
    ]);
  });

  it('registers many members in one set-based call exactly as one change at a time would', async () => {
    // the same script of changes (adds, role changes, leaves, re-joins, a later effective date), applied to
    // one community change by change (setMember) and to another in one call (setMembers)
    const N = 2_000;
    const script = (communityId: string, base: number) => {
      const m = (k: number) => syntheticMeterPointId(base, k);
      const changes: {
        communityId: string;
        meterPointId: string;
        role: MemberRole | null;
        effectiveFrom: string;
      }[] = [];
      for (let k = 0; k < N; k++)
        changes.push({
          communityId,
          meterPointId: m(k),
          role: k % 3 === 0 ? 'prosumer' : 'consumer',
          effectiveFrom: T0,
        });
      for (let k = 0; k < N; k += 7)
        changes.push({ communityId, meterPointId: m(k), role: 'storage', effectiveFrom: at(4) });
      for (let k = 0; k < N; k += 11)
        changes.push({ communityId, meterPointId: m(k), role: null, effectiveFrom: at(8) });
      for (let k = 0; k < N; k += 22)
        changes.push({ communityId, meterPointId: m(k), role: 'consumer', effectiveFrom: at(12) });
      return changes;
    };
    for (const communityId of ['EG-ONE-BY-ONE', 'EG-BULK']) {
      await communities.create({
        communityId,
        name: communityId,
        actor: 'admin-a',
        effectiveFrom: '2026-01-01T00:00:00Z',
        priceMilliCtPerKWh: 20_000,
      });
    }
    const oneByOne: MemberVersion[] = [];
    for (const ch of script('EG-ONE-BY-ONE', 301))
      oneByOne.push(await communities.setMember({ ...ch, actor: 'csv' }));
    const bulk = await communities.setMembers(script('EG-BULK', 302), 'csv');
    expect(bulk).toHaveLength(oneByOne.length);
    expect(bulk.length).toBeGreaterThan(N);
    // the same versions (meter ids differ only in their community part) and the same audit trail
    const same = (v: MemberVersion) => ({
      ...v,
      meterPointId: v.meterPointId.slice(-6),
      changedAt: undefined,
    });
    expect(bulk.map(same)).toEqual(oneByOne.map(same));
    const detail = (communityId: string) => communities.get(communityId).then((d) => d.members.map(same));
    expect(await detail('EG-BULK')).toEqual(await detail('EG-ONE-BY-ONE'));
    const trail = async (communityId: string) =>
      (await communities.auditTrail(communityId))
        .filter((a) => a.entity === 'member')
        .map((a) => ({
          actor: a.actor,
          entity: a.entity,
          action: a.action,
          detail: {
            ...(a.detail as object),
            meterPointId: (a.detail as { meterPointId?: string }).meterPointId?.slice(-6),
          },
        }));
    const bulkTrail = await trail('EG-BULK');
    expect(bulkTrail).toEqual(await trail('EG-ONE-BY-ONE'));
    expect(bulkTrail).toHaveLength(bulk.length);
    expect(bulkTrail.map((a) => a.action).slice(-3)).toEqual(['change', 'change', 'change']);
    expect(bulkTrail.filter((a) => a.action === 'remove')).toHaveLength(Math.ceil(N / 11));
    // in force at each instant: left at 8, back at 12
    const m0 = syntheticMeterPointId(302, 0);
    expect(
      (
        await communities.membershipOf([
          { meterPointId: m0, instant: T0 },
          { meterPointId: m0, instant: at(4) },
          { meterPointId: m0, instant: at(8) },
          { meterPointId: m0, instant: at(12) },
        ])
      ).map((x) => (x.kind === 'member' ? x.role : x.kind)),
    ).toEqual(['prosumer', 'storage', 'outside', 'consumer']);
  }, 180_000);

  it('refuses a bulk call as a whole with the error of its first bad change, storing nothing', async () => {
    const before = (await communities.auditTrail('EG-BULK')).length;
    const fresh = (k: number) => ({
      communityId: 'EG-BULK',
      meterPointId: syntheticMeterPointId(303, k),
      role: 'consumer' as const,
      effectiveFrom: T0,
    });
    const cases: [string, Parameters<CommunityRepository['setMembers']>[0]][] = [
      // a member of another community at that instant (EG-TEST's meter 2), after valid changes
      ['MEMBER.IN_OTHER_COMMUNITY', [fresh(1), fresh(2), { ...fresh(3), meterPointId: id(2) }, fresh(4)]],
      // leaving a community one never joined; but joining earlier in the same call counts
      [
        'MEMBER.NOT_FOUND',
        [fresh(1), { ...fresh(1), role: null, effectiveFrom: at(1) }, { ...fresh(5), role: null }],
      ],
      ['COMMUNITY.NOT_FOUND', [fresh(1), { ...fresh(6), communityId: 'EG-NOWHERE' }]],
      // joining a second community within the same call
      [
        'MEMBER.IN_OTHER_COMMUNITY',
        [fresh(7), { ...fresh(7), communityId: 'EG-ONE-BY-ONE', effectiveFrom: at(3) }],
      ],
    ];
    for (const [code, changes] of cases) {
      await expect(communities.setMembers(changes, 'csv')).rejects.toMatchObject({ code });
    }
    expect(await communities.auditTrail('EG-BULK')).toHaveLength(before);
    expect(
      await communities.membershipOf(
        [1, 2, 4, 5, 6, 7].map((k) => ({ meterPointId: syntheticMeterPointId(303, k), instant: at(5) })),
      ),
    ).toEqual(Array.from({ length: 6 }, () => ({ kind: 'unknown' })));
    // a leave and a re-join of one metering point in one call: two versions, both audited
    const back = await communities.setMembers(
      [
        fresh(8),
        { ...fresh(8), role: null, effectiveFrom: at(2) },
        { ...fresh(8), role: 'generator', effectiveFrom: at(6) },
      ],
      'csv',
    );
    expect(back.map((v) => [v.version, v.role])).toEqual([
      [1, 'consumer'],
      [2, null],
      [3, 'generator'],
    ]);
    expect((await communities.auditTrail('EG-BULK')).slice(before).map((a) => a.action)).toEqual([
      'add',
      'remove',
      'change',
    ]);
  });

  it('stores readings once, corrections as revisions, closes by watermark, and re-settles late corrections as version 2', async () => {
    const first = [reading(1, 0, 0, 3000), reading(2, 0, 1000, 0), reading(3, 0, 2000, 0)];
    expect(await repo.recordReadings(first)).toEqual({ stored: 3, duplicates: 0, corrections: 0, late: 0 });
    expect(await repo.recordReadings(first)).toEqual({ stored: 0, duplicates: 3, corrections: 0, late: 0 });
    const grace = 20 * 60_000; // 10:00-10:15 closes once the watermark reaches 10:35
    expect(await repo.dueIntervals(grace)).toEqual([]);
    await repo.recordReadings([reading(2, 1, 10, 0)]); // watermark 10:30
    expect(await repo.dueIntervals(grace)).toEqual([]);
    await repo.recordReadings([reading(2, 2, 10, 0)]); // watermark 10:45
    expect(await repo.dueIntervals(grace)).toEqual([{ communityId: C, intervalStart: at(0) }]);

    const v1 = await repo.settleInterval({ communityId: C, intervalStart: at(0) });
    expect(v1).toMatchObject({ version: 1, reason: 'close' });
    expect(await repo.settleInterval({ communityId: C, intervalStart: at(0) })).toBeUndefined(); // idempotent
    const t1 = await repo.transactionsOf(C, at(0));
    expect(t1.filter((t) => t.kind === 'allocation').map((t) => t.energyWh)).toEqual(
      expect.arrayContaining([1000, 2000]),
    );

    // a late correction of a closed interval
    expect(await repo.recordReadings([reading(3, 0, 500, 0)])).toMatchObject({ corrections: 1, late: 1 });
    expect(await repo.intervalsToResettle()).toEqual([{ communityId: C, intervalStart: at(0) }]);
    const v2 = await repo.settleInterval({ communityId: C, intervalStart: at(0) });
    expect(v2).toMatchObject({ version: 2, reason: 'correction' });
    const all = await repo.transactionsOf(C, at(0));
    const v2tx = all.filter((t) => t.version === 2);
    expect(v2tx.some((t) => t.direction === 'reversal')).toBe(true);
    // nets out: signed sums over both versions equal the corrected readings
    const bought = (m: string) =>
      all.filter((t) => t.buyerId === m).reduce((s, t) => s + signOf(t) * t.energyWh, 0);
    expect([bought(id(2)), bought(id(3))]).toEqual([1000, 500]);
    const sold = all.filter((t) => t.sellerId === id(1)).reduce((s, t) => s + signOf(t) * t.energyWh, 0);
    expect(sold).toBe(3000);
    const paid = all.filter((t) => t.buyerId !== 'UTILITY').reduce((s, t) => s + signOf(t) * t.amountCt, 0);
    expect(paid).toBe(30); // 1.5 kWh x 20 ct
    const statement = await repo.monthlyStatement(C);
    expect(statement.find((l) => l.meterPointId === id(3))).toMatchObject({
      communitySupplyWh: 500,
      residualSupplyWh: 0,
      paidCt: 10,
    });
    expect(statement.find((l) => l.meterPointId === id(1))).toMatchObject({
      soldWh: 1500,
      surplusWh: 1500,
      receivedCt: 30,
    });

    const pending = await repo.pendingBatches();
    expect(pending.map((b) => [b.intervalStart, b.version])).toEqual([
      [at(0), 1],
      [at(0), 2],
    ]);
    const proof = await repo.proofOf(v2tx[0].transactionId);
    expect(proof?.rootMatchesStored).toBe(true);
    expect(proof && verifyProofOffChain(proof.root, proof.leaf, proof.proof)).toBe(true);

    const receipt = {
      chainId: 31337,
      contractAddress: `0x${'12'.repeat(20)}` as const,
      txHash: `0x${'ab'.repeat(32)}` as const,
      blockNumber: 7n,
      gasUsed: 60_000n,
      committedAt: '2026-06-01T10:46:00Z',
      alreadyCommitted: false,
    };
    expect(await repo.markCommitted(pending[0], receipt)).toBe(true);
    expect(await repo.markCommitted(pending[0], receipt)).toBe(false);
    expect((await repo.stats()).batchesCommitted).toBe(1);
  });

  it('relays the outbox at least once with stable ids to Kafka', async () => {
    const kafka: Kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const topics: Record<string, string> = {
      [Topics.settlementTransactions]: uniqueName('test.settlement.tx'),
      [Topics.settlementBatches]: uniqueName('test.settlement.batches'),
    };
    for (const t of Object.values(topics)) await createTopic(admin, t, 1);
    const producer: Producer = kafka.producer();
    await producer.connect();
    try {
      const publisher = {
        send: async (topic: string, messages: { key: string; value: string }[]) =>
          void (await producer.send({ topic: topics[topic], messages })),
      };
      const { published } = await relaySettlementOutbox(pool, publisher, { batchSize: 3 });
      const expected = (await pool.query<{ n: string }>('SELECT count(*) AS n FROM settlement_outbox'))
        .rows[0].n;
      expect(published).toBe(Number(expected));
      expect(await relaySettlementOutbox(pool, publisher)).toEqual({ published: 0, batches: 0 });
      const batches = await readMessages(
        kafka,
        topics[Topics.settlementBatches],
        (m) => m.length >= 1,
        15_000,
      );
      const parsed = batches.map((m) => parseEvent(m.value ?? Buffer.alloc(0)));
      expect(parsed.every((p) => p.ok)).toBe(true);
      const txMsgs = await readMessages(
        kafka,
        topics[Topics.settlementTransactions],
        (m) => m.length >= published - 1,
        15_000,
      );
      const ids = txMsgs.map((m) => {
        const p = parseEvent(m.value ?? Buffer.alloc(0));
        if (!p.ok) throw new Error(JSON.stringify(p.problems));
        return p.value.id;
      });
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length + batches.length).toBe(published);
    } finally {
      await producer.disconnect();
      for (const t of Object.values(topics)) await admin.deleteTopics({ topics: [t] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('lets exactly one process hold the committer lock, and hands it over when the holder goes', async () => {
    const a = new CommitterLock(tdb.url, 777);
    const b = new CommitterLock(tdb.url, 777);
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    expect(await a.tryAcquire()).toBe(true);
    await a.release();
    expect(await b.tryAcquire()).toBe(true);
    expect(await a.tryAcquire()).toBe(false);
    await b.release();
  });

  it('settles a quarter hour of many communities several at a time, each exactly once even when two committers race', async () => {
    const many = Array.from({ length: 24 }, (_, n) => `EG-MANY-${String(n).padStart(2, '0')}`);
    const meter = (n: number, k: number) => syntheticMeterPointId(200 + n, k);
    for (const [n, communityId] of many.entries()) {
      await communities.create({
        communityId,
        name: communityId,
        actor: 'admin-a',
        effectiveFrom: '2026-01-01T00:00:00Z',
        priceMilliCtPerKWh: 20_000,
      });
      await communities.setMembers(
        [0, 1, 2].map((k) => ({
          communityId,
          meterPointId: meter(n, k),
          role: k === 0 ? ('generator' as const) : ('consumer' as const),
          effectiveFrom: '2026-01-01T00:00:00Z',
        })),
        'admin-a',
      );
    }
    const quarter = (communityId: string, m: string, k: number, importWh: number, exportWh: number) => ({
      ...reading(0, k, importWh, exportWh, `many-${m}-${k}`),
      communityId,
      meterPointId: m,
    });
    // interval 40 of every community: the generator exports 3 kWh, the consumers take 1 and 2 kWh; a reading
    // of interval 42 moves each watermark past the grace
    await repo.recordReadings(
      many.flatMap((c, n) => [
        quarter(c, meter(n, 0), 40, 0, 3000),
        quarter(c, meter(n, 1), 40, 1000, 0),
        quarter(c, meter(n, 2), 40, 2000, 0),
        quarter(c, meter(n, 1), 42, 10, 0),
      ]),
    );
    const grace = 20 * 60_000;
    const due = (await repo.dueIntervals(grace)).filter((r) => many.includes(r.communityId));
    expect(due).toEqual(many.map((communityId) => ({ communityId, intervalStart: at(40) })));

    // one at a time (groups of one interval), stopped after two: the rest stays due
    let calls = 0;
    const first = await repo.settleIntervals(due, {
      concurrency: 1,
      groupSize: 1,
      stop: () => calls >= 2,
      onSettled: () => calls++,
    });
    expect(first.map((r) => r.communityId)).toEqual(many.slice(0, 2));
    expect((await repo.dueIntervals(grace)).filter((r) => many.includes(r.communityId))).toHaveLength(22);

    // two committers (a lock handover) race over the same intervals, four groups at a time each: one closes
    // groups of five intervals per transaction, the other groups of three
    const heard: string[] = [];
    const [a, b] = await Promise.all([
      repo.settleIntervals(due, {
        concurrency: 4,
        groupSize: 5,
        onSettled: (r) => heard.push(r.communityId),
      }),
      repo.settleIntervals(due, { concurrency: 4, groupSize: 3 }),
    ]);
    expect([...a, ...b].map((r) => r.communityId).sort()).toEqual(many.slice(2));
    expect([...a, ...b].every((r) => r.version === 1 && r.reason === 'close')).toBe(true);
    expect(heard.sort()).toEqual(a.map((r) => r.communityId).sort());
    expect((await repo.dueIntervals(grace)).filter((r) => many.includes(r.communityId))).toEqual([]);
    const batches = await pool.query<{ community_id: string; version: number }>(
      `SELECT community_id, version FROM settlement_batch WHERE interval_start = $1 ORDER BY community_id`,
      [at(40)],
    );
    expect(batches.rows).toEqual(many.map((community_id) => ({ community_id, version: 1 })));
    // each settled as on its own: the generator's 3 kWh shared 1 : 2 by the consumers' demand
    for (const [n, c] of many.entries()) {
      const txs = await repo.transactionsOf(c, at(40));
      const allocated = txs.filter((t) => t.kind === 'allocation');
      expect(allocated.map((t) => [t.buyerId, t.energyWh]).sort()).toEqual(
        [
          [meter(n, 1), 1000],
          [meter(n, 2), 2000],
        ].sort(),
      );
    }
  });

  it('closes a group of intervals in one transaction as one by one would, and a community without terms fails alone', async () => {
    const names = ['EG-GRP-0', 'EG-GRP-1', 'EG-GRP-2', 'EG-GRP-3', 'EG-GRP-4', 'EG-GRP-S', 'EG-GRP-LATE'];
    const meter = (n: number, k: number) => syntheticMeterPointId(700 + n, k);
    for (const [n, communityId] of names.entries()) {
      await communities.create({
        communityId,
        name: communityId,
        actor: 'admin-a',
        // EG-GRP-LATE has no key and no price before July: no terms for a June interval
        effectiveFrom: communityId === 'EG-GRP-LATE' ? '2026-07-01T00:00:00Z' : '2026-01-01T00:00:00Z',
        priceMilliCtPerKWh: 20_000,
      });
      await communities.setMembers(
        [0, 1, 2].map((k) => ({
          communityId,
          meterPointId: meter(n, k),
          role: k === 0 ? ('prosumer' as const) : ('consumer' as const),
          effectiveFrom: '2026-01-01T00:00:00Z',
        })),
        'admin-a',
      );
    }
    // interval 50 of each: the same energies everywhere; a reading of interval 52 moves the watermarks
    await repo.recordReadings(
      names.flatMap((communityId, n) =>
        [
          [0, 50, 400, 2500],
          [1, 50, 1200, 0],
          [2, 50, 900, 0],
          [1, 52, 10, 0],
        ].map(([k, q, importWh, exportWh]) => ({
          ...reading(0, q, importWh, exportWh, `grp-${communityId}-${k}-${q}`),
          communityId,
          meterPointId: meter(n, k),
        })),
      ),
    );
    const due = (await repo.dueIntervals(20 * 60_000)).filter((r) => names.includes(r.communityId));
    expect(due.map((r) => r.communityId).sort()).toEqual([...names].sort());
    // EG-GRP-S the old way, on its own
    const single = await repo.settleInterval({ communityId: 'EG-GRP-S', intervalStart: at(50) });
    expect(single?.version).toBe(1);

    const heard: string[] = [];
    await expect(
      repo.settleIntervals(
        due.filter((r) => r.communityId !== 'EG-GRP-S'),
        { concurrency: 2, groupSize: 3, onSettled: (r) => heard.push(r.communityId) },
      ),
    ).rejects.toThrow(/SETTLEMENT.NO_TERMS: EG-GRP-LATE/);
    // every other community closed; the one without terms is still due
    expect(heard.sort()).toEqual(['EG-GRP-0', 'EG-GRP-1', 'EG-GRP-2', 'EG-GRP-3', 'EG-GRP-4']);
    expect((await repo.dueIntervals(20 * 60_000)).filter((r) => names.includes(r.communityId))).toEqual([
      { communityId: 'EG-GRP-LATE', intervalStart: at(50) },
    ]);
    // a group's version, batch and transactions are those of the interval settled on its own
    const summary = await pool.query<{
      community_id: string;
      figures: string;
    }>(
      `SELECT v.community_id,
              concat_ws('/', v.version, v.reason, v.rule, v.generation_wh, v.consumption_wh, v.allocated_wh,
                v.rounding_remainder_micro_ct, b.transaction_count, b.total_energy_wh, b.total_amount_ct, b.state,
                (SELECT count(*) FROM settlement_allocation a WHERE a.community_id = v.community_id AND a.interval_start = v.interval_start),
                (SELECT count(*) FROM settlement_outbox o JOIN settlement_transaction t ON t.transaction_id = o.event_id
                  WHERE t.community_id = v.community_id AND t.interval_start = v.interval_start)) AS figures
         FROM settlement_interval_version v
         JOIN settlement_batch b USING (community_id, interval_start, version)
        WHERE v.interval_start = $1 AND v.community_id LIKE 'EG-GRP-%' ORDER BY v.community_id`,
      [at(50)],
    );
    const bySingle = summary.rows.find((r) => r.community_id === 'EG-GRP-S')?.figures;
    expect(bySingle).toMatch(/^1\/close\//);
    expect(summary.rows.map((r) => r.community_id)).toEqual([
      'EG-GRP-0',
      'EG-GRP-1',
      'EG-GRP-2',
      'EG-GRP-3',
      'EG-GRP-4',
      'EG-GRP-S',
    ]);
    for (const r of summary.rows) expect(r.figures).toBe(bySingle);
  });
});
