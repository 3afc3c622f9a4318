import type { DispatchPlan } from '../../api/types';
import { formatAge, type Translate } from '../../i18n/i18n';
import { formatBerlinDateTime, formatBerlinTime, type Locale } from '../../lib/berlin-time';
import { costTerms, summariseStations } from './plan-view';

/** One feeder's newest plan: why it was made, its stations' loading with and without the batteries. */
export function DispatchPlanCard(props: { plan: DispatchPlan; nowMs: number; locale: Locale; t: Translate }) {
  const { plan, t, locale } = props;
  const ageS = Math.max(0, (props.nowMs - Date.parse(plan.cycleStart)) / 1000);
  const stations = summariseStations(plan);
  const costs = costTerms(plan);
  return (
    <article className="card dispatch-plan" data-testid={`dispatch-plan-${plan.feederId}`}>
      <header>
        <h3>{t('dispatch.feeder', { id: plan.feederId })}</h3>
        <span className={`badge ${plan.status === 'optimal' ? 'ok' : 'warn'}`} data-testid="dispatch-status">
          {plan.status === 'optimal' ? t('dispatch.status.optimal') : t('dispatch.status.fallback')}
        </span>
      </header>
      <p className="muted">
        {t('dispatch.cycle', {
          at: formatBerlinDateTime(Date.parse(plan.cycleStart), locale),
          age: formatAge(t, ageS),
          ms: plan.solveMs,
        })}
      </p>
      <p data-testid="dispatch-reason">{t('dispatch.reason', { reason: plan.reason })}</p>
      {costs.length > 0 && (
        <p className="muted">
          {t('dispatch.costs')} {costs.map((c) => t('dispatch.cost', { term: c.term, ct: c.ct })).join(' · ')}
        </p>
      )}
      <table className="table">
        <thead>
          <tr>
            <th>{t('dispatch.station')}</th>
            <th>{t('dispatch.rating')}</th>
            <th>{t('dispatch.peakWithout')}</th>
            <th>{t('dispatch.peakPlanned')}</th>
            <th>{t('dispatch.next')}</th>
          </tr>
        </thead>
        <tbody>
          {stations.map((s) => (
            <tr key={s.secondarySubstationId}>
              <td>{s.secondarySubstationId}</td>
              <td>{t('units.kw', { value: s.ratingKW })}</td>
              <td className={s.overWithout > 0 ? 'warn' : ''}>
                {t('units.kw', { value: s.peakLoadKW })}
                {s.overWithout > 0 ? ` (${t('dispatch.overSteps', { n: s.overWithout })})` : ''}
              </td>
              <td className={s.overPlanned > 0 ? 'warn' : ''}>
                {t('units.kw', { value: s.peakPlannedKW })}
                {s.overPlanned > 0 ? ` (${t('dispatch.overSteps', { n: s.overPlanned })})` : ''}
              </td>
              <td>
                {s.next
                  .map((n) =>
                    t('dispatch.step', {
                      at: formatBerlinTime(n.startMs, locale),
                      planned: n.plannedKW,
                      why: t(`dispatch.binding.${n.binding}`),
                    }),
                  )
                  .join(' · ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {plan.fallback.length > 0 && (
        <ul className="fallback" data-testid="dispatch-fallback">
          {plan.fallback.map((f) => (
            <li key={f.assetId}>{t('dispatch.fallback', { asset: f.assetId, reason: f.reason })}</li>
          ))}
        </ul>
      )}
    </article>
  );
}
