import { useEffect, useState } from 'react';
import type { Battery, StationAboveRatingDto } from '../../api/types';
import { useServices } from '../../app/context';
import type { Translate } from '../../i18n/i18n';
import { controlOf } from '../batteries/battery-view';

/** Plans change once per quarter hour: re-read the day's figure once a minute. */
const REFRESH_MS = 60_000;

const kwh = (wh: number) => Math.round(wh / 100) / 10;

/**
 * What the batteries of a secondary substation did: the energy above the rating they avoided today (the
 * rule in the tooltip and the README) and each battery's SoC and mode, live from the stream.
 */
export function StationBatteries(props: { stationId: string; batteries: Battery[]; t: Translate }) {
  const { t, stationId } = props;
  const { api } = useServices();
  const [day, setDay] = useState<StationAboveRatingDto | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    const load = () =>
      api.stationAboveRating(stationId).then(
        (v) => {
          if (cancelled) return;
          setDay(v);
          setError(undefined);
        },
        (err: unknown) => {
          if (!cancelled) setError(err instanceof Error ? err.message : String(err));
        },
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [api, stationId]);

  return (
    <div className="station-batteries" data-testid="station-batteries">
      <div className="avoided" title={t('station.avoidedRule')} data-testid="station-avoided">
        <span className="muted">{t('station.avoided')}</span>{' '}
        {error !== undefined ? (
          <span className="error">{t('app.error', { message: error })}</span>
        ) : day && day.quarterHours > 0 ? (
          <>
            <strong data-avoided-wh={day.avoidedWh}>
              {t('station.avoidedValue', { kwh: kwh(day.avoidedWh) })}
            </strong>
            <span className="muted small">
              {' '}
              {t('station.avoidedDetail', {
                without: kwh(day.withoutBatteriesWh),
                planned: kwh(day.plannedWh),
                n: day.quarterHours,
              })}
            </span>
          </>
        ) : (
          <span className="muted">{t('station.avoidedNone')}</span>
        )}
      </div>
      <h3>{t('station.batteries')}</h3>
      {props.batteries.length === 0 ? (
        <p className="muted">{t('station.noBatteries')}</p>
      ) : (
        <ul className="station-battery-list">
          {props.batteries.map((b) => (
            <li key={b.assetId} data-asset={b.assetId} data-control={controlOf(b)}>
              <span>{b.assetId}</span>
              <div className="soc-bar" aria-hidden="true">
                <span style={{ width: `${Math.max(0, Math.min(100, b.stateOfChargePct ?? 0))}%` }} />
              </div>
              <span data-testid="station-soc">
                {b.stateOfChargePct === null ? '–' : t('units.pct', { value: b.stateOfChargePct })}
              </span>
              <span className={`badge control ${controlOf(b)}`}>
                {t(`batteries.control.${controlOf(b)}`)}
              </span>
              <span className="muted">
                {b.powerW === null
                  ? ''
                  : `${t('units.kw', { value: Math.abs(b.powerW) / 1000 })} ${t(
                      b.powerW > 0
                        ? 'batteries.discharging'
                        : b.powerW < 0
                          ? 'batteries.charging'
                          : 'batteries.idle',
                    )}`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
