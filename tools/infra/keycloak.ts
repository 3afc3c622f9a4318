import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  fetchPasswordGrantToken,
  KEYCLOAK_REALM,
  type KeycloakCredentials,
  ROLES,
  readKeycloakCredentials,
  type Role,
  type TestOidcProvider,
} from '@gridwerk/shared/auth';
import type { InfraConfig } from './infra-config';
import { checkJava, InfraError, isAlive, isPortOpen, type Log } from './kafka-broker';

/**
 * A real Keycloak (the Quarkus server distribution, resolved from Maven Central by
 * infra/keycloak/pom.xml) in dev mode on Java 17, with the Gridwerk realm of
 * infra/keycloak/gridwerk-realm.json imported at start-up. The zip is cached outside the repo; each
 * port gets its own unpacked server, H2 database, credentials and logs in its state dir, so that
 * several instances on one machine never share files.
 *
 * Passwords (the bootstrap admin of the master realm, the four demo users) are generated at first start
 * into `<state dir>/credentials.json` (mode 0600) and handed to Keycloak as environment variables that
 * the realm file's `${GRIDWERK_KC_PASSWORD_*}` placeholders name; none is in the repo.
 */

const PID_FILE = 'keycloak.pid';
const OUT_FILE = 'keycloak.out';
const CREDENTIALS_FILE = 'credentials.json';
/** Hash of realm file + credentials the server's database was imported from. */
const IMPORTED_FILE = 'imported.sha256';

export interface KeycloakStartResult {
  started: boolean;
  pid?: number;
  url: string;
  issuer: string;
}

export function keycloakUrl(cfg: InfraConfig): string {
  return `http://${cfg.host}:${cfg.keycloakPort}`;
}

export function keycloakIssuer(cfg: InfraConfig): string {
  return `${keycloakUrl(cfg)}/realms/${KEYCLOAK_REALM}`;
}

export function keycloakCredentialsFile(cfg: InfraConfig): string {
  return path.join(cfg.keycloakStateDir, CREDENTIALS_FILE);
}

/** What the test helpers of `@gridwerk/shared/auth` need to reach this instance. */
export function keycloakTestProvider(cfg: InfraConfig): TestOidcProvider {
  return {
    baseUrl: keycloakUrl(cfg),
    issuer: keycloakIssuer(cfg),
    credentialsFile: keycloakCredentialsFile(cfg),
  };
}

/** The demo users' (and the Keycloak admin's) passwords, generated at first start. */
export function demoCredentials(cfg: InfraConfig): KeycloakCredentials {
  return readKeycloakCredentials(keycloakCredentialsFile(cfg));
}

/** A real access token for a demo user (password grant through the public client `gridwerk-cli`). */
export function passwordGrantToken(cfg: InfraConfig, username: Role): Promise<string> {
  return fetchPasswordGrantToken(keycloakTestProvider(cfg), username);
}

function serverDir(cfg: InfraConfig): string {
  return path.join(cfg.keycloakStateDir, 'server');
}

function zipPath(cfg: InfraConfig): string {
  return path.join(cfg.keycloakCacheDir, `keycloak-quarkus-dist-${cfg.keycloakVersion}.zip`);
}

/** spawnSync would block the event loop, and with it the broker starting in parallel. */
function run(
  cmd: string,
  args: string[],
  cwd?: string,
): Promise<{ status: number | null; output: string; error?: Error }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer): void => {
      output = (output + b.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error) => resolve({ status: null, output, error }));
    child.once('close', (status) => resolve({ status, output }));
  });
}

