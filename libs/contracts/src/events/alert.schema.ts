import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { AssetId, Id, NonEmptyString, StringEnum, UtcInstant } from '../schema-types';

export const ALERT_ASSET_KINDS = ['meter', 'transformer', 'feeder', 'substation', 'battery'] as const;
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export const ALERT_CODE_PATTERN = /^[A-Z_]+(\.[A-Z_]+)+$/;

export const AlertSchema = Type.Object(
  {
    alertId: Id(),
    assetId: AssetId({ description: 'Asset the alert is about (meter point id for meters)' }),
    assetKind: StringEnum(ALERT_ASSET_KINDS),
    severity: StringEnum(ALERT_SEVERITIES),
    code: Type.String({
      pattern: ALERT_CODE_PATTERN.source,
      description: 'Stable, e.g. TRANSFORMER.OVERLOAD',
    }),
    message: NonEmptyString(),
    raisedAt: UtcInstant(),
    value: Type.Optional(Type.Number({ description: 'Observed value, in unit' })),
    threshold: Type.Optional(Type.Number({ description: 'Threshold crossed, in unit' })),
    unit: Type.Optional(NonEmptyString({ description: 'Unit of value and threshold, e.g. kVA, %' })),
  },
  { additionalProperties: false, title: 'Alert', description: 'de.gridwerk.alert.v1 data' },
);
export type Alert = Static<typeof AlertSchema>;

export const AlertEventSchema = CloudEventSchema(EventTypes.alert, AlertSchema);
export type AlertEvent = Static<typeof AlertEventSchema>;
