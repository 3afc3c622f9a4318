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
} as const;

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
        description: 'Original headers, values base64',
      }),
    ),
    reason: Type.Object(
      {
        code: Type.String({ pattern: '^[A-Z_]+(\\.[A-Z_]+)+$', description: 'e.g. CONTRACT.INVALID' }),
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
