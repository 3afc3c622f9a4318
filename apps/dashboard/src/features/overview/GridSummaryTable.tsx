import { Fragment, type ReactNode } from 'react';
import type { TopologyAggregateView, TopologySummaryDto } from '../../api/types';
import type { LiveValue } from '../../app/state';
import { deepLinkPath } from '../../app/route';
import { formatNumber, type Translate } from '../../i18n/i18n';
import type { Locale } from '../../lib/berlin-time';
import { LOADING_COLOURS } from '../../lib/loading';
import { aggregateClass } from './overview-view';

export interface GridSummaryTableProps {
  summary: TopologySummaryDto;
  live: Record<string, LiveValue>;
  expanded: ReadonlySet<string>;
  locale: Locale;
  t: Translate;
  onToggle: (substationId: string) => void;
  onOpen: (nodeId: string) => void;
  /** What shows under an expanded substation's feeders (its schematic). */
  renderExpanded: (substationId: string) => ReactNode;
}

/**
 * The whole grid in one table: a row per substation (70 at city scale), its feeders on demand, each with
 * counts, live power and its most loaded station. Stations are only counted here; they are listed by the
 * threshold and search lists and drawn in an expanded substation's schematic.
 */
export function GridSummaryTable(p: GridSummaryTableProps) {
  const { t, locale } = p;
  const kw = (id: string, own: number | null) => {
    const w = p.live[id]?.powerW ?? own;
    return w === null ? '–' : t('units.kw', { value: Math.round(w / 1000) });
  };
  const n = (v: number) => formatNumber(locale, v, 0);
  const cells = (id: string, a: TopologyAggregateView) => {
    const cls = aggregateClass(a.maxStationLoadingPct);
    return (
      <>
        <td className="num">{n(a.stationCount)}</td>
        <td className="num">{n(a.meterPointCount)}</td>
        <td className="num">{kw(id, a.powerW)}</td>
        <td className="num" data-loading-class={cls}>
          <span className="dot" style={{ background: LOADING_COLOURS[cls] }} aria-hidden="true" />
          {a.maxStationLoadingPct === null ? '–' : t('units.pct', { value: a.maxStationLoadingPct })}
        </td>
        <td className={a.stationsHigh > 0 ? 'num warn' : 'num'}>{n(a.stationsHigh)}</td>
        <td className={a.stationsOverloaded > 0 ? 'num warn' : 'num'}>{n(a.stationsOverloaded)}</td>
      </>
    );
  };
  const link = (id: string) => (
    <a
      href={deepLinkPath({ screen: 'node', nodeId: id })}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        p.onOpen(id);
      }}
    >
      {id}
    </a>
  );
  return (
    <table className="table grid-summary" data-testid="grid-summary">
      <thead>
        <tr>
          <th />
          <th>{t('overview.col.node')}</th>
          <th>{t('overview.col.name')}</th>
          <th className="num">{t('overview.col.stations')}</th>
          <th className="num">{t('overview.col.meters')}</th>
          <th className="num">{t('overview.col.power')}</th>
          <th className="num">{t('overview.col.maxLoading')}</th>
          <th className="num">{t('overview.col.high')}</th>
          <th className="num">{t('overview.col.overloaded')}</th>
        </tr>
      </thead>
      <tbody>
        {p.summary.substations.map((s) => {
          const open = p.expanded.has(s.id);
          return (
            <Fragment key={s.id}>
              <tr className="substation-row" data-substation={s.id}>
                <td>
                  <button
                    type="button"
                    className="link expand"
                    aria-expanded={open}
                    aria-label={t(open ? 'overview.collapse' : 'overview.expand', { id: s.id })}
                    data-testid="expand-substation"
                    onClick={() => p.onToggle(s.id)}
                  >
                    {open ? '▾' : '▸'}
                  </button>
                </td>
                <td>{link(s.id)}</td>
                <td>{s.name}</td>
                {cells(s.id, s)}
              </tr>
              {open &&
                s.feeders.map((f) => (
                  <tr key={f.id} className="feeder-row" data-feeder={f.id}>
                    <td />
                    <td className="indent">{link(f.id)}</td>
                    <td>{f.name}</td>
                    {cells(f.id, f)}
                  </tr>
                ))}
              {open && (
                <tr className="schematic-row">
                  <td colSpan={9}>{p.renderExpanded(s.id)}</td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
