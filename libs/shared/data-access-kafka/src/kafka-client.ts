import { Kafka, logLevel, LogEntry } from 'kafkajs';
import { kafkaClientConfig, KafkaSettings } from './kafka.config';

/** Where kafkajs log lines go: Nest's logger in an app, a JSON logger elsewhere (e.g. a worker thread). */
export interface KafkaLogSink {
  warn(message: string): void;
  error(message: string): void;
}

/** kafkajs logs warnings and errors only, through the given sink (Nest's logger, JSON in production). */
function kafkaLogCreator(sink: KafkaLogSink) {
  return () =>
    ({ level, log: entry }: LogEntry): void => {
      const { message, ...extra } = entry;
      // A note kafkajs prints for every idempotent producer with bounded retries: by design here.
      if (message.startsWith('[Producer] Limiting retries')) return;
      const line = `${message} ${JSON.stringify(extra)}`;
      // kafkajs reports a heartbeat answered "group is rebalancing" as an error; it is the normal way a
      // member learns of a rebalance (another member joined or left), so it is logged as a warning.
      if (level <= logLevel.ERROR && !line.includes('The group is rebalancing')) sink.error(line);
      else sink.warn(line);
    };
}

/**
 * A kafkajs client for these settings. Free of NestJS (like the producer and the dead-letter
 * publisher beside it), so that a worker thread loads only kafkajs.
 */
export function createKafkaClient(settings: KafkaSettings, logSink: KafkaLogSink): Kafka {
  return new Kafka({
    ...kafkaClientConfig(settings),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logSink),
  });
}
