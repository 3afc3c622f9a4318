import { useCallback, useEffect, useMemo, useState } from 'react';
import type { DispatchPlansDto } from '../../api/types';
import { useAppState, useServices, useT } from '../../app/context';
import { routeHash } from '../../app/route';
import { DispatchPlanCard } from './DispatchPlanCard';

/** Plans change once per quarter hour and are not on the stream: re-read once a minute. */
const REFRESH_MS = 60_000;

type Loaded =
  { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; value: DispatchPlansDto };

/** `feederId` (deep link /dispatch/feeders/:id): only that feeder's plan. */
export function DispatchScreen({ feederId }: { feederId?: string }) {
  const t = useT();
  const { api, store } = useServices();
  const nowMs = useAppState((s) => s.nowMs);
  const locale = useAppState((s) => s.locale);
  const batteries = useAppState((s) => s.batteries);
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });

  useEffect(() => {
    let cancelled = false;
    const load = () =>
      api.dispatchPlans().then(
        (value) => {
          if (!cancelled) setLoaded({ status: 'ready', value });
        },
        (err: unknown) => {
          if (!cancelled)
            setLoaded({ status: 'error', message: err instanceof Error ? err.message : String(err) });
        },
      );
    // the commands in force are not on the stream: re-read with the plans
    const loadCommands = () =>
      api.batteries().then(
        (list) => {
          if (!cancelled) store.dispatch({ type: 'batteries/loaded', batteries: list.items });
        },
        () => undefined,
      );
    void load();
    void loadCommands();
    const timer = setInterval(() => {
      void load();
      void loadCommands();
    }, REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [api, store]);

  // each station's batteries, from the fleet (every battery names its station)
  const byStation = useMemo(() => {
    const m = new Map<string, string[]>();
    for (const b of Object.values(batteries))
      if (b.secondarySubstationId)
        m.set(b.secondarySubstationId, [...(m.get(b.secondarySubstationId) ?? []), b.assetId]);
    for (const list of m.values()) list.sort();
    return m;
  }, [batteries]);
  const batteriesOf = useCallback((id: string) => byStation.get(id) ?? [], [byStation]);
  const commandOf = useCallback((id: string) => batteries[id]?.lastCommand ?? null, [batteries]);
  const plans = useMemo(
    () =>
      loaded.status !== 'ready'
        ? []
        : feederId
          ? loaded.value.items.filter((p) => p.feederId === feederId)
          : loaded.value.items,
    [loaded, feederId],
  );

  return (
    <section className="screen dispatch" data-testid="screen-dispatch">
      <h2>{t('dispatch.heading')}</h2>
      {loaded.status === 'loading' && <p className="muted">{t('app.loading')}</p>}
      {loaded.status === 'error' && <p className="error">{t('app.error', { message: loaded.message })}</p>}
      {feederId && (
        <p className="muted" data-testid="dispatch-feeder-filter">
          {t('dispatch.onlyFeeder', { id: feederId })}{' '}
          <a href={routeHash({ screen: 'dispatch' })}>{t('dispatch.allFeeders')}</a>
        </p>
      )}
      {loaded.status === 'ready' && plans.length === 0 && <p className="muted">{t('dispatch.none')}</p>}
      {loaded.status === 'ready' &&
        plans.map((p) => (
          <DispatchPlanCard
            key={p.feederId}
            plan={p}
            batteriesOf={batteriesOf}
            commandOf={commandOf}
            nowMs={nowMs}
            locale={locale}
            t={t}
          />
        ))}
    </section>
  );
}
