import type { TopologyStationDto } from '../../api/types';
import { deepLinkPath } from '../../app/route';
import { formatNumber, type Translate } from '../../i18n/i18n';
import type { Locale } from '../../lib/berlin-time';
import { classifyLoading, LOADING_COLOURS } from '../../lib/loading';
import { pageRange } from './overview-view';

export interface StationListProps {
  testId: string;
  stations: readonly TopologyStationDto[];
  total: number;
  offset: number;
  locale: Locale;
  t: Translate;
  onOpen: (nodeId: string) => void;
  onNext: (() => void) | undefined;
  onPrev: (() => void) | undefined;
}

/**
 * One page of secondary substations: id (a deep link: open in a new tab, copy, or click to go there in the
 * app), name, street, feeder, live loading. A page is at most 200 rows; the lists page, never dump.
 */
export function StationList(p: StationListProps) {
  const { t } = p;
  const range = pageRange(p.offset, p.stations.length);
  return (
    <div className="station-list" data-testid={p.testId}>
      <table className="table compact">
        <thead>
          <tr>
            <th>{t('overview.col.node')}</th>
            <th>{t('overview.col.name')}</th>
            <th>{t('overview.col.street')}</th>
            <th>{t('overview.col.feeder')}</th>
            <th className="num">{t('overview.col.loading')}</th>
          </tr>
        </thead>
        <tbody>
          {p.stations.map((s) => {
            const cls = classifyLoading({ powerW: s.powerW, ratedKva: s.ratedKva, ageS: null });
            return (
              <tr key={s.id} data-station={s.id}>
                <td>
                  <a
                    href={deepLinkPath({ screen: 'node', nodeId: s.id })}
                    data-testid="station-link"
                    onClick={(e) => {
                      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
                      e.preventDefault();
                      p.onOpen(s.id);
                    }}
                  >
                    {s.id}
                  </a>
                </td>
                <td>{s.name}</td>
                <td>{s.street ?? '–'}</td>
                <td>{s.feederId}</td>
                <td className="num">
                  <span className="dot" style={{ background: LOADING_COLOURS[cls] }} aria-hidden="true" />
                  {s.loadingPct === null ? '–' : t('units.pct', { value: s.loadingPct })}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="pager">
        <span className="muted small">
          {t('overview.page.range', {
            from: formatNumber(p.locale, range.from, 0),
            to: formatNumber(p.locale, range.to, 0),
            total: formatNumber(p.locale, p.total, 0),
          })}
        </span>
        <button type="button" disabled={!p.onPrev} onClick={p.onPrev} data-testid={`${p.testId}-prev`}>
          {t('overview.page.prev')}
        </button>
        <button type="button" disabled={!p.onNext} onClick={p.onNext} data-testid={`${p.testId}-next`}>
          {t('overview.page.next')}
        </button>
      </div>
    </div>
  );
}
