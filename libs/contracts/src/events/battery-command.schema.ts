import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { AssetId, Id, NonEmptyString, StringEnum, UtcInstant } from '../schema-types';

export const BATTERY_COMMAND_MODES = ['setpoint', 'auto', 'idle'] as const;

/**
 * A dispatch command. `setpointW` is present exactly when `mode` is `setpoint` (checked semantically);
 * outside `[validFrom, validUntil)` the unit falls back to `auto`.
 */
export const BatteryCommandSchema = Type.Object(
  {
    commandId: Id(),
    assetId: AssetId({ description: 'Battery asset id' }),
    issuedAt: UtcInstant(),
    validFrom: UtcInstant(),
    validUntil: UtcInstant({ description: 'Exclusive; must be after validFrom' }),
    mode: StringEnum(BATTERY_COMMAND_MODES),
    setpointW: Type.Optional(
      Type.Integer({
        description: 'Active power setpoint, W; positive = discharge. Only with mode setpoint',
      }),
    ),
    reason: NonEmptyString({ description: 'Why the command was issued (audit)' }),
  },
  {
    additionalProperties: false,
    title: 'Battery command',
    description: 'de.gridwerk.battery.command.v1 data',
  },
);
export type BatteryCommand = Static<typeof BatteryCommandSchema>;

export const BatteryCommandEventSchema = CloudEventSchema(EventTypes.batteryCommand, BatteryCommandSchema);
export type BatteryCommandEvent = Static<typeof BatteryCommandEventSchema>;
