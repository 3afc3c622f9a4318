import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { createGridApiPool } from '@gridwerk/grid/read-model';
import { PERIMETER_RESOLVER } from '@gridwerk/shared/auth';
import {
  CONTROL_ROOM_CONFIG,
  type ControlRoomConfig,
  DISPATCH_POOL,
  GRID_POOL,
  LOAD_POOL,
} from './control-room.config';
import { DispatchHttpController } from './http/dispatch.http.controller';
import { ControlRoomRuntime } from './engine/control-room.runtime';
import { AdminHttpController } from './http/admin.http.controller';
import { AlarmsHttpController } from './http/alarms.http.controller';
import { ReadHttpController } from './http/read.http.controller';
import { StreamHttpController } from './http/stream.http.controller';
import { TopologyHttpController } from './http/topology.http.controller';
import {
  AlarmEvaluator,
  AlarmService,
  LiveState,
  PerimeterService,
  ThresholdService,
  TopologyService,
} from './services';
import { StreamHub } from './stream/stream-hub';

class LoadPoolCloser implements OnApplicationShutdown {
  constructor(
    @Inject(LOAD_POOL) private readonly load: Pool,
    @Inject(DISPATCH_POOL) private readonly dispatch: Pool,
    @Inject(GRID_POOL) private readonly grid: Pool,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.load !== this.grid) await this.load.end().catch(() => undefined);
    if (this.dispatch !== this.grid) await this.dispatch.end().catch(() => undefined);
  }
}

/**
 * The control room: operator API under /api/v1, the SSE stream, the alarm engine and the read model's
 * consumers. Needs the platform's KafkaModule and OpsModule (global) in the app.
 *   imports: [PlatformModule.forRoot(config), AuthModule.forRoot(config), ControlRoomModule.forRoot(config)]
 */
@Module({})
export class ControlRoomModule {
  static forRoot(config: ControlRoomConfig): DynamicModule {
    return {
      module: ControlRoomModule,
      controllers: [
        TopologyHttpController,
        ReadHttpController,
        DispatchHttpController,
        AlarmsHttpController,
        AdminHttpController,
        StreamHttpController,
      ],
      providers: [
        { provide: CONTROL_ROOM_CONFIG, useValue: config },
        {
          provide: GRID_POOL,
          useFactory: () =>
            createGridApiPool(config.databaseUrl, config.databasePoolMax, `gridwerk-${config.service}`),
        },
        {
          provide: LOAD_POOL,
          inject: [GRID_POOL],
          useFactory: (grid: Pool) =>
            config.loadDatabaseUrl && config.loadDatabaseUrl !== config.databaseUrl
              ? createGridApiPool(
                  config.loadDatabaseUrl,
                  config.databasePoolMax,
                  `gridwerk-${config.service}-load`,
                )
              : grid,
        },
        {
          provide: DISPATCH_POOL,
          inject: [GRID_POOL],
          useFactory: (grid: Pool) =>
            config.dispatchDatabaseUrl && config.dispatchDatabaseUrl !== config.databaseUrl
              ? createGridApiPool(config.dispatchDatabaseUrl, 2, `gridwerk-${config.service}-dispatch`)
              : grid,
        },
        LoadPoolCloser,
        TopologyService,
        PerimeterService,
        // the auth guard puts the stored perimeter on every request's user
        { provide: PERIMETER_RESOLVER, useExisting: PerimeterService },
        LiveState,
        ThresholdService,
        AlarmService,
        AlarmEvaluator,
        StreamHub,
        ControlRoomRuntime,
      ],
      exports: [PerimeterService, AlarmService, StreamHub, LiveState, ControlRoomRuntime],
    };
  }
}
