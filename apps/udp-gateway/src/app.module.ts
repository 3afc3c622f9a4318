import {
  DynamicModule,
  Inject,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import { HealthRegistry, MetricsService, OpsModule } from '@gridwerk/shared/feature-ops';
import { createLogger, JsonLogger } from '@gridwerk/shared/util-logging';
import {
  GatewayRuntime,
  MqttObservationPublisher,
  pendingObservations,
  UDP_MIGRATIONS,
} from '@gridwerk/udp/data-access';
import type { UdpGatewayConfig } from './config/udp-gateway.config';
import { ClientRateLimiter, publicApiMiddleware } from './public-api.middleware';
import { SensorThingsHttpController } from './sensorthings.http.controller';
import { UDP_CONFIG, UDP_LOGGER } from './tokens';

/** Wires the runtime: pool with a statement timeout, MQTT publisher, health checks, metrics. */
class GatewayLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly config: UdpGatewayConfig,
    private readonly pool: Pool,
    private readonly publisher: MqttObservationPublisher,
    private readonly runtime: GatewayRuntime,
    private readonly health: HealthRegistry,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.runMigrations) {
      const ds = new DataSource(
        postgresDataSourceOptions({
          url: this.config.databaseUrl,
          applicationName: 'gridwerk-udp-gateway-migrate',
          migrations: UDP_MIGRATIONS,
          poolMax: 1,
        }),
      );
      await ds.initialize();
      try {
        // one connection (poolMax 1): replicas starting together migrate one after the other
        await ds.query('SELECT pg_advisory_lock(74711422)');
        await ds.runMigrations({ transaction: 'each' });
      } finally {
        await ds.destroy();
      }
    }
    this.health.register({
      key: 'database',
      check: async () => {
        try {
          await this.pool.query('SELECT 1');
          return { ok: true };
        } catch (err) {
          return { ok: false, detail: err instanceof Error ? err.message : String(err) };
        }
      },
    });
    this.health.register({
      key: 'mqtt',
      check: () =>
        this.publisher.connected ? { ok: true } : { ok: false, detail: 'MQTT broker not connected' },
    });
    this.health.register({
      key: 'live',
      check: async () => {
        const pending = await pendingObservations(this.pool);
        return this.runtime.lastLoopError === undefined
          ? { ok: true, detail: `${pending} observations waiting for the broker` }
          : { ok: false, detail: this.runtime.lastLoopError };
      },
    });
    await this.runtime.start();
    this.logger.info('udp-gateway catalogue loaded', {
      things: this.runtime.catalog().sets.Things.size,
      datastreams: this.runtime.catalog().datastreams.size,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.runtime.stop();
    await this.publisher.close();
    await this.pool.end();
  }
}

@Module({})
export class UdpGatewayAppModule implements NestModule {
  constructor(@Inject(UDP_CONFIG) private readonly config: UdpGatewayConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(
        publicApiMiddleware(
          new ClientRateLimiter(this.config.rateLimitPerMinute, this.config.rateLimitBurst),
        ),
      )
      .forRoutes('*');
  }

  static forRoot(config: UdpGatewayConfig): DynamicModule {
    return {
      module: UdpGatewayAppModule,
      imports: [OpsModule.forRoot({ service: config.service, checks: { kafka: false, database: false } })],
      controllers: [SensorThingsHttpController],
      providers: [
        { provide: UDP_CONFIG, useValue: config },
        { provide: UDP_LOGGER, useValue: createLogger(config.service, config.logLevel) },
        {
          provide: Pool,
          useFactory: () =>
            new Pool({
              connectionString: config.databaseUrl,
              max: config.databasePoolMax,
              statement_timeout: config.statementTimeoutMs,
              application_name: 'gridwerk-udp-gateway',
              connectionTimeoutMillis: 5_000,
            }),
        },
        {
          provide: MqttObservationPublisher,
          useFactory: () =>
            new MqttObservationPublisher({
              url: config.mqttUrl,
              clientId: config.mqttClientId,
              ...(config.mqttUsername !== undefined ? { username: config.mqttUsername } : {}),
              ...(config.mqttPassword !== undefined ? { password: config.mqttPassword } : {}),
            }),
        },
        {
          provide: GatewayRuntime,
          inject: [Pool, MqttObservationPublisher, MetricsService, UDP_LOGGER],
          useFactory: (
            pool: Pool,
            publisher: MqttObservationPublisher,
            metrics: MetricsService,
            logger: JsonLogger,
          ) => {
            const published = metrics.counter(
              'udp_observations_published_total',
              'observations published over MQTT',
            );
            const delay = metrics.histogram(
              'udp_live_delay_seconds',
              'from the observation entering the outbox to the broker acknowledging it',
              [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
            );
            return new GatewayRuntime(
              pool,
              publisher,
              {
                k: config.kAnonymity,
                sta: {
                  baseUrl: config.publicBaseUrl,
                  defaultTop: config.defaultTop,
                  maxTop: config.maxTop,
                  maxExpandDepth: config.maxExpandDepth,
                  maxScanRows: config.maxScanRows,
                  mqttEndpoints: [config.mqttPublicUrl],
                },
                pollMs: config.pollMs,
                lookbackMs: config.lookbackMinutes * 60_000,
                catalogRefreshMs: config.catalogRefreshSeconds * 1000,
                relayBatchSize: 1000,
                topicPrefix: config.mqttTopicPrefix,
                listenUrl: config.databaseUrl,
              },
              {
                onError: (what, err) =>
                  logger.warn(`udp-gateway ${what} failed`, {
                    error: err instanceof Error ? err.message : String(err),
                  }),
                onPublished: (n, delays) => {
                  published.inc(n);
                  for (const d of delays) delay.observe(d / 1000);
                },
              },
            );
          },
        },
        {
          provide: GatewayLifecycle,
          inject: [UDP_CONFIG, Pool, MqttObservationPublisher, GatewayRuntime, HealthRegistry, UDP_LOGGER],
          useFactory: (
            c: UdpGatewayConfig,
            pool: Pool,
            publisher: MqttObservationPublisher,
            runtime: GatewayRuntime,
            health: HealthRegistry,
            logger: JsonLogger,
          ) => new GatewayLifecycle(c, pool, publisher, runtime, health, logger),
        },
      ],
    };
  }
}
