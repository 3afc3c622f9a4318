import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Admin, CompressionTypes, Kafka, logLevel, LogEntry, Message, Partitioners, Producer } from 'kafkajs';
import { buildDeadLetter, DeadLetterReason, FailedMessage } from './dead-letter';
import { kafkaClientConfig, KafkaSettings } from './kafka.config';

export const KAFKA_SETTINGS = Symbol('KAFKA_SETTINGS');
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');

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

/** Publishes dead letters to grid.dlq.v1 (see buildDeadLetter for the format). */
@Injectable()
export class DeadLetterPublisher {
  constructor(
    private readonly producer: KafkaProducer,
    @Inject(KAFKA_SETTINGS) private readonly settings: KafkaSettings,
  ) {}

  async publish(msg: FailedMessage, consumerGroup: string, reason: DeadLetterReason): Promise<void> {
    await this.publishAll(consumerGroup, [{ msg, reason }]);
  }

  /** One produce request for many dead letters (a batch with many bad events stays fast). */
  async publishAll(
    consumerGroup: string,
    items: readonly { msg: FailedMessage; reason: DeadLetterReason }[],
  ): Promise<void> {
    if (items.length === 0) return;
    const letters = items.map((i) =>
      buildDeadLetter(i.msg, consumerGroup, i.reason, `/gridwerk/${this.settings.clientId}`),
    );
    await this.producer.send(
      letters[0]?.topic ?? '',
      letters.map((dl) => ({ key: dl.key, value: dl.value })),
    );
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
