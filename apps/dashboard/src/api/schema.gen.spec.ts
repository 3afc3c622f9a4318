import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The dashboard's API types are generated from grid-api's committed OpenAPI document
 * (`npm run grid-api:openapi` writes it, `npx nx run dashboard:api-types` regenerates schema.gen.ts):
 * a document change without regenerated types fails here.
 */
describe('generated API types', () => {
  it('match the committed OpenAPI document', () => {
    const root = path.resolve(__dirname, '../../../..');
    const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
    const generated = execFileSync(bin('openapi-typescript'), [path.join(__dirname, 'openapi.json')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // formatted as the committed file is: prettier with the workspace's settings, by its path
    const committedPath = path.join(__dirname, 'schema.gen.ts');
    const formatted = execFileSync(bin('prettier'), ['--stdin-filepath', committedPath], {
      cwd: root,
      input: generated,
      encoding: 'utf8',
    });
    expect(formatted).toBe(fs.readFileSync(committedPath, 'utf8'));
  });
});
