import { oidcConfigSpec, rateLimitConfigSpec } from '@gridwerk/shared/auth';
import { loadServiceConfig } from '@gridwerk/shared/feature-ops';
import { ledgerEvmConfigSpec } from '@gridwerk/settlement/ledger-evm';
import { Topics } from '@gridwerk/contracts';
import { cfg, type Env } from '@gridwerk/shared/util-config';

/**
 * settlement's own variables; HTTP, logging, Kafka and database come from the platform spec, OIDC and the
 * rate limit from `@gridwerk/shared/auth`, the chain (EVM_*, SETTLEMENT_CONTRACT_ADDRESS, the signer) from
 * `@gridwerk/settlement/ledger-evm`.
 */
export const settlementConfigSpec = {
  ...oidcConfigSpec,
  ...rateLimitConfigSpec,
  ...ledgerEvmConfigSpec,
  graceMs: cfg.int(
    'SETTLEMENT_GRACE_MS',
    'event-time grace after an interval ends before it closes (late readings inside it need no version 2)',
    { min: 0, max: 86_400_000, default: 600_000 },
  ),
  tickMs: cfg.int(
    'SETTLEMENT_TICK_MS',
    'how often the committer closes intervals, commits batches and relays the outbox',
    { min: 100, max: 600_000, default: 2_000 },
  ),
  settleConcurrency: cfg.int(
    'SETTLEMENT_SETTLE_CONCURRENCY',
    'transactions the committer settles intervals in at once, each closing a group of up to 100 (a city closes thousands per quarter hour)',
    { min: 1, max: 32, default: 4 },
  ),
  intakePartitions: cfg.int(
    'SETTLEMENT_INTAKE_PARTITIONS',
    "readings-topic partitions the intake consumes at once (each chunk in its own transaction; a city's quarter-hour burst is 350,000 readings)",
    { min: 1, max: 64, default: 1 },
  ),
  consumerGroup: cfg.string(
    'SETTLEMENT_CONSUMER_GROUP',
    'Kafka consumer group of the readings intake',
    'gridwerk-settlement',
  ),
  readingsTopic: cfg.string('SETTLEMENT_READINGS_TOPIC', 'topic of meter readings', Topics.meterReadings),
  transactionsTopic: cfg.string(
    'SETTLEMENT_TRANSACTIONS_TOPIC',
    'topic the microtransactions are published on (billing)',
    Topics.settlementTransactions,
  ),
  batchesTopic: cfg.string(
    'SETTLEMENT_BATCHES_TOPIC',
    'topic the committed batches are published on (billing, grid-api)',
    Topics.settlementBatches,
  ),
  runMigrations: cfg.bool('SETTLEMENT_RUN_MIGRATIONS', 'apply the settlement migrations at start-up', true),
};

export const loadSettlementConfig = (env?: Env) =>
  loadServiceConfig('settlement', 3003, settlementConfigSpec, env);
export type SettlementConfig = ReturnType<typeof loadSettlementConfig>;
