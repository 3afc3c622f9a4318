import { databaseConfigSpec } from '@gridwerk/shared/data-access-database';
import { ledgerEvmConfigSpec } from '@gridwerk/settlement/ledger-evm';
import { cfg, loadConfig, type Env } from '@gridwerk/shared/util-config';

/** What the settlement CLI reads: the database, the chain, and who runs it (for the audit trail). */
export const settlementCliConfigSpec = {
  ...databaseConfigSpec,
  ...ledgerEvmConfigSpec,
  user: cfg.string('USER', 'who runs the CLI: the audit trail names them unless --actor is given', 'cli'),
};

export const loadSettlementCliConfig = (env?: Env) => loadConfig('settlement', settlementCliConfigSpec, env);
export type SettlementCliConfig = ReturnType<typeof loadSettlementCliConfig>;
