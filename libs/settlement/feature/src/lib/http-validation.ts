import {
  BadRequestException,
  ConflictException,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import Ajv from 'ajv';
import { SettlementDataError } from '@gridwerk/settlement/data-access';
import { ALLOCATION_KEY_KINDS, MEMBER_ROLES, SettlementDomainError } from '@gridwerk/settlement/domain';

const ajv = new Ajv({ allErrors: true, strict: false });

const Instant = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z$',
});
const QuarterHour = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:(00|15|30|45):00(\\.0+)?Z$',
});
const Price = Type.Integer({ minimum: 0, maximum: 100_000_000 });
const IntMap = (max: number) =>
  Type.Record(Type.String({ pattern: '^DE[0-9A-Z]{31}$' }), Type.Integer({ minimum: 0, maximum: max }));

export const AllocationKeyBody = Type.Union([
  Type.Object({ kind: Type.Literal('dynamic') }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('static'), shares: IntMap(1_000_000) }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('double-auction'), bids: IntMap(100_000_000), asks: IntMap(100_000_000) },
    { additionalProperties: false },
  ),
]);

export const CreateCommunityBody = Type.Object(
  {
    communityId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{1,39}$' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    effectiveFrom: QuarterHour,
    priceMilliCtPerKWh: Price,
    key: Type.Optional(AllocationKeyBody),
  },
  { additionalProperties: false },
);
export const SetMemberBody = Type.Object(
  { role: Type.Union(MEMBER_ROLES.map((r) => Type.Literal(r))), effectiveFrom: QuarterHour },
  { additionalProperties: false },
);
export const RemoveMemberBody = Type.Object({ effectiveFrom: QuarterHour }, { additionalProperties: false });
export const SetKeyBody = Type.Object(
  { key: AllocationKeyBody, effectiveFrom: QuarterHour },
  { additionalProperties: false },
);
export const SetPriceBody = Type.Object(
  { priceMilliCtPerKWh: Price, effectiveFrom: QuarterHour },
  { additionalProperties: false },
);
export const RangeQuery = Type.Object(
  { from: Type.Optional(Instant), to: Type.Optional(Instant) },
  { additionalProperties: false },
);

export const KEY_KINDS = ALLOCATION_KEY_KINDS;

const compiled = new WeakMap<TSchema, ReturnType<typeof ajv.compile>>();

/** Validates an HTTP body (or query) against its schema: 400 with every problem (path + message). */
export function parseInput<S extends TSchema>(schema: S, input: unknown): Static<S> {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (!fn(input)) {
    throw new BadRequestException({
      code: 'REQUEST.INVALID',
      problems: (fn.errors ?? []).map((e) => ({
        path: e.instancePath || '/',
        message: e.message ?? e.keyword,
      })),
    });
  }
  return input;
}

/** Stable error codes → HTTP answers. */
export function toHttpError(err: unknown): unknown {
  if (err instanceof SettlementDataError) {
    const body = { code: err.code, message: err.message };
    switch (err.code) {
      case 'COMMUNITY.NOT_FOUND':
      case 'MEMBER.NOT_FOUND':
      case 'TRANSACTION.NOT_FOUND':
      case 'BATCH.NOT_FOUND':
        return new NotFoundException(body);
      case 'COMMUNITY.ALREADY_EXISTS':
      case 'MEMBER.IN_OTHER_COMMUNITY':
        return new ConflictException(body);
      default:
        return new UnprocessableEntityException(body);
    }
  }
  if (err instanceof SettlementDomainError)
    return new UnprocessableEntityException({ code: err.code, message: err.message });
  return err;
}
