import { createContext, useContext, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import type { ApiClient } from '../api/client';
import type { OidcClient } from '../auth/oidc-client';
import { translator, type Translate } from '../i18n/i18n';
import type { Action, AppState } from './state';
import type { Store } from './store';

export interface Services {
  store: Store<AppState, Action>;
  api: ApiClient;
  oidc: OidcClient;
}

const ServicesContext = createContext<Services | undefined>(undefined);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices outside ServicesProvider');
  return s;
}

export function useAppState<T>(select: (s: AppState) => T): T {
  const { store } = useServices();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}

export function useDispatch(): (a: Action) => void {
  return useServices().store.dispatch;
}

export function useT(): Translate {
  const locale = useAppState((s) => s.locale);
  return useMemo(() => translator(locale), [locale]);
}
