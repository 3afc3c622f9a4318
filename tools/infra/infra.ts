import { ensureDatabase } from '@gridwerk/shared/data-access-database';
import { loadInfraConfig, InfraConfig } from './infra-config';
import { brokerStatus, ensureTopics, Log, startBroker, StartResult, stopBroker } from './kafka-broker';
import { KeycloakStartResult, keycloakStatus, startKeycloak, stopKeycloak } from './keycloak';

export interface InfraUpOptions {
  /** Start Keycloak as well (default true; jest global-setup starts it only for projects that need it). */
  keycloak?: boolean;
}

/** `started` says whether the broker was started; `keycloak.started` likewise for Keycloak. */
export interface InfraUpResult extends StartResult {
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
 * Brings up what Gridwerk needs locally: the Kafka broker with all topics, the databases, and Keycloak
 * (started in parallel with the broker: both take a while on Java).
 */
export async function infraUp(
  log: Log,
  cfg: InfraConfig = loadInfraConfig(),
  opts: InfraUpOptions = {},
): Promise<InfraUpResult> {
  const [kafka, keycloak] = await Promise.allSettled([
    kafkaUp(log, cfg),
    opts.keycloak === false ? Promise.resolve(undefined) : startKeycloak(cfg, log),
  ]);
  if (kafka.status === 'rejected' || keycloak.status === 'rejected') {
    // leave nothing behind that this call started
    if (kafka.status === 'fulfilled' && kafka.value.started) await stopBroker(cfg, log);
    if (keycloak.status === 'fulfilled' && keycloak.value?.started) await stopKeycloak(cfg, log);
    throw kafka.status === 'rejected' ? kafka.reason : (keycloak as PromiseRejectedResult).reason;
  }
  return { ...kafka.value, ...(keycloak.value ? { keycloak: keycloak.value } : {}) };
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
  const [kafka, keycloak] = await Promise.all([
    !startedBy || startedBy.started ? stopBroker(cfg, log) : false,
    !startedBy || startedBy.keycloak?.started ? stopKeycloak(cfg, log) : false,
  ]);
  return kafka || keycloak;
}

export async function infraStatus(cfg: InfraConfig = loadInfraConfig()) {
  return {
    kafka: await brokerStatus(cfg),
    keycloak: await keycloakStatus(cfg),
    databaseUrl: cfg.databaseUrl.replace(/:[^:@/]*@/, ':***@'),
  };
}
