/**
 * Assembles an app's runtime directory as its image does (Dockerfile, stage `runtime`): the built
 * bundle `dist/apps/<app>/` and the production dependencies of its generated lockfile, installed by
 * `npm ci --omit=dev` from a clean directory. Nothing of the workspace's node_modules is reachable
 * from it (it lives under the OS temp directory).
 *
 * An install takes 5-20 s, so installed trees are kept by the hash of the dependency tree in
 * `$GRIDWERK_CACHE/runtime/<hash>/` and the runtime directory links its `node_modules` there: a
 * lockfile that changes gets a fresh clean install.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface RuntimeDir {
  app: string;
  /**
   * What the image's WORKDIR (/app) holds: `dist/apps/<app>/` (bundles, assets), the app's
   * package.json and lockfile, `node_modules`; and for grid-api `dist/apps/dashboard/`.
   */
  dir: string;
  /** `dist/apps/<app>` inside `dir`. */
  appDir: string;
  /** The installed production tree (the cache entry `dir/node_modules` links to). */
  nodeModules: string;
  /** Bytes on disk (allocated blocks) of the bundle plus its node_modules. */
  bytes: number;
  remove(): void;
}

function cacheRoot(): string {
  return process.env['GRIDWERK_CACHE'] || path.join(os.homedir(), '.cache', 'gridwerk');
}

/** Disk space (allocated blocks, as `du` counts) of everything under `dir`, following no links. */
export function diskBytes(dir: string): number {
  let total = 0;
  const walk = (p: string): void => {
    const st = fs.lstatSync(p);
    total += st.blocks * 512;
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(dir);
  return total;
}

/**
 * Installed trees kept in the cache: beyond the newest six, those unused for a day are removed (the
 * cache may be shared by several checkouts of this machine; a tree in use is never that old).
 */
const KEEP_INSTALLS = 6;
const STALE_MS = 24 * 3600_000;

function pruneCache(dir: string, keep: number): void {
  if (!fs.existsSync(dir)) return;
  const entries = fs
    .readdirSync(dir)
    .filter((e) => !e.includes('.tmp-'))
    .map((e) => ({ e, t: fs.statSync(path.join(dir, e)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { e, t } of entries.slice(keep))
    if (Date.now() - t > STALE_MS) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
}

/** `npm ci --omit=dev` of this lockfile, once per dependency tree. */
export function installProductionTree(bundleDir: string): string {
  const lock = fs.readFileSync(path.join(bundleDir, 'package-lock.json'));
  const pkg = fs.readFileSync(path.join(bundleDir, 'package.json'));
  // the installed tree depends on the dependency set only, not on the app's name: apps with the same
  // production dependencies share one install
  const parsed = JSON.parse(lock.toString()) as { packages: Record<string, { dependencies?: unknown }> };
  const { '': root, ...tree } = parsed.packages;
  const hash = createHash('sha256')
    .update(JSON.stringify({ dependencies: root?.dependencies, tree }))
    .digest('hex')
    .slice(0, 20);
  const target = path.join(cacheRoot(), 'runtime', hash);
  pruneCache(path.dirname(target), KEEP_INSTALLS);
  if (fs.existsSync(path.join(target, '.complete'))) {
    const now = new Date();
    fs.utimesSync(target, now, now); // last use, for pruneCache
    return path.join(target, 'node_modules');
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = fs.mkdtempSync(`${target}.tmp-`);
  fs.writeFileSync(path.join(staging, 'package.json'), pkg);
  fs.writeFileSync(path.join(staging, 'package-lock.json'), lock);
  const r = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: staging,
    encoding: 'utf8',
    // the install must not see the workspace's npm configuration or a parent's npm_config_* settings
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_'))),
    timeout: 300_000,
  });
  if (r.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`npm ci --omit=dev failed (${r.status}): ${r.stderr}`);
  }
  fs.writeFileSync(path.join(staging, '.complete'), new Date().toISOString());
  try {
    fs.renameSync(staging, target);
  } catch {
    // another process installed the same tree meanwhile: keep that one
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return path.join(target, 'node_modules');
}

/** The runtime directory of `app`, from `dist/apps/<app>` (build it first: `nx run <app>:build`). */
export function assembleRuntime(app: string): RuntimeDir {
  const bundleDir = path.join(REPO_ROOT, 'dist', 'apps', app);
  if (!fs.existsSync(path.join(bundleDir, 'package-lock.json')))
    throw new Error(`${bundleDir} has no build; run: npx nx run ${app}:build`);
  const nodeModules = installProductionTree(bundleDir);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gridwerk-runtime-${app}-`));
  const appDir = path.join(dir, 'dist', 'apps', app);
  fs.mkdirSync(appDir, { recursive: true });
  for (const entry of fs.readdirSync(bundleDir)) {
    // source maps stay in the image too (stack traces name the TypeScript lines); meta.json does not
    if (entry === 'meta.json') continue;
    const into = entry === 'package.json' || entry === 'package-lock.json' ? dir : appDir;
    fs.cpSync(path.join(bundleDir, entry), path.join(into, entry), { recursive: true });
  }
  fs.symlinkSync(nodeModules, path.join(dir, 'node_modules'), 'dir');
  if (app === 'grid-api') {
    // grid-api serves the dashboard's build (DASHBOARD_DIR, default dist/apps/dashboard)
    const dashboard = path.join(REPO_ROOT, 'dist', 'apps', 'dashboard');
    if (!fs.existsSync(path.join(dashboard, 'index.html')))
      throw new Error(`${dashboard} has no build; run: npx nx run dashboard:build`);
    fs.cpSync(dashboard, path.join(dir, 'dist', 'apps', 'dashboard'), { recursive: true });
  }
  return {
    app,
    dir,
    appDir,
    nodeModules,
    bytes: diskBytes(dir) + diskBytes(nodeModules),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Root devDependencies that are not also production dependencies: none may be in a runtime tree. */
export function devOnlyPackages(): string[] {
  const root = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  return Object.keys(root.devDependencies).filter((d) => root.dependencies[d] === undefined);
}

/** Every package directory of an installed tree (`name` or `@scope/name`, nested ones included). */
export function installedPackages(nodeModules: string): Set<string> {
  const found = new Set<string>();
  const scan = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir)) {
      if (e.startsWith('.')) continue;
      if (e.startsWith('@')) {
        for (const s of fs.readdirSync(path.join(dir, e))) {
          found.add(`${e}/${s}`);
          scan(path.join(dir, e, s, 'node_modules'));
        }
      } else {
        found.add(e);
        scan(path.join(dir, e, 'node_modules'));
      }
    }
  };
  scan(nodeModules);
  return found;
}
