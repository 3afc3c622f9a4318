import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

/**
 * The Nx module-boundary rule must check something: a domain lib that imports a data-access lib,
 * an app, or another lib's internals fails lint. The probe file is written into a real domain lib,
 * linted with the workspace config, and removed again.
 */
const root = path.resolve(__dirname, '..', '..');
const probe = path.join(root, 'libs/simulator/domain/src/boundary-probe.ts');

function lint(source: string): string[] {
  fs.writeFileSync(probe, source);
  try {
    // The ESLint CLI, as `nx lint` runs it (its flat config is ESM, which Jest's VM cannot load).
    const r = spawnSync(path.join(root, 'node_modules/.bin/eslint'), ['--format', 'json', probe], {
      cwd: root,
      encoding: 'utf8',
    });
    const results = JSON.parse(r.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
    const rules = ['@nx/enforce-module-boundaries', 'no-restricted-imports'];
    return (results[0]?.messages ?? [])
      .filter((m) => m.ruleId !== null && rules.includes(m.ruleId))
      .map((m) => m.message);
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

describe('module boundaries', () => {
  jest.setTimeout(120_000);

  it('forbids a domain lib from importing a data-access lib', () => {
    const errors = lint(
      "import { KafkaModule } from '@gridwerk/shared/data-access-kafka';\nexport const x = KafkaModule;\n",
    );
    expect(errors.join('\n')).toMatch(/type:domain.*can only depend on libs tagged with/s);
  });

  it('forbids importing an app', () => {
    const errors = lint("import '../../../../apps/ingest/src/main';\nexport const y = 1;\n");
    expect(errors.join('\n')).toMatch(
      /Projects cannot be imported by a relative or absolute path|Imports of apps are forbidden/,
    );
  });

  it("forbids deep imports into another lib's internals", () => {
    const errors = lint(
      "import { Topics } from '@gridwerk/contracts/src/topics';\nexport const z = Topics;\n",
    );
    expect(errors.join('\n')).toMatch(/Deep import into another lib's internals/);
  });

  it('allows a domain lib to import contracts through its public entry point', () => {
    const errors = lint(
      "import { Topics } from '@gridwerk/contracts';\nexport const ok = Topics.meterReadings;\n",
    );
    expect(errors).toEqual([]);
  });
});
