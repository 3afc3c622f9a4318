import { ensureDatabase } from '@gridwerk/shared/data-access-database';
import { loadInfraConfig, InfraConfig } from './infra-config';
import { brokerStatus, ensureTopics, Log, startBroker, StartResult, stopBroker } from './kafka-broker';
import { EvmNodeStartResult, evmNodeStatus, startEvmNode, stopEvmNode } from './evm-node';
import { KeycloakStartResult, keycloakStatus, startKeycloak, stopKeycloak } from './keycloak';

export interface InfraUpOptions {
  /** Start Keycloak as well (default true; jest global-setup starts it only for projects that need it). */
  keycloak?: boolean;
}

/**
 * `started` says whether the broker was started; `evmNode.started` and `keycloak.started` likewise for
 * the EVM node and Keycloak.
 */
export interface InfraUpResult extends StartResult {
  evmNode: EvmNodeStartResult;
  keycloak?: KeycloakStartResult;
}

async function kafkaUp(log: Log, cfg: InfraConfig): Promise<StartResult> {
  const result = await startBroker(cfg, log);
  await ensureTopics(cfg, log);
  for (const url of [cfg.databaseUrl, cfg.testDatabaseUrl]) {
    if (await ensureDatabase(url)) log(`created database ${new URL(url).pathname.slice(1)}`);
  }
  return result;
}

/**
 * Brings up what Gridwerk needs locally: the Kafka broker with all topics, the databases, the EVM node
 * and Keycloak (started in parallel: the broker and Keycloak both take a while on Java).
 */
export async function infraUp(
  log: Log,
  cfg: InfraConfig = loadInfraConfig(),
  opts: InfraUpOptions = {},
): Promise<InfraUpResult> {
  const [kafka, evmNode, keycloak] = await Promise.allSettled([
    kafkaUp(log, cfg),
    startEvmNode(cfg, log),
    opts.keycloak === false ? Promise.resolve(undefined) : startKeycloak(cfg, log),
  ]);
  if (kafka.status === 'rejected' || evmNode.status === 'rejected' || keycloak.status === 'rejected') {
    // leave nothing behind that this call started
    if (kafka.status === 'fulfilled' && kafka.value.started) await stopBroker(cfg, log);
    if (evmNode.status === 'fulfilled' && evmNode.value.started) await stopEvmNode(cfg, log);
    if (keycloak.status === 'fulfilled' && keycloak.value?.started) await stopKeycloak(cfg, log);
    const failed = [kafka, evmNode, keycloak].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    throw failed.reason;
  }
  return {
    ...kafka.value,
    evmNode: evmNode.value,
    ...(keycloak.value ? { keycloak: keycloak.value } : {}),
  };
}

/**
 * Stops what `infraUp` started: given its result, only the parts it started itself; without one,
 * everything this tool runs. True when something was stopped.
 */
export async function infraDown(
  log: Log,
  cfg: InfraConfig = loadInfraConfig(),
  startedBy?: InfraUpResult,
): Promise<boolean> {
  const [kafka, evm, keycloak] = await Promise.all([
    !startedBy || startedBy.started ? stopBroker(cfg, log) : false,
    !startedBy || startedBy.evmNode.started ? stopEvmNode(cfg, log) : false,
    !startedBy || startedBy.keycloak?.started ? stopKeycloak(cfg, log) : false,
  ]);
  return kafka || evm || keycloak;
}

export async function infraStatus(cfg: InfraConfig = loadInfraConfig()) {
  return {
    kafka: await brokerStatus(cfg),
    evmNode: await evmNodeStatus(cfg),
    keycloak: await keycloakStatus(cfg),
    databaseUrl: cfg.databaseUrl.replace(/:[^:@/]*@/, ':***@'),
  };
}
