/**
 * Jest global set-up for every project: integration tests need the real broker, PostgreSQL and the
 * EVM node. Under `npm test` (tools/infra/with-infra.ts) they already run; a lone `nx test <project>`
 * starts them here and global-teardown stops what was started. Relative imports only: Jest does not apply
 * moduleNameMapper to this file.
 */
import { registerWorkspacePaths } from './workspace-paths';
registerWorkspacePaths();
/* eslint-disable @typescript-eslint/no-require-imports */
const { loadInfraConfig } = require('../infra/infra-config') as typeof import('../infra/infra-config');
const { infraUp } = require('../infra/infra') as typeof import('../infra/infra');
const { evmNodeRpcUrl } = require('../infra/evm-node') as typeof import('../infra/evm-node');

export default async function globalSetup(): Promise<void> {
  const cfg = loadInfraConfig();
  process.env['KAFKA_BROKERS'] ??= `${cfg.host}:${cfg.brokerPort}`;
  process.env['TEST_DATABASE_URL'] ??= cfg.testDatabaseUrl;
  process.env['EVM_RPC_URL'] ??= evmNodeRpcUrl(cfg);
  if (process.env['GRIDWERK_INFRA_MANAGED'] === '1') return;
  const up = await infraUp(() => undefined, cfg);
  (globalThis as { __gridwerkInfraUp?: typeof up }).__gridwerkInfraUp = up;
}
