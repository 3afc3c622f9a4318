import { useEffect } from 'react';
import { useAppState, useDispatch, useServices, useT } from './context';
import { parseRoute, routeHash } from './route';
import { AlarmListScreen } from '../features/alarms/AlarmListScreen';
import { BatteryFleetScreen } from '../features/batteries/BatteryFleetScreen';
import { DispatchScreen } from '../features/dispatch/DispatchScreen';
import { LiveIndicator } from '../features/live/LiveIndicator';
import { useLiveStream } from '../features/live/use-live-stream';
import { NodeDetailScreen } from '../features/node-detail/NodeDetailScreen';
import { OverviewScreen } from '../features/overview/OverviewScreen';
import { LanguageSwitch } from '../features/session/LanguageSwitch';
import { SignIn } from '../features/session/SignIn';
import { useControlRoomClock } from '../features/session/use-control-room-clock';
import { useSessionData } from '../features/session/use-session-data';

export function App() {
  const t = useT();
  const dispatch = useDispatch();
  const { oidc } = useServices();
  const session = useAppState((s) => s.session);
  const route = useAppState((s) => s.route);
  const locale = useAppState((s) => s.locale);
  const stream = useAppState((s) => s.stream);
  const signedIn = session.status === 'signed-in';

  useLiveStream(signedIn);
  useSessionData(signedIn);
  useControlRoomClock(signedIn);

  useEffect(() => {
    const onHash = () => dispatch({ type: 'route', route: parseRoute(window.location.hash) });
    window.addEventListener('hashchange', onHash);
    const tick = setInterval(() => dispatch({ type: 'tick', nowMs: Date.now() }), 5000);
    return () => {
      window.removeEventListener('hashchange', onHash);
      clearInterval(tick);
    };
  }, [dispatch]);

  useEffect(() => {
    const h = routeHash(route);
    if (window.location.hash !== h) window.history.pushState(null, '', h);
  }, [route]);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = t('app.title');
  }, [locale, t]);

  if (session.status === 'starting') return <p className="center">{t('session.signingIn')}</p>;
  if (session.status === 'anonymous')
    return (
      <SignIn
        t={t}
        message={session.message}
        onSignIn={() => {
          void oidc.login(window.location.hash || '#/');
        }}
      />
    );

  const nav = (screen: 'overview' | 'batteries' | 'dispatch' | 'alarms') => ({
    className: route.screen === screen ? 'active' : '',
    href: routeHash({ screen }),
  });

  return (
    <div className="app">
      <header className="top">
        <h1>{t('app.title')}</h1>
        <nav>
          <a {...nav('overview')} data-testid="nav-overview">
            {t('nav.overview')}
          </a>
          <a {...nav('alarms')} data-testid="nav-alarms">
            {t('nav.alarms')}
          </a>
          <a {...nav('batteries')} data-testid="nav-batteries">
            {t('nav.batteries')}
          </a>
          <a {...nav('dispatch')} data-testid="nav-dispatch">
            {t('nav.dispatch')}
          </a>
        </nav>
        <div className="top-right">
          <LiveIndicator
            state={stream.state}
            detail={stream.detail}
            lastEventAtMs={stream.lastEventAtMs}
            locale={locale}
            t={t}
          />
          <LanguageSwitch
            locale={locale}
            t={t}
            onChange={(l) => {
              localStorage.setItem('gridwerk.locale', l);
              dispatch({ type: 'locale', locale: l });
            }}
          />
          <span className="user" data-testid="user">
            {t('session.user', {
              username: session.user.username,
              roles: session.user.roles.join(', ') || '–',
            })}
          </span>
          <button type="button" data-testid="sign-out" onClick={() => void oidc.logout()}>
            {t('session.signOut')}
          </button>
        </div>
      </header>
      <main>
        {route.screen === 'overview' && <OverviewScreen />}
        {route.screen === 'node' && <NodeDetailScreen key={route.nodeId} nodeId={route.nodeId} />}
        {route.screen === 'batteries' && <BatteryFleetScreen />}
        {route.screen === 'dispatch' && <DispatchScreen feederId={route.feederId} />}
        {route.screen === 'alarms' && <AlarmListScreen nodeId={route.nodeId} />}
      </main>
    </div>
  );
}
