import 'reflect-metadata';
import { runService } from '@gridwerk/shared/feature-ops';
import { IngestAppModule } from './app.module';
import { loadIngestConfig } from './config/ingest.config';

void runService({
  service: 'ingest',
  loadConfig: () => loadIngestConfig(),
  module: (config) => IngestAppModule.forRoot(config),
});
