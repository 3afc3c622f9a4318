import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { Id, IntegerEnum, StringEnum, UtcInstant } from '../schema-types';

/** Who made a weather forecast: the grid simulator (dev), the DWD (MOSMIX) or a utility's own CSV feed. */
export const WEATHER_FORECAST_SOURCES = ['simulator', 'dwd-mosmix', 'csv'] as const;
export const WEATHER_STEP_MINUTES = [15, 60] as const;

/**
 * One step `[targetStart, targetStart + step)` of a weather forecast: means over the step. A quantity the
 * source does not forecast for the step is absent (MOSMIX marks such values with `-`).
 */
export const WeatherForecastPointSchema = Type.Object(
  {
    targetStart: UtcInstant({ description: 'Start of the step, aligned to stepMinutes' }),
    ghiWPerM2: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1500,
        description: 'Global horizontal irradiance, mean over the step, W/m² (MOSMIX Rad1h ÷ 3.6)',
      }),
    ),
    temperatureC: Type.Optional(
      Type.Number({ minimum: -60, maximum: 60, description: 'Air temperature 2 m above ground, °C' }),
    ),
    cloudCoverPct: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100, description: 'Effective cloud cover, % (MOSMIX Neff)' }),
    ),
    windSpeedMPerS: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100, description: 'Wind speed 10 m above ground, m/s (MOSMIX FF)' }),
    ),
  },
  { additionalProperties: false },
);
export type WeatherForecastPoint = Static<typeof WeatherForecastPointSchema>;

export const WeatherForecastSchema = Type.Object(
  {
    weatherPointId: Id({
      description: 'The forecast point: a MOSMIX station id (e.g. 10469) or the simulator grid point',
    }),
    source: StringEnum(WEATHER_FORECAST_SOURCES),
    issueTime: UtcInstant({
      description: 'When the forecast was issued (its vintage): a model may use it only from then on',
    }),
    stepMinutes: IntegerEnum(WEATHER_STEP_MINUTES),
    points: Type.Array(WeatherForecastPointSchema, {
      minItems: 1,
      maxItems: 1000,
      description: 'Strictly increasing targetStart, all at or after issueTime',
    }),
  },
  {
    additionalProperties: false,
    title: 'Weather forecast',
    description: 'de.gridwerk.weather.forecast.v1 data',
  },
);
export type WeatherForecast = Static<typeof WeatherForecastSchema>;

export const WeatherForecastEventSchema = CloudEventSchema(EventTypes.weatherForecast, WeatherForecastSchema);
export type WeatherForecastEvent = Static<typeof WeatherForecastEventSchema>;
