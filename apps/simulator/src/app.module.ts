import { DynamicModule, Module } from '@nestjs/common';
import { TOPOLOGY_MIGRATIONS } from '@gridwerk/shared/data-access-topology';
import { PlatformModule } from '@gridwerk/shared/feature-ops';
import { BatteryCommandsKafkaController } from './battery-commands.kafka.controller';
import type { SimulatorServiceConfig } from './config/simulator.config';
import { SIMULATOR_CONFIG, SimulationService } from './simulation.service';

@Module({})
export class SimulatorAppModule {
  static forRoot(config: SimulatorServiceConfig): DynamicModule {
    return {
      module: SimulatorAppModule,
      imports: [PlatformModule.forRoot(config, { migrations: TOPOLOGY_MIGRATIONS })],
      controllers: [BatteryCommandsKafkaController],
      providers: [{ provide: SIMULATOR_CONFIG, useValue: config }, SimulationService],
    };
  }
}
