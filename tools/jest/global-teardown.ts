import { registerWorkspacePaths } from './workspace-paths';
registerWorkspacePaths();
/* eslint-disable @typescript-eslint/no-require-imports */
const { loadInfraConfig } = require('../infra/infra-config') as typeof import('../infra/infra-config');
const { infraDown } = require('../infra/infra') as typeof import('../infra/infra');

export default async function globalTeardown(): Promise<void> {
  const up = (globalThis as { __gridwerkInfraUp?: Parameters<typeof infraDown>[2] }).__gridwerkInfraUp;
  if (up) await infraDown(() => undefined, loadInfraConfig(), up);
}
