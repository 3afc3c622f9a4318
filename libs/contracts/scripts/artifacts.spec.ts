import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONTRACTS_ROOT, renderArtifacts } from './artifacts';

describe('generated contract files', () => {
  it('are on disk exactly as the code generates them (run `npm run contracts:generate`)', () => {
    const artifacts = renderArtifacts();
    expect(artifacts.length).toBeGreaterThan(1);
    for (const artifact of artifacts) {
      const relative = path.relative(CONTRACTS_ROOT, artifact.path);
      expect({ file: relative, exists: existsSync(artifact.path) }).toEqual({ file: relative, exists: true });
      const onDisk = readFileSync(artifact.path, 'utf8');
      // Same JSON first (readable diff of what drifted), then the same bytes.
      expect({ file: relative, json: JSON.parse(onDisk) as unknown }).toEqual({
        file: relative,
        json: artifact.value,
      });
      expect({ file: relative, content: readFileSync(artifact.path, 'utf8') }).toEqual({
        file: relative,
        content: artifact.content,
      });
    }
  });

  it('has no stale schema files', () => {
    const wanted = renderArtifacts()
      .map((a) => path.basename(a.path))
      .filter((f) => f.endsWith('.schema.json'));
    const onDisk = readdirSync(path.join(CONTRACTS_ROOT, 'schemas')).filter((f) =>
      f.endsWith('.schema.json'),
    );
    expect(onDisk.sort()).toEqual(wanted.sort());
  });
});
