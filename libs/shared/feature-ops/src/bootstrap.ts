import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { ConfigError } from '@gridwerk/shared/util-config';
import { createLogger, JsonLogger, LogLevel, NestJsonLogger } from '@gridwerk/shared/util-logging';

/** What runService needs of an app's config (serviceConfigSpec); httpHost defaults to this host only. */
export interface ServiceBaseConfig {
  httpPort: number;
  httpHost?: string;
  logLevel: LogLevel;
}

export interface ServiceDefinition<C extends ServiceBaseConfig> {
  service: string;
  loadConfig: () => C;
  module: (config: C) => DynamicModule;
  /** A Kafka (or other) transport served by the same process, e.g. a consumer group. */
  microservice?: (config: C) => MicroserviceOptions;
  /** App-level set-up before listening (e.g. building the OpenAPI document), after the module is created. */
  configure?: (app: INestApplication, config: C) => void | Promise<void>;
}

/**
 * Creates a Nest HTTP app with JSON logs and graceful shutdown (SIGTERM/SIGINT run the shutdown
 * hooks: consumers stop, producers flush, pools close).
 */
export async function createServiceApp(module: DynamicModule, logger: JsonLogger): Promise<INestApplication> {
  const app = await NestFactory.create(module, {
    logger: new NestJsonLogger(logger.child({ context: 'nest' })),
  });
  app.enableShutdownHooks();
  return app;
}

/** The whole main.ts of a service: validated config, logger, app, optional transport, listen. */
export async function runService<C extends ServiceBaseConfig>(
  def: ServiceDefinition<C>,
): Promise<INestApplication> {
  let config: C;
  try {
    config = def.loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG: the scheduler should not restart-loop on a bad config
    }
    throw err;
  }
  const logger = createLogger(def.service, config.logLevel);
  try {
    const app = await createServiceApp(def.module(config), logger);
    await def.configure?.(app, config);
    if (def.microservice) {
      app.connectMicroservice(def.microservice(config), { inheritAppConfig: true });
      await app.startAllMicroservices();
    }
    const host = config.httpHost ?? '127.0.0.1';
    await app.listen(config.httpPort, host);
    logger.info(`${def.service} started`, { httpHost: host, httpPort: config.httpPort });
    return app;
  } catch (err) {
    logger.fatal(`${def.service} failed to start`, {
      error: err instanceof Error ? { message: err.message, stack: err.stack } : String(err),
    });
    process.exit(1);
  }
}
