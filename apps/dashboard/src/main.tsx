import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/client';
import { App } from './app/App';
import { ServicesProvider } from './app/context';
import { parseDeepLink, parseRoute, routeHash } from './app/route';
import { initialState, reducer } from './app/state';
import { createStore } from './app/store';
import { OidcClient } from './auth/oidc-client';
import { preferredLocale, translator } from './i18n/i18n';
import type { Locale } from './lib/berlin-time';
import './styles.css';

/**
 * Start-up: read the runtime settings grid-api serves next to the files (/config.json: issuer and
 * client id, so one build runs in every environment), finish a login redirect if this is one, then
 * render.
 */
interface RuntimeConfig {
  oidcIssuerUrl: string;
  oidcClientId: string;
}

async function start(): Promise<void> {
  const rootEl = document.getElementById('root');
  if (!rootEl) return;
  // a deep link (/nodes/ONS-0001, …; grid-api serves the SPA for it) continues as the hash route, on `/`:
  // the sign-in's return address and the OIDC redirect URI stay what they are for every screen
  if (window.location.pathname !== '/') {
    const deep = parseDeepLink(window.location.pathname);
    window.history.replaceState(null, '', `/${deep ? routeHash(deep) : window.location.hash}`);
  }
  const saved = localStorage.getItem('gridwerk.locale');
  const locale: Locale = saved === 'de' || saved === 'en' ? saved : preferredLocale(navigator.languages);
  const store = createStore(reducer, initialState(locale, parseRoute(window.location.hash), Date.now()));
  const root = createRoot(rootEl);
  const t = translator(locale);
  try {
    const res = await fetch('/config.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`/config.json: HTTP ${res.status}`);
    const config = (await res.json()) as RuntimeConfig;
    const redirectUri = `${window.location.origin}/`;
    const oidc = new OidcClient({ issuer: config.oidcIssuerUrl, clientId: config.oidcClientId, redirectUri });
    const api = createApiClient({
      baseUrl: '',
      token: async (refresh) => (refresh ? (await oidc.refresh())?.accessToken : oidc.accessToken()),
    });
    try {
      const returnTo = await oidc.handleRedirect(new URL(window.location.href));
      if (returnTo !== undefined) {
        window.history.replaceState(null, '', `/${returnTo.startsWith('#') ? returnTo : '#/'}`);
        store.dispatch({ type: 'route', route: parseRoute(window.location.hash) });
      }
    } catch (err) {
      window.history.replaceState(null, '', '/');
      store.dispatch({
        type: 'session/anonymous',
        message: err instanceof Error ? err.message : String(err),
      });
    }
    oidc.resume();
    const user = oidc.user();
    if (user) store.dispatch({ type: 'session/signed-in', user });
    else if (store.getState().session.status === 'starting') store.dispatch({ type: 'session/anonymous' });
    oidc.onTokens((tokens) => {
      const u = tokens ? oidc.user() : undefined;
      if (u) store.dispatch({ type: 'session/signed-in', user: u });
      else
        store.dispatch({
          type: 'session/anonymous',
          message: translator(store.getState().locale)('session.expired'),
        });
    });
    root.render(
      <StrictMode>
        <ServicesProvider services={{ store, api, oidc }}>
          <App />
        </ServicesProvider>
      </StrictMode>,
    );
  } catch (err) {
    root.render(
      <p className="error">
        {t('app.error', { message: err instanceof Error ? err.message : String(err) })}
      </p>,
    );
  }
}

void start();
