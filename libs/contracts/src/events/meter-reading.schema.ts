import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { MeterPointId, NonNegativeInteger, StringEnum, WholeSecondInstant } from '../schema-types';
import { MAX_INTERVAL_ENERGY_WH, MAX_REGISTER_WH } from '../units';

export const METER_READING_RESOLUTIONS = ['PT15M', 'PT1M'] as const;
export const READING_QUALITIES = ['measured', 'estimated', 'substituted'] as const;

/** Energy of one metering interval `[intervalStart, intervalEnd)` plus the cumulative registers at its end. */
export const MeterReadingSchema = Type.Object(
  {
    meterPointId: MeterPointId(),
    intervalStart: WholeSecondInstant({ description: 'Start of the interval (inclusive), whole seconds' }),
    intervalEnd: WholeSecondInstant({ description: 'End of the interval (exclusive), whole seconds' }),
    resolution: StringEnum(METER_READING_RESOLUTIONS, { description: 'ISO-8601 duration of the interval' }),
    importWh: NonNegativeInteger({
      maximum: MAX_INTERVAL_ENERGY_WH,
      description: 'Energy drawn from the grid in the interval, Wh (at most 10^12)',
    }),
    exportWh: NonNegativeInteger({
      maximum: MAX_INTERVAL_ENERGY_WH,
      description: 'Energy fed into the grid in the interval, Wh (at most 10^12)',
    }),
    registerImportWh: NonNegativeInteger({
      maximum: MAX_REGISTER_WH,
      description: 'OBIS 1.8.0 cumulative import register, Wh (at most 2^53 - 1)',
    }),
    registerExportWh: NonNegativeInteger({
      maximum: MAX_REGISTER_WH,
      description: 'OBIS 2.8.0 cumulative export register, Wh (at most 2^53 - 1)',
    }),
    quality: StringEnum(READING_QUALITIES),
  },
  { additionalProperties: false, title: 'Meter reading', description: 'de.gridwerk.meter.reading.v1 data' },
);
export type MeterReading = Static<typeof MeterReadingSchema>;

export const MeterReadingEventSchema = CloudEventSchema(EventTypes.meterReading, MeterReadingSchema);
export type MeterReadingEvent = Static<typeof MeterReadingEventSchema>;
