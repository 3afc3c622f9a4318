import 'reflect-metadata';
import { kafkaMicroserviceOptions } from '@gridwerk/shared/data-access-kafka';
import { runService } from '@gridwerk/shared/feature-ops';
import { SimulatorAppModule } from './app.module';
import { loadSimulatorServiceConfig } from './config/simulator.config';

/** Simulator as a service (real or accelerated time, answers battery commands). The CLI is cli.ts. */
void runService({
  service: 'simulator',
  loadConfig: () => loadSimulatorServiceConfig(),
  module: (config) => SimulatorAppModule.forRoot(config),
  microservice: (config) => kafkaMicroserviceOptions(config.kafka, config.consumerGroup),
});
