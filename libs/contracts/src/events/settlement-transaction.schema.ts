import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { Id, NonNegativeInteger, PartyId, StringEnum, UtcInstant } from '../schema-types';

export const SETTLEMENT_TRANSACTION_KINDS = [
  'allocation',
  'grid-import',
  'grid-export',
  'adjustment',
] as const;
export const SETTLEMENT_RULES = ['pro-rata', 'double-auction', 'static'] as const;
/**
 * `delivery` (the default when absent): the seller delivers energyWh to the buyer for amountCt.
 * `reversal`: an adjustment that takes exactly that energy and money back (billing subtracts it).
 */
export const SETTLEMENT_DIRECTIONS = ['delivery', 'reversal'] as const;

/**
 * One microtransaction of one community in one quarter hour. Corrections are new `adjustment`
 * transactions that name the transaction they adjust, never rewrites. Energy and cents stay non-negative
 * magnitudes; a reversal says so in `direction` (additive fields: a message without them means what it
 * always meant, a delivery of version 1).
 */
export const SettlementTransactionSchema = Type.Object(
  {
    transactionId: Id({ description: 'Stable id; billing de-duplicates on it' }),
    communityId: Id(),
    intervalStart: UtcInstant({ description: 'Quarter-hour start (inclusive)' }),
    intervalEnd: UtcInstant({ description: 'intervalStart + 15 minutes (exclusive)' }),
    sellerId: PartyId(),
    buyerId: PartyId(),
    energyWh: Type.Integer({ exclusiveMinimum: 0, description: 'Energy delivered, Wh' }),
    priceMilliCtPerKWh: NonNegativeInteger({ description: 'Price in 1/1000 euro-cent per kWh' }),
    amountCt: NonNegativeInteger({ description: 'Amount in euro-cents' }),
    kind: StringEnum(SETTLEMENT_TRANSACTION_KINDS),
    rule: StringEnum(SETTLEMENT_RULES, { description: 'Allocation rule that produced the transaction' }),
    adjustsTransactionId: Type.Optional(Id({ description: 'Required for kind adjustment' })),
    direction: Type.Optional(
      StringEnum(SETTLEMENT_DIRECTIONS, {
        description: 'delivery (default) or reversal; a reversal is always of kind adjustment',
      }),
    ),
    version: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Settlement version of the interval (default 1)' }),
    ),
  },
  {
    additionalProperties: false,
    title: 'Settlement transaction',
    description: 'de.gridwerk.settlement.transaction.v1 data',
  },
);
export type SettlementTransaction = Static<typeof SettlementTransactionSchema>;

export const SettlementTransactionEventSchema = CloudEventSchema(
  EventTypes.settlementTransaction,
  SettlementTransactionSchema,
);
export type SettlementTransactionEvent = Static<typeof SettlementTransactionEventSchema>;
