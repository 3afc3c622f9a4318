/**
 * Validates k8s/ against the code: `npx jest -c tools/jest.config.ts tools/k8s`.
 *
 * Every YAML document under k8s/ is parsed and checked (raw files: base, migrations, overlays' own
 * objects and patches). Each overlay is also rendered with
 * `kubectl kustomize` and the rendered objects go through the same checks (kubectl is required).
 */
import { spawnSync } from 'node:child_process';
import { compiledEntries } from './compiled-entries';
import fs from 'node:fs';
import path from 'node:path';
import { TOPIC_SPECS, Topics } from '@gridwerk/contracts';
import { HORIZON_NAMES } from '@gridwerk/forecast/data-access';
import { oidcConfigSpec, rateLimitConfigSpec } from '@gridwerk/shared/auth';
import { controlRoomConfigSpec } from '@gridwerk/grid/feature-control-room';
import { ledgerEvmConfigSpec } from '@gridwerk/settlement/ledger-evm';
import { databaseConfigSpec } from '@gridwerk/shared/data-access-database';
import { kafkaConfigSpec } from '@gridwerk/shared/data-access-kafka';
import { platformConfigSpec } from '@gridwerk/shared/feature-ops';
import { type ConfigVar, mergeVars, varsOfFile, varsOfSource, varsOfSpec } from './config-vars';
import { KAFKA_TOPICS_FILE, renderKafkaTopics } from './generate-topics';
import {
  type CliShape,
  type EnvSource,
  K8S_ROOT,
  type Manifest,
  REPO_ROOT,
  checkCronJobs,
  checkIndexedJobs,
  checkDeployments,
  checkEnv,
  checkKustomizationRefs,
  checkObjectIdentity,
  checkPodTemplates,
  checkScaledObjects,
  checkServices,
  fixedPeriodSeconds,
  get,
  isKustomization,
  kindOf,
  kustomizationRefs,
  list,
  nameOf,
  parseManifests,
  podTemplateOf,
  quantity,
  yamlFilesUnder,
} from './manifest-checks';
import { migrateConfigSpec } from './migrate';

const rel = (f: string) => path.relative(REPO_ROOT, f);

// --- what the code says ------------------------------------------------------------------------------

const SPREADS = {
  databaseConfigSpec,
  kafkaConfigSpec,
  oidcConfigSpec,
  rateLimitConfigSpec,
  controlRoomConfigSpec,
  ledgerEvmConfigSpec,
};
const FORECAST_CLI = 'dist/apps/forecast/cli.js';
/** Compiled entry points (dist/apps/<app>/<name>.js) and the sources they are built from. */
const ENTRIES = compiledEntries();

function appConfigFiles(app: string): string[] {
  const dir = path.join(REPO_ROOT, 'apps', app, 'src', 'config');
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.ts') && !/\.(int-)?spec\.ts$/.test(f))
        .map((f) => path.join(dir, f))
    : [];
}

/** The variables an entry point (the container's first arg) reads. */
function envSourceOf(args: readonly string[]): EnvSource | undefined {
  const compiled = ENTRIES.get(args[0] ?? '');
  if (compiled === undefined || !fs.existsSync(path.join(REPO_ROOT, compiled.source))) return undefined;
  const entry = compiled.bundle;
  const service = /^dist\/apps\/([a-z-]+)\/main\.js$/.exec(entry)?.[1];
  if (service !== undefined) {
    const vars = mergeVars(
      varsOfSpec(platformConfigSpec(8080)),
      ...appConfigFiles(service).map((f) => varsOfFile(f, SPREADS)),
    );
    return { vars, label: `${service} (platformConfigSpec + apps/${service}/src/config)` };
  }
  if (entry === FORECAST_CLI) {
    const file = path.join(REPO_ROOT, 'apps/forecast/src/commands/cli.config.ts');
    return {
      vars: mergeVars(varsOfFile(file, SPREADS)),
      label: 'the forecast CLI (apps/forecast/src/commands/cli.config.ts)',
    };
  }
  if (entry === 'dist/apps/settlement/cli.js') {
    const file = path.join(REPO_ROOT, 'apps/settlement/src/config/cli.config.ts');
    return {
      vars: mergeVars(varsOfFile(file, SPREADS)),
      label: 'the settlement CLI (apps/settlement/src/config/cli.config.ts)',
    };
  }
  if (
    entry === 'dist/apps/ingest/migrate.js' ||
    entry === 'dist/apps/dispatch/migrate.js' ||
    entry === 'dist/apps/udp-gateway/migrate.js'
  )
    return { vars: mergeVars(varsOfSpec(migrateConfigSpec)), label: 'tools/k8s/migrate.ts' };
  return undefined;
}

