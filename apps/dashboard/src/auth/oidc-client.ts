import { codeChallengeS256, createCodeVerifier, decodeJwtPayload, randomString } from '../lib/pkce';

/**
 * OpenID Connect for a public browser client: authorization code flow with PKCE (S256), token refresh
 * before expiry, RP-initiated logout. Tokens come straight from the token endpoint over the back channel,
 * so the ID token's signature need not be checked here (OIDC Core 3.1.3.7); its issuer, audience and
 * nonce are. The API verifies every access token against the JWKS.
 *
 * State that must survive the redirect (state, verifier, nonce) and the session's tokens live in
 * sessionStorage: per tab, gone with the tab, never in a URL.
 */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** Where Keycloak sends the browser back: the dashboard's own origin and path. */
  redirectUri: string;
  scope?: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string | undefined;
  /** epoch ms */
  expiresAt: number;
}

export interface SessionUser {
  sub: string;
  username: string;
  roles: string[];
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
  issuer: string;
}

interface PendingLogin {
  state: string;
  verifier: string;
  nonce: string;
  returnTo: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const PENDING_KEY = 'gridwerk.oidc.pending';
const TOKENS_KEY = 'gridwerk.oidc.tokens';

export class OidcError extends Error {
  constructor(
    readonly code:
      | 'OIDC.DISCOVERY_FAILED'
      | 'OIDC.STATE_MISMATCH'
      | 'OIDC.TOKEN_FAILED'
      | 'OIDC.ID_TOKEN_INVALID'
      | 'OIDC.AUTHORIZATION_DENIED',
    message: string,
  ) {
    super(message);
    this.name = 'OidcError';
  }
}

export class OidcClient {
  private discovery: Discovery | undefined;
  private tokens: Tokens | undefined;
  private refreshing: Promise<Tokens | undefined> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(t: Tokens | undefined) => void>();

  constructor(
    private readonly settings: OidcSettings,
    private readonly storage: Storage = sessionStorage,
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a),
  ) {
    const saved = this.storage.getItem(TOKENS_KEY);
    if (saved) {
      try {
        this.tokens = JSON.parse(saved) as Tokens;
      } catch {
        this.storage.removeItem(TOKENS_KEY);
      }
    }
  }

