import { randomUUID } from 'node:crypto';
import { Static, TSchema, Type } from '@sinclair/typebox';
import { EventType, eventSchemaId } from './event-types';
import type { EventDataOf, EventOf } from './event-registry';
import { NonEmptyString, UtcInstant } from './schema-types';
import { toUtcInstant } from './units';

export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const EVENT_DATA_CONTENT_TYPE = 'application/json';

/** Attributes every envelope carries, whatever its type (used before the type is known). */
function envelopeAttributes() {
  return {
    specversion: Type.Literal(CLOUDEVENTS_SPEC_VERSION),
    id: NonEmptyString({ description: 'Unique per event; the idempotency key downstream' }),
    source: NonEmptyString({ format: 'uri-reference', description: 'Producer, e.g. /gridwerk/simulator' }),
    time: UtcInstant({ description: 'When the event occurred (UTC)' }),
    subject: NonEmptyString({ description: 'What the event is about, usually the message key' }),
    datacontenttype: Type.Literal(EVENT_DATA_CONTENT_TYPE),
    correlationid: Type.Optional(NonEmptyString({ description: 'Id shared by all events of one flow' })),
    causationid: Type.Optional(NonEmptyString({ description: 'Id of the event that caused this one' })),
  };
}

/**
 * CloudEvents 1.0 structured-mode JSON envelope for one event type. Unknown attributes are rejected: a
 * new extension attribute is a contract change made here, not by a producer.
 */
export function CloudEventSchema<TType extends EventType, TData extends TSchema>(type: TType, data: TData) {
  return Type.Object(
    {
      ...envelopeAttributes(),
      type: Type.Literal(type),
      dataschema: Type.Literal(eventSchemaId(type), { format: 'uri' }),
      data,
    },
    { additionalProperties: false, title: `CloudEvent ${type}` },
  );
}

/** Envelope of any event, `data` unchecked: for reading `type` and routing before full validation. */
export const AnyCloudEventSchema = Type.Object(
  {
    ...envelopeAttributes(),
    type: NonEmptyString(),
    dataschema: NonEmptyString({ format: 'uri' }),
    data: Type.Unknown(),
  },
  { additionalProperties: false, title: 'CloudEvent' },
);
export type AnyCloudEvent = Static<typeof AnyCloudEventSchema>;

export interface CreateEventOptions {
  /** Pass for determinism (tests, replays, outbox rows); otherwise a random UUID. */
  readonly id?: string;
  readonly source: string;
  readonly subject: string;
  /** Defaults to now. */
  readonly time?: string | Date;
  readonly correlationId?: string;
  readonly causationId?: string;
}

/** Builds an envelope; it does not validate (call `validateEvent` at the edge where input enters). */
export function createEvent<T extends EventType>(
  type: T,
  data: EventDataOf<T>,
  options: CreateEventOptions,
): EventOf<T> {
  const time = options.time === undefined ? new Date() : options.time;
  const event = {
    specversion: CLOUDEVENTS_SPEC_VERSION,
    id: options.id ?? randomUUID(),
    source: options.source,
    type,
    time: typeof time === 'string' ? time : toUtcInstant(time),
    subject: options.subject,
    dataschema: eventSchemaId(type),
    datacontenttype: EVENT_DATA_CONTENT_TYPE,
    ...(options.correlationId === undefined ? {} : { correlationid: options.correlationId }),
    ...(options.causationId === undefined ? {} : { causationid: options.causationId }),
    data,
  };
  return event as unknown as EventOf<T>;
}