/** Resolves the distribution zip once from Maven Central (Maven keeps it in ~/.m2 as well). */
async function ensureDistZip(cfg: InfraConfig, log: Log): Promise<string> {
  const zip = zipPath(cfg);
  if (fs.existsSync(zip)) return zip;
  const mvn = await run('mvn', ['-v']);
  if (mvn.error || mvn.status !== 0) {
    throw new InfraError(
      'INFRA.MAVEN_MISSING',
      'Maven (mvn) is not on the PATH: it resolves the Keycloak server from Maven Central (apt-get install maven).',
    );
  }
  log(
    `resolving Keycloak ${cfg.keycloakVersion} from Maven Central into ${cfg.keycloakCacheDir} (first run only)`,
  );
  // Resolve into a private directory and rename: concurrent first runs never see a half-written zip.
  const tmp = `${cfg.keycloakCacheDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const r = await run('mvn', [
    '-q',
    '-B',
    '-f',
    path.join(cfg.repoRoot, 'infra', 'keycloak', 'pom.xml'),
    'dependency:copy-dependencies',
    `-DoutputDirectory=${tmp}`,
    '-DexcludeTransitive=true',
    '-DincludeTypes=zip',
  ]);
  const resolved = path.join(tmp, path.basename(zip));
  if (r.status !== 0 || !fs.existsSync(resolved)) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new InfraError(
      'INFRA.MAVEN_FAILED',
      `Maven could not resolve org.keycloak:keycloak-quarkus-dist:${cfg.keycloakVersion}:zip:\n${r.output.slice(-4000)}`,
    );
  }
  fs.mkdirSync(cfg.keycloakCacheDir, { recursive: true });
  fs.renameSync(resolved, zip);
  fs.rmSync(tmp, { recursive: true, force: true });
  return zip;
}

/** Unpacks the distribution into this instance's state dir (once per version). */
async function ensureServer(cfg: InfraConfig, log: Log): Promise<string> {
  const dir = serverDir(cfg);
  const marker = path.join(dir, '.gridwerk-version');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === cfg.keycloakVersion) return dir;
  const zip = await ensureDistZip(cfg, log);
  const tmp = path.join(cfg.keycloakStateDir, 'unpack.tmp');
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const unzip = await run('unzip', ['-q', zip, '-d', tmp]);
  if (unzip.error || unzip.status !== 0) {
    // No unzip on the machine: the JDK's jar tool reads zips too.
    const jar = await run('jar', ['xf', zip], tmp);
    if (jar.error || jar.status !== 0) {
      throw new InfraError(
        'INFRA.KEYCLOAK_UNPACK_FAILED',
        `could not unpack ${zip} (install unzip): ${unzip.output || unzip.error?.message || ''} ${jar.output || jar.error?.message || ''}`,
      );
    }
  }
  const top = path.join(tmp, `keycloak-${cfg.keycloakVersion}`);
  if (!fs.existsSync(path.join(top, 'bin', 'kc.sh'))) {
    throw new InfraError(
      'INFRA.KEYCLOAK_UNPACK_FAILED',
      `${zip} holds no keycloak-${cfg.keycloakVersion}/bin/kc.sh`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(top, dir);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.writeFileSync(marker, cfg.keycloakVersion);
  log(`unpacked Keycloak ${cfg.keycloakVersion} into ${dir}`);
  return dir;
}

function generatePassword(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/** Generated once per state dir; kept outside the repo with owner-only permissions. */
export function ensureCredentials(cfg: InfraConfig): KeycloakCredentials {
  const file = keycloakCredentialsFile(cfg);
  if (fs.existsSync(file)) return readKeycloakCredentials(file);
  const users = Object.fromEntries(
    ROLES.map((role) => [role, { username: role, password: generatePassword() }]),
  ) as KeycloakCredentials['users'];
  const creds: KeycloakCredentials = { admin: { username: 'kcadmin', password: generatePassword() }, users };
  fs.mkdirSync(cfg.keycloakStateDir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}

export function readKeycloakPid(cfg: InfraConfig): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(cfg.keycloakStateDir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function logTail(cfg: InfraConfig): string {
  try {
    const text = fs.readFileSync(path.join(cfg.keycloakStateDir, OUT_FILE), 'utf8');
    if (text.trim()) return text.split('\n').slice(-25).join('\n');
  } catch {
    /* no log yet */
  }
  return '(no Keycloak log)';
}

/** The realm's discovery document, when Keycloak serves it with the expected issuer. */
async function discovery(cfg: InfraConfig): Promise<{ ok: boolean; detail: string }> {
  try {
    const r = await fetch(`${keycloakIssuer(cfg)}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(2_000),
    });
    if (r.status !== 200) return { ok: false, detail: `discovery answered ${r.status}` };
    const doc = (await r.json()) as { issuer?: unknown };
    if (doc.issuer !== keycloakIssuer(cfg)) {
      return { ok: false, detail: `issuer is ${String(doc.issuer)}, expected ${keycloakIssuer(cfg)}` };
    }
    return { ok: true, detail: 'ok' };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

export async function waitForKeycloak(cfg: InfraConfig, timeoutMs: number, pid?: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (pid !== undefined && !isAlive(pid)) {
      throw new InfraError(
        'INFRA.KEYCLOAK_DIED',
        `Keycloak exited during start-up. Last log lines (${path.join(cfg.keycloakStateDir, OUT_FILE)}):\n${logTail(cfg)}`,
      );
    }
    const d = await discovery(cfg);
    if (d.ok) return;
    last = d.detail;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new InfraError(
    'INFRA.KEYCLOAK_TIMEOUT',
    `Keycloak did not serve the realm's discovery document within ${timeoutMs} ms (${last}). Last log lines:\n${logTail(cfg)}`,
  );
}

function realmHash(cfg: InfraConfig, creds: KeycloakCredentials): string {
  const realm = fs.readFileSync(path.join(cfg.repoRoot, 'infra', 'keycloak', 'gridwerk-realm.json'));
  return crypto
    .createHash('sha256')
    .update(realm)
    .update(JSON.stringify(creds))
    .update(cfg.keycloakVersion)
    .digest('hex');
}

/**
 * Keycloak imports a realm only when it does not exist yet: when the realm file (or the generated
 * credentials) changed since the database was created, start from an empty database.
 */