/** Subcommand names of the forecast CLI, read from its command objects (`...: CliCommand = { name: 'x'`). */
function forecastSubcommands(): Set<string> {
  const dir = path.join(REPO_ROOT, 'apps/forecast/src/commands');
  const names = new Set<string>();
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts') && !x.includes('.spec.'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(/:\s*CliCommand\s*=\s*\{\s*name:\s*'([a-z][a-z-]*)'/g))
      names.add(m[1] ?? '');
  }
  return names;
}

const CLI: CliShape = {
  entry: FORECAST_CLI,
  subcommands: forecastSubcommands(),
  flagValues: { horizon: HORIZON_NAMES },
};
const INGEST = { target: 'ingest', consumerGroup: 'gridwerk-ingest' };

// --- what k8s/ holds ---------------------------------------------------------------------------------

const files = yamlFilesUnder(K8S_ROOT);
const kustomizations = files
  .filter(isKustomization)
  .map((f) => ({ file: f, doc: parseManifests(fs.readFileSync(f, 'utf8'), rel(f))[0]?.doc ?? {} }));
const patchFiles = new Set(
  kustomizations.flatMap((k) =>
    list(k.doc['patches']).flatMap((p) =>
      typeof get(p, 'path') === 'string' ? [path.resolve(path.dirname(k.file), String(get(p, 'path')))] : [],
    ),
  ),
);
const manifests: Manifest[] = files
  .filter((f) => !isKustomization(f))
  .flatMap((f) => parseManifests(fs.readFileSync(f, 'utf8'), rel(f)));
/** Whole objects (not patches): what `kubectl apply` would create, before the overlays' changes. */
const objects = manifests.filter((m) => !patchFiles.has(path.join(REPO_ROOT, m.file)));
const base = objects.filter((m) => m.file.startsWith('k8s/base/'));

