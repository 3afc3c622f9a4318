import type { Alarm } from '../../api/types';
import { ageNowS, type LiveValue } from '../../app/state';
import { formatNumber, type Translate } from '../../i18n/i18n';
import type { Locale } from '../../lib/berlin-time';
import { classifyLoading, LOADING_COLOURS, loadingPct, type LoadingClass } from '../../lib/loading';
import type { SchematicLayout } from './schematic-layout';

export interface GridSchematicProps {
  layout: SchematicLayout;
  live: Record<string, LiveValue>;
  alarmsByNode: Map<string, Alarm[]>;
  nowMs: number;
  locale: Locale;
  t: Translate;
  onOpen: (nodeId: string) => void;
}

const CLASSES: LoadingClass[] = ['normal', 'elevated', 'high', 'overload', 'reverse', 'stale', 'unknown'];

/** The schematic: busbars, feeders and secondary substations coloured by their live loading. */
export function GridSchematic(p: GridSchematicProps) {
  const { layout, t } = p;
  const open = (id: string) => () => p.onOpen(id);
  const key = (id: string) => (e: React.KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') p.onOpen(id);
  };
  return (
    <div className="schematic">
      <svg
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label={t('overview.heading')}
        data-testid="schematic"
      >
        {layout.substations.map((s) => (
          <g
            key={s.id}
            className="node-substation"
            data-node={s.id}
            onClick={open(s.id)}
            onKeyDown={key(s.id)}
            tabIndex={0}
          >
            <rect x={s.x} y={s.y} width={s.w} height={s.h} rx={4} className="substation-box" />
            <text x={s.x + 8} y={s.y + 22} className="substation-label">
              {s.id} · {s.label}
              {p.live[s.id]
                ? ` · ${t('units.kw', { value: Math.round((p.live[s.id]?.powerW ?? 0) / 1000) })}`
                : ''}
            </text>
            <line x1={s.busX1} x2={s.busX2} y1={s.busY} y2={s.busY} className="busbar" />
            <line x1={s.x + s.w / 2} x2={s.x + s.w / 2} y1={s.y + s.h} y2={s.busY} className="feeder-line" />
          </g>
        ))}
        {layout.feeders.map((f) => {
          const alarmed = (p.alarmsByNode.get(f.id)?.length ?? 0) > 0;
          return (
            <g
              key={f.id}
              className="node-feeder"
              data-node={f.id}
              onClick={open(f.id)}
              onKeyDown={key(f.id)}
              tabIndex={0}
            >
              <line
                x1={f.x}
                x2={f.x}
                y1={f.y1}
                y2={f.y2}
                className={alarmed ? 'feeder-line alarmed' : 'feeder-line'}
              />
              <text x={f.x + 4} y={f.y1 + 16} className="feeder-label">
                {f.label.replace(/^.*-F/, 'F')}
                {p.live[f.id]
                  ? ` · ${t('units.kw', { value: Math.round((p.live[f.id]?.powerW ?? 0) / 1000) })}`
                  : ''}
              </text>
            </g>
          );
        })}
        {layout.stations.map((s) => {
          const v = p.live[s.id];
          const ageS = v ? ageNowS(v, p.nowMs) : undefined;
          const cls = classifyLoading({ powerW: v?.powerW, ratedKva: s.ratedKva, ageS });
          const alarms = p.alarmsByNode.get(s.id) ?? [];
          const pct = v ? loadingPct(v.powerW, s.ratedKva) : undefined;
          return (
            <g
              key={s.id}
              className={`node-station loading-${cls}`}
              data-node={s.id}
              data-loading={cls}
              onClick={open(s.id)}
              onKeyDown={key(s.id)}
              tabIndex={0}
            >
              <title>{`${s.id} ${s.label} · ${s.ratedKva} kVA`}</title>
              <rect
                x={s.x}
                y={s.y}
                width={s.w}
                height={s.h}
                rx={4}
                fill={LOADING_COLOURS[cls]}
                className={alarms.length > 0 ? 'station-box alarmed' : 'station-box'}
                strokeDasharray={cls === 'stale' ? '4 3' : undefined}
              />
              <text x={s.x + 6} y={s.y + 14} className="station-label">
                {s.id}
              </text>
              <text x={s.x + 6} y={s.y + 28} className="station-value">
                {pct === undefined ? '–' : `${formatNumber(p.locale, pct, 0)} %`}
                {cls === 'stale' ? ` · ${t('stale.badge')}` : ''}
              </text>
              {alarms.length > 0 && (
                <text x={s.x + s.w - 6} y={s.y + 14} textAnchor="end" className="station-alarm">
                  ⚠ {alarms.length}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <ul className="legend" aria-label={t('overview.legend')}>
        {CLASSES.map((c) => (
          <li key={c}>
            <span className="swatch" style={{ background: LOADING_COLOURS[c] }} /> {t(`loading.${c}`)}
          </li>
        ))}
        <li className="legend-note">{t('overview.legend')}</li>
      </ul>
    </div>
  );
}
