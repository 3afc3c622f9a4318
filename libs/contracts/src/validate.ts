import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { AnyCloudEventSchema } from './envelope';
import { DeadLetterReasonCodes } from './events/dead-letter.schema';
import { AnyEvent, EVENT_TYPES, EventDataOf, EventOf } from './event-registry';
import { EventType, isEventType } from './event-types';
import { checkEnvelopeSemantics, checkSemantics, SemanticCodes } from './semantics';
import {
  METER_POINT_ID_PATTERN,
  UTC_INSTANT_PATTERN,
  WHOLE_SECOND_INSTANT_PATTERN,
  isUtcInstant,
  unitOfField,
} from './units';
import { ValidationProblem, ValidationResult } from './validation-problem';

/** Codes of problems found before the event type is known (uppercase: they are also dead-letter reasons). */
export const ParseProblemCodes = {
  jsonParse: DeadLetterReasonCodes.jsonParse,
  unknownType: DeadLetterReasonCodes.unknownType,
  typeMismatch: DeadLetterReasonCodes.typeMismatch,
} as const;

// verbose: errors carry the value, so that a precise instant can be told from a malformed one.
const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
// 'fast' formats: plain regular expressions. Instants are checked exactly by UTC_INSTANT_PATTERN and
// isUtcInstant (semantics) anyway; the full RFC 3339 parser cost a third of the validation time.
addFormats(ajv, { mode: 'fast' });
// Every date-time here is a UtcInstant (pattern-checked); the format adds the calendar check (no 30
// February), through the same cached parser the semantic checks use. Other shapes fail on `pattern`.
ajv.addFormat('date-time', {
  type: 'string',
  validate: (s: string) => !UTC_INSTANT_PATTERN.test(s) || isUtcInstant(s),
});

// Compiled once per schema, on first use (compiling all eagerly would slow every import).
const envelopeValidators = new Map<EventType, ValidateFunction>();
const dataValidators = new Map<EventType, ValidateFunction>();
let anyEnvelopeValidator: ValidateFunction | undefined;

function envelopeValidator(type: EventType): ValidateFunction {
  let fn = envelopeValidators.get(type);
  if (!fn) {
    fn = ajv.compile(EVENT_TYPES[type].envelopeSchema);
    envelopeValidators.set(type, fn);
  }
  return fn;
}

