import { Admin, Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { brokerAddress, loadInfraConfig } from '../../infra/infra-config';
import { infraDown, infraUp } from '../../infra/infra';

export const benchLog = (m: string): void => {
  process.stderr.write(`[bench] ${m}\n`);
};

export interface BenchKafka {
  kafka: Kafka;
  client: KafkaConfig;
  admin: Admin;
  brokers: string;
  topics: { readings: string; telemetry: string };
}

/**
 * A benchmark's Kafka: the local broker (started here and stopped afterwards unless it already ran)
 * and two fresh topics of its own, deleted when `run` is done, so that no benchmark fills the
 * contract topics.
 */
export async function withBenchTopics<T>(
  name: string,
  partitions: { readings: number; telemetry: number },
  run: (k: BenchKafka) => Promise<T>,
): Promise<T> {
  const cfg = loadInfraConfig();
  const up = await infraUp(benchLog, cfg);
  const client: KafkaConfig = {
    clientId: `gridwerk-bench-${name}`,
    brokers: [brokerAddress(cfg)],
    logLevel: logLevel.NOTHING,
  };
  const kafka = new Kafka(client);
  const admin = kafka.admin();
  await admin.connect();
  const suffix = Date.now().toString(36);
  const topics = {
    readings: `bench.${name}.readings.${suffix}`,
    telemetry: `bench.${name}.telemetry.${suffix}`,
  };
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topics.readings, numPartitions: partitions.readings, replicationFactor: 1 },
        { topic: topics.telemetry, numPartitions: partitions.telemetry, replicationFactor: 1 },
      ],
    });
    return await run({ kafka, client, admin, brokers: brokerAddress(cfg), topics });
  } finally {
    await admin.deleteTopics({ topics: [topics.readings, topics.telemetry] }).catch(() => undefined);
    await admin.disconnect();
    if (up.started) await infraDown(benchLog, cfg);
  }
}