  /** Called with the new tokens after login and every refresh, and with undefined on logout/expiry. */
  onTokens(listener: (t: Tokens | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async meta(): Promise<Discovery> {
    if (this.discovery) return this.discovery;
    const url = `${this.settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const r = await this.fetchImpl(url).catch((err: unknown) => {
      throw new OidcError('OIDC.DISCOVERY_FAILED', `${url}: ${String(err)}`);
    });
    if (!r.ok) throw new OidcError('OIDC.DISCOVERY_FAILED', `${url}: HTTP ${r.status}`);
    const d = (await r.json()) as Discovery;
    if (d.issuer !== this.settings.issuer)
      throw new OidcError('OIDC.DISCOVERY_FAILED', `issuer ${d.issuer} is not ${this.settings.issuer}`);
    this.discovery = d;
    return d;
  }

  /** Redirects the browser to the provider's login page. */
  async login(returnTo: string): Promise<void> {
    const d = await this.meta();
    const pending: PendingLogin = {
      state: randomString(32),
      verifier: createCodeVerifier(),
      nonce: randomString(32),
      returnTo,
    };
    this.storage.setItem(PENDING_KEY, JSON.stringify(pending));
    const u = new URL(d.authorization_endpoint);
    u.searchParams.set('response_type', 'code');
    u.searchParams.set('client_id', this.settings.clientId);
    u.searchParams.set('redirect_uri', this.settings.redirectUri);
    u.searchParams.set('scope', this.settings.scope ?? 'openid profile');
    u.searchParams.set('state', pending.state);
    u.searchParams.set('nonce', pending.nonce);
    u.searchParams.set('code_challenge', await codeChallengeS256(pending.verifier));
    u.searchParams.set('code_challenge_method', 'S256');
    window.location.assign(u.toString());
  }

  /**
   * When the URL carries the provider's answer (?code&state or ?error), exchanges the code and returns
   * where the user wanted to go; otherwise undefined.
   */
  async handleRedirect(url: URL): Promise<string | undefined> {
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    if (!code && !error) return undefined;
    const raw = this.storage.getItem(PENDING_KEY);
    this.storage.removeItem(PENDING_KEY);
    const pending = raw ? (JSON.parse(raw) as PendingLogin) : undefined;
    if (!pending || pending.state !== url.searchParams.get('state'))
      throw new OidcError('OIDC.STATE_MISMATCH', 'the login answer does not belong to this tab');
    if (error)
      throw new OidcError(
        'OIDC.AUTHORIZATION_DENIED',
        `${error}: ${url.searchParams.get('error_description') ?? ''}`,
      );
    const d = await this.meta();
    const tokens = await this.tokenRequest(d, {
      grant_type: 'authorization_code',
      code: code ?? '',
      redirect_uri: this.settings.redirectUri,
      code_verifier: pending.verifier,
    });
    this.checkIdToken(tokens.idToken, pending.nonce);
    this.store(tokens);
    return pending.returnTo;
  }

  private checkIdToken(idToken: string | undefined, nonce: string): void {
    if (!idToken) throw new OidcError('OIDC.ID_TOKEN_INVALID', 'no ID token');
    const c = decodeJwtPayload(idToken);
    const aud = Array.isArray(c['aud']) ? (c['aud'] as unknown[]) : [c['aud']];
    if (c['iss'] !== this.settings.issuer || !aud.includes(this.settings.clientId) || c['nonce'] !== nonce)
      throw new OidcError('OIDC.ID_TOKEN_INVALID', 'ID token issuer, audience or nonce do not match');
  }

  private async tokenRequest(d: Discovery, params: Record<string, string>): Promise<Tokens> {
    const body = new URLSearchParams({ ...params, client_id: this.settings.clientId });
    const r = await this.fetchImpl(d.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const json = (await r.json().catch(() => ({}))) as Record<string, unknown>;
    if (!r.ok || typeof json['access_token'] !== 'string')
      throw new OidcError(
        'OIDC.TOKEN_FAILED',
        `token endpoint: HTTP ${r.status} ${str(json['error'])} ${str(json['error_description'])}`.trim(),
      );
    const expiresIn = typeof json['expires_in'] === 'number' ? json['expires_in'] : 300;
    return {
      accessToken: json['access_token'],
      refreshToken:
        typeof json['refresh_token'] === 'string' ? json['refresh_token'] : this.tokens?.refreshToken,
      idToken: typeof json['id_token'] === 'string' ? json['id_token'] : this.tokens?.idToken,
      expiresAt: Date.now() + expiresIn * 1000,
    };
  }

  private store(tokens: Tokens | undefined): void {
    this.tokens = tokens;
    if (tokens) this.storage.setItem(TOKENS_KEY, JSON.stringify(tokens));
    else this.storage.removeItem(TOKENS_KEY);
    this.schedule();
    for (const l of this.listeners) l(tokens);
  }

  /** Refreshes 30 s before expiry (or at once when less is left), so requests never carry a dead token. */
  private schedule(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    const t = this.tokens;
    if (!t?.refreshToken) return;
    const inMs = Math.max(1000, t.expiresAt - Date.now() - 30_000);
    this.refreshTimer = setTimeout(() => {
      void this.refresh().catch(() => undefined);
    }, inMs);
  }

  /** Starts the refresh schedule for tokens restored from the tab's storage. */
  resume(): void {
    if (this.tokens && this.tokens.expiresAt <= Date.now() && !this.tokens.refreshToken)
      this.store(undefined);
    else this.schedule();
  }

  async refresh(): Promise<Tokens | undefined> {
    const t = this.tokens;
    if (!t?.refreshToken) {
      this.store(undefined);
      return undefined;
    }
    this.refreshing ??= (async () => {
      try {
        const next = await this.tokenRequest(await this.meta(), {
          grant_type: 'refresh_token',
          refresh_token: t.refreshToken ?? '',
        });
        this.store(next);
        return next;
      } catch {
        // refresh token expired or session ended at the provider: sign in again
        this.store(undefined);
        return undefined;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** A valid access token, refreshed when close to expiry; undefined when signed out. */
  async accessToken(): Promise<string | undefined> {
    const t = this.tokens;
    if (!t) return undefined;
    if (t.expiresAt - Date.now() > 10_000) return t.accessToken;
    return (await this.refresh())?.accessToken;
  }

  user(): SessionUser | undefined {
    const t = this.tokens;
    if (!t) return undefined;
    const c = decodeJwtPayload(t.accessToken);
    const realm = c['realm_access'] as { roles?: unknown } | undefined;
    const roles = Array.isArray(realm?.roles)
      ? realm.roles.filter((r): r is string => typeof r === 'string')
      : [];
    return {
      sub: str(c['sub']),
      username: str(c['preferred_username']) || str(c['sub']),
      roles: roles.filter((r) => ['viewer', 'operator', 'billing', 'admin'].includes(r)),
    };
  }

  /** Ends the session here and at the provider (RP-initiated logout), back to the dashboard. */
  async logout(): Promise<void> {
    const idToken = this.tokens?.idToken;
    this.store(undefined);
    const d = await this.meta();
    if (!d.end_session_endpoint) {
      window.location.assign(this.settings.redirectUri);
      return;
    }
    const u = new URL(d.end_session_endpoint);
    u.searchParams.set('client_id', this.settings.clientId);
    u.searchParams.set('post_logout_redirect_uri', this.settings.redirectUri);
    if (idToken) u.searchParams.set('id_token_hint', idToken);
    window.location.assign(u.toString());
  }
}
