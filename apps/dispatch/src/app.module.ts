import { DynamicModule, Module } from '@nestjs/common';
import {
  CsvFilePriceSource,
  DISPATCH_MIGRATIONS,
  HttpCsvPriceSource,
  NoPriceSource,
  PriceSource,
  SyntheticPriceSource,
} from '@gridwerk/dispatch/data-access';
import { AcceleratedClock, Clock, DispatchModule, DispatchServiceOptions } from '@gridwerk/dispatch/feature';
import { parseSimulatedClock } from '@gridwerk/shared/util-calendar';
import { PlatformModule } from '@gridwerk/shared/feature-ops';
import { DispatchConfig, plannerSettingsOf } from './config/dispatch.config';

/** The price source port's adapter chosen by config. */
function priceSourceOf(c: DispatchConfig): PriceSource {
  switch (c.priceSource) {
    case 'csv-file':
      return new CsvFilePriceSource(c.priceCsvFile ?? '');
    case 'http-csv':
      return new HttpCsvPriceSource(c.priceUrl ?? '');
    case 'synthetic':
      return new SyntheticPriceSource();
    case 'none':
      return new NoPriceSource();
  }
}

/** The wall clock, or the simulated clock DISPATCH_SIMULATED_CLOCK names (the demo's accelerated live part). */
export function clockOf(c: DispatchConfig): Clock | undefined {
  return c.simulatedClock === undefined
    ? undefined
    : new AcceleratedClock(parseSimulatedClock(c.simulatedClock));
}

export function dispatchServiceOptions(
  c: DispatchConfig,
  clock: Clock | undefined = clockOf(c),
): DispatchServiceOptions {
  return {
    service: c.service,
    logLevel: c.logLevel,
    databaseUrl: c.databaseUrl,
    planner: plannerSettingsOf(c),
    cycleMinutes: c.cycleMinutes,
    cycleDelayMs: c.cycleDelaySeconds * 1000,
    priceSource: priceSourceOf(c),
    topics: {
      telemetry: c.telemetryTopic,
      forecasts: c.forecastsTopic,
      commands: c.commandsTopic,
      commandsV2: c.commandsV2Topic,
    },
    consumerGroup: c.consumerGroup,
    leaderLockKey: BigInt(c.leaderLockKey),
    leaderRetryMs: c.leaderRetrySeconds * 1000,
    runMigrations: c.runMigrations,
    solverWorkers: c.solverWorkers,
    ...(c.solveTimeoutSeconds > 0 ? { solveTimeoutMs: c.solveTimeoutSeconds * 1000 } : {}),
    ...(clock ? { clock } : {}),
  };
}

/** dispatch: platform (health, metrics, Kafka, database with dispatch's migrations) and the MPC loop. */
@Module({})
export class DispatchAppModule {
  static forRoot(config: DispatchConfig): DynamicModule {
    return {
      module: DispatchAppModule,
      imports: [
        PlatformModule.forRoot(config, { migrations: DISPATCH_MIGRATIONS }),
        DispatchModule.forRoot(dispatchServiceOptions(config)),
      ],
    };
  }
}
