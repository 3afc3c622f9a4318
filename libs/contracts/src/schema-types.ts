import { Type, TUnsafe, SchemaOptions, StringOptions, NumberOptions } from '@sinclair/typebox';
import {
  ASSET_ID_PATTERN,
  METER_POINT_ID_PATTERN,
  UTC_INSTANT_PATTERN,
  UTILITY_PARTY_ID,
  WHOLE_SECOND_INSTANT_PATTERN,
} from './units';

/**
 * Reusable TypeBox building blocks. String enums are emitted as JSON Schema `enum` (not `anyOf` of
 * constants) so that a bad value yields one clear problem instead of one per alternative.
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

export function IntegerEnum<const T extends readonly number[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'integer', enum: [...values] });
}

export const UtcInstant = (options: StringOptions = {}) =>
  Type.String({
    description: 'UTC instant, ISO-8601 with Z',
    ...options,
    format: 'date-time',
    pattern: UTC_INSTANT_PATTERN.source,
  });

/** A UtcInstant in whole seconds (WHOLE_SECOND_INSTANT_PATTERN): the instants of raw series. */
export const WholeSecondInstant = (options: StringOptions = {}) =>
  Type.String({
    description: 'UTC instant, ISO-8601 with Z, whole seconds',
    ...options,
    format: 'date-time',
    pattern: WHOLE_SECOND_INSTANT_PATTERN.source,
  });

export const MeterPointId = (options: StringOptions = {}) =>
  Type.String({
    description: 'German metering point id (Messlokations-ID): DE + 31 uppercase alphanumerics',
    ...options,
    pattern: METER_POINT_ID_PATTERN.source,
  });

/** A settlement party: a meter point id or the utility itself. */
export const PartyId = (options: StringOptions = {}) =>
  Type.String({
    description: `Meter point id of a community member, or ${UTILITY_PARTY_ID} for the utility`,
    ...options,
    pattern: `^(?:${METER_POINT_ID_PATTERN.source.slice(1, -1)}|${UTILITY_PARTY_ID})$`,
  });

export const AssetId = (options: StringOptions = {}) =>
  Type.String({ description: 'Asset id', ...options, pattern: ASSET_ID_PATTERN.source });

export const Id = (options: StringOptions = {}) => Type.String({ minLength: 1, maxLength: 128, ...options });

export const NonEmptyString = (options: StringOptions = {}) => Type.String({ minLength: 1, ...options });

export const NonNegativeInteger = (options: NumberOptions = {}) => Type.Integer({ minimum: 0, ...options });
