import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  BatteryCommand,
  BatteryCommandV2,
  deadLetterReasonFor,
  EventTypes,
  parseEvent,
  Topics,
  ValidationResult,
} from '@gridwerk/contracts';
import { DeadLetterPublisher, RawKafkaMessage } from '@gridwerk/shared/data-access-kafka';
import { SIMULATOR_CONFIG, SimulationService } from './simulation.service';
import type { SimulatorServiceConfig } from './config/simulator.config';

/** Dispatch commands for the simulated storage units (@nestjs/microservices Kafka transport). */
@Controller()
export class BatteryCommandsKafkaController {
  private readonly log = new Logger(BatteryCommandsKafkaController.name);

  constructor(
    private readonly simulation: SimulationService,
    private readonly deadLetters: DeadLetterPublisher,
    @Inject(SIMULATOR_CONFIG) private readonly config: SimulatorServiceConfig,
  ) {}

  @EventPattern(Topics.batteryCommands)
  async onCommand(@Payload() msg: RawKafkaMessage): Promise<void> {
    await this.handle(msg, parseEvent(msg.value ?? Buffer.alloc(0), EventTypes.batteryCommand));
  }

  /** v2: a setpoint or a station-flow limit with SoC reserve per quarter hour. */
  @EventPattern(Topics.batteryCommandsV2)
  async onCommandV2(@Payload() msg: RawKafkaMessage): Promise<void> {
    await this.handle(msg, parseEvent(msg.value ?? Buffer.alloc(0), EventTypes.batteryCommandV2));
  }

  private async handle(
    msg: RawKafkaMessage,
    parsed: ValidationResult<{ data: BatteryCommand | BatteryCommandV2 }>,
  ): Promise<void> {
    if (!parsed.ok) {
      await this.deadLetters.publish(msg, this.config.consumerGroup, deadLetterReasonFor(parsed.problems));
      return;
    }
    const applied = this.simulation.applyCommand(parsed.value.data);
    if (!applied) {
      await this.deadLetters.publish(msg, this.config.consumerGroup, {
        code: 'BATTERY.UNKNOWN_ASSET',
        message: `no simulated battery ${parsed.value.data.assetId}`,
      });
      return;
    }
    this.log.log(
      `applied ${parsed.value.data.mode} command ${parsed.value.data.commandId} to ${parsed.value.data.assetId}`,
    );
  }
}
