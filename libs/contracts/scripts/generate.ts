/**
 * Writes the JSON Schema files and the AsyncAPI document derived from the TypeBox schemas.
 * Run `npm run contracts:generate` after changing a schema and commit the result; the contracts tests
 * fail while the files on disk differ from what the code generates.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONTRACTS_ROOT, renderArtifacts } from './artifacts';

function main(): void {
  const artifacts = renderArtifacts();
  const schemaDir = path.join(CONTRACTS_ROOT, 'schemas');
  mkdirSync(schemaDir, { recursive: true });
  // Remove schema files no event type produces any more (a renamed or dropped version).
  const wanted = new Set(artifacts.map((a) => a.path));
  for (const file of readdirSync(schemaDir)) {
    const full = path.join(schemaDir, file);
    if (file.endsWith('.schema.json') && !wanted.has(full)) rmSync(full);
  }
  for (const artifact of artifacts) {
    writeFileSync(artifact.path, artifact.content);
    console.log(`wrote ${path.relative(process.cwd(), artifact.path)}`);
  }
}

main();
