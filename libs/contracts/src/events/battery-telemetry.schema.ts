import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { AssetId, NonNegativeInteger, StringEnum, WholeSecondInstant } from '../schema-types';
import { MAX_REGISTER_WH } from '../units';

export const BATTERY_MODES = ['auto', 'remote', 'idle', 'maintenance', 'fault'] as const;

export const BatteryTelemetrySchema = Type.Object(
  {
    assetId: AssetId({ description: 'Battery asset id' }),
    time: WholeSecondInstant({ description: 'Measurement time, whole seconds' }),
    stateOfChargePct: Type.Number({ minimum: 0, maximum: 100, description: 'State of charge, % of usable' }),
    powerW: Type.Integer({ description: 'Active power at the grid connection, W; positive = discharge' }),
    usableCapacityWh: NonNegativeInteger({
      maximum: MAX_REGISTER_WH,
      description: 'Usable capacity now (degrades with age), Wh (at most 2^53 - 1)',
    }),
    stateOfHealthPct: Type.Number({ minimum: 0, maximum: 100, description: 'State of health, % of nominal' }),
    temperatureC: Type.Number({ minimum: -40, maximum: 100, description: 'Pack temperature, °C' }),
    mode: StringEnum(BATTERY_MODES),
    maxChargeW: Type.Optional(
      NonNegativeInteger({ description: 'BMS charge power limit now, W (where reported)' }),
    ),
    maxDischargeW: Type.Optional(
      NonNegativeInteger({ description: 'BMS discharge power limit now, W (where reported)' }),
    ),
  },
  {
    additionalProperties: false,
    title: 'Battery telemetry',
    description: 'de.gridwerk.battery.telemetry.v1 data',
  },
);
export type BatteryTelemetry = Static<typeof BatteryTelemetrySchema>;

export const BatteryTelemetryEventSchema = CloudEventSchema(
  EventTypes.batteryTelemetry,
  BatteryTelemetrySchema,
);
export type BatteryTelemetryEvent = Static<typeof BatteryTelemetryEventSchema>;
