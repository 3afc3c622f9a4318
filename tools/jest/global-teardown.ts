import { registerWorkspacePaths } from './workspace-paths';
registerWorkspacePaths();
/* eslint-disable @typescript-eslint/no-require-imports */
const { loadInfraConfig } = require('../infra/infra-config') as typeof import('../infra/infra-config');
const { infraDown } = require('../infra/infra') as typeof import('../infra/infra');

export default async function globalTeardown(): Promise<void> {
  if ((globalThis as { __gridwerkStartedBroker?: boolean }).__gridwerkStartedBroker) {
    await infraDown(() => undefined, loadInfraConfig());
  }
}
