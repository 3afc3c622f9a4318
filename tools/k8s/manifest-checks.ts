/**
 * Checks of Kubernetes manifests against what the code says: probes on the served port, resources,
 * pod security, CronJob settings and forecast subcommands, KEDA limits from TOPIC_SPECS, and env vars
 * against the apps' config specs. Each check returns a list of problems (empty = fine) so that the
 * same checks run on the raw files under k8s/ and on `kubectl kustomize` output of each overlay.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { TOPIC_SPECS } from '@gridwerk/contracts';
import type { ConfigVar } from './config-vars';

export type Rec = Record<string, unknown>;

export interface Manifest {
  /** Path relative to the repository root, or a label such as `kustomize(dev)`. */
  readonly file: string;
  readonly doc: Rec;
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const K8S_ROOT = path.join(REPO_ROOT, 'k8s');

export function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `get(doc, 'spec', 'template', 'spec')`: undefined as soon as a step is missing. */
export function get(v: unknown, ...keys: readonly (string | number)[]): unknown {
  let cur: unknown = v;
  for (const k of keys) {
    if (typeof k === 'number') cur = Array.isArray(cur) ? (cur as unknown[])[k] : undefined;
    else cur = isRec(cur) ? cur[k] : undefined;
  }
  return cur;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

export function kindOf(m: Manifest): string {
  return str(m.doc['kind']) ?? '';
}

export function nameOf(m: Manifest): string {
  return str(get(m.doc, 'metadata', 'name')) ?? '';
}

function where(m: Manifest): string {
  return `${m.file}: ${kindOf(m)}/${nameOf(m)}`;
}

/** Every YAML document of a text; a syntax error is thrown with the file name. */
export function parseManifests(text: string, file: string): Manifest[] {
  return parseAllDocuments(text).flatMap((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    const doc: unknown = d.toJS();
    if (doc === null || doc === undefined) return [];
    if (!isRec(doc)) throw new Error(`${file}: a document is not a mapping`);
    return [{ file, doc }];
  });
}

export function yamlFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? yamlFilesUnder(path.join(dir, e.name))
        : /\.ya?ml$/.test(e.name)
          ? [path.join(dir, e.name)]
          : [],
    )
    .sort();
}

export function isKustomization(file: string): boolean {
  return /(^|\/)kustomization\.ya?ml$/.test(file);
}

// --- objects -----------------------------------------------------------------------------------------

export function checkObjectIdentity(ms: readonly Manifest[]): string[] {
  return ms.flatMap((m) => {
    const missing = ['apiVersion', 'kind'].filter((k) => typeof m.doc[k] !== 'string' || m.doc[k] === '');
    if (nameOf(m) === '') missing.push('metadata.name');
    return missing.length > 0 ? [`${m.file}: document without ${missing.join(', ')}`] : [];
  });
}

// --- pod templates -----------------------------------------------------------------------------------

export interface PodTemplate {
  readonly owner: Manifest;
  readonly template: Rec;
  readonly spec: Rec;
  readonly containers: Rec[];
}

export function podTemplateOf(m: Manifest): PodTemplate | undefined {
  const kind = kindOf(m);
  const template =
    kind === 'Deployment' || kind === 'Job' || kind === 'StatefulSet' || kind === 'DaemonSet'
      ? get(m.doc, 'spec', 'template')
      : kind === 'CronJob'
        ? get(m.doc, 'spec', 'jobTemplate', 'spec', 'template')
        : undefined;
  if (!isRec(template)) return undefined;
  const spec = get(template, 'spec');
  if (!isRec(spec)) return undefined;
  return { owner: m, template, spec, containers: list(spec['containers']).filter(isRec) };
}

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
};

/** A Kubernetes quantity (`500m`, `2`, `512Mi`) as a number; NaN if it is not one. */
export function quantity(v: unknown): number {
  const s = str(v);
  if (s === undefined) return Number.NaN;
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi)?$/.exec(s);
  if (m === null) return Number.NaN;
  const n = Number(m[1]);
  const unit = m[2] ?? '';
  return unit === 'm' ? n / 1000 : n * (MEMORY_UNITS[unit] ?? Number.NaN);
}

