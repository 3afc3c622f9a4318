/**
 * Builds one app into `dist/apps/<app>/`: one CommonJS bundle per entry point, run with plain `node`.
 *
 *   ts-node --transpile-only tools/build/build-app.ts <app> <name>=<entry.ts> [<name>=<entry.ts> ...]
 *
 * - The workspace's code (apps and libs, through the tsconfig path aliases) is bundled; npm packages
 *   stay external and come from `node_modules` of `npm ci --omit=dev` at run time, so that native and
 *   WASM assets (the TF.js WASM binaries, HiGHS) are found where their packages look for them.
 * - esbuild does not emit decorator metadata (`design:paramtypes`), on which NestJS's dependency
 *   injection relies. Files with decorators are therefore transpiled by TypeScript first (per file, as
 *   ts-node --transpile-only did), and esbuild bundles the result.
 * - A `package.json` beside the bundles lists the production dependencies the bundles require, with
 *   the versions of the root lockfile, and `meta.json` holds esbuild's metafile (what went in).
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const DECORATOR = /^\s*@[A-Za-z_$][\w$.]*\s*(\(|$)/m;

/** TypeScript (transpile only) for files with decorators, so that Nest's metadata is emitted. */
function decoratorMetadataPlugin(): Plugin {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    // CommonJS, as ts-node --transpile-only: an interface named in decorator metadata is kept as an
    // import and reads as undefined at run time, where an ES module would fail to link
    module: ts.ModuleKind.CommonJS,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    sourceMap: false,
    inlineSourceMap: true,
    inlineSources: false,
    useDefineForClassFields: false,
  };
  return {
    name: 'decorator-metadata',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = await fs.promises.readFile(args.path, 'utf8');
        if (!DECORATOR.test(source)) return undefined;
        const out = ts.transpileModule(source, { compilerOptions: options, fileName: args.path });
        return { contents: out.outputText, loader: 'js' };
      });
    },
  };
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

interface RootPackage {
  version: string;
  dependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

/** Packages that are bundled into an app (not installed beside it), with the files they need at run time. */
const BUNDLED_ASSETS: Readonly<Record<string, readonly string[]>> = {
  // the WASM binaries the TF.js backend loads from the directory of the script that contains it
  '@tensorflow/tfjs-backend-wasm': [
    'dist/tfjs-backend-wasm.wasm',
    'dist/tfjs-backend-wasm-simd.wasm',
    'dist/tfjs-backend-wasm-threaded-simd.wasm',
  ],
};

/**
 * Packages loaded by another package with a computed require (so esbuild does not see the import):
 * Nest's core loads its HTTP platform only when the app is created.
 */
const IMPLIED: Readonly<Record<string, readonly string[]>> = {
  '@nestjs/core': ['@nestjs/platform-express'],
};

/**
 * External packages imported for their side effects (`import 'pkg'`), which the bundle must keep even
 * though it uses no binding of theirs. Every other external import whose bindings go unused is
 * dropped. esbuild would drop a bare import of an unlisted package silently: `bareImportsOf` fails the
 * build instead.
 */
const SIDE_EFFECT_PACKAGES: ReadonlySet<string> = new Set(['reflect-metadata']);

const BARE_IMPORT = /^\s*import\s+['"]([^'"./][^'"]*)['"]/gm;

/** Packages a source imports for their side effects only (`import 'pkg'`). */
export function bareImportsOf(source: string): string[] {
  return [...source.matchAll(BARE_IMPORT)].map((m) => packageOf(m[1] ?? ''));
}

/** The package a bare import belongs to (`@scope/name/sub` → `@scope/name`). */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier);
}

/**
 * The root lockfile cut down to the packages `dependencies` need at run time (dependencies, optional
 * dependencies and non-optional peers, resolved as Node resolves them through nested node_modules),
 * so that `npm ci --omit=dev` installs exactly these versions and nothing else: no optional peer such
 * as typescript or ts-node, which the full tree carries as devDependencies.
 */
