/**
 * Validates Kubernetes objects against the API's schemas, beside the project's own policy checks
 * (manifest-checks.ts):
 *
 * - built-in kinds against the Kubernetes OpenAPI definitions shipped in `kubernetes-models`
 *   (pinned in package.json; see KUBERNETES_SCHEMA below), KEDA objects against the KEDA CRD schemas
 *   of `@kubernetes-models/keda`, Strimzi objects against the Strimzi CRD schemas of
 *   `@kubernetes-models/strimzi-kafka-operator`: types, formats, enums, required fields, each
 *   problem with its path (the packages' precompiled Ajv validators);
 * - unknown fields, which those schemas do not forbid (the API server's strict field validation
 *   does, `kubectl apply --validate=strict`): the same packages' TypeScript declarations of every
 *   kind, applied by the TypeScript checker to the object as a literal (excess property checks).
 *
 * The packages are ES modules only; they are bundled once per process with esbuild into CommonJS,
 * so that they load under Jest and ts-node alike.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildSync } from 'esbuild';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');

/** Where the schemas come from, as the README states it. */
export const KUBERNETES_SCHEMA = {
  builtIn:
    'kubernetes-models 5.1.0 (Kubernetes OpenAPI definitions, core/v1 PodSpec of 1.34+ with hostnameOverride)',
  keda: '@kubernetes-models/keda 2.0.0 (KEDA CRDs keda.sh/v1alpha1)',
  strimzi: '@kubernetes-models/strimzi-kafka-operator 1.0.1 (Strimzi CRDs kafka.strimzi.io/v1beta2)',
} as const;

interface KindSpec {
  /** Module of the model class, as the package exports it. */
  module: string;
  /** Exported class (and `I<name>` interface) name. */
  name: string;
}

/** Every kind the manifests may contain, by `apiVersion/kind`. An object of another kind is refused. */
export const KINDS: Readonly<Record<string, KindSpec>> = {
  'v1/Namespace': { module: 'kubernetes-models/v1/Namespace', name: 'Namespace' },
  'v1/ServiceAccount': { module: 'kubernetes-models/v1/ServiceAccount', name: 'ServiceAccount' },
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', name: 'ConfigMap' },
  'v1/Secret': { module: 'kubernetes-models/v1/Secret', name: 'Secret' },
  'v1/Service': { module: 'kubernetes-models/v1/Service', name: 'Service' },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', name: 'Deployment' },
  'apps/v1/StatefulSet': { module: 'kubernetes-models/apps/v1/StatefulSet', name: 'StatefulSet' },
  'batch/v1/Job': { module: 'kubernetes-models/batch/v1/Job', name: 'Job' },
  'batch/v1/CronJob': { module: 'kubernetes-models/batch/v1/CronJob', name: 'CronJob' },
  'policy/v1/PodDisruptionBudget': {
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    name: 'PodDisruptionBudget',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    name: 'NetworkPolicy',
  },
  'keda.sh/v1alpha1/ScaledObject': {
    module: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
    name: 'ScaledObject',
  },
  'keda.sh/v1alpha1/TriggerAuthentication': {
    module: '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication',
    name: 'TriggerAuthentication',
  },
  'kafka.strimzi.io/v1beta2/KafkaTopic': {
    module: '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2/KafkaTopic',
    name: 'KafkaTopic',
  },
  'kafka.strimzi.io/v1beta2/KafkaUser': {
    module: '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2/KafkaUser',
    name: 'KafkaUser',
  },
};

interface AjvError {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}
type ModelClass = new (data: unknown) => { validate(): void };

let models: Record<string, ModelClass> | undefined;

