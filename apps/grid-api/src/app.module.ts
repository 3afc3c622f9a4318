import { DynamicModule, Module } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { ControlRoomModule } from '@gridwerk/grid/feature-control-room';
import { AuthModule } from '@gridwerk/shared/auth';
import { PlatformModule, RequestShapePipe } from '@gridwerk/shared/feature-ops';
import type { GridApiConfig } from './config/grid-api.config';
import { DashboardStaticModule } from './dashboard/dashboard-static.module';
import { MeHttpController } from './me.http.controller';
import { OpenApiDocumentHolder } from './openapi';
import { OpenApiHttpController } from './openapi.http.controller';

/**
 * grid-api: platform (health, metrics, Kafka, database), authentication with roles and rate limiting
 * for every route but health and metrics, the shape check of every parameter, and the control room's
 * feature modules (add them to `features`).
 */
@Module({})
export class GridApiAppModule {
  static forRoot(config: GridApiConfig): DynamicModule {
    const features: DynamicModule['imports'] = [
      ControlRoomModule.forRoot(config),
      // last: requests no API route handles fall through to the dashboard's static files
      DashboardStaticModule.forRoot(config),
    ];
    return {
      module: GridApiAppModule,
      imports: [PlatformModule.forRoot(config), AuthModule.forRoot(config), ...features],
      controllers: [MeHttpController, OpenApiHttpController],
      providers: [OpenApiDocumentHolder, { provide: APP_PIPE, useClass: RequestShapePipe }],
    };
  }
}