function prepareImport(cfg: InfraConfig, dir: string, creds: KeycloakCredentials, log: Log): void {
  const importDir = path.join(dir, 'data', 'import');
  fs.mkdirSync(importDir, { recursive: true });
  fs.copyFileSync(
    path.join(cfg.repoRoot, 'infra', 'keycloak', 'gridwerk-realm.json'),
    path.join(importDir, 'gridwerk-realm.json'),
  );
  const hashFile = path.join(cfg.keycloakStateDir, IMPORTED_FILE);
  const hash = realmHash(cfg, creds);
  const previous = fs.existsSync(hashFile) ? fs.readFileSync(hashFile, 'utf8').trim() : undefined;
  if (previous !== hash) {
    if (previous !== undefined) log('realm file changed: Keycloak starts from an empty database');
    fs.rmSync(path.join(dir, 'data', 'h2'), { recursive: true, force: true });
    fs.writeFileSync(hashFile, hash);
  }
}

function passwordEnv(creds: KeycloakCredentials): Record<string, string> {
  const env: Record<string, string> = {
    KC_BOOTSTRAP_ADMIN_USERNAME: creds.admin.username,
    KC_BOOTSTRAP_ADMIN_PASSWORD: creds.admin.password,
  };
  for (const role of ROLES) env[`GRIDWERK_KC_PASSWORD_${role.toUpperCase()}`] = creds.users[role].password;
  return env;
}

/** Starts Keycloak unless ours already runs; fails clearly when another process holds the port. */
export async function startKeycloak(cfg: InfraConfig, log: Log): Promise<KeycloakStartResult> {
  const result = (started: boolean, pid: number): KeycloakStartResult => ({
    started,
    pid,
    url: keycloakUrl(cfg),
    issuer: keycloakIssuer(cfg),
  });
  const existing = readKeycloakPid(cfg);
  if (existing !== undefined && isAlive(existing) && (await isPortOpen(cfg.host, cfg.keycloakPort))) {
    await waitForKeycloak(cfg, 180_000, existing);
    return result(false, existing);
  }
  if (await isPortOpen(cfg.host, cfg.keycloakPort)) {
    throw new InfraError(
      'INFRA.PORT_TAKEN',
      `port ${cfg.host}:${cfg.keycloakPort} is taken by another process (not a Keycloak started by this tool). Stop it, or choose another port with KEYCLOAK_PORT.`,
    );
  }
  checkJava();
  const dir = await ensureServer(cfg, log);
  const creds = ensureCredentials(cfg);
  prepareImport(cfg, dir, creds, log);
  const out = fs.openSync(path.join(cfg.keycloakStateDir, OUT_FILE), 'a');
  const child = spawn(
    'bash',
    [
      path.join(dir, 'bin', 'kc.sh'),
      'start-dev',
      `--http-host=${cfg.host}`,
      `--http-port=${cfg.keycloakPort}`,
      // a fixed frontend URL: the issuer is the same however a client reaches the server
      `--hostname=${keycloakUrl(cfg)}`,
      '--db=dev-file',
      '--import-realm',
    ],
    {
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        ...passwordEnv(creds),
        JAVA_OPTS_KC_HEAP: `-Xms64m -Xmx${cfg.keycloakHeapMb}m`,
      },
    },
  );
  fs.closeSync(out);
  if (child.pid === undefined) throw new InfraError('INFRA.KEYCLOAK_SPAWN_FAILED', 'could not start kc.sh');
  child.unref();
  fs.writeFileSync(path.join(cfg.keycloakStateDir, PID_FILE), String(child.pid));
  log(
    `starting Keycloak ${cfg.keycloakVersion} (dev mode) on ${keycloakUrl(cfg)}, pid ${child.pid}, log ${path.join(cfg.keycloakStateDir, OUT_FILE)}`,
  );
  await waitForKeycloak(cfg, 300_000, child.pid);
  return result(true, child.pid);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  // kc.sh runs java as its child (or execs into it): signal the whole process group it leads.
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export async function stopKeycloak(cfg: InfraConfig, log: Log): Promise<boolean> {
  const pid = readKeycloakPid(cfg);
  const pidFile = path.join(cfg.keycloakStateDir, PID_FILE);
  if (pid === undefined || !isAlive(pid)) {
    fs.rmSync(pidFile, { force: true });
    return false;
  }
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (isAlive(pid)) {
    log(`Keycloak ${pid} did not stop within 30 s; killing it`);
    signalGroup(pid, 'SIGKILL');
  }
  // the port is free only once the JVM (a child of kc.sh) is gone too
  const portDeadline = Date.now() + 15_000;
  while ((await isPortOpen(cfg.host, cfg.keycloakPort)) && Date.now() < portDeadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  fs.rmSync(pidFile, { force: true });
  log(`stopped Keycloak (pid ${pid})`);
  return true;
}

export async function keycloakStatus(cfg: InfraConfig): Promise<{
  running: boolean;
  pid?: number;
  url: string;
  issuer: string;
  answering: boolean;
  detail: string;
}> {
  const pid = readKeycloakPid(cfg);
  const running = pid !== undefined && isAlive(pid);
  const d = await discovery(cfg);
  return {
    running,
    ...(running ? { pid } : {}),
    url: keycloakUrl(cfg),
    issuer: keycloakIssuer(cfg),
    answering: d.ok,
    detail: d.detail,
  };
}
