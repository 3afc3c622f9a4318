import { useCallback, useEffect, useMemo, useState } from 'react';
import type { DispatchPlansDto } from '../../api/types';
import { useAppState, useServices, useT } from '../../app/context';
import { DispatchPlanCard } from './DispatchPlanCard';

/** Plans change once per quarter hour and are not on the stream: re-read once a minute. */
const REFRESH_MS = 60_000;

type Loaded =
  { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; value: DispatchPlansDto };

export function DispatchScreen() {
  const t = useT();
  const { api, store } = useServices();
  const nowMs = useAppState((s) => s.nowMs);
  const locale = useAppState((s) => s.locale);
  const topology = useAppState((s) => s.topology);
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

  const byStation = useMemo(() => {
    const m = new Map<string, string[]>();
    if (topology.status !== 'ready') return m;
    for (const sub of topology.value.substations)
      for (const f of sub.feeders)
        for (const st of f.secondarySubstations)
          m.set(
            st.id,
            st.batteries.map((b) => b.assetId),
          );
    return m;
  }, [topology]);
  const batteriesOf = useCallback((id: string) => byStation.get(id) ?? [], [byStation]);
  const commandOf = useCallback((id: string) => batteries[id]?.lastCommand ?? null, [batteries]);

  return (
    <section className="screen dispatch" data-testid="screen-dispatch">
      <h2>{t('dispatch.heading')}</h2>
      {loaded.status === 'loading' && <p className="muted">{t('app.loading')}</p>}
      {loaded.status === 'error' && <p className="error">{t('app.error', { message: loaded.message })}</p>}
      {loaded.status === 'ready' && loaded.value.items.length === 0 && (
        <p className="muted">{t('dispatch.none')}</p>
      )}
      {loaded.status === 'ready' &&
        loaded.value.items.map((p) => (
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
