import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { MeterPointId, NonNegativeInteger, StringEnum, UtcInstant } from '../schema-types';

export const METER_READING_RESOLUTIONS = ['PT15M', 'PT1M'] as const;
export const READING_QUALITIES = ['measured', 'estimated', 'substituted'] as const;

/** Energy of one metering interval `[intervalStart, intervalEnd)` plus the cumulative registers at its end. */
export const MeterReadingSchema = Type.Object(
  {
    meterPointId: MeterPointId(),
    intervalStart: UtcInstant({ description: 'Start of the interval (inclusive)' }),
    intervalEnd: UtcInstant({ description: 'End of the interval (exclusive)' }),
    resolution: StringEnum(METER_READING_RESOLUTIONS, { description: 'ISO-8601 duration of the interval' }),
    importWh: NonNegativeInteger({ description: 'Energy drawn from the grid in the interval, Wh' }),
    exportWh: NonNegativeInteger({ description: 'Energy fed into the grid in the interval, Wh' }),
    registerImportWh: NonNegativeInteger({ description: 'OBIS 1.8.0 cumulative import register, Wh' }),
    registerExportWh: NonNegativeInteger({ description: 'OBIS 2.8.0 cumulative export register, Wh' }),
    quality: StringEnum(READING_QUALITIES),
  },
  { additionalProperties: false, title: 'Meter reading', description: 'de.gridwerk.meter.reading.v1 data' },
);
export type MeterReading = Static<typeof MeterReadingSchema>;

export const MeterReadingEventSchema = CloudEventSchema(EventTypes.meterReading, MeterReadingSchema);
export type MeterReadingEvent = Static<typeof MeterReadingEventSchema>;
