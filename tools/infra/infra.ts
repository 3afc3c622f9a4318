import { ensureDatabase } from '@gridwerk/shared/data-access-database';
import { loadInfraConfig, InfraConfig } from './infra-config';
import { brokerStatus, ensureTopics, Log, startBroker, StartResult, stopBroker } from './kafka-broker';

/** Brings up what Gridwerk needs locally: the Kafka broker with all topics, and the databases. */
export async function infraUp(log: Log, cfg: InfraConfig = loadInfraConfig()): Promise<StartResult> {
  const result = await startBroker(cfg, log);
  await ensureTopics(cfg, log);
  for (const url of [cfg.databaseUrl, cfg.testDatabaseUrl]) {
    if (await ensureDatabase(url)) log(`created database ${new URL(url).pathname.slice(1)}`);
  }
  return result;
}

export async function infraDown(log: Log, cfg: InfraConfig = loadInfraConfig()): Promise<boolean> {
  return stopBroker(cfg, log);
}

export async function infraStatus(cfg: InfraConfig = loadInfraConfig()) {
  return { kafka: await brokerStatus(cfg), databaseUrl: cfg.databaseUrl.replace(/:[^:@/]*@/, ':***@') };
}
