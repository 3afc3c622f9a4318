export * from './ledger.port';