function dataValidator(type: EventType): ValidateFunction {
  let fn = dataValidators.get(type);
  if (!fn) {
    fn = ajv.compile(EVENT_TYPES[type].schema);
    dataValidators.set(type, fn);
  }
  return fn;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `/data/points/0/p10Wh` -> `points[0].p10Wh`; the envelope's `data` prefix is dropped for readability. */
function labelOf(path: string): string {
  const segments = path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (segments[0] === 'data' && segments.length > 1) segments.shift();
  if (segments.length === 0) return 'the input';
  return segments.reduce(
    (label, s) => (/^[0-9]+$/.test(s) ? `${label}[${s}]` : label ? `${label}.${s}` : s),
    '',
  );
}

function lastField(path: string): string {
  const segments = path.split('/').filter((s) => s !== '' && !/^[0-9]+$/.test(s));
  return segments[segments.length - 1] ?? '';
}

function param(error: ErrorObject, name: string): unknown {
  return (error.params as Record<string, unknown>)[name];
}

function describePattern(pattern: unknown): string {
  if (pattern === METER_POINT_ID_PATTERN.source) {
    return 'must be a German metering point id: DE followed by 31 uppercase letters or digits (33 characters)';
  }
  if (pattern === UTC_INSTANT_PATTERN.source || pattern === WHOLE_SECOND_INSTANT_PATTERN.source) {
    return 'must be a UTC instant in ISO-8601 ending in Z, e.g. 2026-01-05T06:15:00Z';
  }
  return `must match the pattern ${String(pattern)}`;
}

function toProblem(error: ErrorObject, basePath: string): ValidationProblem {
  let path = basePath + error.instancePath;
  if (error.keyword === 'required') path += `/${escapePointer(String(param(error, 'missingProperty')))}`;
  if (error.keyword === 'additionalProperties') {
    path += `/${escapePointer(String(param(error, 'additionalProperty')))}`;
  }
  const label = labelOf(path);
  const unit = unitOfField(lastField(path));
  const inUnit = unit ? ` ${unit}` : '';
  const limit = param(error, 'limit');
  const expectedType = param(error, 'type');
  switch (error.keyword) {
    case 'type':
      if (expectedType === 'integer') {
        return {
          path,
          code: 'schema.integer',
          message: unit ? `${label} must be an integer number of ${unit}` : `${label} must be an integer`,
        };
      }
      return { path, code: 'schema.type', message: `${label} must be of type ${String(expectedType)}` };
    case 'required':
      return { path, code: 'schema.required', message: `${label} is required` };
    case 'additionalProperties':
      return { path, code: 'schema.additionalProperties', message: `${label} is not an allowed property` };
    case 'minimum':
      return {
        path,
        code: 'schema.minimum',
        message:
          limit === 0 ? `${label} must not be negative` : `${label} must be >= ${String(limit)}${inUnit}`,
      };
    case 'exclusiveMinimum':
      return {
        path,
        code: 'schema.exclusiveMinimum',
        message: `${label} must be > ${String(limit)}${inUnit}`,
      };
    case 'maximum':
      return { path, code: 'schema.maximum', message: `${label} must be <= ${String(limit)}${inUnit}` };
    case 'exclusiveMaximum':
      return {
        path,
        code: 'schema.exclusiveMaximum',
        message: `${label} must be < ${String(limit)}${inUnit}`,
      };
    case 'pattern':
      if (
        param(error, 'pattern') === WHOLE_SECOND_INSTANT_PATTERN.source &&
        typeof error.data === 'string' &&
        UTC_INSTANT_PATTERN.test(error.data)
      ) {
        return {
          path,
          code: SemanticCodes.instantNotWholeSeconds,
          message: `${label} must be a whole second (sub-second digits must be zero), got ${error.data}`,
        };
      }
      return {
        path,
        code: 'schema.pattern',
        message: `${label} ${describePattern(param(error, 'pattern'))}`,
      };
    case 'format':
      return {
        path,
        code: 'schema.format',
        message: `${label} must be a valid ${String(param(error, 'format'))}`,
      };
    case 'enum': {
      const allowed = param(error, 'allowedValues');
      const list = Array.isArray(allowed) ? allowed.map((v) => JSON.stringify(v)).join(', ') : '';
      return { path, code: 'schema.enum', message: `${label} must be one of ${list}` };
    }
    case 'const':
      return {
        path,
        code: 'schema.const',
        message: `${label} must be ${JSON.stringify(param(error, 'allowedValue'))}`,
      };
    case 'minLength':
      return {
        path,
        code: 'schema.minLength',
        message:
          limit === 1
            ? `${label} must not be empty`
            : `${label} must have at least ${String(limit)} characters`,
      };
    case 'maxLength':
      return {
        path,
        code: 'schema.maxLength',
        message: `${label} must have at most ${String(limit)} characters`,
      };
    case 'minItems':
      return {
        path,
        code: 'schema.minItems',
        message: `${label} must have at least ${String(limit)} item(s)`,
      };
    case 'uniqueItems':
      return {
        path,
        code: 'schema.uniqueItems',
        message: `${label} must not contain duplicates (items ${String(param(error, 'j'))} and ${String(param(error, 'i'))})`,
      };
    case 'anyOf':
      return { path, code: 'schema.anyOf', message: `${label} matches none of the allowed shapes` };
    default:
      return { path, code: `schema.${error.keyword}`, message: `${label} ${error.message ?? 'is invalid'}` };
  }
}

/**
 * Ajv errors -> problems, one per cause: anyOf branches collapse into the anyOf, a wrong type hides the
 * enum/const check of the same value, a pattern failure hides the format check of the same value.
 */
function toProblems(
  errors: readonly ErrorObject[] | null | undefined,
  basePath: string,
): ValidationProblem[] {
  const list = errors ?? [];
  const anyOfPaths = list.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  const patternPaths = new Set(list.filter((e) => e.keyword === 'pattern').map((e) => e.instancePath));
  const typePaths = new Set(list.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return list
    .filter((e) => !anyOfPaths.some((p) => e.schemaPath.startsWith(p)))
    .filter((e) => !(e.keyword === 'format' && patternPaths.has(e.instancePath)))
    .filter((e) => !((e.keyword === 'enum' || e.keyword === 'const') && typePaths.has(e.instancePath)))
    .map((e) => toProblem(e, basePath));
}

function prefixed(problems: ValidationProblem[], prefix: string): ValidationProblem[] {
  return problems.map((p) => ({ ...p, path: prefix + p.path }));
}

function dataOf(input: unknown): unknown {
  return typeof input === 'object' && input !== null && !Array.isArray(input)
    ? (input as Record<string, unknown>)['data']
    : undefined;
}

/** Validates a whole event (envelope + data) of a known type and returns every problem found. */
export function validateEvent<T extends EventType>(
  eventType: T,
  input: unknown,
): ValidationResult<EventOf<T>> {
  const validator = envelopeValidator(eventType);
  const schemaOk = validator(input);
  const problems = [
    ...(schemaOk ? [] : toProblems(validator.errors, '')),
    ...prefixed(checkSemantics(eventType, dataOf(input)), '/data'),
    ...checkEnvelopeSemantics(eventType, input),
  ];
  return problems.length === 0 ? { ok: true, value: input as EventOf<T> } : { ok: false, problems };
}

/** Validates only the `data` of an event type (paths relative to data, e.g. `/importWh`). */
export function validateEventData<T extends EventType>(
  eventType: T,
  data: unknown,
): ValidationResult<EventDataOf<T>> {
  const validator = dataValidator(eventType);
  const schemaOk = validator(data);
  const problems = [
    ...(schemaOk ? [] : toProblems(validator.errors, '')),
    ...checkSemantics(eventType, data),
  ];
  return problems.length === 0 ? { ok: true, value: data as EventDataOf<T> } : { ok: false, problems };
}

/**
 * Parses Kafka message bytes into a validated event. Never throws on bad input: unparseable JSON is
 * `JSON.PARSE`, an unknown `type` is `EVENT.UNKNOWN_TYPE`, another type than `expectedType` is
 * `EVENT.TYPE_MISMATCH`; everything else is reported as by `validateEvent`.
 */
export function parseEvent<T extends EventType>(
  bytes: Buffer | string,
  expectedType: T,
): ValidationResult<EventOf<T>>;
export function parseEvent(bytes: Buffer | string): ValidationResult<AnyEvent>;
export function parseEvent(bytes: Buffer | string, expectedType?: EventType): ValidationResult<AnyEvent> {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problems: [{ path: '', code: ParseProblemCodes.jsonParse, message: `not valid JSON: ${detail}` }],
    };
  }
  const type =
    typeof input === 'object' && input !== null && !Array.isArray(input)
      ? (input as Record<string, unknown>)['type']
      : undefined;
  if (expectedType !== undefined) {
    if (typeof type === 'string' && type !== expectedType) {
      return {
        ok: false,
        problems: [
          {
            path: '/type',
            code: ParseProblemCodes.typeMismatch,
            message: `expected an event of type ${expectedType}, got ${type}`,
          },
        ],
      };
    }
    return validateEvent(expectedType, input);
  }
  if (isEventType(type)) return validateEvent(type, input);
  if (typeof type === 'string') {
    return {
      ok: false,
      problems: [
        { path: '/type', code: ParseProblemCodes.unknownType, message: `unknown event type ${type}` },
      ],
    };
  }
  // No usable type: report what is wrong with the envelope itself.
  anyEnvelopeValidator ??= ajv.compile(AnyCloudEventSchema);
  const problems = anyEnvelopeValidator(input) ? [] : toProblems(anyEnvelopeValidator.errors, '');
  return {
    ok: false,
    problems:
      problems.length > 0
        ? problems
        : [{ path: '/type', code: 'schema.type', message: 'type must be a string' }],
  };
}