/** Resources, pod security and a writable /tmp for every container of every pod template. */
export function checkPodTemplates(ms: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const m of ms) {
    const pod = podTemplateOf(m);
    if (pod === undefined) continue;
    const at = where(m);
    if (pod.containers.length === 0) problems.push(`${at}: no containers`);
    if (get(pod.spec, 'automountServiceAccountToken') !== false)
      problems.push(`${at}: automountServiceAccountToken is not false`);
    const podNonRoot = get(pod.spec, 'securityContext', 'runAsNonRoot') === true;
    const tmpVolumes = new Set(
      list(pod.spec['volumes'])
        .filter((v) => isRec(get(v, 'emptyDir')))
        .map((v) => str(get(v, 'name'))),
    );
    for (const c of pod.containers) {
      const cat = `${at} container ${str(c['name']) ?? '?'}`;
      for (const kind of ['requests', 'limits'] as const) {
        for (const res of ['cpu', 'memory'] as const) {
          if (Number.isNaN(quantity(get(c, 'resources', kind, res))))
            problems.push(`${cat}: resources.${kind}.${res} missing or not a quantity`);
        }
      }
      for (const res of ['cpu', 'memory'] as const) {
        if (quantity(get(c, 'resources', 'requests', res)) > quantity(get(c, 'resources', 'limits', res))) {
          problems.push(`${cat}: ${res} request above its limit`);
        }
      }
      if (!podNonRoot && get(c, 'securityContext', 'runAsNonRoot') !== true)
        problems.push(`${cat}: runAsNonRoot is not set`);
      if (get(c, 'securityContext', 'readOnlyRootFilesystem') !== true)
        problems.push(`${cat}: readOnlyRootFilesystem is not true`);
      if (get(c, 'securityContext', 'allowPrivilegeEscalation') !== false)
        problems.push(`${cat}: allowPrivilegeEscalation is not false`);
      if (!list(get(c, 'securityContext', 'capabilities', 'drop')).includes('ALL'))
        problems.push(`${cat}: capabilities do not drop ALL`);
      const tmp = list(c['volumeMounts']).find((v) => get(v, 'mountPath') === '/tmp');
      if (tmp === undefined || !tmpVolumes.has(str(get(tmp, 'name'))))
        problems.push(`${cat}: /tmp is not an emptyDir (read-only root filesystem)`);
    }
  }
  return problems;
}

function envValue(c: Rec, name: string): unknown {
  const e = list(c['env']).find((v) => get(v, 'name') === name);
  return get(e, 'value');
}

/**
 * Deployments: probes on a declared port that is the app's HTTP_PORT, bound to every interface (HTTP_HOST),
 * scrape annotations, selector.
 */
export function checkDeployments(ms: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const m of ms.filter((x) => kindOf(x) === 'Deployment')) {
    const pod = podTemplateOf(m);
    if (pod === undefined) {
      problems.push(`${where(m)}: no pod template`);
      continue;
    }
    const at = where(m);
    const selector = get(m.doc, 'spec', 'selector', 'matchLabels');
    const labels = get(pod.template, 'metadata', 'labels');
    if (!isRec(selector) || Object.keys(selector).length === 0)
      problems.push(`${at}: no selector.matchLabels`);
    else if (Object.entries(selector).some(([k, v]) => get(labels, k) !== v))
      problems.push(`${at}: selector does not match the pod labels`);
    for (const c of pod.containers) {
      const cat = `${at} container ${str(c['name']) ?? '?'}`;
      const ports = list(c['ports']);
      const http = ports.find((p) => get(p, 'name') === 'http');
      const httpPort = str(get(http, 'containerPort'));
      if (httpPort === undefined) {
        problems.push(`${cat}: no containerPort named http`);
        continue;
      }
      if (str(envValue(c, 'HTTP_PORT')) !== httpPort)
        problems.push(`${cat}: HTTP_PORT is not set to the http containerPort ${httpPort}`);
      // the apps bind to 127.0.0.1 unless told otherwise: in a pod nothing could reach them
      if (str(envValue(c, 'HTTP_HOST')) !== '0.0.0.0')
        problems.push(`${cat}: HTTP_HOST is not set to 0.0.0.0 (the apps default to 127.0.0.1)`);
      const probes: Record<string, string> = {
        readinessProbe: '/health',
        livenessProbe: '/health/live',
        startupProbe: '/health/live',
      };
      for (const [probe, expectedPath] of Object.entries(probes)) {
        const p = get(c, probe, 'httpGet');
        if (!isRec(p)) {
          problems.push(`${cat}: no ${probe} (httpGet)`);
          continue;
        }
        if (p['path'] !== expectedPath)
          problems.push(`${cat}: ${probe} path ${str(p['path']) ?? '-'} instead of ${expectedPath}`);
        const port = str(p['port']);
        if (port !== 'http' && port !== httpPort)
          problems.push(`${cat}: ${probe} port ${port ?? '-'} is not the container's http port`);
      }
      const ann = get(pod.template, 'metadata', 'annotations');
      if (
        get(ann, 'prometheus.io/scrape') !== 'true' ||
        get(ann, 'prometheus.io/path') !== '/metrics' ||
        get(ann, 'prometheus.io/port') !== httpPort
      ) {
        problems.push(
          `${cat}: prometheus.io scrape/path/port annotations missing or not ${httpPort}/metrics`,
        );
      }
    }
  }
  return problems;
}

