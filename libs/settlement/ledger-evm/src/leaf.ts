import { Hex, keccak256, toBytes } from 'viem';
import type { LeafValues } from '@gridwerk/settlement/domain';
import { LedgerError } from './ledger.errors';

/** The contract's `MicroTransaction` struct: the leaf fields by name (layout of `LEAF_ABI_TYPES`). */
export interface MicroTransactionStruct {
  transactionKey: Hex;
  sellerHash: Hex;
  buyerHash: Hex;
  intervalStart: bigint;
  energyWh: bigint;
  priceMilliCtPerKWh: bigint;
  amountCt: bigint;
  direction: number;
}

const QUARTER_HOUR_S = 900;

/** On-chain key of a community: `keccak256(utf8(communityId))` (no name or id in clear on chain). */
export function communityKeyOf(communityId: string): Hex {
  if (communityId.length === 0) throw new LedgerError('LEDGER.INVALID_BATCH', 'communityId is empty');
  return keccak256(toBytes(communityId));
}

/** On-chain key of a transaction: `keccak256(utf8(transactionId))`. */
export function transactionKeyOf(transactionId: string): Hex {
  return keccak256(toBytes(transactionId));
}

/** Unix seconds of a quarter-hour start given as an ISO-8601 UTC instant; refuses anything else. */
export function intervalStartSeconds(intervalStart: string): bigint {
  const ms = Date.parse(intervalStart);
  if (!Number.isFinite(ms)) {
    throw new LedgerError(
      'LEDGER.INVALID_BATCH',
      `intervalStart "${intervalStart}" is not an ISO-8601 instant`,
    );
  }
  const s = ms / 1000;
  if (!Number.isInteger(s) || s % QUARTER_HOUR_S !== 0 || s < 0) {
    throw new LedgerError(
      'LEDGER.INVALID_BATCH',
      `intervalStart "${intervalStart}" is not on a quarter hour`,
    );
  }
  return BigInt(s);
}

export function toMicroTransaction(leaf: LeafValues): MicroTransactionStruct {
  const [
    transactionKey,
    sellerHash,
    buyerHash,
    intervalStart,
    energyWh,
    priceMilliCtPerKWh,
    amountCt,
    direction,
  ] = leaf;
  return {
    transactionKey,
    sellerHash,
    buyerHash,
    intervalStart,
    energyWh,
    priceMilliCtPerKWh,
    amountCt,
    direction,
  };
}
