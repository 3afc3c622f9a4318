import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@gridwerk/shared/feature-ops';
import type { SettlementConfig } from './config/settlement.config';

@Module({})
export class SettlementAppModule {
  static forRoot(config: SettlementConfig): DynamicModule {
    return { module: SettlementAppModule, imports: [PlatformModule.forRoot(config)] };
  }
}
