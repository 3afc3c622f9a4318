import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { databaseConfigSpec, postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import {
  kafkaConfigSpec,
  KafkaModule,
  KafkaSettings,
  kafkaSettingsFrom,
} from '@gridwerk/shared/data-access-kafka';
import {
  ConfigError,
  ConfigOf,
  ConfigSpec,
  Env,
  loadConfig,
  serviceConfigSpec,
} from '@gridwerk/shared/util-config';
import { OpsModule } from './ops.module';

/** HTTP, logging, Kafka and database fields: what every Gridwerk service is configured with. */
export function platformConfigSpec(defaultHttpPort: number) {
  return { ...serviceConfigSpec(defaultHttpPort), ...kafkaConfigSpec, ...databaseConfigSpec };
}

type PlatformSpec = ReturnType<typeof platformConfigSpec>;
export type PlatformConfig = ConfigOf<PlatformSpec> & { service: string; kafka: KafkaSettings };

/** Loads and validates a service's config: the platform fields plus its own. */
export function loadServiceConfig<S extends ConfigSpec>(
  service: string,
  defaultHttpPort: number,
  own: S,
  env?: Env,
): PlatformConfig & ConfigOf<S> {
  const spec = { ...platformConfigSpec(defaultHttpPort), ...own };
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  const c = attempt(() => loadConfig(service, spec, env) as ConfigOf<PlatformSpec> & ConfigOf<S>);
  // Combinations (SASL user + password, host:port brokers) are checked even when other fields are bad,
  // so that one start-up reports every problem.
  const k = attempt(() => loadConfig(service, kafkaConfigSpec, env));
  const kafka = k ? attempt(() => kafkaSettingsFrom(service, k)) : undefined;
  if (!c || !kafka || problems.length > 0) throw new ConfigError(service, [...new Set(problems)]);
  return { ...c, service, kafka };
}

/** Ops (health, metrics), Kafka and the service's database, wired from its config. */
@Module({})
export class PlatformModule {
  static forRoot(
    config: PlatformConfig,
    db: { migrations?: DataSourceOptions['migrations']; entities?: DataSourceOptions['entities'] } = {},
  ): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        OpsModule.forRoot({ service: config.service, checks: { kafka: true, database: true } }),
        KafkaModule.forRoot(config.kafka),
        TypeOrmModule.forRoot(
          postgresDataSourceOptions({
            url: config.databaseUrl,
            poolMax: config.databasePoolMax,
            applicationName: `gridwerk-${config.service}`,
            ...db,
          }),
        ),
      ],
      exports: [OpsModule, KafkaModule, TypeOrmModule],
    };
  }
}
