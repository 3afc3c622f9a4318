export { EvmSettlementLedger, leafHashOf } from './evm-settlement-ledger';
export type {
  EvmSettlementLedgerOptions,
  LedgerLog,
  LedgerMetricsHooks,
  LedgerOperationKind,
  ResumeSummary,
} from './evm-settlement-ledger';
export {
  deploySettlementLedgerContract,
  ledgerChain,
  settlementLedgerAbi,
  settlementLedgerBytecode,
  settlementLedgerCompiler,
  settlementLedgerDeployedBytecode,
  verifyTransactionOnChain,
} from './settlement-ledger.contract';
export type { DeploySettlementLedgerOptions, DeployedSettlementLedger } from './settlement-ledger.contract';
export {
  DEV_CHAIN_IDS,
  DEV_ONLY_MNEMONIC,
  devOnlySignerKey,
  ledgerEvmConfigSpec,
  ledgerSignerKey,
} from './ledger-evm.config';
export type { LedgerEvmConfig } from './ledger-evm.config';
export { communityKeyOf, intervalStartSeconds, toMicroTransaction, transactionKeyOf } from './leaf';
export type { MicroTransactionStruct } from './leaf';
export { LedgerError } from './ledger.errors';
export type { LedgerErrorCode } from './ledger.errors';
export {
  ledgerEvmMigrations,
  LedgerEvmTransactions1764600000000,
} from './migrations/1764600000000-ledger-evm-transactions';
export { LedgerTransactionsRepository } from './ledger-transactions.repository';
export type { LedgerTxRecord, LedgerTxStatus } from './ledger-transactions.repository';
export { isTransientRpcError } from './rpc-retry';