/** Each Service selects a Deployment's pods and targets a port its containers declare. */
export function checkServices(ms: readonly Manifest[]): string[] {
  const deployments = ms.filter((m) => kindOf(m) === 'Deployment').map(podTemplateOf);
  return ms
    .filter((m) => kindOf(m) === 'Service')
    .flatMap((svc) => {
      const selector = get(svc.doc, 'spec', 'selector');
      const target = deployments.find(
        (p) =>
          p !== undefined &&
          isRec(selector) &&
          Object.entries(selector).every(([k, v]) => get(p.template, 'metadata', 'labels', k) === v),
      );
      if (target === undefined) return [`${where(svc)}: selects no Deployment's pods`];
      const declared = new Set(
        target.containers.flatMap((c) =>
          list(c['ports']).flatMap((p) => [str(get(p, 'name')), str(get(p, 'containerPort'))]),
        ),
      );
      return list(get(svc.doc, 'spec', 'ports'))
        .map((p) => str(get(p, 'targetPort')))
        .filter((t) => t === undefined || !declared.has(t))
        .map(
          (t) => `${where(svc)}: targetPort ${t ?? '-'} is not a container port of ${nameOf(target.owner)}`,
        );
    });
}

// --- CronJobs ----------------------------------------------------------------------------------------

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** For `*\/N` or `a-b/N` in the minute field and `*` elsewhere: the period in seconds. */
export function fixedPeriodSeconds(schedule: string): number | undefined {
  const f = schedule.trim().split(/\s+/);
  const m = /^(?:\*|\d+-\d+)\/(\d+)$/.exec(f[0] ?? '');
  return m !== null && f.slice(1).every((x) => x === '*') ? Number(m[1]) * 60 : undefined;
}

export interface CliShape {
  /** The CLI entry point, relative to the repository root. */
  readonly entry: string;
  readonly subcommands: ReadonlySet<string>;
  /** Allowed values of value flags the manifests pass, e.g. horizon -> day-ahead | intraday. */
  readonly flagValues: Readonly<Record<string, readonly string[]>>;
}

