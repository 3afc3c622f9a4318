/**
 * Settlement end to end: the settlement service as a real process on the real broker, real PostgreSQL and a
 * real local EVM node of its own, fed one simulated summer day of one energy-sharing community of the
 * simulated grid. The community is registered through the settlement CLI (deploy, migrate,
 * create-community, import members), as an operator would.
 *
 * The day is sent in three parts, and between them the service is killed between sending a batch and its
 * confirmation, and the EVM node is restarted. Then every reading is replayed, and a late correction
 * arrives. Readings of metering points in no community (never registered, or registered but not a member
 * at that instant) are sent along, as in a city: they are counted as skipped, never dead-lettered.
 * Checked at the end: energy and money reconcile exactly with the readings, one batch per closed
 * interval (version 2 only for the corrected one), every transaction proves on chain, and billing's
 * de-duplicated view of the events reconciles with the database with nothing lost or twice.
 *
 * The readings topic has one partition, so a reading of a later quarter hour is never stored before one
 * of an earlier quarter hour: with the grace period of one quarter hour an interval then closes only with
 * all its readings (README: backfills over many partitions may close early and then settle corrections).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { MeterReadingData } from '@gridwerk/simulator/domain';
import { EvmSettlementLedger, ledgerEvmMigrations } from '@gridwerk/settlement/ledger-evm';
import {
  CommunityRepository,
  SettlementRepository,
  type StoredBatch,
} from '@gridwerk/settlement/data-access';
import { buildBatchTree } from '@gridwerk/settlement/domain';
import { fetchPasswordGrantToken, testOidcProvider } from '@gridwerk/shared/auth';
import {
  createTestDatabase,
  postgresDataSourceOptions,
  type TestDatabase,
} from '@gridwerk/shared/data-access-database';
import {
  createTopic,
  endOffsets,
  readMessages,
  readMessagesFrom,
  testBrokers,
  testKafka,
  uniqueName,
  type TopicOffset,
} from '@gridwerk/shared/data-access-kafka';
import { builtInProfiles, createGridSimulation, type GridTopology } from '@gridwerk/simulator/domain';
import { encodeReading } from '@gridwerk/simulator/feature';
import { readSettlementEvents, reconcileWithDatabase } from '../billing/billing-consumer';
import { loadInfraConfig, type InfraConfig } from '../infra/infra-config';
import { evmNodeRpcUrl, startEvmNode, stopEvmNode } from '../infra/evm-node';
import { runAppCli } from './app-cli';
import { freePort } from './free-port';
import { ServiceProcess } from './service-process';

jest.setTimeout(600_000);

const COMMUNITY = 'EG-0001';
/** 15 June 2026, 00:00 Europe/Berlin (CEST): a day with PV to share. */
const DAY_START = '2026-06-14T22:00:00Z';
const Q = 900_000;
const at = (k: number) => new Date(Date.parse(DAY_START) + k * Q).toISOString().replace('.000Z', 'Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(250);
  }
}

async function cli(args: string[], env: Record<string, string>) {
  const r = await runAppCli('settlement', args, env);
  return { code: r.code, out: r.stdout.trim(), err: r.stderr.trim() };
}