/** The model classes of KINDS, bundled from the ES-module packages into CommonJS once. */
function loadModels(): Record<string, ModelClass> {
  if (models !== undefined) return models;
  const entries = Object.entries(KINDS);
  const source = entries
    .map(([, k], i) => `export { ${k.name} as K${i} } from ${JSON.stringify(k.module)};`)
    .join('\n');
  const out = buildSync({
    stdin: { contents: source, resolveDir: ROOT, sourcefile: 'kubernetes-schemas.mjs', loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]?.text ?? '';
  const mod = { exports: {} as Record<string, ModelClass> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- our own esbuild output, not input
  new Function('module', 'exports', 'require', code)(mod, mod.exports, createRequire(__filename));
  models = Object.fromEntries(entries.map(([key], i) => [key, mod.exports[`K${i}`]]));
  return models;
}

export interface SchemaObject {
  /** Where it came from, e.g. `kustomize(overlays/dev)` or a file. */
  file: string;
  doc: Record<string, unknown>;
}

/** `Kind/name: /json/pointer message` for every problem. */
export type SchemaProblem = string;

function label(o: SchemaObject): string {
  const name = (o.doc['metadata'] as { name?: unknown } | undefined)?.name;
  return `${o.file}: ${String(o.doc['kind'])}/${typeof name === 'string' ? name : '?'}`;
}

function typeProblems(o: SchemaObject, model: ModelClass): SchemaProblem[] {
  try {
    new model(o.doc).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) return [`${label(o)}: ${err instanceof Error ? err.message : String(err)}`];
    return errors.map((e) => {
      const extra =
        e.params?.['allowedValues'] !== undefined ? ` (${JSON.stringify(e.params['allowedValues'])})` : '';
      return `${label(o)}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`;
    });
  }
}

/** Writes `value` as a TypeScript literal, recording where each property key starts and its path. */
function literal(
  value: unknown,
  at: string,
  keys: { pos: number; path: string }[],
  out: { text: string },
): void {
  if (Array.isArray(value)) {
    out.text += '[';
    value.forEach((v, i) => {
      if (i > 0) out.text += ',';
      literal(v, `${at}/${i}`, keys, out);
    });
    out.text += ']';
  } else if (value !== null && typeof value === 'object') {
    out.text += '{';
    Object.entries(value as Record<string, unknown>).forEach(([k, v], i) => {
      if (i > 0) out.text += ',';
      const keyPath = `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      keys.push({ pos: out.text.length, path: keyPath });
      out.text += `${JSON.stringify(k)}:`;
      literal(v, keyPath, keys, out);
    });
    out.text += '}';
  } else {
    out.text += JSON.stringify(value);
  }
}

let oldProgram: ts.Program | undefined;
const EXCESS_PROPERTY = new Set([2353, 2561]);

/** Unknown fields: the TypeScript checker's excess property errors, mapped back to their paths. */
function unknownFieldProblems(objects: readonly { o: SchemaObject; kind: KindSpec }[]): SchemaProblem[] {
  if (objects.length === 0) return [];
  const file = path.join(ROOT, 'tools', 'k8s', '__schema_check__.ts');
  const out = { text: '' };
  const spans: { start: number; end: number; o: SchemaObject; keys: { pos: number; path: string }[] }[] = [];
  objects.forEach(({ o, kind }, i) => {
    out.text += `export const o${i}: import(${JSON.stringify(kind.module)}).I${kind.name} = `;
    const start = out.text.length;
    const keys: { pos: number; path: string }[] = [];
    literal(o.doc, '', keys, out);
    spans.push({ start, end: out.text.length, o, keys });
    out.text += ';\n';
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
    lib: ['lib.es2022.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) =>
    path.resolve(name) === file
      ? ts.createSourceFile(name, out.text, lang, true)
      : getSourceFile(name, lang, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host, oldProgram);
  oldProgram = program;
  const source = program.getSourceFile(file);
  const problems: SchemaProblem[] = [];
  for (const d of program.getSemanticDiagnostics(source)) {
    if (d.start === undefined) continue;
    const span = spans.find((s) => d.start !== undefined && d.start >= s.start && d.start < s.end);
    if (span === undefined) {
      problems.push(`schema check: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
      continue;
    }
    if (!EXCESS_PROPERTY.has(d.code)) continue; // types, enums and required fields: Ajv reports them
    const key = span.keys.find((k) => k.pos === d.start);
    const name = /'([^']+)' does not exist/.exec(ts.flattenDiagnosticMessageText(d.messageText, ' '))?.[1];
    problems.push(`${label(span.o)}: ${key?.path ?? `/?/${name ?? '?'}`} is not a known field`);
  }
  return problems;
}

/** Every schema problem of these objects; an object of a kind without a schema is one problem too. */
export function validateAgainstSchemas(objects: readonly SchemaObject[]): SchemaProblem[] {
  const registry = loadModels();
  const problems: SchemaProblem[] = [];
  const typed: { o: SchemaObject; kind: KindSpec }[] = [];
  for (const o of objects) {
    const key = `${String(o.doc['apiVersion'])}/${String(o.doc['kind'])}`;
    const model = registry[key];
    const kind = KINDS[key];
    if (model === undefined || kind === undefined) {
      problems.push(`${label(o)}: no schema for ${key} (add it to KINDS in tools/k8s/schema-validation.ts)`);
      continue;
    }
    problems.push(...typeProblems(o, model));
    typed.push({ o, kind });
  }
  problems.push(...unknownFieldProblems(typed));
  return problems;
}