describe('k8s manifests (raw files)', () => {
  it('finds the expected layout', () => {
    expect(files.length).toBeGreaterThan(10);
    for (const dir of [
      'base',
      'migrations',
      'overlays/dev',
      'overlays/dev/migrations',
      'overlays/production',
      'overlays/production/migrations',
    ]) {
      expect(fs.existsSync(path.join(K8S_ROOT, dir, 'kustomization.yaml'))).toBe(true);
    }
  });

  it('gives every document an apiVersion, a kind and a metadata.name', () => {
    expect(checkObjectIdentity(manifests)).toEqual([]);
    for (const k of kustomizations)
      expect([k.file, k.doc['kind']]).toEqual([k.file, expect.stringMatching(/^(Kustomization|Component)$/)]);
  });

  it('gives every Deployment probes on its HTTP port, and every pod resources and a non-root read-only sandbox', () => {
    expect(
      objects
        .filter((m) => kindOf(m) === 'Deployment')
        .map(nameOf)
        .sort(),
    ).toEqual(['dispatch', 'forecast', 'grid-api', 'ingest', 'settlement', 'simulator', 'udp-gateway']);
    expect(checkDeployments(objects)).toEqual([]);
    expect(checkPodTemplates(objects)).toEqual([]);
    expect(checkServices(objects)).toEqual([]);
  });

  it('runs the pods as the user the image declares', () => {
    const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const uid = Number(/^USER (\d+):\d+$/m.exec(dockerfile)?.[1]);
    expect(uid).toBeGreaterThan(0);
    for (const m of objects) {
      const pod = podTemplateOf(m);
      if (pod !== undefined)
        expect([m.file, nameOf(m), get(pod.spec, 'securityContext', 'runAsUser')]).toEqual([
          m.file,
          nameOf(m),
          uid,
        ]);
    }
    // every base image pinned by digest; the runtime stage runs plain node under tini, copies only
    // the app's build and its production dependencies, and has no TypeScript tooling
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim@sha256:[0-9a-f]{64}$/m);
    for (const from of dockerfile.matchAll(/^FROM (\S+)/gm)) expect(from[1]).toBe('${NODE_IMAGE}');
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "node"]');
    expect(runtime).not.toMatch(/ts-node|tsconfig|typescript/);
    expect([...runtime.matchAll(/^COPY (.*)$/gm)].map((m) => m[1])).toEqual([
      '--from=deps /app/node_modules ./node_modules',
      '--from=build /out/ ./',
    ]);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it("starts every container at a compiled entry point of its app's build, in that app's image", () => {
    let containers = 0;
    for (const m of objects) {
      for (const c of podTemplateOf(m)?.containers ?? []) {
        const entry = String(list(c['args'])[0]);
        const compiled = ENTRIES.get(entry);
        expect([m.file, entry, compiled !== undefined]).toEqual([m.file, entry, true]);
        expect([m.file, fs.existsSync(path.join(REPO_ROOT, compiled?.source ?? ''))]).toEqual([m.file, true]);
        expect([m.file, c['image']]).toEqual([m.file, `gridwerk-${compiled?.app ?? '?'}`]);
        containers++;
      }
    }
    expect(containers).toBeGreaterThanOrEqual(10);
    // the services added since (control room, settlement) follow the same build
    for (const app of [
      'ingest',
      'forecast',
      'simulator',
      'settlement',
      'grid-api',
      'dispatch',
      'udp-gateway',
    ])
      expect([...ENTRIES.keys()]).toContain(`dist/apps/${app}/main.js`);
  });

  it('schedules the forecast CronJobs with Forbid, Europe/Berlin and real forecast subcommands', () => {
    const cronJobs = objects.filter((m) => kindOf(m) === 'CronJob');
    expect(cronJobs.map(nameOf).sort()).toEqual([
      'forecast-run-day-ahead',
      'forecast-run-intraday',
      'forecast-train',
      'forecast-train-global-day-ahead',
      'forecast-train-global-intraday',
      'forecast-weather-ingest',
    ]);
    expect(checkCronJobs(objects, CLI)).toEqual([]);
    const args = (name: string) =>
      list(podTemplateOf(cronJobs.find((m) => nameOf(m) === name) as Manifest)?.containers[0]?.['args']);
    expect(args('forecast-train')).toEqual([FORECAST_CLI, 'train', '--all']);
    expect(args('forecast-run-day-ahead')).toEqual([FORECAST_CLI, 'run', '--all', '--horizon', 'day-ahead']);
    expect(args('forecast-run-intraday')).toEqual([FORECAST_CLI, 'run', '--all', '--horizon', 'intraday']);
    expect(args('forecast-weather-ingest')).toEqual([FORECAST_CLI, 'weather', 'ingest']);
    for (const m of cronJobs)
      expect([nameOf(m), get(m.doc, 'spec', 'timeZone')]).toEqual([nameOf(m), 'Europe/Berlin']);
    // The day-ahead run must be able to finish before the noon gate closure, even when started late.
    const dayAhead = cronJobs.find((m) => nameOf(m) === 'forecast-run-day-ahead') as Manifest;
    const [minute, hour] = String(get(dayAhead.doc, 'spec', 'schedule'))
      .split(' ')
      .map(Number);
    const latestEnd =
      (hour ?? 0) * 3600 +
      (minute ?? 0) * 60 +
      Number(get(dayAhead.doc, 'spec', 'startingDeadlineSeconds')) +
      Number(get(dayAhead.doc, 'spec', 'jobTemplate', 'spec', 'activeDeadlineSeconds'));
    expect(latestEnd).toBeLessThanOrEqual(12 * 3600);
    expect(
      fixedPeriodSeconds(
        String(
          get(
            cronJobs.find((m) => nameOf(m) === 'forecast-run-intraday'),
            'doc',
            'spec',
            'schedule',
          ),
        ),
      ),
    ).toBe(900);
  });

  it('scales ingest with KEDA on the lag of its group, never beyond the partitions of the watched topic', () => {
    expect(checkScaledObjects(manifests, INGEST)).toEqual([]);
    const trigger = get(
      objects.find((m) => kindOf(m) === 'ScaledObject'),
      'doc',
      'spec',
      'triggers',
      0,
      'metadata',
    );
    expect(get(trigger, 'topic')).toBe(Topics.meterReadings);
    expect(
      get(
        objects.find((m) => kindOf(m) === 'ConfigMap' && nameOf(m) === 'gridwerk-ingest'),
        'doc',
        'data',
        'INGEST_CONSUMER_GROUP',
      ),
    ).toBe(INGEST.consumerGroup);
    expect(
      kindOf(
        objects.find((m) => kindOf(m) === 'PodDisruptionBudget' && nameOf(m) === 'ingest') ?? {
          file: '',
          doc: {},
        },
      ),
    ).toBe('PodDisruptionBudget');
    const ingest = podTemplateOf(
      base.find((m) => kindOf(m) === 'Deployment' && nameOf(m) === 'ingest') as Manifest,
    );
    expect(list(get(ingest?.spec, 'topologySpreadConstraints')).length).toBeGreaterThan(0);
  });

  it('keeps kafka-topics.yaml exactly what generate-topics.ts makes of TOPIC_SPECS', () => {
    expect(fs.readFileSync(KAFKA_TOPICS_FILE, 'utf8')).toBe(renderKafkaTopics());
    // And, independently of the generator, one KafkaTopic per spec with its partitions and retention.
    const topics = base.filter((m) => kindOf(m) === 'KafkaTopic');
    expect(topics).toHaveLength(TOPIC_SPECS.length);
    for (const s of TOPIC_SPECS) {
      const t = topics.find((m) => get(m.doc, 'spec', 'topicName') === s.name);
      expect([
        s.name,
        get(t, 'doc', 'spec', 'partitions'),
        get(t, 'doc', 'spec', 'config', 'retention.ms'),
        get(t, 'doc', 'spec', 'config', 'cleanup.policy'),
        get(t, 'doc', 'spec', 'config', 'max.message.bytes'),
      ]).toEqual([s.name, s.partitions, s.retentionMs, s.cleanupPolicy, s.maxMessageBytes]);
    }
  });

  it('grants Kafka ACLs only on topics of TOPIC_SPECS, to the users the workloads log in as', () => {
    const users = objects.filter((m) => kindOf(m) === 'KafkaUser');
    const known = new Set<string>(TOPIC_SPECS.map((s) => s.name));
    for (const u of users) {
      for (const acl of list(get(u.doc, 'spec', 'authorization', 'acls'))) {
        if (get(acl, 'resource', 'type') === 'topic')
          expect([nameOf(u), known.has(String(get(acl, 'resource', 'name')))]).toEqual([nameOf(u), true]);
      }
    }
    const userNames = new Set(users.map(nameOf));
    for (const m of objects) {
      for (const c of podTemplateOf(m)?.containers ?? []) {
        const user = get(
          list(c['env']).find((e) => get(e, 'name') === 'KAFKA_SASL_USERNAME'),
          'value',
        );
        if (user !== undefined)
          expect([nameOf(m), typeof user === 'string' && userNames.has(user)]).toEqual([nameOf(m), true]);
      }
    }
  });

  it("sets only variables each app's config reads, every required one, and secrets only from Secrets", () => {
    // Patches change no entry point; their ConfigMap keys count (an overlay may add a variable).
    const patchConfigMaps = manifests.filter((m) => kindOf(m) === 'ConfigMap' && !objects.includes(m));
    expect(checkEnv([...objects, ...patchConfigMaps], envSourceOf)).toEqual([]);
    // The replicas leave migrations to the Jobs.
    const data = (name: string) =>
      get(
        objects.find((m) => kindOf(m) === 'ConfigMap' && nameOf(m) === name),
        'doc',
        'data',
      );
    expect(get(data('gridwerk-ingest'), 'INGEST_RUN_MIGRATIONS')).toBe('false');
    expect(get(data('gridwerk-forecast'), 'FORECAST_RUN_MIGRATIONS')).toBe('false');
    expect(get(data('gridwerk-udp-gateway'), 'UDP_RUN_MIGRATIONS')).toBe('false');
  });

  it('shards the global forecast training as Indexed Jobs, one shard per completion index', () => {
    const global = objects.filter((m) => nameOf(m).startsWith('forecast-train-global-'));
    expect(global.map(nameOf).sort()).toEqual([
      'forecast-train-global-day-ahead',
      'forecast-train-global-intraday',
    ]);
    expect(checkIndexedJobs(objects)).toEqual([]);
    for (const m of global) {
      const job = get(m.doc, 'spec', 'jobTemplate', 'spec');
      expect(get(job, 'completionMode')).toBe('Indexed');
      const args = list(podTemplateOf(m)?.containers[0]?.['args']);
      expect(args.slice(0, 5)).toEqual([FORECAST_CLI, 'train', '--global', '--all', '--horizon']);
      expect(args).toContain(String(get(job, 'completions')));
    }
  });

  it('catch an Indexed Job whose shard count or index does not match its completions', () => {
    const m = objects.find((x) => nameOf(x) === 'forecast-train-global-day-ahead') as Manifest;
    const copy = JSON.parse(JSON.stringify(m.doc)) as Manifest['doc'];
    const job = get(copy, 'spec', 'jobTemplate', 'spec') as Record<string, unknown>;
    job['completions'] = 3;
    job['parallelism'] = 5;
    const problems = checkIndexedJobs([{ ...m, doc: copy }]).join('\n');
    expect(problems).toMatch(/--shard-count 4 is not completions 3/);
    expect(problems).toMatch(/parallelism 5 exceeds completions 3/);
    const container = podTemplateOf({ ...m, doc: copy })?.containers[0] as Record<string, unknown>;
    container['args'] = list(container['args']).map((a) => (a === '$(JOB_COMPLETION_INDEX)' ? '0' : a));
    expect(checkIndexedJobs([{ ...m, doc: copy }]).join('\n')).toMatch(
      /--shard-index \$\(JOB_COMPLETION_INDEX\)/,
    );
  });

  it('runs the migrations of ingest, forecast and settlement as Jobs outside the base', () => {
    const jobs = objects.filter((m) => kindOf(m) === 'Job');
    expect(jobs.map(nameOf).sort()).toEqual([
      'dispatch-migrate',
      'forecast-migrate',
      'ingest-migrate',
      'settlement-migrate',
      'udp-gateway-migrate',
    ]);
    for (const j of jobs) expect(j.file.startsWith('k8s/migrations/')).toBe(true);
    const args = (name: string) =>
      list(podTemplateOf(jobs.find((m) => nameOf(m) === name) as Manifest)?.containers[0]?.['args']);
    expect(args('ingest-migrate')).toEqual(['dist/apps/ingest/migrate.js', 'ingest']);
    expect(ENTRIES.get('dist/apps/ingest/migrate.js')?.source).toBe('tools/k8s/migrate.ts');
    expect(args('dispatch-migrate')).toEqual(['dist/apps/dispatch/migrate.js', 'dispatch']);
    expect(ENTRIES.get('dist/apps/dispatch/migrate.js')?.source).toBe('tools/k8s/migrate.ts');
    expect(args('udp-gateway-migrate')).toEqual(['dist/apps/udp-gateway/migrate.js', 'udp-gateway']);
    expect(args('forecast-migrate')).toEqual([FORECAST_CLI, 'migrate']);
    expect(CLI.subcommands.has('migrate')).toBe(true);
    expect(args('settlement-migrate')).toEqual(['dist/apps/settlement/cli.js', 'migrate']);
    expect(fs.readFileSync(path.join(REPO_ROOT, 'apps/settlement/src/cli.ts'), 'utf8')).toMatch(
      /name: 'migrate'/,
    );
  });

  it('references only existing files from every kustomization, and leaves no YAML file unreferenced', () => {
    for (const k of kustomizations) expect(checkKustomizationRefs(k.file, k.doc)).toEqual([]);
    const referenced = new Set(
      kustomizations.flatMap((k) =>
        kustomizationRefs(k.doc).map((r) => path.resolve(path.dirname(k.file), r)),
      ),
    );
    const orphans = files.filter((f) => !isKustomization(f) && !referenced.has(f)).map(rel);
    expect(orphans).toEqual([]);
  });

  it('pins an image tag per environment, shared by the overlay and its migrations', () => {
    for (const env of ['dev', 'production']) {
      const dir = path.join(K8S_ROOT, 'overlays', env);
      const component = kustomizations.find(
        (k) => k.file === path.join(dir, 'environment', 'kustomization.yaml'),
      );
      const images = list(component?.doc['images']);
      const used = new Set(
        objects.flatMap((m) => (podTemplateOf(m)?.containers ?? []).map((c) => String(c['image']))),
      );
      if (env === 'production') used.delete('gridwerk-simulator'); // dev only
      expect(images.map((i) => get(i, 'name')).sort()).toEqual([...used].sort());
      const tags = new Set(images.map((i) => get(i, 'newTag')));
      expect([env, tags.size, typeof [...tags][0]]).toEqual([env, 1, 'string']);
      expect(tags.has('latest')).toBe(false);
      for (const k of [
        path.join(dir, 'kustomization.yaml'),
        path.join(dir, 'migrations', 'kustomization.yaml'),
      ]) {
        const doc = kustomizations.find((x) => x.file === k)?.doc ?? {};
        const components = list(doc['components']).map((c) => path.resolve(path.dirname(k), String(c)));
        expect([rel(k), components]).toEqual([rel(k), [path.join(dir, 'environment')]]);
      }
    }
  });
});

