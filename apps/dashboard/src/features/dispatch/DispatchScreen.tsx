import { useEffect, useState } from 'react';
import type { DispatchPlansDto } from '../../api/types';
import { useAppState, useServices, useT } from '../../app/context';
import { DispatchPlanCard } from './DispatchPlanCard';

/** Plans change once per quarter hour and are not on the stream: re-read once a minute. */
const REFRESH_MS = 60_000;

type Loaded =
  { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; value: DispatchPlansDto };

export function DispatchScreen() {
  const t = useT();
  const { api } = useServices();
  const nowMs = useAppState((s) => s.nowMs);
  const locale = useAppState((s) => s.locale);
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
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [api]);

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
          <DispatchPlanCard key={p.feederId} plan={p} nowMs={nowMs} locale={locale} t={t} />
        ))}
    </section>
  );
}
