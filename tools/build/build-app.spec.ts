import fs from 'node:fs';
import path from 'node:path';
import { bareImportsOf, packageOf, pruneLockfile } from './build-app';

const ROOT = path.resolve(__dirname, '..', '..');
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Parameters<
  typeof pruneLockfile
>[0];
const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

describe('the per-app lockfile', () => {
  const deps = { typeorm: rootPkg.dependencies['typeorm'] ?? '', viem: rootPkg.dependencies['viem'] ?? '' };
  const pruned = pruneLockfile(lock, '@gridwerk/x-runtime', '0.1.0', deps);
  const keys = Object.keys(pruned.packages);

  it('has the app as its root and exactly the dependencies it names', () => {
    expect(pruned.packages['']).toEqual({
      name: '@gridwerk/x-runtime',
      version: '0.1.0',
      dependencies: deps,
    });
    expect(keys).toContain('node_modules/typeorm');
    expect(keys).toContain('node_modules/viem');
    expect(keys).not.toContain('node_modules/@tensorflow/tfjs');
  });

  it('leaves out optional peers (typescript, ts-node) that the full tree carries as devDependencies', () => {
    expect(keys.filter((k) => /(^|\/)node_modules\/(typescript|ts-node)$/.test(k))).toEqual([]);
    for (const [k, entry] of Object.entries(pruned.packages))
      expect([k, entry.dev, entry.devOptional, entry.peer]).toEqual([k, undefined, undefined, undefined]);
  });

  it('holds every package each kept package needs, resolved through nested node_modules as Node does', () => {
    const resolvable = (from: string, dep: string): boolean => {
      let base = from;
      for (;;) {
        if (pruned.packages[base === '' ? `node_modules/${dep}` : `${base}/node_modules/${dep}`]) return true;
        if (base === '') return false;
        const i = base.lastIndexOf('/node_modules/');
        base = i < 0 ? '' : base.slice(0, i);
      }
    };
    const missing: string[] = [];
    for (const [k, entry] of Object.entries(pruned.packages)) {
      if (k === '') continue;
      for (const dep of Object.keys(entry.dependencies ?? {}))
        if (!resolvable(k, dep)) missing.push(`${k} -> ${dep}`);
    }
    expect(missing).toEqual([]);
  });

  it('names the package of a bare import', () => {
    expect(packageOf('@nestjs/core/injector')).toBe('@nestjs/core');
    expect(packageOf('pg-copy-streams')).toBe('pg-copy-streams');
    expect(packageOf('viem/chains')).toBe('viem');
  });
});

describe('imports kept for their side effects', () => {
  it('finds the packages a source imports bare (which the bundle drops unless listed)', () => {
    const source = [
      "import 'reflect-metadata';",
      "import '@tensorflow/tfjs-backend-wasm/dist/index';",
      "import { Pool } from 'pg';",
      "import './local';",
      "import type { Kafka } from 'kafkajs';",
    ].join('\n');
    expect(bareImportsOf(source)).toEqual(['reflect-metadata', '@tensorflow/tfjs-backend-wasm']);
  });
});
