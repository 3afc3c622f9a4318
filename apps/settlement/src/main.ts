import 'reflect-metadata';
import { runService } from '@gridwerk/shared/feature-ops';
import { SettlementAppModule } from './app.module';
import { loadSettlementConfig } from './config/settlement.config';

void runService({
  service: 'settlement',
  loadConfig: () => loadSettlementConfig(),
  module: (config) => SettlementAppModule.forRoot(config),
});
