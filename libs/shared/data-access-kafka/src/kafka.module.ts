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
import { Admin, Kafka } from 'kafkajs';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { IdempotentProducer } from './idempotent-producer';
import { createKafkaClient } from './kafka-client';
import type { KafkaSettings } from './kafka.config';

export const KAFKA_SETTINGS = Symbol('KAFKA_SETTINGS');
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
/** Optional override of the dead-letter topic's max.message.bytes (default: TOPIC_SPECS). */
export const DEAD_LETTER_MAX_BYTES = Symbol('DEAD_LETTER_MAX_BYTES');

/** The idempotent producer of a Nest app: connects with the app, flushes and disconnects on shutdown. */
@Injectable()
export class KafkaProducer extends IdempotentProducer implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(KafkaProducer.name);

  constructor(@Inject(KAFKA_CLIENT) kafka: Kafka) {
    super(kafka);
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.disconnect();
    this.log.log(`Kafka producer disconnected${signal ? ` (${signal})` : ''}`);
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

@Module({})
export class KafkaModule {
  static forRoot(settings: KafkaSettings): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [
        { provide: KAFKA_SETTINGS, useValue: settings },
        { provide: KAFKA_CLIENT, useFactory: () => createKafkaClient(settings, new Logger('kafkajs')) },
        HealthIndicatorService,
        KafkaProducer,
        {
          provide: DeadLetterPublisher,
          useFactory: (producer: KafkaProducer, s: KafkaSettings, maxBytes?: number) =>
            new DeadLetterPublisher(producer, s, maxBytes),
          inject: [KafkaProducer, KAFKA_SETTINGS, { token: DEAD_LETTER_MAX_BYTES, optional: true }],
        },
        KafkaHealthIndicator,
      ],
      exports: [KAFKA_SETTINGS, KAFKA_CLIENT, KafkaProducer, DeadLetterPublisher, KafkaHealthIndicator],
    };
  }
}
