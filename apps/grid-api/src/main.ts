import 'reflect-metadata';
import { runService } from '@gridwerk/shared/feature-ops';
import { GridApiAppModule } from './app.module';
import { loadGridApiConfig } from './config/grid-api.config';
import { configureGridApi } from './configure';

void runService({
  service: 'grid-api',
  loadConfig: () => loadGridApiConfig(),
  module: (config) => GridApiAppModule.forRoot(config),
  configure: (app, config) => configureGridApi(app, config),
});
