/** Stable error codes of settlement's data access (translated to HTTP / CLI answers at the edge). */
export type SettlementDataErrorCode =
  | 'COMMUNITY.NOT_FOUND'
  | 'COMMUNITY.ALREADY_EXISTS'
  | 'COMMUNITY.INVALID'
  | 'MEMBER.IN_OTHER_COMMUNITY'
  | 'MEMBER.NOT_FOUND'
  | 'TRANSACTION.NOT_FOUND'
  | 'BATCH.NOT_FOUND';

export class SettlementDataError extends Error {
  constructor(
    readonly code: SettlementDataErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'SettlementDataError';
  }
}
