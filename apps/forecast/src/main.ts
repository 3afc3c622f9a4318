import 'reflect-metadata';
import { runService } from '@gridwerk/shared/feature-ops';
import { ForecastAppModule } from './app.module';
import { loadForecastConfig } from './config/forecast.config';

void runService({
  service: 'forecast',
  loadConfig: () => loadForecastConfig(),
  module: (config) => ForecastAppModule.forRoot(config),
});
