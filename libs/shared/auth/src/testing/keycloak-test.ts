import fs from 'node:fs';
import type { Role } from '../auth-user';

/** The realm of infra/keycloak/gridwerk-realm.json. */
export const KEYCLOAK_REALM = 'gridwerk';
/** Public client with direct access grants: tests and scripts obtain tokens with it. */
export const CLI_CLIENT_ID = 'gridwerk-cli';
/** The audience both realm clients put into their access tokens. */
export const API_AUDIENCE = 'gridwerk-api';

/** A Keycloak started by tools/infra/keycloak.ts, as tests reach it. */
export interface TestOidcProvider {
  /** e.g. http://127.0.0.1:8080 */
  readonly baseUrl: string;
  /** e.g. http://127.0.0.1:8080/realms/gridwerk */
  readonly issuer: string;
  /** `<state dir>/credentials.json`, generated at first start (never in the repo). */
  readonly credentialsFile: string;
}

export interface KeycloakCredentials {
  /** Bootstrap admin of the master realm (admin REST API). */
  readonly admin: { readonly username: string; readonly password: string };
  /** The realm's demo users, one per role, named like the role. */
  readonly users: Readonly<Record<Role, { readonly username: string; readonly password: string }>>;
}

/**
 * The Keycloak the test run uses: jest global-setup (or tools/infra/with-infra.ts) starts it and sets
 * KEYCLOAK_URL and KEYCLOAK_CREDENTIALS_FILE. A project whose tests need it says so in its jest config
 * (`globals: { gridwerkInfra: ['keycloak'] }`).
 */
export function testOidcProvider(env: NodeJS.ProcessEnv = process.env): TestOidcProvider {
  const baseUrl = env['KEYCLOAK_URL'];
  const credentialsFile = env['KEYCLOAK_CREDENTIALS_FILE'];
  if (!baseUrl || !credentialsFile) {
    throw new Error(
      "KEYCLOAK_URL / KEYCLOAK_CREDENTIALS_FILE are not set: add globals: { gridwerkInfra: ['keycloak'] } to the project's jest config, or run under tools/infra/with-infra.ts",
    );
  }
  return { baseUrl, issuer: `${baseUrl}/realms/${KEYCLOAK_REALM}`, credentialsFile };
}

export function readKeycloakCredentials(file: string): KeycloakCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(
      `cannot read Keycloak credentials ${file} (start Keycloak with npm run infra:up): ${String(err)}`,
    );
  }
  const c = parsed as Partial<KeycloakCredentials>;
  if (!c.admin?.password || !c.users) throw new Error(`${file} is not a Keycloak credentials file`);
  return c as KeycloakCredentials;
}

async function tokenRequest(url: string, form: Record<string, string>): Promise<string> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await r.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (r.status !== 200 || !body.access_token) {
    throw new Error(
      `token request to ${url} failed (${r.status}): ${body.error ?? ''} ${body.error_description ?? ''}`,
    );
  }
  return body.access_token;
}

/** A real access token of a demo user, by password grant through `gridwerk-cli`. */
export function fetchPasswordGrantToken(p: TestOidcProvider, username: Role): Promise<string> {
  const user = readKeycloakCredentials(p.credentialsFile).users[username];
  if (!user) throw new Error(`no demo user ${username} in ${p.credentialsFile}`);
  return tokenRequest(`${p.issuer}/protocol/openid-connect/token`, {
    grant_type: 'password',
    client_id: CLI_CLIENT_ID,
    username: user.username,
    password: user.password,
  });
}

/** An access token of the master realm's bootstrap admin, for Keycloak's admin REST API. */
export function fetchAdminToken(p: TestOidcProvider): Promise<string> {
  const { admin } = readKeycloakCredentials(p.credentialsFile);
  return tokenRequest(`${p.baseUrl}/realms/master/protocol/openid-connect/token`, {
    grant_type: 'password',
    client_id: 'admin-cli',
    username: admin.username,
    password: admin.password,
  });
}
