import type { Env } from '@gridwerk/shared/util-config';
import { loadServiceConfig } from '@gridwerk/shared/feature-ops';

/** settlement's own variables; HTTP, logging, Kafka and database come from the platform spec. */
export const settlementConfigSpec = {};

export const loadSettlementConfig = (env?: Env) =>
  loadServiceConfig('settlement', 3003, settlementConfigSpec, env);
export type SettlementConfig = ReturnType<typeof loadSettlementConfig>;
