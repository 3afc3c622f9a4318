import { DynamicModule, Module } from '@nestjs/common';
import { INGEST_MIGRATIONS } from '@gridwerk/ingest/data-access';
import { PlatformModule } from '@gridwerk/shared/feature-ops';
import type { IngestConfig } from './config/ingest.config';
import { IngestService } from './ingest.service';
import { INGEST_CONFIG } from './ingest.tokens';

@Module({})
export class IngestAppModule {
  static forRoot(config: IngestConfig): DynamicModule {
    return {
      module: IngestAppModule,
      imports: [PlatformModule.forRoot(config, { migrations: INGEST_MIGRATIONS })],
      providers: [{ provide: INGEST_CONFIG, useValue: config }, IngestService],
    };
  }
}
