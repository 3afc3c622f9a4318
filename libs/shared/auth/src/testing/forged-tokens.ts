import crypto from 'node:crypto';
import {
  decodeJwt,
  decodeProtectedHeader,
  exportPKCS8,
  generateKeyPair,
  type JWTPayload,
  type KeyLike,
  SignJWT,
} from 'jose';
import { fetchAdminToken, KEYCLOAK_REALM, type TestOidcProvider } from './keycloak-test';

/**
 * Tokens the API must refuse, made with keys of our own — never by stubbing the verifier.
 *
 * - `trustedKey`: a second RSA key, generated here and registered in the realm as a *passive* key
 *   (published in the JWKS, never used by Keycloak to sign). Tokens signed with it differ from a real one
 *   in exactly one claim, so each refusal proves that one check: `expired`, `wrongIssuer`, `wrongAudience`.
 *   `validCopy` (same key, nothing wrong) is the positive control that the key is trusted at all.
 * - `foreignKey`: a third key the JWKS never holds; `wrongSignature` re-signs a real token with it under
 *   the real key id, so only the signature is wrong.
 */
export class TokenForger {
  private constructor(
    private readonly provider: TestOidcProvider,
    private readonly trustedKey: KeyLike,
    private readonly trustedKid: string,
    private readonly foreignKey: KeyLike,
    private readonly componentId: string,
  ) {}

  /** Registers the trusted test key in the realm; `close()` removes it again. */
  static async create(provider: TestOidcProvider): Promise<TokenForger> {
    const trusted = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const foreign = await generateKeyPair('RS256', { modulusLength: 2048 });
    const admin = await fetchAdminToken(provider);
    const api = `${provider.baseUrl}/admin/realms/${KEYCLOAK_REALM}`;
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    const realm = (await (await fetch(api, { headers })).json()) as { id: string };
    const name = `gridwerk-test-key-${crypto.randomBytes(4).toString('hex')}`;
    const created = await fetch(`${api}/components`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name,
        providerId: 'rsa',
        providerType: 'org.keycloak.keys.KeyProvider',
        parentId: realm.id,
        config: {
          priority: ['1'],
          enabled: ['true'],
          active: ['false'],
          algorithm: ['RS256'],
          privateKey: [await exportPKCS8(trusted.privateKey)],
        },
      }),
    });
    if (created.status !== 201) {
      throw new Error(`registering the test key failed (${created.status}): ${await created.text()}`);
    }
    const componentId = (created.headers.get('location') ?? '').split('/').pop() ?? '';
    const keys = (await (await fetch(`${api}/keys`, { headers })).json()) as {
      keys: { kid: string; providerId: string }[];
    };
    const kid = keys.keys.find((k) => k.providerId === componentId)?.kid;
    if (!kid) throw new Error(`Keycloak lists no key for the test key provider ${componentId}`);
    return new TokenForger(provider, trusted.privateKey, kid, foreign.privateKey, componentId);
  }

  /** The claims of `real` with `changes` applied, signed with the trusted test key. */
  private sign(real: string, changes: JWTPayload): Promise<string> {
    const claims = { ...decodeJwt(real), ...changes };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.trustedKid })
      .sign(this.trustedKey);
  }

  /**
   * Positive control: a copy of `real` (fresh times) under the trusted test key; `changes` may give it
   * another identity (e.g. its own `sub`, so that it has a rate-limit budget of its own).
   */
  validCopy(real: string, changes: JWTPayload = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.sign(real, { iat: now, exp: now + 300, ...changes });
  }

  /** Expired an hour ago (well beyond any clock tolerance). */
  expired(real: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.sign(real, { iat: now - 7200, exp: now - 3600 });
  }

  wrongIssuer(real: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.sign(real, { iat: now, exp: now + 300, iss: `${this.provider.baseUrl}/realms/not-gridwerk` });
  }

  wrongAudience(real: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.sign(real, { iat: now, exp: now + 300, aud: 'some-other-api' });
  }

  /** `real`'s header (with Keycloak's kid) and claims, signed by a key the JWKS does not hold. */
  wrongSignature(real: string): Promise<string> {
    const header = decodeProtectedHeader(real);
    return new SignJWT(decodeJwt(real))
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(header.kid ? { kid: header.kid } : {}) })
      .sign(this.foreignKey);
  }

  /** Removes the test key from the realm. */
  async close(): Promise<void> {
    const admin = await fetchAdminToken(this.provider);
    const r = await fetch(
      `${this.provider.baseUrl}/admin/realms/${KEYCLOAK_REALM}/components/${this.componentId}`,
      {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin}` },
      },
    );
    if (r.status !== 204) throw new Error(`removing the test key failed (${r.status})`);
  }
}
