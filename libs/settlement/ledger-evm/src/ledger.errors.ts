/** Errors of the EVM ledger adapter, with stable codes (the service maps them to logs and metrics). */
export type LedgerErrorCode =
  | 'LEDGER.ROOT_MISMATCH'
  | 'LEDGER.VERSION_OUT_OF_ORDER'
  | 'LEDGER.NOT_OPERATOR'
  | 'LEDGER.INVALID_BATCH'
  | 'LEDGER.ALREADY_RECORDED'
  | 'LEDGER.TX_REVERTED'
  | 'LEDGER.CONFIRMATION_TIMEOUT'
  | 'LEDGER.RPC_UNAVAILABLE'
  | 'LEDGER.CHAIN_MISMATCH'
  | 'LEDGER.NO_CONTRACT'
  | 'LEDGER.CONFIG';

export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LedgerError';
  }
}
