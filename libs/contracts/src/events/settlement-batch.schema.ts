import { Static, Type } from '@sinclair/typebox';
import { CloudEventSchema } from '../envelope';
import { EventTypes } from '../event-types';
import { Id, NonNegativeInteger, UtcInstant } from '../schema-types';

/**
 * A batch of microtransactions committed on chain in one EVM transaction: one per (community, interval,
 * version). Totals are sums of magnitudes, as on chain (reversals count with their own energy and cents).
 */
export const SettlementBatchSchema = Type.Object(
  {
    batchId: Id(),
    communityId: Id(),
    intervalStart: UtcInstant({ description: 'Quarter-hour aligned start of the covered period' }),
    intervalEnd: UtcInstant({ description: 'Quarter-hour aligned end of the covered period (exclusive)' }),
    transactionIds: Type.Array(Id(), { minItems: 1, uniqueItems: true }),
    transactionCount: Type.Integer({ minimum: 1, description: 'Equals transactionIds.length' }),
    totalEnergyWh: NonNegativeInteger(),
    totalAmountCt: NonNegativeInteger(),
    merkleRoot: Type.String({ pattern: '^0x[0-9a-f]{64}$', description: 'Root over the transactions' }),
    chainId: Type.Integer({ exclusiveMinimum: 0, description: 'EIP-155 chain id' }),
    contractAddress: Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' }),
    txHash: Type.String({ pattern: '^0x[0-9a-f]{64}$' }),
    blockNumber: NonNegativeInteger(),
    committedAt: UtcInstant(),
    version: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Version of the interval settlement (default 1); a correction commits the next one',
      }),
    ),
  },
  {
    additionalProperties: false,
    title: 'Settlement batch',
    description: 'de.gridwerk.settlement.batch.v1 data',
  },
);
export type SettlementBatch = Static<typeof SettlementBatchSchema>;

export const SettlementBatchEventSchema = CloudEventSchema(EventTypes.settlementBatch, SettlementBatchSchema);
export type SettlementBatchEvent = Static<typeof SettlementBatchEventSchema>;
