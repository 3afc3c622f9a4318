import { DynamicModule, Module } from '@nestjs/common';
import { DispatchCycleService } from './dispatch-cycle.service';
import { DispatchInputsKafkaController } from './dispatch-inputs.kafka.controller';
import { DISPATCH_OPTIONS, DispatchServiceOptions } from './dispatch-service.options';

/**
 * The dispatch service: inputs from Kafka into its tables, the MPC loop under the leader lock, commands
 * to Kafka. Needs the platform's KafkaModule, OpsModule and TypeORM data source (global) in the app:
 *   imports: [PlatformModule.forRoot(config, { migrations: DISPATCH_MIGRATIONS }), DispatchModule.forRoot(options)]
 */
@Module({})
export class DispatchModule {
  static forRoot(options: DispatchServiceOptions): DynamicModule {
    return {
      module: DispatchModule,
      providers: [
        { provide: DISPATCH_OPTIONS, useValue: options },
        DispatchInputsKafkaController,
        DispatchCycleService,
      ],
      exports: [DispatchCycleService],
    };
  }
}
