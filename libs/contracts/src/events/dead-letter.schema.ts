import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { NonEmptyString, NonNegativeInteger, UtcInstant } from '../schema-types';
import { ValidationProblemSchema } from '../validation-problem';

const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

/** Stable machine-readable dead-letter reasons. Others may be added; the shape is `AREA.WHAT`. */
export const DeadLetterReasonCodes = {
  contractInvalid: 'CONTRACT.INVALID',
  jsonParse: 'JSON.PARSE',
  unknownType: 'EVENT.UNKNOWN_TYPE',
  typeMismatch: 'EVENT.TYPE_MISMATCH',
  processingFailed: 'PROCESSING.FAILED',
  /** The message value is null (a tombstone): nothing to store, and not the same as an empty value. */
  tombstone: 'MESSAGE.TOMBSTONE',
  /** The message value is zero bytes long. */
  emptyValue: 'MESSAGE.EMPTY',
  /** The message value is larger than the consumer accepts for its topic (not parsed). */
  tooLarge: 'MESSAGE.TOO_LARGE',
  /** The Kafka key is not the id the topic is keyed by (meter point id, asset id). */
  keyMismatch: 'MESSAGE.KEY_MISMATCH',
  /** The message came from a topic the consumer does not read. */
  topicUnexpected: 'TOPIC.UNEXPECTED',
  /** The CloudEvents subject is not the id the event is about. */
  subjectMismatch: 'CONTRACT.SUBJECT_MISMATCH',
  /** An instant of a raw series has sub-second digits. */
  instantNotWholeSeconds: 'CONTRACT.INSTANT_PRECISION',
  /** A value above the contract's stated maximum (columns, safe integers). */
  valueOutOfRange: 'CONTRACT.VALUE_OUT_OF_RANGE',
  /** A reading or sample further in the future than the consumer's clock-skew allowance. */
  inFuture: 'TIME.IN_FUTURE',
  /** A reading or sample older than the raw-series retention: it would be dropped at once. */
  beyondRetention: 'TIME.BEYOND_RETENTION',
} as const;

/**
 * Reason of data the database refused (a permanent error isolated in its batch): `DB.` + the SQLSTATE,
 * e.g. `DB.22003` (numeric value out of range), `DB.22021` (byte sequence not valid, e.g. NUL in text).
 */
export function databaseReasonCode(sqlState: string): string {
  return `DB.${/^[0-9A-Z]{5}$/.test(sqlState) ? sqlState : 'UNKNOWN'}`;
}

export const DeadLetterSchema = Type.Object(
  {
    originalTopic: NonEmptyString(),
    partition: NonNegativeInteger(),
    offset: Type.String({ pattern: '^[0-9]+$', description: 'Kafka offset as a decimal string (int64)' }),
    consumerGroup: NonEmptyString(),
    keyBase64: Type.Union([Type.String({ pattern: BASE64_PATTERN }), Type.Null()], {
      description: 'Original key bytes, base64; null when the message had no key',
    }),
    valueBase64: Type.String({ pattern: BASE64_PATTERN, description: 'Original value bytes, base64' }),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String({ pattern: BASE64_PATTERN }), {
        description: 'Original headers, values base64; a repeated header: its first value (see headerList)',
      }),
    ),
    headerList: Type.Optional(
      Type.Array(
        Type.Object(
          { key: Type.String(), valueBase64: Type.String({ pattern: BASE64_PATTERN }) },
          { additionalProperties: false },
        ),
        { description: 'Every original header value in order, repeated headers included' },
      ),
    ),
    truncated: Type.Optional(
      Type.Object(
        {
          originalValueBytes: NonNegativeInteger({ description: 'Length of the original value, bytes' }),
          originalValueSha256: Type.String({
            pattern: '^[0-9a-f]{64}$',
            description: 'sha256 of the original value bytes, hex',
          }),
          keptValueBytes: NonNegativeInteger({ description: 'Bytes of the value kept in valueBase64' }),
          headersDropped: Type.Boolean({ description: 'Headers were dropped to fit' }),
        },
        {
          additionalProperties: false,
          description:
            'Present when the dead letter would exceed the dead-letter topic’s max.message.bytes: valueBase64 holds a prefix only',
        },
      ),
    ),
    reason: Type.Object(
      {
        code: Type.String({
          pattern: '^[A-Z_]+(\\.[A-Z0-9_]+)+$',
          description: 'e.g. CONTRACT.INVALID, DB.22003',
        }),
        message: NonEmptyString(),
        problems: Type.Optional(Type.Array(ValidationProblemSchema)),
      },
      { additionalProperties: false },
    ),
    failedAt: UtcInstant(),
  },
  { additionalProperties: false, title: 'Dead letter', description: 'de.gridwerk.dead-letter.v1 data' },
);
export type DeadLetter = Static<typeof DeadLetterSchema>;

export const DeadLetterEventSchema = CloudEventSchema(EventTypes.deadLetter, DeadLetterSchema);
export type DeadLetterEvent = Static<typeof DeadLetterEventSchema>;