export function pruneLockfile(
  lock: Lockfile,
  name: string,
  version: string,
  dependencies: Record<string, string>,
): Lockfile {
  const keep = new Map<string, LockEntry>();
  const locate = (from: string, dep: string): string | undefined => {
    let base = from;
    for (;;) {
      const candidate = base === '' ? `node_modules/${dep}` : `${base}/node_modules/${dep}`;
      if (lock.packages[candidate] !== undefined) return candidate;
      if (base === '') return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const visit = (from: string, dep: string, optional: boolean): void => {
    const at = locate(from, dep);
    if (at === undefined) {
      if (optional) return;
      throw new Error(`lockfile has no ${dep} reachable from ${from || 'the root'}`);
    }
    if (keep.has(at)) return;
    const entry = lock.packages[at];
    if (entry === undefined) return;
    const { dev: _d, devOptional: _o, peer: _p, optional: _opt, ...clean } = entry;
    keep.set(at, optional ? { ...clean, optional: true } : clean);
    for (const d of Object.keys(entry.dependencies ?? {})) visit(at, d, false);
    for (const d of Object.keys(entry.optionalDependencies ?? {})) visit(at, d, true);
    for (const d of Object.keys(entry.peerDependencies ?? {})) {
      if (entry.peerDependenciesMeta?.[d]?.optional !== true) visit(at, d, false);
    }
  };
  for (const dep of Object.keys(dependencies)) visit('', dep, false);
  const packages: Record<string, LockEntry> = { '': { name, version, dependencies } };
  for (const key of [...keep.keys()].sort()) packages[key] = keep.get(key) as LockEntry;
  return { name, version, lockfileVersion: lock.lockfileVersion, requires: true, packages };
}

/**
 * Workspace code is bundled; npm packages stay external (installed beside the bundle) unless listed
 * in `bundled`. A workspace import of a package that is not a production dependency fails the build.
 */
function externalsPlugin(
  prodDependencies: Record<string, string>,
  bundled: ReadonlySet<string>,
  external: Set<string>,
): Plugin {
  return {
    name: 'externals',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        // `require('process/')` (readable-stream, bundled with mqtt) asks for the npm shim of a Node core
        // module, which the runtime does not install: the core module is what it stands in for
        if (args.path.endsWith('/') && isBuiltin(args.path.slice(0, -1)))
          return { path: args.path.slice(0, -1), external: true };
        if (args.path.startsWith('node:') || isBuiltin(args.path)) return { path: args.path, external: true };
        if (args.path.startsWith('@gridwerk/')) return undefined; // path aliases: esbuild resolves them
        const pkg = packageOf(args.path);
        if (bundled.has(pkg)) return undefined;
        const fromPackage = args.importer.includes(`${path.sep}node_modules${path.sep}`);
        if (prodDependencies[pkg] === undefined) {
          // a bundled package's own dependencies go into the bundle with it
          if (fromPackage) return undefined;
          return {
            errors: [
              {
                text: `"${pkg}" is imported by ${path.relative(ROOT, args.importer)} but is not a production dependency`,
              },
            ],
          };
        }
        external.add(pkg);
        // free of side effects unless listed: an unused import leaves the bundle (and the process
        // does not load the package), e.g. NestJS in the ingest consumer threads
        return { path: args.path, external: true, sideEffects: SIDE_EFFECT_PACKAGES.has(pkg) };
      });
    },
  };
}

function isBuiltin(name: string): boolean {
  return builtinModules.includes(name) || builtinModules.includes(name.split('/')[0] ?? name);
}

export interface BuildOptions {
  app: string;
  /** Output name (without .js) → entry file, relative to the workspace root. */
  entries: Record<string, string>;
  /** npm packages bundled into the app instead of installed beside it. */
  bundle?: readonly string[];
}

