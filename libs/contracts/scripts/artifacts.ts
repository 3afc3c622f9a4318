import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { EVENT_TYPE_LIST, EVENT_TYPES, buildAsyncApiDocument, jsonSchemaDocumentOf } from '../src';

/** Root of the contracts library (generated files are written relative to it). */
export const CONTRACTS_ROOT = path.resolve(__dirname, '..');

export interface Artifact {
  /** Absolute path. */
  readonly path: string;
  /** The JSON value the code produces. */
  readonly value: unknown;
  /** The file content: `value` formatted by Prettier with the repository's settings. */
  readonly content: string;
}

/**
 * Prettier 3 loads its plugins with dynamic `import()`, which Jest's module sandbox refuses; formatting in
 * a child Node process works the same under Jest and under ts-node, and `prettier --check` then agrees.
 */
const FORMAT_SCRIPT = `
const prettier = require('prettier');
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  const out = [];
  for (const file of JSON.parse(input)) {
    const options = (await prettier.resolveConfig(file.path)) ?? {};
    out.push(await prettier.format(file.json, { ...options, filepath: file.path }));
  }
  process.stdout.write(JSON.stringify(out));
});
`;

function formatJsonFiles(files: ReadonlyArray<{ path: string; value: unknown }>): Artifact[] {
  const stdout = execFileSync(process.execPath, ['-e', FORMAT_SCRIPT], {
    cwd: CONTRACTS_ROOT,
    input: JSON.stringify(files.map((f) => ({ path: f.path, json: JSON.stringify(f.value) }))),
    encoding: 'utf8',
  });
  const contents = JSON.parse(stdout) as string[];
  return files.map((f, i) => ({ path: f.path, value: f.value, content: contents[i] }));
}

/** Every file derived from the TypeBox schemas: one JSON Schema per event type and the AsyncAPI document. */
export function renderArtifacts(): Artifact[] {
  const files = EVENT_TYPE_LIST.map((type) => ({
    path: path.join(CONTRACTS_ROOT, 'schemas', `${EVENT_TYPES[type].schemaName}.schema.json`),
    value: jsonSchemaDocumentOf(type),
  }));
  files.push({ path: path.join(CONTRACTS_ROOT, 'asyncapi.json'), value: buildAsyncApiDocument() });
  return formatJsonFiles(files);
}
