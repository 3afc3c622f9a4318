import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Longest path or query parameter accepted (ids, instants and filters are far shorter). */
export const MAX_PARAM_LENGTH = 256;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function invalid(message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', code: 'REQUEST.INVALID', message });
}

function checkValue(kind: 'path' | 'query', name: string, value: unknown): void {
  if (typeof value !== 'string') {
    throw invalid(`${kind} parameter "${name}" must be given once, as a plain value`);
  }
  if (value.length > MAX_PARAM_LENGTH) {
    throw invalid(`${kind} parameter "${name}" is longer than ${MAX_PARAM_LENGTH} characters`);
  }
  if (CONTROL.test(value)) throw invalid(`${kind} parameter "${name}" contains control characters`);
}

/**
 * Global shape check of every path and query parameter before a handler's own validation: one value
 * per name (no repeated keys, no nested `a[b]=` objects), bounded length, no control characters.
 * Bodies must be JSON objects where a handler takes one. Route-specific rules (id patterns, bounded
 * time ranges) stay with the handlers.
 */
@Injectable()
export class RequestShapePipe implements PipeTransform {
  transform(value: unknown, meta: ArgumentMetadata): unknown {
    if (meta.type === 'param' || meta.type === 'query') {
      const kind = meta.type === 'param' ? 'path' : 'query';
      if (meta.data !== undefined) {
        if (value !== undefined) checkValue(kind, meta.data, value);
      } else if (value !== null && typeof value === 'object') {
        for (const [name, v] of Object.entries(value)) checkValue(kind, name, v);
      }
    } else if (meta.type === 'body' && meta.data === undefined && value !== undefined) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw invalid('the request body must be a JSON object');
      }
    }
    return value;
  }
}