/**
 * Problem codes of rules that have a dead-letter reason of their own (every other contract problem is
 * `CONTRACT.INVALID`). Consumers and operators filter and replay dead letters by these codes.
 */
export const PROBLEM_REASON_CODES: Readonly<Record<string, string>> = {
  [SemanticCodes.instantNotWholeSeconds]: DeadLetterReasonCodes.instantNotWholeSeconds,
  'schema.maximum': DeadLetterReasonCodes.valueOutOfRange,
  'schema.exclusiveMaximum': DeadLetterReasonCodes.valueOutOfRange,
  [SemanticCodes.subjectMismatch]: DeadLetterReasonCodes.subjectMismatch,
  [SemanticCodes.keyMismatch]: DeadLetterReasonCodes.keyMismatch,
};

/**
 * The dead-letter reason for a failed validation: the first parse-level code; else, when every problem
 * is of rules with a reason of their own, the first one's; else `CONTRACT.INVALID`.
 */
export function deadLetterReasonFor(problems: readonly ValidationProblem[]): {
  code: string;
  message: string;
  problems: ValidationProblem[];
} {
  const parseLevel = problems.find((p) => (Object.values(ParseProblemCodes) as string[]).includes(p.code));
  const specific = problems.map((p) => PROBLEM_REASON_CODES[p.code]);
  const own = specific.every((c) => c !== undefined) ? specific[0] : undefined;
  return {
    code: parseLevel?.code ?? own ?? DeadLetterReasonCodes.contractInvalid,
    message:
      parseLevel?.message ?? `event violates its contract: ${problems.map((p) => p.message).join('; ')}`,
    problems: [...problems],
  };
}

/**
 * The Kafka key rule: a message on a topic keyed by a field of `data` (meterPointId, assetId) must carry
 * exactly that value as its key, or per-key ordering (and so the precedence of corrections) breaks.
 */
export function checkMessageKey(
  eventType: EventType,
  key: Buffer | string | null | undefined,
  data: unknown,
): ValidationProblem[] {
  const field = EVENT_TYPES[eventType].keyField;
  if (eventType === 'de.gridwerk.dead-letter.v1') return [];
  const expected =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[field] : undefined;
  if (typeof expected !== 'string') return [];
  const actual = key === null || key === undefined ? null : Buffer.isBuffer(key) ? key.toString('utf8') : key;
  if (actual === expected) return [];
  return [
    {
      path: '',
      code: SemanticCodes.keyMismatch,
      message: `the Kafka key must equal data.${field} (${expected}), got ${actual === null ? 'no key' : JSON.stringify(actual.slice(0, 80))}`,
    },
  ];
}
