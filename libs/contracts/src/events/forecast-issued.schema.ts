import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { Id, IntegerEnum, NonEmptyString, StringEnum, UtcInstant } from '../schema-types';

export const FORECAST_SERIES_KINDS = [
  'feeder',
  'substation',
  'secondary-substation',
  'grid',
  'custom',
] as const;
export const FORECAST_HORIZONS = ['intraday', 'day-ahead'] as const;
export const FORECAST_STEP_MINUTES = [1, 15, 60] as const;
/**
 * Why a point is a fallback instead of the model's own forecast: `envelope` = the model's forecast left
 * the series' plausible envelope; `inputs-missing` = an input the model needs (e.g. weather) was missing.
 */
export const FORECAST_REPLACED_REASONS = ['envelope', 'inputs-missing'] as const;

/** One step `[targetStart, targetStart + step)`; energy may be negative (net feed-in from PV). */
export const ForecastPointSchema = Type.Object(
  {
    targetStart: UtcInstant({ description: 'Start of the target step, aligned to stepMinutes' }),
    p10Wh: Type.Integer({ description: '10 % quantile of energy in the step, Wh' }),
    p50Wh: Type.Integer({ description: 'Median energy in the step, Wh' }),
    p90Wh: Type.Integer({ description: '90 % quantile of energy in the step, Wh' }),
    replaced: Type.Optional(
      StringEnum(FORECAST_REPLACED_REASONS, {
        description:
          'Present when the point is the fallback baseline (best persistence with its band), not the model: ' +
          'envelope = the model left the plausible envelope of the series, inputs-missing = an input it needs was missing',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ForecastPoint = Static<typeof ForecastPointSchema>;

export const ForecastIssuedSchema = Type.Object(
  {
    seriesId: Id(),
    seriesKind: StringEnum(FORECAST_SERIES_KINDS),
    horizon: StringEnum(FORECAST_HORIZONS),
    issueTime: UtcInstant(),
    modelVersion: NonEmptyString(),
    stepMinutes: IntegerEnum(FORECAST_STEP_MINUTES),
    unit: Type.Literal('Wh'),
    points: Type.Array(ForecastPointSchema, {
      minItems: 1,
      description: 'Strictly increasing targetStart; p10Wh <= p50Wh <= p90Wh',
    }),
  },
  {
    additionalProperties: false,
    title: 'Forecast issued',
    description: 'de.gridwerk.forecast.issued.v1 data',
  },
);
export type ForecastIssued = Static<typeof ForecastIssuedSchema>;

export const ForecastIssuedEventSchema = CloudEventSchema(EventTypes.forecastIssued, ForecastIssuedSchema);
export type ForecastIssuedEvent = Static<typeof ForecastIssuedEventSchema>;
