import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface CompiledEntry {
  /** The app whose image holds the bundle (image `gridwerk-<app>`). */
  app: string;
  /** The bundle, as a container's first arg names it: `dist/apps/<app>/<name>.js`. */
  bundle: string;
  /** The TypeScript entry it is built from, relative to the repository root. */
  source: string;
}

/**
 * The bundles every app's `build` target emits (tools/build/build-app.ts `--entry name=file`), read
 * from the apps' project.json, so that a manifest's args can be traced to the source they run.
 */
export function compiledEntries(root = ROOT): Map<string, CompiledEntry> {
  const entries = new Map<string, CompiledEntry>();
  const appsDir = path.join(root, 'apps');
  for (const app of fs.readdirSync(appsDir)) {
    const file = path.join(appsDir, app, 'project.json');
    if (!fs.existsSync(file)) continue;
    const project = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      targets?: { build?: { options?: { command?: string } } };
    };
    const command = project.targets?.build?.options?.command ?? '';
    if (!command.includes('tools/build/build-app.ts')) continue;
    for (const m of command.matchAll(/--entry ([\w-]+)=(\S+)/g)) {
      const bundle = `dist/apps/${app}/${m[1]}.js`;
      entries.set(bundle, { app, bundle, source: m[2] ?? '' });
    }
  }
  return entries;
}
