import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import { CommunityRepository, runSettlementMigrations } from '@gridwerk/settlement/data-access';
import { deploySettlementLedgerContract, ledgerEvmMigrations } from '@gridwerk/settlement/ledger-evm';
import { freePort } from '../../../e2e/free-port';
import { ServiceProcess } from '../../../e2e/service-process';
import { DEV_ONLY_ACCOUNTS, evmNodeRpcUrl } from '../../../infra/evm-node';
import { loadInfraConfig } from '../../../infra/infra-config';
import { benchOidcIssuer } from './grid-api.service';
import type { CityContext, CityQuarter, CityStage } from './stage';
import { metricSum, until } from './stage';

const QH = 900_000;

/** Sums of a histogram's `_sum` series by its `phase` label, rounded to 0.1 s. */
function phaseSums(text: string, name: string): Record<string, number> {
  const re = new RegExp(`^${name}\\{[^}]*phase="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
  return Object.fromEntries([...text.matchAll(re)].map((m) => [m[1], Math.round(Number(m[2]) * 10) / 10]));
}

/** DEV ONLY: the local node's public test account the bench's committer signs with (no other tool uses it). */
const SIGNER = DEV_ONLY_ACCOUNTS[7];
/** The community price the bench registers, milli-ct/kWh. */
const PRICE_MILLI_CT_PER_KWH = 21_500;

/**
 * → settled on chain: the settlement service (compiled bundle, as deployed) on the benchmark's readings
 * topic, with every energy-sharing community of the simulated city registered (members, dynamic key, price)
 * and its own SettlementLedger contract on the local EVM node (`commitBatches`: up to 200 batches per
 * on-chain transaction). Settlement closes an interval by event time, when a community's readings have
 * passed its end plus `SETTLEMENT_GRACE_MS` (default 10 min): the burst of a quarter hour closes the quarter
 * before it. Measured from the burst until that interval is closed for every community and each of its
 * batches committed on chain (the first burst closes none: not measured). Every reading of a metering point
 * in no community is skipped by the service, counted in `gridwerk_settlement_readings_skipped_total`, not
 * dead-lettered, as deployed.
 */
export function settledStage(): CityStage {
  let ctx: CityContext | undefined;
  let svc: ServiceProcess | undefined;
  let admin: Admin | undefined;
  let topics: { transactions: string; batches: string } | undefined;
  let keyDir: string | undefined;
  let communities = 0;
  let members = 0;
  let registerSeconds = 0;
  let metrics = '';
  const perQuarter: { interval: string; batches: number; transactions: number; chainTransactions: number }[] =
    [];
  return {
    name: 'settled on chain',
    key: 'toSettledSeconds',
    async setup(c: CityContext) {
      ctx = c;
      if (!SIGNER) throw new Error('no dev account for the settlement signer');
      const cfg = loadInfraConfig();
      const rpcUrl = evmNodeRpcUrl(cfg);
      const { address } = await deploySettlementLedgerContract({
        rpcUrl,
        chainId: cfg.evmChainId,
        deployerKey: SIGNER.privateKey,
      });
      keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridwerk-bench-city-'));
      const keyFile = path.join(keyDir, 'signer.key');
      fs.writeFileSync(keyFile, SIGNER.privateKey, { mode: 0o600 });
      await runSettlementMigrations(c.databaseUrl, ledgerEvmMigrations, 'bench-city');

      // every community of the city, registered as an operator would (registry with audit trail)
      const t0 = Date.now();
      const repo = new CommunityRepository(c.pool);
      const effectiveFrom = new Date(c.window.startMs - 86_400_000).toISOString();
      const byCommunity = new Map<string, { meterPointId: string; role: 'consumer' | 'prosumer' }[]>();
      for (const m of c.topology.meteringPoints) {
        if (m.communityId === null) continue;
        const list = byCommunity.get(m.communityId) ?? [];
        list.push({ meterPointId: m.meterPointId, role: m.pvPeakW === null ? 'consumer' : 'prosumer' });
        byCommunity.set(m.communityId, list);
      }
      // four communities at a time (the bench's pool), each in its own transactions as the CSV import does
      let next = 0;
      const register = async (): Promise<void> => {
        while (next < c.topology.communities.length) {
          const community = c.topology.communities[next++];
          if (community === undefined) return;
          await repo.create({
            communityId: community.communityId,
            name: community.name,
            actor: 'bench-city',
            effectiveFrom,
            priceMilliCtPerKWh: PRICE_MILLI_CT_PER_KWH,
          });
          const list = byCommunity.get(community.communityId) ?? [];
          await repo.setMembers(
            list.map((m) => ({ communityId: community.communityId, ...m, effectiveFrom })),
            'bench-city',
          );
          members += list.length;
          if (next % 500 === 0) c.log(`settlement: ${next} communities registered`);
        }
      };
      await Promise.all([register(), register(), register(), register()]);
      communities = c.topology.communities.length;
      registerSeconds = Math.round((Date.now() - t0) / 100) / 10;
      c.log(`settlement: ${communities} communities, ${members} members in ${registerSeconds} s`);

      const suffix = Date.now().toString(36);
      topics = {
        transactions: `${c.topics.readings}.settlement.transactions`,
        batches: `${c.topics.readings}.settlement.batches`,
      };
      admin = c.kafka.admin();
      await admin.connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
      });
      svc = new ServiceProcess(
        'settlement',
        await freePort(),
        {
          DATABASE_URL: c.databaseUrl,
          KAFKA_BROKERS: c.brokers,
          LOG_LEVEL: 'warn',
          OIDC_ISSUER_URL: benchOidcIssuer(),
          EVM_RPC_URL: rpcUrl,
          EVM_CHAIN_ID: String(cfg.evmChainId),
          SETTLEMENT_CONTRACT_ADDRESS: address,
          SETTLEMENT_SIGNER_KEY_FILE: keyFile,
          SETTLEMENT_RUN_MIGRATIONS: 'false',
          SETTLEMENT_CONSUMER_GROUP: `bench.city.settlement.${suffix}`,
          SETTLEMENT_READINGS_TOPIC: c.topics.readings,
          SETTLEMENT_TRANSACTIONS_TOPIC: topics.transactions,
          SETTLEMENT_BATCHES_TOPIC: topics.batches,
        },
        // BENCH_CITY_PROFILE_DIR: a V8 CPU profile of the settlement service, written when it stops
        process.env['BENCH_CITY_PROFILE_DIR']
          ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CITY_PROFILE_DIR']]
          : [],
        c.root,
      );
      c.services.set('settlement', svc);
      // healthy: database, Kafka, the chain and the readings consumer (joined its group)
      await svc.start(180_000);
    },
    async awaitQuarter(q: CityQuarter) {
      if (q.index === 0) return undefined;
      const c = ctx as CityContext;
      const interval = new Date(q.intervalStart.getTime() - QH);
      let row: { closed: number; batches: number; committed: number; txs: number; chain: number } | undefined;
      const done = await until(
        `every community's interval ${interval.toISOString()} settled on chain`,
        async () => {
          row = (
            await c.pool.query<{
              closed: number;
              batches: number;
              committed: number;
              txs: number;
              chain: number;
            }>(
              `SELECT (SELECT count(*)::int FROM settlement_interval WHERE interval_start = $1 AND state = 'closed') AS closed,
                      count(*)::int AS batches, count(*) FILTER (WHERE state = 'committed')::int AS committed,
                      coalesce(sum(transaction_count), 0)::int AS txs, count(DISTINCT tx_hash)::int AS chain
                 FROM settlement_batch WHERE interval_start = $1`,
              [interval],
            )
          ).rows[0];
          return row !== undefined && row.closed >= communities && row.committed === row.batches;
        },
        600_000,
        200,
      );
      const r = row as { batches: number; txs: number; chain: number };
      perQuarter.push({
        interval: interval.toISOString(),
        batches: r.batches,
        transactions: r.txs,
        chainTransactions: r.chain,
      });
      metrics = await (svc as ServiceProcess).metrics().catch(() => metrics);
      return done;
    },
    details: () => ({
      communities,
      members,
      registerSeconds,
      intervals: perQuarter,
      readingsByOutcome: Object.fromEntries(
        [
          ...metrics.matchAll(/^gridwerk_settlement_readings_total\{[^}]*outcome="([^"]+)"[^}]*\} (\S+)$/gm),
        ].map((m) => [m[1], Number(m[2])]),
      ),
      readingsSkippedByReason: Object.fromEntries(
        [
          ...metrics.matchAll(
            /^gridwerk_settlement_readings_skipped_total\{[^}]*reason="([^"]+)"[^}]*\} (\S+)$/gm,
          ),
        ].map((m) => [m[1], Number(m[2])]),
      ),
      gasUsed: metricSum(metrics, 'gridwerk_settlement_gas_used_total'),
      // where the service's time went over the whole run (wall seconds summed per phase)
      tickPhaseSeconds: phaseSums(metrics, 'gridwerk_settlement_tick_phase_seconds_sum'),
      intakePhaseSeconds: phaseSums(metrics, 'gridwerk_settlement_intake_phase_seconds_sum'),
    }),
    async teardown() {
      await svc?.stop().catch(() => undefined);
      if (topics) await admin?.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await admin?.disconnect().catch(() => undefined);
      if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
    },
  };
}
