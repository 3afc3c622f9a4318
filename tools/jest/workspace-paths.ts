import path from 'node:path';
import { register } from 'tsconfig-paths';
import fs from 'node:fs';

let registered = false;

/** Jest applies no moduleNameMapper to global set-up code: resolve @gridwerk/* aliases ourselves. */
export function registerWorkspacePaths(): void {
  if (registered) return;
  registered = true;
  const root = path.resolve(__dirname, '..', '..');
  const base = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  register({ baseUrl: root, paths: base.compilerOptions.paths });
}
