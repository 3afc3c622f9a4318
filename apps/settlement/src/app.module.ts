import { DynamicModule, Module } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { CommunitiesHttpController, SETTLEMENT_POOL_REPOS } from '@gridwerk/settlement/feature';
import { AuthModule } from '@gridwerk/shared/auth';
import { PlatformModule, RequestShapePipe } from '@gridwerk/shared/feature-ops';
import type { SettlementConfig } from './config/settlement.config';
import { SETTLEMENT_CONFIG, SettlementService } from './settlement.service';

/**
 * settlement: platform (health, metrics, Kafka, database), OIDC authentication with roles for every
 * route but health and metrics, the communities/batches/proofs API and the settlement runtime.
 */
@Module({})
export class SettlementAppModule {
  static forRoot(config: SettlementConfig): DynamicModule {
    return {
      module: SettlementAppModule,
      imports: [PlatformModule.forRoot(config), AuthModule.forRoot(config)],
      controllers: [CommunitiesHttpController],
      providers: [
        { provide: SETTLEMENT_CONFIG, useValue: config },
        SettlementService,
        {
          provide: SETTLEMENT_POOL_REPOS,
          useFactory: (s: SettlementService) => s.repos,
          inject: [SettlementService],
        },
        { provide: APP_PIPE, useClass: RequestShapePipe },
      ],
    };
  }
}
