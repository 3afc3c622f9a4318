import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { AssetId, NonNegativeInteger, StringEnum, WholeSecondInstant } from '../schema-types';
import { MAX_REGISTER_WH } from '../units';

export const BATTERY_MODES = ['auto', 'remote', 'idle', 'maintenance', 'fault'] as const;

/**
 * Which control is in effect at `time`: a planned power setpoint (command mode `setpoint`), a planned
 * station-flow limit (command mode `limit`), the unit's local rule (no valid command, stale plan, mode
 * `auto`), or none (`idle`).
 */
export const BATTERY_CONTROLS = ['planned-setpoint', 'planned-limit', 'local-rule', 'idle'] as const;
export type BatteryControl = (typeof BATTERY_CONTROLS)[number];

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
    control: Type.Optional(
      StringEnum(BATTERY_CONTROLS, {
        description:
          'Control in effect: planned-setpoint, planned-limit, local-rule or idle. Additive (absent = not reported)',
      }),
    ),
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