describe('the checks themselves', () => {
  const deployment = (): Manifest => {
    const m = objects.find((x) => kindOf(x) === 'Deployment' && nameOf(x) === 'grid-api') as Manifest;
    return { file: 'test', doc: structuredClone(m.doc) };
  };
  const container = (m: Manifest) => podTemplateOf(m)?.containers[0] as Record<string, unknown>;

  it('catch a missing probe, a missing limit and a writable root filesystem', () => {
    const m = deployment();
    delete container(m)['readinessProbe'];
    delete (get(container(m), 'resources') as Record<string, unknown>)['limits'];
    (get(container(m), 'securityContext') as Record<string, unknown>)['readOnlyRootFilesystem'] = false;
    expect(checkDeployments([m]).join('\n')).toMatch(/no readinessProbe/);
    expect(checkPodTemplates([m]).join('\n')).toMatch(/limits\.cpu missing[\s\S]*readOnlyRootFilesystem/);
  });

  it('catch a service left on its default bind address (127.0.0.1), unreachable in a pod', () => {
    const m = deployment();
    const c = container(m);
    c['env'] = (c['env'] as unknown[]).filter((e) => get(e, 'name') !== 'HTTP_HOST');
    expect(checkDeployments([m]).join('\n')).toMatch(/HTTP_HOST is not set to 0\.0\.0\.0/);
  });

  it('catch an unknown variable, a missing required one and a secret set as a literal', () => {
    const m = deployment();
    const env = container(m)['env'] as unknown[];
    env.push({ name: 'GRID_API_TYPO', value: 'x' }, { name: 'DATABASE_URL', value: 'postgres://u:p@h/db' });
    const problems = checkEnv([...objects.filter((x) => kindOf(x) === 'ConfigMap'), m], envSourceOf).join(
      '\n',
    );
    expect(problems).toMatch(/sets GRID_API_TYPO/);
    expect(problems).toMatch(/secret DATABASE_URL is set from a literal/);
    const needy: EnvSource = {
      label: 'x',
      vars: mergeVars([{ name: 'MUST_HAVE', required: true, secret: false }]),
    };
    expect(checkEnv([deployment()], () => needy).join('\n')).toMatch(/required MUST_HAVE/);
  });

  it('catch a CronJob that may overlap, has no time zone or calls an unknown subcommand', () => {
    const cj = objects.find((x) => kindOf(x) === 'CronJob') as Manifest;
    const m: Manifest = { file: 'test', doc: structuredClone(cj.doc) };
    const spec = m.doc['spec'] as Record<string, unknown>;
    spec['concurrencyPolicy'] = 'Allow';
    delete spec['timeZone'];
    container(m)['args'] = [FORECAST_CLI, 'predict'];
    expect(checkCronJobs([m], CLI).join('\n')).toMatch(
      /concurrencyPolicy[\s\S]*timeZone[\s\S]*"predict" is not a subcommand/,
    );
    container(m)['args'] = [FORECAST_CLI, 'run', '--horizon', 'week-ahead'];
    expect(checkCronJobs([m], CLI).join('\n')).toMatch(/--horizon week-ahead/);
  });

  it('catch more KEDA replicas than partitions', () => {
    const so = objects.find((x) => kindOf(x) === 'ScaledObject') as Manifest;
    const m: Manifest = { file: 'test', doc: structuredClone(so.doc) };
    (m.doc['spec'] as Record<string, unknown>)['maxReplicaCount'] = 7;
    expect(
      checkScaledObjects([...objects.filter((x) => kindOf(x) === 'Deployment'), m], INGEST).join('\n'),
    ).toMatch(/maxReplicaCount 7 exceeds the 6 partitions/);
  });

  it('read defaults, optional wrappers, secrets and spreads from config source', () => {
    const vars = varsOfSource(
      `const s = { ...kafkaConfigSpec,
         a: cfg.string('A', 'x'), b: cfg.string('B', 'x', 'd'), c: cfg.optional(cfg.int('C', 'x')),
         d: cfg.int('D', 'x', { min: 1, default: 2 }), e: cfg.int('E', 'x', { min: 1 }), f: cfg.url('F', 'x', ['postgres']),
         g: cfg.oneOf('G', 'x', ['a'] as const, 'a'), h: cfg.secret('H', 'x') };`,
      'inline.ts',
      SPREADS,
    );
    const byName = new Map(vars.map((v): [string, ConfigVar] => [v.name, v]));
    expect([
      ...['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].map((n) => [
        n,
        byName.get(n)?.required,
        byName.get(n)?.secret,
      ]),
    ]).toEqual([
      ['A', true, false],
      ['B', false, false],
      ['C', false, false],
      ['D', false, false],
      ['E', true, false],
      ['F', true, true],
      ['G', false, false],
      ['H', true, true],
    ]);
    expect(byName.get('KAFKA_SASL_PASSWORD')).toEqual({
      name: 'KAFKA_SASL_PASSWORD',
      required: false,
      secret: true,
    });
    expect(quantity('500m')).toBe(0.5);
    expect(quantity('1Gi')).toBe(1024 ** 3);
  });
});

