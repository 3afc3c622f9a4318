/**
 * PKCE (RFC 7636, S256) and random values for the OAuth 2.0 authorization code flow, on WebCrypto.
 */
const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';

/** A random string over the unreserved characters (RFC 7636 §4.1: 43-128 characters for a verifier). */
export function randomString(length: number): string {
  // reject bytes >= 198 (3 * 66) so that every character is equally likely
  const out: string[] = [];
  const bytes = new Uint8Array(length * 2);
  while (out.length < length) {
    crypto.getRandomValues(bytes);
    for (const b of bytes) {
      if (b < 198 && out.length < length) out.push(UNRESERVED[b % 66]);
    }
  }
  return out.join('');
}

export function base64UrlEncode(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64UrlDecode(text: string): string {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

export function createCodeVerifier(): string {
  return randomString(64);
}

export async function codeChallengeS256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}

/** The claims of a JWT, without verifying it (the API verifies access tokens; see oidc-client.ts). */
export function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  if (part === undefined) throw new Error('not a JWT');
  const claims: unknown = JSON.parse(base64UrlDecode(part));
  if (claims === null || typeof claims !== 'object') throw new Error('JWT payload is not an object');
  return claims as Record<string, unknown>;
}
