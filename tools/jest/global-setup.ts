/**
 * Jest global set-up for every project: integration tests need the real broker, PostgreSQL and the
 * EVM node, and some Keycloak. Under `npm test` (tools/infra/with-infra.ts) they already run; a lone
 * `nx test <project>` starts the broker and the EVM node here (and Keycloak when the project's jest
 * config says `globals: { gridwerkInfra: ['keycloak'] }` and integration tests run), and
 * global-teardown stops what was started. Relative imports only: Jest does not apply moduleNameMapper
 * to this file.
 */
import type { Config } from '@jest/types';
import { registerWorkspacePaths } from './workspace-paths';
registerWorkspacePaths();
/* eslint-disable @typescript-eslint/no-require-imports */
const { loadInfraConfig } = require('../infra/infra-config') as typeof import('../infra/infra-config');
const { infraUp } = require('../infra/infra') as typeof import('../infra/infra');
const { evmNodeRpcUrl } = require('../infra/evm-node') as typeof import('../infra/evm-node');
const { keycloakCredentialsFile, keycloakUrl } =
  require('../infra/keycloak') as typeof import('../infra/keycloak');

/** Keycloak takes ~0.5 GB and 20-70 s to start: only for projects that ask for it, and not for unit runs. */
function needsKeycloak(projectConfig: Config.ProjectConfig): boolean {
  const wanted = (projectConfig.globals as { gridwerkInfra?: unknown } | undefined)?.gridwerkInfra;
  const unitOnly = (projectConfig.testPathIgnorePatterns ?? []).some((p) => p.includes('int-spec'));
  return Array.isArray(wanted) && wanted.includes('keycloak') && !unitOnly;
}

export default async function globalSetup(
  _globalConfig: Config.GlobalConfig,
  projectConfig: Config.ProjectConfig,
): Promise<void> {
  const cfg = loadInfraConfig();
  process.env['KAFKA_BROKERS'] ??= `${cfg.host}:${cfg.brokerPort}`;
  process.env['TEST_DATABASE_URL'] ??= cfg.testDatabaseUrl;
  process.env['EVM_RPC_URL'] ??= evmNodeRpcUrl(cfg);
  process.env['KEYCLOAK_URL'] ??= keycloakUrl(cfg);
  process.env['KEYCLOAK_CREDENTIALS_FILE'] ??= keycloakCredentialsFile(cfg);
  if (process.env['GRIDWERK_INFRA_MANAGED'] === '1') return;
  const up = await infraUp(() => undefined, cfg, { keycloak: needsKeycloak(projectConfig) });
  (globalThis as { __gridwerkInfraUp?: typeof up }).__gridwerkInfraUp = up;
}
