import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Admin, CompressionTypes, Kafka, logLevel, LogEntry, Message, Partitioners, Producer } from 'kafkajs';
import { Topics, topicSpec } from '@gridwerk/contracts';
import {
  buildDeadLetter,
  DEAD_LETTER_RECORD_OVERHEAD_BYTES,
  DeadLetterReason,
  FailedMessage,
} from './dead-letter';
import { kafkaClientConfig, KafkaSettings } from './kafka.config';

export const KAFKA_SETTINGS = Symbol('KAFKA_SETTINGS');
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
/** Optional override of the dead-letter topic's max.message.bytes (default: TOPIC_SPECS). */
export const DEAD_LETTER_MAX_BYTES = Symbol('DEAD_LETTER_MAX_BYTES');

/** An idempotent producer that connects with the app and flushes and disconnects on shutdown. */
@Injectable()
export class KafkaProducer implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(KafkaProducer.name);
  readonly producer: Producer;

  constructor(@Inject(KAFKA_CLIENT) kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.producer.connect();
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    await this.producer.send({ topic, messages, acks: -1, compression: CompressionTypes.None });
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.producer.disconnect();
    this.log.log(`Kafka producer disconnected${signal ? ` (${signal})` : ''}`);
  }
}

/** kafkajs' error for a record (batch) above the topic's max.message.bytes. */
function isMessageTooLarge(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'type' in err && err.type === 'MESSAGE_TOO_LARGE';
}

/** Smallest limit a dead letter is cut down to when the broker refuses even a letter built to fit. */
const DEAD_LETTER_FALLBACK_BYTES = 16 * 1024;

/**
 * Publishes dead letters to grid.dlq.v1 (see buildDeadLetter for the format). Letters are built to fit
 * the topic's max.message.bytes (TOPIC_SPECS, or `maxMessageBytes`), sent in produce requests that each
 * stay under it, and a letter the broker still refuses as too large is cut down to position, reason and
 * hash: a dead letter never blocks its consumer.
 */
@Injectable()
export class DeadLetterPublisher {
  private readonly maxBytes: number;

  constructor(
    private readonly producer: KafkaProducer,
    @Inject(KAFKA_SETTINGS) private readonly settings: KafkaSettings,
    @Optional() @Inject(DEAD_LETTER_MAX_BYTES) maxMessageBytes?: number,
  ) {
    this.maxBytes = maxMessageBytes ?? topicSpec(Topics.deadLetters).maxMessageBytes ?? 1_048_576;
  }

  async publish(msg: FailedMessage, consumerGroup: string, reason: DeadLetterReason): Promise<void> {
    await this.publishAll(consumerGroup, [{ msg, reason }]);
  }

  /** As few produce requests as the size limit allows for many dead letters; returns how many were truncated. */
  async publishAll(
    consumerGroup: string,
    items: readonly { msg: FailedMessage; reason: DeadLetterReason }[],
  ): Promise<{ truncated: number }> {
    if (items.length === 0) return { truncated: 0 };
    const source = `/gridwerk/${this.settings.clientId}`;
    const now = new Date();
    const letters = items.map((i) => ({
      item: i,
      dl: buildDeadLetter(i.msg, consumerGroup, i.reason, source, now, this.maxBytes),
    }));
    let truncated = letters.filter((l) => l.dl.truncated).length;
    const budget = this.maxBytes - DEAD_LETTER_RECORD_OVERHEAD_BYTES;
    let chunk: typeof letters = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const sending = chunk;
      chunk = [];
      size = 0;
      try {
        await this.producer.send(
          Topics.deadLetters,
          sending.map((l) => ({ key: l.dl.key, value: l.dl.value })),
        );
      } catch (err) {
        if (!isMessageTooLarge(err)) throw err;
        // the broker's limit is smaller than the spec says: one by one, each cut down if need be
        for (const l of sending) {
          try {
            await this.producer.send(Topics.deadLetters, [{ key: l.dl.key, value: l.dl.value }]);
          } catch (one) {
            if (!isMessageTooLarge(one)) throw one;
            const small = buildDeadLetter(
              l.item.msg,
              consumerGroup,
              l.item.reason,
              source,
              now,
              DEAD_LETTER_FALLBACK_BYTES,
            );
            if (!l.dl.truncated) truncated += 1;
            await this.producer.send(Topics.deadLetters, [{ key: small.key, value: small.value }]);
          }
        }
      }
    };
    for (const l of letters) {
      const bytes = Buffer.byteLength(l.dl.value) + (l.dl.key?.length ?? 0) + 64;
      if (size + bytes > budget) await flush();
      chunk.push(l);
      size += bytes;
    }
    await flush();
    return { truncated };
  }
}

/** Health: the broker answers a metadata request within the timeout. */
@Injectable()
export class KafkaHealthIndicator implements OnApplicationShutdown {
  private admin: Admin | undefined;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly health: HealthIndicatorService,
  ) {}

  async isHealthy(key = 'kafka', timeoutMs = 3_000) {
    const check = this.health.check(key);
    try {
      this.admin ??= this.kafka.admin();
      const admin = this.admin;
      let timer: NodeJS.Timeout | undefined;
      const cluster = await Promise.race([
        admin.connect().then(() => admin.describeCluster()),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      return check.up({ brokers: cluster.brokers.length });
    } catch (err) {
      const admin = this.admin;
      this.admin = undefined;
      await admin?.disconnect().catch(() => undefined);
      return check.down({ message: err instanceof Error ? err.message : String(err) });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect();
  }
}

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

export function createKafkaClient(
  settings: KafkaSettings,
  logSink: KafkaLogSink = new Logger('kafkajs'),
): Kafka {
  return new Kafka({
    ...kafkaClientConfig(settings),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logSink),
  });
}

@Module({})
export class KafkaModule {
  static forRoot(settings: KafkaSettings): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [
        { provide: KAFKA_SETTINGS, useValue: settings },
        { provide: KAFKA_CLIENT, useFactory: () => createKafkaClient(settings) },
        HealthIndicatorService,
        KafkaProducer,
        DeadLetterPublisher,
        KafkaHealthIndicator,
      ],
      exports: [KAFKA_SETTINGS, KAFKA_CLIENT, KafkaProducer, DeadLetterPublisher, KafkaHealthIndicator],
    };
  }
}