/** Forbid, a time zone, deadlines, history limits, Never restarts; args a real subcommand of the CLI. */
export function checkCronJobs(ms: readonly Manifest[], cli: CliShape): string[] {
  const problems: string[] = [];
  for (const m of ms.filter((x) => kindOf(x) === 'CronJob')) {
    const at = where(m);
    const spec = get(m.doc, 'spec');
    const schedule = str(get(spec, 'schedule')) ?? '';
    const fields = schedule.trim().split(/\s+/);
    if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f)))
      problems.push(`${at}: schedule "${schedule}" is not a 5-field cron expression`);
    if (get(spec, 'concurrencyPolicy') !== 'Forbid') problems.push(`${at}: concurrencyPolicy is not Forbid`);
    const tz = str(get(spec, 'timeZone'));
    if (tz === undefined || !isTimeZone(tz)) problems.push(`${at}: timeZone missing or not an IANA zone`);
    for (const k of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
      if (typeof get(spec, k) !== 'number') problems.push(`${at}: ${k} missing`);
    }
    const job = get(spec, 'jobTemplate', 'spec');
    for (const k of ['backoffLimit', 'activeDeadlineSeconds']) {
      if (typeof get(job, k) !== 'number') problems.push(`${at}: jobTemplate ${k} missing`);
    }
    const period = fixedPeriodSeconds(schedule);
    const deadline = get(job, 'activeDeadlineSeconds');
    if (period !== undefined && typeof deadline === 'number' && deadline >= period) {
      problems.push(`${at}: activeDeadlineSeconds ${deadline} not shorter than the ${period} s period`);
    }
    const pod = podTemplateOf(m);
    if (get(pod?.spec, 'restartPolicy') !== 'Never')
      problems.push(`${at}: restartPolicy is not Never (exit codes must reach the Job)`);
    for (const c of pod?.containers ?? []) problems.push(...checkCliArgs(at, c, cli));
  }
  return problems;
}

export function checkCliArgs(at: string, c: Rec, cli: CliShape): string[] {
  const args = list(c['args']).map((a) => str(a) ?? '');
  if (args[0] !== cli.entry) return [`${at}: args do not start with ${cli.entry}`];
  const sub = args[1];
  if (sub === undefined || !cli.subcommands.has(sub)) {
    return [
      `${at}: "${sub ?? ''}" is not a subcommand of ${cli.entry} (known: ${[...cli.subcommands].sort().join(', ')})`,
    ];
  }
  const problems: string[] = [];
  args.slice(2).forEach((a, i, rest) => {
    const flag = /^--([a-z-]+)$/.exec(a)?.[1];
    const allowed = flag === undefined ? undefined : cli.flagValues[flag];
    const value = rest[i + 1];
    if (allowed !== undefined && (value === undefined || !allowed.includes(value))) {
      problems.push(`${at}: --${flag ?? ''} ${value ?? ''} is not one of ${allowed.join(', ')}`);
    }
  });
  return problems;
}

/**
 * Indexed Jobs (also as a CronJob's jobTemplate) whose container runs a sharded CLI: one shard per completion
 * index. The args must pass `--shard-index $(JOB_COMPLETION_INDEX)` and `--shard-count` equal to
 * `completions`, and `parallelism` must not exceed `completions`; otherwise series would be trained twice
 * or never.
 */
export function checkIndexedJobs(ms: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const m of ms) {
    const kind = kindOf(m);
    const job =
      kind === 'Job'
        ? get(m.doc, 'spec')
        : kind === 'CronJob'
          ? get(m.doc, 'spec', 'jobTemplate', 'spec')
          : undefined;
    if (get(job, 'completionMode') !== 'Indexed') continue;
    const at = where(m);
    const completions = get(job, 'completions');
    const parallelism = get(job, 'parallelism');
    if (typeof completions !== 'number' || completions < 1) {
      problems.push(`${at}: an Indexed Job needs completions ≥ 1`);
      continue;
    }
    if (typeof parallelism === 'number' && parallelism > completions)
      problems.push(`${at}: parallelism ${parallelism} exceeds completions ${completions}`);
    for (const c of podTemplateOf(m)?.containers ?? []) {
      const args = list(c['args']).map((a) => str(a) ?? '');
      const after = (flag: string) => {
        const i = args.indexOf(flag);
        return i < 0 ? undefined : args[i + 1];
      };
      if (after('--shard-index') !== '$(JOB_COMPLETION_INDEX)')
        problems.push(`${at}: args do not pass --shard-index $(JOB_COMPLETION_INDEX)`);
      if (after('--shard-count') !== String(completions))
        problems.push(
          `${at}: --shard-count ${after('--shard-count') ?? '(missing)'} is not completions ${completions}`,
        );
    }
  }
  return problems;
}

// --- KEDA --------------------------------------------------------------------------------------------