// --- rendered overlays -------------------------------------------------------------------------------

// kubectl (with its built-in kustomize) is part of this machine kind's image (Debian package `kubectl`);
// without it these tests fail with that message rather than pass unseen.
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const OVERLAYS = [
  'overlays/dev',
  'overlays/production',
  'overlays/dev/migrations',
  'overlays/production/migrations',
];

describe.each(OVERLAYS)('kubectl kustomize k8s/%s', (overlay) => {
  let rendered: Manifest[] = [];
  beforeAll(() => {
    if (!kubectl)
      throw new Error('kubectl is not on the PATH: install the `kubectl` package to render the overlays');
    const r = spawnSync('kubectl', ['kustomize', path.join(K8S_ROOT, overlay)], {
      encoding: 'utf8',
      maxBuffer: 32 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`kubectl kustomize k8s/${overlay} failed:\n${r.stderr}`);
    rendered = parseManifests(r.stdout, `kustomize(${overlay})`);
  });

  it('renders objects that pass every check', () => {
    expect(rendered.length).toBeGreaterThan(0);
    expect(checkObjectIdentity(rendered)).toEqual([]);
    expect(checkPodTemplates(rendered)).toEqual([]);
    expect(checkDeployments(rendered)).toEqual([]);
    expect(checkServices(rendered)).toEqual([]);
    expect(checkCronJobs(rendered, CLI)).toEqual([]);
    expect(checkIndexedJobs(rendered)).toEqual([]);
    expect(checkEnv(rendered, envSourceOf)).toEqual([]);
    if (!overlay.endsWith('migrations')) expect(checkScaledObjects(rendered, INGEST)).toEqual([]);
  });

  it('puts everything in the gridwerk namespace, with a tagged image and the environment names', () => {
    const clusterScoped = new Set(['Namespace']);
    for (const m of rendered.filter((x) => !clusterScoped.has(kindOf(x))))
      expect([kindOf(m), nameOf(m), get(m.doc, 'metadata', 'namespace')]).toEqual([
        kindOf(m),
        nameOf(m),
        'gridwerk',
      ]);
    const text = JSON.stringify(rendered.map((m) => m.doc));
    // The base's placeholders are all replaced by the environment component.
    expect(text).not.toContain('gridwerk-kafka-cluster-ca-cert');
    expect(text).not.toContain('gridwerk-kafka-kafka-bootstrap');
    expect(rendered.find((m) => nameOf(m) === 'gridwerk-environment')).toBeUndefined();
    for (const m of rendered) {
      for (const c of podTemplateOf(m)?.containers ?? [])
        expect(String(c['image'])).toMatch(/^[^:]+(\/[^:]+)*:[\w.-]+$/);
    }
    for (const t of rendered.filter((m) => m.doc['apiVersion'] === 'kafka.strimzi.io/v1beta2')) {
      expect(get(t.doc, 'metadata', 'labels', 'strimzi.io/cluster')).not.toBe('gridwerk-kafka');
    }
  });
});
