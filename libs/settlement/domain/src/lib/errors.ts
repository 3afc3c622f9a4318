/** Stable error codes of the settlement domain. */
export type SettlementErrorCode =
  | 'SETTLEMENT.ARITHMETIC_OVERFLOW'
  | 'SETTLEMENT.INVALID_COMMUNITY'
  | 'SETTLEMENT.INVALID_KEY'
  | 'SETTLEMENT.INVALID_INTERVAL'
  | 'SETTLEMENT.NO_TERMS'
  | 'SETTLEMENT.IDENTITY_VIOLATED'
  | 'SETTLEMENT.VERSION_CONFLICT';

export class SettlementDomainError extends Error {
  constructor(
    readonly code: SettlementErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'SettlementDomainError';
  }
}