export async function buildApp(opts: BuildOptions): Promise<void> {
  const { app, entries } = opts;
  const outdir = path.join(ROOT, 'dist', 'apps', app);
  fs.rmSync(outdir, { recursive: true, force: true });
  const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as RootPackage;
  const bundled = new Set(opts.bundle ?? []);
  const external = new Set<string>();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(
      Object.entries(entries).map(([name, file]) => [name, path.join(ROOT, file)]),
    ),
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    tsconfig: path.join(ROOT, 'tsconfig.base.json'),
    sourcemap: 'linked',
    sourcesContent: false,
    keepNames: true,
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
    plugins: [externalsPlugin(rootPkg.dependencies, bundled, external), decoratorMetadataPlugin()],
  });
  const dropped = Object.keys(result.metafile.inputs)
    .filter((file) => !file.includes('node_modules/') && /\.tsx?$/.test(file))
    .flatMap((file) =>
      bareImportsOf(fs.readFileSync(path.join(ROOT, file), 'utf8'))
        .filter((pkg) => external.has(pkg) && !SIDE_EFFECT_PACKAGES.has(pkg))
        .map((pkg) => `${file}: import '${pkg}'`),
    );
  if (dropped.length > 0)
    throw new Error(
      `imported for side effects but not in SIDE_EFFECT_PACKAGES (the bundle would drop them): ${dropped.join(', ')}`,
    );
  for (const pkg of bundled) {
    for (const asset of BUNDLED_ASSETS[pkg] ?? []) {
      fs.copyFileSync(path.join(ROOT, 'node_modules', pkg, asset), path.join(outdir, path.basename(asset)));
    }
  }
  // What the bundles still require after tree shaking: a package resolved only through an unused import of
  // a lib's index (the migrate entry imports every service's migrations from their libs' indexes) is not
  // a dependency of this runtime and must not be installed into it.
  const required = new Set<string>();
  for (const out of Object.values(result.metafile.outputs))
    for (const imp of out.imports)
      if (imp.external && !imp.path.startsWith('node:') && !isBuiltin(imp.path)) {
        const pkg = packageOf(imp.path);
        if (external.has(pkg)) required.add(pkg);
      }
  for (const pkg of [...required]) for (const implied of IMPLIED[pkg] ?? []) required.add(implied);
  const dependencies: Record<string, string> = {};
  for (const name of [...required].sort()) {
    const range = rootPkg.dependencies[name];
    if (range !== undefined) dependencies[name] = range;
  }
  const name = `@gridwerk/${app}-runtime`;
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  const pruned = pruneLockfile(lock, name, rootPkg.version, dependencies);
  // the root's install-script policy, for the packages this runtime installs (none may run scripts)
  const allowScripts = Object.fromEntries(
    Object.entries(rootPkg.allowScripts ?? {}).filter(
      ([pkg]) => pruned.packages[`node_modules/${pkg}`] !== undefined,
    ),
  );
  const pkgJson = {
    name,
    version: rootPkg.version,
    private: true,
    license: 'Apache-2.0',
    // where the runtime image puts this file: /app, beside dist/apps/<app>/ (`node .` starts the service)
    ...(entries['main'] !== undefined ? { main: `dist/apps/${app}/main.js` } : {}),
    dependencies,
    ...(Object.keys(allowScripts).length > 0 ? { allowScripts } : {}),
  };
  fs.writeFileSync(path.join(outdir, 'package.json'), `${JSON.stringify(pkgJson, null, 2)}\n`);
  fs.writeFileSync(path.join(outdir, 'package-lock.json'), `${JSON.stringify(pruned, null, 2)}\n`);
  fs.writeFileSync(path.join(outdir, 'meta.json'), JSON.stringify(result.metafile));
}

if (require.main === module) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { entry: { type: 'string', multiple: true }, bundle: { type: 'string', multiple: true } },
  });
  const [app] = positionals;
  const entries: Record<string, string> = {};
  for (const arg of values.entry ?? []) {
    const eq = arg.indexOf('=');
    if (eq > 0) entries[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  if (app === undefined || positionals.length !== 1 || Object.keys(entries).length === 0) {
    process.stderr.write(
      'usage: build-app.ts <app> --entry <name>=<file.ts> [--entry ...] [--bundle <package> ...]\n',
    );
    process.exit(2);
  }
  const started = Date.now();
  buildApp({ app, entries, bundle: values.bundle ?? [] }).then(
    () => process.stderr.write(`built dist/apps/${app} in ${Date.now() - started} ms\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
