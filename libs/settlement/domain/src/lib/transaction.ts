import { createHash } from 'node:crypto';

export const UTILITY = 'UTILITY';
export type TransactionKind = 'allocation' | 'grid-import' | 'grid-export' | 'adjustment';
export type TransactionDirection = 'delivery' | 'reversal';
/** The rule names of the contracts (`SETTLEMENT_RULES`). */
export type SettlementRule = 'pro-rata' | 'static' | 'double-auction';

/**
 * One microtransaction: `sellerId` delivers `energyWh` to `buyerId` in one quarter hour at
 * `priceMilliCtPerKWh`, for `amountCt`. A `reversal` (always kind `adjustment`, naming the transaction it
 * adjusts) takes exactly that energy and money back. Energy and cents are non-negative integers;
 * the sign lives in `direction`.
 */
export interface Microtransaction {
  readonly transactionId: string;
  readonly communityId: string;
  readonly intervalStart: string;
  readonly intervalEnd: string;
  readonly version: number;
  readonly sellerId: string;
  readonly buyerId: string;
  readonly energyWh: number;
  readonly priceMilliCtPerKWh: number;
  readonly amountCt: number;
  readonly kind: TransactionKind;
  readonly direction: TransactionDirection;
  readonly rule: SettlementRule;
  readonly adjustsTransactionId?: string;
}

/**
 * Stable id of a transaction: the same (community, interval, seller, buyer, version, direction) always gives
 * the same id, so a replay or a restart re-creates the ids billing already de-duplicates on. The community
 * salt is hashed in so that `keccak256(id)` on chain cannot be linked to metering point ids by guessing.
 */
export function transactionId(
  partySalt: string,
  communityId: string,
  intervalStart: string,
  sellerId: string,
  buyerId: string,
  version: number,
  direction: TransactionDirection,
): string {
  const h = createHash('sha256')
    .update(`${partySalt}|${communityId}|${intervalStart}|${sellerId}|${buyerId}|${version}|${direction}`)
    .digest('hex');
  return `stx_${h.slice(0, 40)}`;
}

/** +1 for a delivery, -1 for a reversal. */
export const signOf = (t: Pick<Microtransaction, 'direction'>): 1 | -1 =>
  t.direction === 'reversal' ? -1 : 1;
