import { ensureDatabase } from '@gridwerk/shared/data-access-database';
import { loadInfraConfig, InfraConfig } from './infra-config';
import { brokerStatus, ensureTopics, Log, startBroker, StartResult, stopBroker } from './kafka-broker';
import { EvmNodeStartResult, evmNodeStatus, startEvmNode, stopEvmNode } from './evm-node';

/** `started` says whether the broker was started; `evmNode.started` likewise for the EVM node. */
export interface InfraUpResult extends StartResult {
  evmNode: EvmNodeStartResult;
}

/** Brings up what Gridwerk needs locally: the Kafka broker with all topics, the databases, the EVM node. */
export async function infraUp(log: Log, cfg: InfraConfig = loadInfraConfig()): Promise<InfraUpResult> {
  const result = await startBroker(cfg, log);
  await ensureTopics(cfg, log);
  for (const url of [cfg.databaseUrl, cfg.testDatabaseUrl]) {
    if (await ensureDatabase(url)) log(`created database ${new URL(url).pathname.slice(1)}`);
  }
  const evmNode = await startEvmNode(cfg, log);
  return { ...result, evmNode };
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
  const evm = !startedBy || startedBy.evmNode.started ? await stopEvmNode(cfg, log) : false;
  const kafka = !startedBy || startedBy.started ? await stopBroker(cfg, log) : false;
  return kafka || evm;
}

export async function infraStatus(cfg: InfraConfig = loadInfraConfig()) {
  return {
    kafka: await brokerStatus(cfg),
    evmNode: await evmNodeStatus(cfg),
    databaseUrl: cfg.databaseUrl.replace(/:[^:@/]*@/, ':***@'),
  };
}
