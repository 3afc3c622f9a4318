import { EVENT_TYPES } from './event-registry';
import { EventType } from './event-types';

export const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Plain JSON copy of a TypeBox schema (drops TypeBox's symbol-keyed metadata). */
export function toJsonSchema(schema: unknown): { [key: string]: Json } {
  return JSON.parse(JSON.stringify(schema)) as { [key: string]: Json };
}

/**
 * The published JSON Schema of an event's `data`, as written to `libs/contracts/schemas/<name>.schema.json`
 * and referenced by the CloudEvents `dataschema` attribute.
 */
export function jsonSchemaDocumentOf(type: EventType): { [key: string]: Json } {
  const spec = EVENT_TYPES[type];
  return { $schema: JSON_SCHEMA_DIALECT, $id: spec.schemaId, ...toJsonSchema(spec.schema) };
}