function membersCsv(
  topology: GridTopology,
  extra: { meterPointId: string; effectiveFrom: string }[],
): string {
  const rows = topology.meteringPoints
    .filter((m) => m.communityId === COMMUNITY)
    .map(
      (m) => `${COMMUNITY},${m.meterPointId},${m.pvPeakW === null ? 'consumer' : 'prosumer'},${DAY_START}`,
    );
  for (const e of extra) rows.push(`${COMMUNITY},${e.meterPointId},consumer,${e.effectiveFrom}`);
  return ['communityId,meterPointId,role,effectiveFrom', ...rows].join('\n');
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

describe('settlement service end to end (real broker, PostgreSQL, EVM node)', () => {
  const label = `settle${process.pid}`;
  let chain: InfraConfig;
  let rpcUrl: string;
  let db: TestDatabase;
  let pool: Pool;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let svc: ServiceProcess;
  let env: Record<string, string>;
  const topics = {
    readings: uniqueName(`test.${label}.readings`),
    transactions: uniqueName(`test.${label}.transactions`),
    batches: uniqueName(`test.${label}.batches`),
  };
  const group = uniqueName(`test.${label}.group`);
  /** Every reading sent, by step (0..96), of the members and of the non-members that are skipped. */
  const steps: { member: MeterReadingData[]; other: MeterReadingData[] }[] = [];
  let memberIds: Set<string>;
  let lateJoiner: string;
  const hostile: { key: string; value: string; reason: string }[] = [];
  let produced = 0;
  /** Where the shared dead-letter topic ended before this run (it is long: not read from its beginning). */
  let dlqFrom: TopicOffset[];

  const send = async (items: { key: string; value: string }[]) => {
    for (let i = 0; i < items.length; i += 500) {
      await producer.send({ topic: topics.readings, messages: items.slice(i, i + 500), acks: -1 });
    }
    produced += items.length;
  };
  const sendSteps = (from: number, to: number) =>
    send(steps.slice(from, to).flatMap((s) => [...s.member, ...s.other].map((r) => encodeReading(r))));

  const q = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await pool.query<T>(sql, params)).rows;
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await q<{ n: string }>(sql, params))[0]?.n ?? 0);
  const committedBatches = () =>
    count(`SELECT count(*) AS n FROM settlement_batch WHERE community_id = $1 AND state = 'committed'`, [
      COMMUNITY,
    ]);
  const allBatches = () =>
    count(`SELECT count(*) AS n FROM settlement_batch WHERE community_id = $1`, [COMMUNITY]);
  const waitCommitted = (n: number, timeoutMs = 180_000) =>
    until(
      `${n} committed batches`,
      async () => (await committedBatches()) >= n && (await outboxEmpty()),
      timeoutMs,
    );
  const outboxEmpty = async () =>
    (await count('SELECT count(*) AS n FROM settlement_outbox WHERE published_at IS NULL')) === 0;

  const metric = async (name: string, label: string): Promise<number> => {
    const line = (await svc.metrics()).split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
    return Number(line?.split(' ').pop() ?? 0);
  };

  /** Readings of metering points in no community, by skip reason, in steps [from, to). */
  const skipsOf = (from: number, to: number) => {
    const others = steps.slice(from, to).flatMap((s) => s.other);
    const outsideMembership = others.filter(
      (r) => r.meterPointId === lateJoiner && Date.parse(r.intervalStart) < Date.parse(at(96)),
    ).length;
    // the late joiner's reading of step 96 is a member's
    const notInCommunity = others.length - outsideMembership - (from <= 96 && to > 96 ? 1 : 0);
    return { notInCommunity, outsideMembership };
  };
  const skippedMetrics = async () => ({
    notInCommunity: await metric('gridwerk_settlement_readings_skipped_total', 'reason="not_in_community"'),
    outsideMembership: await metric(
      'gridwerk_settlement_readings_skipped_total',
      'reason="outside_membership"',
    ),
  });
  /** Until the service's consumer group has committed every message sent (the topic has one partition). */
  const consumedAll = (what: string) =>
    until(what, async () => {
      const [high] = await admin.fetchTopicOffsets(topics.readings);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topics.readings] });
      return high !== undefined && committed?.partitions[0]?.offset === high.offset;
    });

  const startService = async (extra: Record<string, string> = {}) => {
    svc = new ServiceProcess('settlement', await freePort(), { ...env, ...extra });
    await svc.start();
    await svc.waitHealthy(60_000);
  };

  beforeAll(async () => {
    chain = {
      ...loadInfraConfig(),
      evmNodePort: await freePort(),
      evmStateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'gridwerk-settlement-e2e-evm-')),
    };
    await startEvmNode(chain, () => undefined);
    rpcUrl = evmNodeRpcUrl(chain);
    db = await createTestDatabase('settlement_e2e');
    pool = new Pool({ connectionString: db.url, max: 3 });
    kafka = testKafka('settlement-e2e');
    admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topics.readings, 1);
    await createTopic(admin, topics.transactions, 3);
    await createTopic(admin, topics.batches, 3);
    dlqFrom = await endOffsets(kafka, 'grid.dlq.v1');
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    const sim = createGridSimulation({
      seed: 1,
      meters: 200,
      start: DAY_START,
      days: 2,
      resolutionMinutes: 15,
      profiles: builtInProfiles(),
    });
    memberIds = new Set(
      sim.topology.meteringPoints.filter((m) => m.communityId === COMMUNITY).map((m) => m.meterPointId),
    );
    const outsiders = sim.topology.meteringPoints.filter((m) => m.communityId === null);
    // joins the community with the next day: its readings of this day are outside the community
    lateJoiner = outsiders[0]?.meterPointId ?? '';
    const unknown = new Set(outsiders.slice(1, 4).map((m) => m.meterPointId));
    for (const step of sim.steps()) {
      if (steps.length > 96) break;
      steps.push({
        member: step.readings.filter((r) => memberIds.has(r.meterPointId)),
        other: step.readings.filter((r) => unknown.has(r.meterPointId) || r.meterPointId === lateJoiner),
      });
    }
    expect(memberIds.size).toBeGreaterThan(20);

    env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testBrokers().join(','),
      EVM_RPC_URL: rpcUrl,
      EVM_CHAIN_ID: String(chain.evmChainId),
      SETTLEMENT_DEV_SIGNER: 'true',
      SETTLEMENT_READINGS_TOPIC: topics.readings,
      SETTLEMENT_TRANSACTIONS_TOPIC: topics.transactions,
      SETTLEMENT_BATCHES_TOPIC: topics.batches,
      SETTLEMENT_CONSUMER_GROUP: group,
      SETTLEMENT_GRACE_MS: String(Q),
      SETTLEMENT_TICK_MS: '300',
      EVM_POLL_INTERVAL_MS: '50',
      EVM_RPC_RETRIES: '3',
      OIDC_ISSUER_URL: process.env['KEYCLOAK_URL']
        ? `${process.env['KEYCLOAK_URL']}/realms/gridwerk`
        : 'http://127.0.0.1:8080/realms/gridwerk',
      LOG_LEVEL: 'info',
    };
    // the operator's steps, through the CLI
    const deployed = await cli(['deploy', '--json'], env);
    expect(deployed).toMatchObject({ code: 0 });
    env['SETTLEMENT_CONTRACT_ADDRESS'] = (JSON.parse(deployed.out) as { address: string }).address;
    expect(await cli(['migrate'], env)).toMatchObject({ code: 0 });
    expect(
      await cli(
        [
          'create-community',
          '--id',
          COMMUNITY,
          '--name',
          'Energiegemeinschaft Leipzig-Nord 1',
          '--price',
          '21500',
          '--effective-from',
          DAY_START,
          '--actor',
          'e2e-admin',
        ],
        env,
      ),
    ).toMatchObject({ code: 0 });
    const csv = path.join(chain.evmStateDir, 'members.csv');
    fs.writeFileSync(csv, membersCsv(sim.topology, [{ meterPointId: lateJoiner, effectiveFrom: at(96) }]));
    const imported = await cli(['import', 'members', '--file', csv, '--actor', 'e2e-admin'], env);
    expect(imported).toMatchObject({ code: 0 });
    expect(imported.out).toContain(`imported ${memberIds.size + 1} member change(s)`);
  });

  afterAll(async () => {
    await svc?.stop().catch(() => undefined);
    await producer?.disconnect();
    await admin?.disconnect();
    await pool?.end();
    await db?.drop();
    await stopEvmNode(chain, () => undefined);
    fs.rmSync(chain.evmStateDir, { recursive: true, force: true });
  });

  it('settles the first part of the day, dead-letters bad input with its reason and skips non-members, going on', async () => {
    await startService();
    const good = steps[0]?.member[0];
    if (!good) throw new Error('no reading');
    const neg = encodeReading({ ...good, importWh: -5 });
    hostile.push(
      { key: good.meterPointId, value: '{"not json', reason: 'JSON.PARSE' },
      { key: good.meterPointId, value: neg.value, reason: 'READING.NEGATIVE_ENERGY' },
      {
        key: good.meterPointId,
        value: JSON.stringify({ ...JSON.parse(encodeReading(good).value), data: { meterPointId: 'nope' } }),
        reason: 'CONTRACT.INVALID',
      },
    );
    await send(hostile.map(({ key, value }) => ({ key, value })));
    await sendSteps(0, 32);
    // intervals 0..30 close (31 ends 15 minutes before the watermark only once step 32 arrives)
    await waitCommitted(31);
    const h = await svc.health();
    expect(h.status).toBe(200);
    expect(JSON.parse(h.body)).toMatchObject({
      info: { chain: { status: 'up' }, database: { status: 'up' } },
    });
    const metrics = await svc.metrics();
    expect(metrics).toMatch(/gridwerk_settlement_batches_committed_total\{[^}]*already="false"[^}]*\} 31/);
    expect(metrics).toMatch(/gridwerk_settlement_gas_used_total\{[^}]*kind="batch"[^}]*\} [1-9]/);
    // every reading of a metering point in no community is counted by reason; only the bad input is a letter
    const skips = skipsOf(0, 32);
    expect(skips.notInCommunity).toBeGreaterThan(0);
    expect(skips.outsideMembership).toBeGreaterThan(0);
    await consumedAll('steps 0..31 consumed');
    expect(await skippedMetrics()).toEqual(skips);
    expect(await metric('gridwerk_settlement_readings_total', 'outcome="deadLettered"')).toBe(hostile.length);
  });

  it('survives a kill -9 between sending a batch and its confirmation without committing twice', async () => {
    await rpc(rpcUrl, 'evm_setAutomine', [false]);
    await sendSteps(32, 64);
    // the committer signed and broadcast a batch; the node holds it unmined
    await until(
      'a broadcast, unconfirmed batch transaction',
      async () =>
        (await count(`SELECT count(*) AS n FROM ledger_evm_transactions WHERE status = 'pending'`)) > 0,
    );
    await svc.kill9();
    const pendingBefore = await q<{ tx_hash: string; nonce: string }>(
      `SELECT tx_hash, nonce FROM ledger_evm_transactions WHERE status = 'pending'`,
    );
    expect(pendingBefore).toHaveLength(1);
    await rpc(rpcUrl, 'evm_setAutomine', [true]);
    await rpc(rpcUrl, 'evm_mine');
    await startService();
    await waitCommitted(63);
    // the transaction of the killed run was confirmed as it was, not signed again
    const after = await q<{ status: string; broadcast_count: number }>(
      'SELECT status, broadcast_count FROM ledger_evm_transactions WHERE tx_hash = $1',
      [pendingBefore[0]?.tx_hash],
    );
    expect(after[0]?.status).toBe('confirmed');
    expect(
      await count(
        `SELECT count(*) AS n FROM (SELECT operation_key FROM ledger_evm_transactions WHERE status <> 'dropped' GROUP BY operation_key HAVING count(*) > 1) d`,
      ),
    ).toBe(0);
  });

  it('bridges a restart of the EVM node mid-run: batches wait, then commit in order', async () => {
    await stopEvmNode(chain, () => undefined);
    await sendSteps(64, 97);
    await until(
      'settled batches waiting for the chain',
      async () => (await count(`SELECT count(*) AS n FROM settlement_batch WHERE state = 'pending'`)) > 0,
    );
    await until('/health reporting the chain down', async () => {
      const h = await svc.health();
      return (
        h.status === 503 && (JSON.parse(h.body) as { error?: { chain?: unknown } }).error?.chain !== undefined
      );
    });
    await startEvmNode(chain, () => undefined);
    await waitCommitted(96);
  });

  it('replaying every reading produces no second batch and no new billing event', async () => {
    await consumedAll('the day consumed');
    const before = {
      batches: await allBatches(),
      outbox: await count('SELECT count(*) AS n FROM settlement_outbox'),
      duplicates: await metric('gridwerk_settlement_readings_total', 'outcome="duplicates"'),
      deadLettered: await metric('gridwerk_settlement_readings_total', 'outcome="deadLettered"'),
      skipped: await skippedMetrics(),
    };
    await sendSteps(0, 97);
    await send(hostile.map(({ key, value }) => ({ key, value })));
    // consumed when the duplicates counter has counted every member reading (and the late joiner's) again
    const memberReadings = steps.reduce((s, x) => s + x.member.length, 0) + 1;
    const d0 = before.duplicates;
    await until(
      'the replay consumed',
      async () =>
        (await metric('gridwerk_settlement_readings_total', 'outcome="duplicates"')) >= d0 + memberReadings,
    );
    await consumedAll('the replay consumed to its end');
    await sleep(2_000); // two more committer ticks
    expect(await allBatches()).toBe(before.batches);
    expect(await count('SELECT count(*) AS n FROM settlement_outbox')).toBe(before.outbox);
    // the replay, reconciled by the metrics alone: produced = settled (duplicates) + skipped + dead-lettered
    const skips = skipsOf(0, 97);
    const after = await skippedMetrics();
    const replayed = steps.reduce((s, x) => s + x.member.length + x.other.length, 0) + hostile.length;
    expect({
      duplicates: (await metric('gridwerk_settlement_readings_total', 'outcome="duplicates"')) - d0,
      notInCommunity: after.notInCommunity - before.skipped.notInCommunity,
      outsideMembership: after.outsideMembership - before.skipped.outsideMembership,
      deadLettered:
        (await metric('gridwerk_settlement_readings_total', 'outcome="deadLettered"')) - before.deadLettered,
    }).toEqual({ duplicates: memberReadings, ...skips, deadLettered: hostile.length });
    expect(memberReadings + skips.notInCommunity + skips.outsideMembership + hostile.length).toBe(replayed);
  });

  it('a late correction produces version 2 of its interval, with adjustments that net out exactly', async () => {
    // a prosumer's midday reading, corrected by the meter operator: more consumption than first read
    const k = 50;
    const original = steps[k]?.member.find((r) => r.importWh > 0 && r.exportWh === 0);
    if (!original) throw new Error('no consuming member at step 50');
    const corrected: MeterReadingData = { ...original, importWh: original.importWh + 1_234 };
    const event = JSON.parse(encodeReading(corrected).value) as { id: string };
    await send([
      { key: corrected.meterPointId, value: JSON.stringify({ ...event, id: `${event.id}-corr1` }) },
    ]);
    (steps[k] as { member: MeterReadingData[] }).member = (steps[k]?.member ?? []).map((r) =>
      r === original ? corrected : r,
    );
    await until(
      'version 2 committed',
      async () =>
        (await count(
          `SELECT count(*) AS n FROM settlement_batch WHERE community_id = $1 AND interval_start = $2 AND version = 2 AND state = 'committed'`,
          [COMMUNITY, at(k)],
        )) === 1 && (await outboxEmpty()),
    );
    const repo = new SettlementRepository(pool);
    const v1 = await repo.transactionsOf(COMMUNITY, at(k), 1);
    const v2 = await repo.transactionsOf(COMMUNITY, at(k), 2);
    const reversals = v2.filter((t) => t.direction === 'reversal');
    expect(reversals.length).toBeGreaterThan(0);
    const byId = new Map(v1.map((t) => [t.transactionId, t]));
    for (const r of reversals) {
      const o = byId.get(r.adjustsTransactionId ?? '');
      expect(o).toBeDefined();
      expect([r.sellerId, r.buyerId, r.energyWh, r.amountCt]).toEqual([
        o?.sellerId,
        o?.buyerId,
        o?.energyWh,
        o?.amountCt,
      ]);
    }
    // net of both versions, every member of the interval gets exactly its (corrected) consumption and
    // sells exactly its generation: the adjustments take back what changed, nothing more
    const signed = (t: { direction: string; energyWh: number }) =>
      t.direction === 'reversal' ? -t.energyWh : t.energyWh;
    const both = [...v1, ...v2];
    for (const r of steps[k]?.member ?? []) {
      const bought = both.filter((t) => t.buyerId === r.meterPointId).reduce((s, t) => s + signed(t), 0);
      const sold = both.filter((t) => t.sellerId === r.meterPointId).reduce((s, t) => s + signed(t), 0);
      expect([r.meterPointId, bought, sold]).toEqual([r.meterPointId, r.importWh, r.exportWh]);
    }
    // unchanged transactions are not reversed: version 2 is smaller than a full re-issue
    expect(reversals.length).toBeLessThan(v1.length);
  });

  it('reconciles energy and money exactly with the readings, one batch per closed interval', async () => {
    expect(
      await count(
        `SELECT count(*) AS n FROM settlement_interval WHERE community_id = $1 AND state = 'closed'`,
        [COMMUNITY],
      ),
    ).toBe(96);
    const perInterval = await q<{ interval_start: Date; versions: string; max: number }>(
      `SELECT interval_start, count(*) AS versions, max(version) AS max FROM settlement_batch WHERE community_id = $1 GROUP BY interval_start ORDER BY interval_start`,
      [COMMUNITY],
    );
    expect(perInterval).toHaveLength(96);
    expect(
      perInterval
        .filter((r) => Number(r.versions) !== 1)
        .map((r) => [r.interval_start.toISOString(), Number(r.versions)]),
    ).toEqual([[new Date(at(50)).toISOString(), 2]]);
    // per member and interval, over all versions: allocated + residual supply = metered consumption,
    // allocated + surplus = metered generation
    const flows = await q<{ k: string; buyer: string; seller: string }>(
      `SELECT to_char(interval_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' ' || m AS k,
              sum(CASE WHEN buyer_id = m THEN (CASE direction WHEN 'reversal' THEN -energy_wh ELSE energy_wh END) ELSE 0 END) AS buyer,
              sum(CASE WHEN seller_id = m THEN (CASE direction WHEN 'reversal' THEN -energy_wh ELSE energy_wh END) ELSE 0 END) AS seller
         FROM settlement_transaction, LATERAL (VALUES (buyer_id), (seller_id)) AS p(m)
        WHERE community_id = $1 GROUP BY interval_start, m`,
      [COMMUNITY],
    );
    const flow = new Map(flows.map((f) => [f.k, [Number(f.buyer), Number(f.seller)]]));
    let checked = 0;
    for (const s of steps.slice(0, 96))
      for (const r of s.member) {
        expect([
          r.meterPointId,
          r.intervalStart,
          flow.get(`${new Date(r.intervalStart).toISOString().replace('.000Z', 'Z')} ${r.meterPointId}`) ?? [
            0, 0,
          ],
        ]).toEqual([r.meterPointId, r.intervalStart, [r.importWh, r.exportWh]]);
        checked++;
      }
    expect(checked).toBe(96 * memberIds.size);
    // and per member over the month, as billing gets it: community supply + residual supply, sold + surplus
    const statement = await new SettlementRepository(pool).monthlyStatement(COMMUNITY);
    const metered = new Map<string, { importWh: number; exportWh: number }>();
    for (const s of steps.slice(0, 96))
      for (const r of s.member) {
        const m = metered.get(r.meterPointId) ?? { importWh: 0, exportWh: 0 };
        m.importWh += r.importWh;
        m.exportWh += r.exportWh;
        metered.set(r.meterPointId, m);
      }
    const members = statement.filter((l) => memberIds.has(l.meterPointId));
    for (const id of memberIds) {
      const l = members.find((x) => x.meterPointId === id);
      const m = metered.get(id) ?? { importWh: 0, exportWh: 0 };
      // a member that neither consumed nor generated all day has no line
      const got = l ? [l.communitySupplyWh + l.residualSupplyWh, l.soldWh + l.surplusWh] : [0, 0];
      expect([id, ...got]).toEqual([id, m.importWh, m.exportWh]);
    }
    expect(members.length).toBeGreaterThan(memberIds.size / 2);
    const shared = members.reduce((s, l) => s + l.communitySupplyWh, 0);
    expect(shared).toBeGreaterThan(0);
    expect(members.reduce((s, l) => s + l.soldWh, 0)).toBe(shared);
    expect(members.reduce((s, l) => s + l.paidCt, 0)).toBe(members.reduce((s, l) => s + l.receivedCt, 0));
  });

  it('dead-lettered exactly the bad input: produced = stored + duplicates + skipped + dead-lettered', async () => {
    const dlq = await readMessagesFrom(kafka, 'grid.dlq.v1', dlqFrom, { timeoutMs: 60_000 });
    // at least once: a letter written again after the kill -9 has the same id (topic/partition/offset/group)
    const letters = new Map<string, string>();
    for (const m of dlq) {
      const e = JSON.parse(m.value?.toString() ?? '{}') as {
        id: string;
        data?: { originalTopic?: string; consumerGroup?: string; reason?: { code?: string } };
      };
      if (e.data?.originalTopic === topics.readings && e.data.consumerGroup === group)
        letters.set(e.id, e.data.reason?.code ?? '');
    }
    const ours = [...letters.values()];
    const tally = (codes: string[]) =>
      codes.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {});
    // the bad input, sent twice; no reading of a metering point in no community is a dead letter
    expect(tally(ours)).toEqual({
      'JSON.PARSE': 2,
      'READING.NEGATIVE_ENERGY': 2,
      'CONTRACT.INVALID': 2,
    });
    const stored = await count('SELECT count(*) AS n FROM settlement_reading');
    const memberReadings = steps.reduce((s, x) => s + x.member.length, 0) + 1; // + the late joiner at step 96
    expect(stored).toBe(memberReadings + 1); // + the correction, a new revision
    const duplicates = memberReadings; // the replay of every member reading
    // every non-member's reading was sent twice (the late joiner's at step 96 is a member's)
    const skips = skipsOf(0, 97);
    const skipped = 2 * (skips.notInCommunity + skips.outsideMembership);
    expect(skipped).toBeGreaterThan(0);
    expect(produced).toBe(stored + duplicates + skipped + ours.length);
  });

  it('proves every transaction on chain, and the CLI prints a proof that verifies', async () => {
    const ds = new DataSource(
      postgresDataSourceOptions({
        url: db.url,
        applicationName: 'settlement-e2e',
        migrations: ledgerEvmMigrations,
      }),
    );
    await ds.initialize();
    try {
      const ledger = EvmSettlementLedger.fromConfig(
        {
          evmRpcUrl: rpcUrl,
          evmChainId: chain.evmChainId,
          settlementContractAddress: env['SETTLEMENT_CONTRACT_ADDRESS'] as `0x${string}`,
          signerKeyFile: undefined,
          devSigner: true,
          evmConfirmations: 1,
          evmReceiptTimeoutMs: 60_000,
          evmPollIntervalMs: 50,
          evmRpcRetries: 2,
          evmGasHeadroomPct: 20,
        },
        { dataSource: ds },
      );
      const repo = new SettlementRepository(pool);
      const salt = await new CommunityRepository(pool).partySalt(COMMUNITY);
      const total = await count('SELECT count(*) AS n FROM settlement_transaction');
      let verified = 0;
      let forgedAccepted = 0;
      for (const b of await repo.batchesOf(COMMUNITY)) {
        const txs = await repo.transactionsOf(COMMUNITY, b.intervalStart, b.version);
        const tree = buildBatchTree(COMMUNITY, b.intervalStart, b.version, txs, salt);
        expect(tree.batch.merkleRoot).toBe(b.merkleRoot);
        for (const t of txs) {
          const { leaf, proof } = tree.proofOf(t.transactionId);
          if (await ledger.verify(COMMUNITY, b.intervalStart, b.version, leaf, proof)) verified++;
        }
        // one forged leaf per batch (a cent more) must not verify
        const first = txs[0];
        if (first) {
          const { leaf, proof } = tree.proofOf(first.transactionId);
          const forged = [...leaf] as unknown as typeof leaf;
          (forged as unknown as bigint[])[6] = leaf[6] + 1n;
          if (await ledger.verify(COMMUNITY, b.intervalStart, b.version, forged, proof)) forgedAccepted++;
        }
      }
      expect(total).toBeGreaterThan(96 * 10);
      expect(verified).toBe(total);
      expect(forgedAccepted).toBe(0);
    } finally {
      await ds.destroy();
    }
    const one = (
      await q<{ transaction_id: string }>(
        `SELECT transaction_id FROM settlement_transaction WHERE kind = 'allocation' LIMIT 1`,
      )
    )[0];
    const r = await cli(['verify', '--transaction', one?.transaction_id ?? ''], env);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/proof \(\d+ nodes\):/);
    expect(r.out).toContain('verified on chain: yes');
    const forged = await cli(['verify', '--transaction', `stx_${'0'.repeat(40)}`], env);
    expect(forged.code).toBe(2);
  });

  it('billing de-duplicates the events and reconciles with the database to the cent, nothing missing', async () => {
    const ledger = await readSettlementEvents({
      brokers: testBrokers(),
      transactionsTopic: topics.transactions,
      batchesTopic: topics.batches,
      idleMs: 3_000,
    });
    const report = await reconcileWithDatabase(ledger, db.url, COMMUNITY);
    expect(report.missing).toEqual([]);
    expect(report.unbatched).toEqual([]);
    expect(report.differences).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.transactions).toBe(await count('SELECT count(*) AS n FROM settlement_transaction'));
    expect(report.batches).toBe(await allBatches());
    const batches: StoredBatch[] = await new SettlementRepository(pool).batchesOf(COMMUNITY);
    expect(batches.every((b) => b.state === 'committed' && b.txHash !== null)).toBe(true);
    const events = await readMessages(kafka, topics.batches, (m) => m.length >= batches.length, 15_000);
    const ids = new Set(events.map((m) => (JSON.parse(m.value?.toString() ?? '{}') as { id: string }).id));
    expect(ids).toEqual(new Set(batches.map((b) => b.batchId)));
  });

  it('serves the communities, batches, statements and proofs only to a signed-in billing or admin user', async () => {
    const base = `http://127.0.0.1:${svc.port}/api/v1/settlement`;
    const oidc = testOidcProvider();
    const get = async (path: string, token?: string) =>
      fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect((await get('/communities')).status).toBe(401);
    const viewer = await fetchPasswordGrantToken(oidc, 'viewer');
    expect((await get('/communities', viewer)).status).toBe(403);
    const billing = await fetchPasswordGrantToken(oidc, 'billing');
    const list = await get('/communities', billing);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { communityId: string }[]).map((x) => x.communityId)).toContain(COMMUNITY);
    const batches = (await (await get(`/communities/${COMMUNITY}/batches`, billing)).json()) as unknown[];
    expect(batches).toHaveLength(await allBatches());
    const tx = (
      await q<{ transaction_id: string }>('SELECT transaction_id FROM settlement_transaction LIMIT 1')
    )[0];
    const proof = await get(`/transactions/${tx?.transaction_id ?? ''}/proof`, billing);
    expect(proof.status).toBe(200);
    // changing the community is the admin's: billing may read, not write
    const put = await fetch(`${base}/communities/${COMMUNITY}/price`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${billing}`, 'content-type': 'application/json' },
      body: JSON.stringify({ priceMilliCtPerKWh: 1, effectiveFrom: at(200) }),
    });
    expect(put.status).toBe(403);
  });
});
