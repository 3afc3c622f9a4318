import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..', '..');

/** Runs the simulator CLI as a real process (as a user or a Job would), from the repository root. */
export function runSimulatorCli(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'apps/simulator/src/cli.ts',
      ...args,
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
    },
  );
}
