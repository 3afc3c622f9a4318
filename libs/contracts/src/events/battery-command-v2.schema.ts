import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { AssetId, Id, NonEmptyString, StringEnum, UtcInstant } from '../schema-types';

/**
 * Modes of a v2 command: `setpoint` (a power setpoint, as in v1), `limit` (hold a station-flow limit on
 * the unit's own measurement, OpenEMS peak-shaving style, keeping an SoC reserve), `auto` (the unit's local
 * rule), `idle`.
 */
export const BATTERY_COMMAND_V2_MODES = ['setpoint', 'limit', 'auto', 'idle'] as const;
export type BatteryCommandV2Mode = (typeof BATTERY_COMMAND_V2_MODES)[number];

/**
 * A dispatch command of version 2, one per quarter hour (`[validFrom, validUntil)`). Breaking against v1
 * (a v1 consumer cannot follow a `limit`), hence its own type and topic.
 *
 * - mode `setpoint`: `setpointW` present, `stationLimitW` and `socReservePct` absent;
 * - mode `limit`: `stationLimitW` and `socReservePct` present, `setpointW` absent. Within the window the unit
 *   measures the flow through its station transformer every few seconds and discharges what exceeds
 *   `stationLimitW`, never below `socReservePct`; below the limit it recharges with the headroom, so the
 *   flow never exceeds the limit because of the battery;
 * - modes `auto` and `idle`: none of the three.
 *
 * Checked semantically (`command.setpoint-*`, `command.limit-*`). Outside its window the unit falls back to
 * its local rule (`auto`).
 */
export const BatteryCommandV2Schema = Type.Object(
  {
    commandId: Id(),
    assetId: AssetId({ description: 'Battery asset id' }),
    issuedAt: UtcInstant(),
    validFrom: UtcInstant(),
    validUntil: UtcInstant({ description: 'Exclusive; must be after validFrom' }),
    mode: StringEnum(BATTERY_COMMAND_V2_MODES),
    setpointW: Type.Optional(
      Type.Integer({
        description: 'Active power setpoint, W; positive = discharge. Only with mode setpoint',
      }),
    ),
    stationLimitW: Type.Optional(
      Type.Integer({
        description:
          'Station-flow limit, W (import through the station transformer, positive = from the upstream grid) ' +
          'the unit holds on its own measurement. Only with mode limit',
      }),
    ),
    socReservePct: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description:
          'State of charge, % of usable, the unit keeps for later steps of the plan. Only with mode limit',
      }),
    ),
    reason: NonEmptyString({ description: 'Why the command was issued (audit)' }),
  },
  {
    additionalProperties: false,
    title: 'Battery command v2',
    description: 'de.gridwerk.battery.command.v2 data',
  },
);
export type BatteryCommandV2 = Static<typeof BatteryCommandV2Schema>;

export const BatteryCommandV2EventSchema = CloudEventSchema(
  EventTypes.batteryCommandV2,
  BatteryCommandV2Schema,
);
export type BatteryCommandV2Event = Static<typeof BatteryCommandV2EventSchema>;
