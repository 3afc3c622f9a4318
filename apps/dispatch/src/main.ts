import 'reflect-metadata';
import { runService } from '@gridwerk/shared/feature-ops';
import { DispatchAppModule } from './app.module';
import { loadDispatchConfig } from './config/dispatch.config';

/** Battery dispatch: one MPC cycle per quarter hour under the leader lock, commands to Kafka. */
void runService({
  service: 'dispatch',
  loadConfig: () => loadDispatchConfig(),
  module: (config) => DispatchAppModule.forRoot(config),
});
