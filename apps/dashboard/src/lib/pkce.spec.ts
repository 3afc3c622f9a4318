import {
  base64UrlEncode,
  codeChallengeS256,
  createCodeVerifier,
  decodeJwtPayload,
  randomString,
} from './pkce';

describe('PKCE', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('creates verifiers of valid length and alphabet, different each time', () => {
    const a = createCodeVerifier();
    const b = createCodeVerifier();
    expect(a).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(a).not.toBe(b);
    expect(randomString(5)).toHaveLength(5);
  });

  it('base64url-encodes without padding and decodes JWT payloads with UTF-8', () => {
    expect(base64UrlEncode(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    const payload = base64UrlEncode(new TextEncoder().encode(JSON.stringify({ name: 'Jörg', n: 1 })));
    expect(decodeJwtPayload(`h.${payload}.s`)).toEqual({ name: 'Jörg', n: 1 });
    expect(() => decodeJwtPayload('nope')).toThrow('not a JWT');
  });
});
