import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/**
 * The dashboard's production build (Vite), written to `outDir` instead of dist/apps/dashboard, so that a
 * test or benchmark serves exactly what grid-api would serve without touching the Nx output.
 */
export function buildDashboardInto(outDir: string): void {
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'apps/dashboard/vite.config.ts',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    {
      cwd: root,
      encoding: 'utf8',
      // NODE_ENV=production, whatever the caller's: Vite builds for the NODE_ENV it finds, and under jest that
      // is 'test', which bundled React's development build, whose StrictMode runs every effect twice: each
      // first-load request went out twice in the browser tests, never in the build grid-api serves
      env: { ...process.env, NODE_ENV: 'production', VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
    },
  );
  if (r.status !== 0) throw new Error(`dashboard build failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
}
