import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@gridwerk/shared/feature-ops';
import type { GridApiConfig } from './config/grid-api.config';

@Module({})
export class GridApiAppModule {
  static forRoot(config: GridApiConfig): DynamicModule {
    return { module: GridApiAppModule, imports: [PlatformModule.forRoot(config)] };
  }
}