/** A kafka trigger watches a real topic, and the replicas never exceed that topic's partitions. */
export function checkScaledObjects(
  ms: readonly Manifest[],
  expect: { target: string; consumerGroup: string },
): string[] {
  const problems: string[] = [];
  const scaled = ms.filter((m) => kindOf(m) === 'ScaledObject');
  if (scaled.length === 0) problems.push('no ScaledObject');
  // Overlays patch only the counts: a patch is checked against the triggers of the object it patches.
  const full = scaled.filter((m) => list(get(m.doc, 'spec', 'triggers')).length > 0);
  for (const m of scaled) {
    const at = where(m);
    const base = full.find((f) => nameOf(f) === nameOf(m));
    if (base === undefined) {
      problems.push(`${at}: no triggers (and no full ScaledObject of that name)`);
      continue;
    }
    const target = str(get(base.doc, 'spec', 'scaleTargetRef', 'name'));
    if (target !== expect.target)
      problems.push(`${at}: scaleTargetRef ${target ?? '-'} is not the ${expect.target} Deployment`);
    const deployment = ms.find(
      (d) => kindOf(d) === 'Deployment' && nameOf(d) === target && podTemplateOf(d) !== undefined,
    );
    if (deployment === undefined) problems.push(`${at}: no Deployment ${target ?? '-'}`);
    else if (get(deployment.doc, 'spec', 'replicas') !== undefined)
      problems.push(`${where(deployment)}: sets replicas although KEDA scales it`);
    const max = get(m.doc, 'spec', 'maxReplicaCount');
    const min = get(m.doc, 'spec', 'minReplicaCount');
    if (m === base && (typeof max !== 'number' || typeof min !== 'number'))
      problems.push(`${at}: minReplicaCount/maxReplicaCount missing`);
    if (typeof min === 'number' && typeof max === 'number' && min > max)
      problems.push(`${at}: minReplicaCount ${min} above maxReplicaCount ${max}`);
    for (const t of list(get(base.doc, 'spec', 'triggers'))) {
      if (get(t, 'type') !== 'kafka') continue;
      const topic = str(get(t, 'metadata', 'topic'));
      const spec = TOPIC_SPECS.find((s) => s.name === topic);
      if (spec === undefined) {
        problems.push(`${at}: trigger topic ${topic ?? '-'} is not in TOPIC_SPECS`);
        continue;
      }
      if (get(t, 'metadata', 'consumerGroup') !== expect.consumerGroup)
        problems.push(`${at}: consumerGroup is not ${expect.consumerGroup}`);
      if (!(quantity(get(t, 'metadata', 'lagThreshold')) > 0)) problems.push(`${at}: lagThreshold missing`);
      if (!str(get(t, 'metadata', 'bootstrapServers'))) problems.push(`${at}: bootstrapServers missing`);
      if (typeof max === 'number' && max > spec.partitions) {
        problems.push(
          `${at}: maxReplicaCount ${max} exceeds the ${spec.partitions} partitions of ${spec.name}`,
        );
      }
    }
  }
  return problems;
}

// --- env vars ----------------------------------------------------------------------------------------

/** Variables a workload may set although no app config reads them: the Node.js runtime's own. */
export const RUNTIME_ENV: ReadonlySet<string> = new Set(['NODE_OPTIONS']);

export interface EnvSource {
  /** Variables the entry point reads, by name. */
  readonly vars: ReadonlyMap<string, ConfigVar>;
  readonly label: string;
}

/**
 * Every variable a container gets (its env plus the keys of ConfigMaps it takes with envFrom) is one
 * its entry point's config knows; every required one is set; secrets come from Secrets only.
 */
