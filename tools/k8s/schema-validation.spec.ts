import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseManifests, REPO_ROOT, yamlFilesUnder, isKustomization, type Manifest } from './manifest-checks';
import { KINDS, validateAgainstSchemas, type SchemaObject } from './schema-validation';

/**
 * Every object each overlay renders is valid against the Kubernetes OpenAPI schema (kubernetes-models)
 * and, for KEDA and Strimzi objects, against their CRD schemas; broken objects are refused with the
 * path of what is wrong. The policy checks (manifests.spec.ts) run beside this.
 */
jest.setTimeout(60_000);

const OVERLAYS = [
  'overlays/dev',
  'overlays/production',
  'overlays/dev/migrations',
  'overlays/production/migrations',
];

function render(overlay: string): Manifest[] {
  const r = spawnSync('kubectl', ['kustomize', path.join(REPO_ROOT, 'k8s', overlay)], {
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
  });
  if (r.error !== undefined || r.status !== 0)
    throw new Error(
      `kubectl kustomize k8s/${overlay} failed (kubectl is required): ${r.stderr ?? String(r.error)}`,
    );
  return parseManifests(r.stdout, `kustomize(${overlay})`);
}

const asObjects = (ms: readonly Manifest[]): SchemaObject[] => ms.map((m) => ({ file: m.file, doc: m.doc }));

describe.each(OVERLAYS)('k8s/%s against the schemas', (overlay) => {
  it('renders only objects that are valid, with no unknown field', () => {
    const rendered = render(overlay);
    expect(rendered.length).toBeGreaterThan(0);
    expect(validateAgainstSchemas(asObjects(rendered))).toEqual([]);
  });
});

describe('schema validation', () => {
  it('knows a schema for every kind under k8s/ (no object goes unvalidated)', () => {
    const kinds = new Set(
      yamlFilesUnder(path.join(REPO_ROOT, 'k8s'))
        .filter((f) => !isKustomization(f))
        .flatMap((f) => parseManifests(fs.readFileSync(f, 'utf8'), f))
        .map((m) => `${String(m.doc['apiVersion'])}/${String(m.doc['kind'])}`),
    );
    for (const k of kinds) expect([k, KINDS[k] !== undefined]).toEqual([k, true]);
    expect(
      validateAgainstSchemas([{ file: 'x.yaml', doc: { apiVersion: 'example.com/v1', kind: 'Widget' } }]),
    ).toEqual([
      'x.yaml: Widget/?: no schema for example.com/v1/Widget (add it to KINDS in tools/k8s/schema-validation.ts)',
    ]);
  });

  const rendered = render('overlays/production');
  const pick = (kind: string, name: string): Record<string, unknown> => {
    const m = rendered.find(
      (x) => x.doc['kind'] === kind && (x.doc['metadata'] as { name?: string }).name === name,
    );
    if (m === undefined) throw new Error(`${kind}/${name} not rendered`);
    return structuredClone(m.doc);
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests edit parsed YAML at will
  const broken = (doc: Record<string, unknown>, mutate: (d: any) => void): string[] => {
    mutate(doc);
    return validateAgainstSchemas([{ file: 'broken', doc }]);
  };

  it('refuses a wrong type: replicas "two"', () => {
    expect(broken(pick('Deployment', 'grid-api'), (d) => (d.spec.replicas = 'two'))).toEqual([
      'broken: Deployment/grid-api: /spec/replicas must be integer',
    ]);
  });

  it('refuses an unknown field, at its path', () => {
    expect(
      broken(
        pick('Deployment', 'ingest'),
        (d) => (d.spec.template.spec.containers[0].imagePulPolicy = 'Always'),
      ),
    ).toEqual([
      'broken: Deployment/ingest: /spec/template/spec/containers/0/imagePulPolicy is not a known field',
    ]);
    expect(broken(pick('CronJob', 'forecast-train'), (d) => (d.spec.concurencyPolicy = 'Forbid'))).toEqual([
      'broken: CronJob/forecast-train: /spec/concurencyPolicy is not a known field',
    ]);
  });

  it('refuses a misspelled enum value', () => {
    expect(
      broken(pick('CronJob', 'forecast-train'), (d) => (d.spec.concurrencyPolicy = 'Forbidden')),
    ).toEqual([
      'broken: CronJob/forecast-train: /spec/concurrencyPolicy must be equal to one of the allowed values (["Allow","Forbid","Replace"])',
    ]);
  });

  it('refuses a KEDA trigger without its metadata, and a Strimzi topic with a wrong type', () => {
    expect(broken(pick('ScaledObject', 'ingest'), (d) => delete d.spec.triggers[0].metadata)).toEqual([
      'broken: ScaledObject/ingest: /spec/triggers/0 must have required property metadata',
    ]);
    const topic = rendered.find((m) => m.doc['kind'] === 'KafkaTopic');
    expect(
      broken(structuredClone(topic?.doc ?? {}), (d) => (d.spec.partitions = '6')).map((p) =>
        p.replace(/KafkaTopic\/[\w.-]+/, 'KafkaTopic/t'),
      ),
    ).toEqual(['broken: KafkaTopic/t: /spec/partitions must be integer']);
  });
});
