import type { Battery } from '../../api/types';
import { formatAge, type Translate } from '../../i18n/i18n';
import { formatBerlinDateTime, type Locale } from '../../lib/berlin-time';
import { STALE_AFTER_S } from '../../lib/loading';
import { controlOf, describeCommand } from './battery-view';

const AVAILABILITY = ['available', 'unavailable', 'stale', 'unknown'] as const;
function availabilityKey(a: string): (typeof AVAILABILITY)[number] {
  return (AVAILABILITY as readonly string[]).includes(a) ? (a as (typeof AVAILABILITY)[number]) : 'unknown';
}

export function BatteryTable(props: {
  batteries: Battery[];
  nowMs: number;
  locale: Locale;
  t: Translate;
  onOpenNode: (id: string) => void;
}) {
  const { t, locale } = props;
  if (props.batteries.length === 0) return <p className="muted">{t('batteries.none')}</p>;
  const pct = (v: number | null) => (v === null ? '–' : t('units.pct', { value: v }));
  return (
    <table className="table batteries" data-testid="battery-table">
      <thead>
        <tr>
          <th>{t('batteries.asset')}</th>
          <th>{t('batteries.station')}</th>
          <th>{t('batteries.soc')}</th>
          <th>{t('batteries.power')}</th>
          <th>{t('batteries.soh')}</th>
          <th>{t('batteries.availability')}</th>
          <th>{t('batteries.control')}</th>
          <th>{t('batteries.lastCommand')}</th>
          <th>{t('batteries.age')}</th>
        </tr>
      </thead>
      <tbody>
        {props.batteries.map((b) => {
          const observed = b.observedAt ? Date.parse(b.observedAt) : undefined;
          const ageS = observed !== undefined ? Math.max(0, (props.nowMs - observed) / 1000) : undefined;
          const stale = ageS === undefined || ageS > STALE_AFTER_S;
          const p = b.powerW;
          return (
            <tr key={b.assetId} data-asset={b.assetId} className={stale ? 'stale' : ''}>
              <td>{b.assetId}</td>
              <td>
                <button
                  type="button"
                  className="link"
                  onClick={() => b.secondarySubstationId && props.onOpenNode(b.secondarySubstationId)}
                >
                  {b.secondarySubstationId}
                </button>
              </td>
              <td>
                <div className="soc-bar" aria-hidden="true">
                  <span style={{ width: `${Math.max(0, Math.min(100, b.stateOfChargePct ?? 0))}%` }} />
                </div>
                {pct(b.stateOfChargePct)}
              </td>
              <td>
                {p === null
                  ? '–'
                  : `${t('units.kw', { value: Math.abs(p) / 1000 })} ${t(
                      p > 0 ? 'batteries.discharging' : p < 0 ? 'batteries.charging' : 'batteries.idle',
                    )}`}
              </td>
              <td>{pct(b.stateOfHealthPct)}</td>
              <td data-availability={b.availability}>
                {t(`batteries.availability.${availabilityKey(b.availability)}`)}
              </td>
              <td data-control={controlOf(b)}>
                <span className={`badge control ${controlOf(b)}`}>
                  {t(`batteries.control.${controlOf(b)}`)}
                </span>
              </td>
              <td data-command-mode={b.lastCommand?.mode ?? ''} title={b.lastCommand?.reason ?? ''}>
                {b.lastCommand
                  ? `${describeCommand(b.lastCommand, t)} · ${formatBerlinDateTime(Date.parse(b.lastCommand.issuedAt), locale)}`
                  : '–'}
              </td>
              <td>
                {ageS === undefined ? '–' : formatAge(t, ageS)}
                {stale && ageS !== undefined ? <span className="badge stale">{t('stale.badge')}</span> : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