export function checkEnv(
  ms: readonly Manifest[],
  sourceOf: (args: readonly string[]) => EnvSource | undefined,
): string[] {
  const problems: string[] = [];
  const configMapKeys = new Map<string, Set<string>>();
  for (const m of ms.filter((x) => kindOf(x) === 'ConfigMap')) {
    const keys = configMapKeys.get(nameOf(m)) ?? new Set<string>();
    Object.keys(isRec(m.doc['data']) ? m.doc['data'] : {}).forEach((k) => keys.add(k));
    configMapKeys.set(nameOf(m), keys);
  }
  for (const m of ms) {
    const pod = podTemplateOf(m);
    for (const c of pod?.containers ?? []) {
      const cat = `${where(m)} container ${str(c['name']) ?? '?'}`;
      const args = list(c['args']).map((a) => str(a) ?? '');
      const source = sourceOf(args);
      if (source === undefined) {
        problems.push(`${cat}: args ${JSON.stringify(args)} name no known entry point`);
        continue;
      }
      const set = new Map<string, 'literal' | 'secret' | 'configMap' | 'field'>();
      for (const e of list(c['env'])) {
        const name = str(get(e, 'name')) ?? '';
        set.set(
          name,
          isRec(get(e, 'valueFrom', 'secretKeyRef'))
            ? 'secret'
            : isRec(get(e, 'valueFrom', 'fieldRef'))
              ? 'field'
              : 'literal',
        );
        if (isRec(get(e, 'valueFrom', 'configMapKeyRef'))) set.set(name, 'configMap');
      }
      for (const from of list(c['envFrom'])) {
        const cm = str(get(from, 'configMapRef', 'name'));
        if (cm === undefined) {
          problems.push(
            `${cat}: envFrom other than a configMapRef (name secrets one by one with secretKeyRef)`,
          );
          continue;
        }
        const keys = configMapKeys.get(cm);
        if (keys === undefined) problems.push(`${cat}: envFrom ConfigMap ${cm} does not exist`);
        keys?.forEach((k) => {
          if (!set.has(k)) set.set(k, 'configMap');
        });
      }
      for (const [name, how] of set) {
        const v = source.vars.get(name);
        if (v === undefined && !RUNTIME_ENV.has(name))
          problems.push(`${cat}: sets ${name}, which ${source.label} does not read`);
        if (v?.secret === true && how !== 'secret')
          problems.push(`${cat}: secret ${name} is set from a ${how}, not a Secret`);
      }
      for (const v of source.vars.values()) {
        if (v.required && !set.has(v.name))
          problems.push(`${cat}: required ${v.name} (${source.label}) is not set`);
      }
      // Mirrors kafkaSettingsFrom: a SASL mechanism needs user and password; a CA file must be mounted.
      if (
        set.has('KAFKA_SASL_MECHANISM') &&
        (!set.has('KAFKA_SASL_USERNAME') || !set.has('KAFKA_SASL_PASSWORD'))
      ) {
        problems.push(`${cat}: KAFKA_SASL_MECHANISM without KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
      }
      if (set.has('KAFKA_SSL_CA_FILE')) {
        const mounts = list(c['volumeMounts']).map((v) => str(get(v, 'mountPath')) ?? '');
        const caFile = ms
          .filter((x) => kindOf(x) === 'ConfigMap')
          .map((x) => str(get(x.doc, 'data', 'KAFKA_SSL_CA_FILE')))
          .find((x) => x !== undefined);
        if (caFile !== undefined && !mounts.some((p) => caFile.startsWith(`${p}/`)))
          problems.push(`${cat}: KAFKA_SSL_CA_FILE ${caFile} is not under a mounted volume`);
      }
    }
  }
  return problems;
}

// --- kustomize ---------------------------------------------------------------------------------------

/** Files and directories a kustomization names (resources, components, patch files). */
export function kustomizationRefs(doc: Rec): string[] {
  const refs = [...list(doc['resources']), ...list(doc['components'])].map((r) => str(r) ?? '');
  for (const p of list(doc['patches'])) {
    const file = str(get(p, 'path'));
    if (file !== undefined) refs.push(file);
  }
  return refs;
}

/** Every reference exists: a file, or a directory holding a kustomization. */
export function checkKustomizationRefs(kustomizationFile: string, doc: Rec): string[] {
  const dir = path.dirname(kustomizationFile);
  return kustomizationRefs(doc).flatMap((ref) => {
    const target = path.resolve(dir, ref);
    if (!fs.existsSync(target))
      return [`${path.relative(REPO_ROOT, kustomizationFile)}: ${ref} does not exist`];
    if (fs.statSync(target).isDirectory() && !fs.existsSync(path.join(target, 'kustomization.yaml'))) {
      return [
        `${path.relative(REPO_ROOT, kustomizationFile)}: ${ref} is a directory without kustomization.yaml`,
      ];
    }
    return [];
  });
}
