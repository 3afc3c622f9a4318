import type { BatteryCommandDto, DispatchPlan } from '../../api/types';
import { formatAge, type Translate } from '../../i18n/i18n';
import { formatBerlinDateTime, formatBerlinTime, type Locale } from '../../lib/berlin-time';
import { describeCommand } from '../batteries/battery-view';
import { PlanChart } from './PlanChart';
import { costTerms, planSteps, summariseStations } from './plan-view';

/**
 * One feeder's newest plan: why it was made, its stations' loading with and without the batteries, and per
 * station every step of the horizon with its batteries' setpoints, SoC trajectory and reason.
 */
export function DispatchPlanCard(props: {
  plan: DispatchPlan;
  /** Each station's batteries, from the topology. */
  batteriesOf: (stationId: string) => readonly string[];
  /** A battery's command in force as grid-api last received it (v1 setpoint or v2 limit). */
  commandOf: (assetId: string) => BatteryCommandDto | null;
  nowMs: number;
  locale: Locale;
  t: Translate;
}) {
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
      {stations.map((s) => {
        const rows = planSteps(plan, s.secondarySubstationId, props.batteriesOf(s.secondarySubstationId));
        const assets = rows[0]?.batteries.map((b) => b.assetId) ?? [];
        return (
          <details
            key={s.secondarySubstationId}
            className="plan-steps"
            data-testid={`plan-steps-${s.secondarySubstationId}`}
          >
            <summary>
              {t('dispatch.steps')}: {s.secondarySubstationId} ({t('dispatch.socChart')})
            </summary>
            <ul className="muted small" data-testid="plan-commands">
              {assets.map((a) => {
                const c = props.commandOf(a);
                return (
                  <li key={a} data-asset={a} data-command-mode={c?.mode ?? ''}>
                    {t('dispatch.command', { asset: a, command: c ? describeCommand(c, t) : '–' })}
                  </li>
                );
              })}
            </ul>
            <PlanChart stationId={s.secondarySubstationId} rows={rows} t={t} locale={locale} />
            <table className="table compact">
              <thead>
                <tr>
                  <th>{t('dispatch.col.time')}</th>
                  <th>{t('dispatch.col.without')}</th>
                  <th>{t('dispatch.col.planned')}</th>
                  <th>{t('dispatch.rating')}</th>
                  {assets.map((a) => (
                    <th key={`p-${a}`}>{t('dispatch.col.battery', { asset: a })}</th>
                  ))}
                  {assets.map((a) => (
                    <th key={`s-${a}`}>{t('dispatch.col.soc', { asset: a })}</th>
                  ))}
                  <th>{t('dispatch.col.why')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.startMs} data-step={new Date(r.startMs).toISOString()} data-binding={r.binding}>
                    <td>{formatBerlinDateTime(r.startMs, locale)}</td>
                    <td className={r.withoutKW > r.ratingKW ? 'warn' : ''}>
                      {t('units.kw', { value: r.withoutKW })}
                    </td>
                    <td className={r.plannedKW > r.ratingKW ? 'warn' : ''}>
                      {t('units.kw', { value: r.plannedKW })}
                    </td>
                    <td>{t('units.kw', { value: r.ratingKW })}</td>
                    {r.batteries.map((b) => (
                      <td key={`p-${b.assetId}`}>{t('units.kw', { value: b.setpointKW })}</td>
                    ))}
                    {r.batteries.map((b) => (
                      <td key={`s-${b.assetId}`}>{t('units.pct', { value: b.socPct })}</td>
                    ))}
                    <td data-testid="step-reason">{t(`dispatch.binding.${r.binding}`)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        );
      })}
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
