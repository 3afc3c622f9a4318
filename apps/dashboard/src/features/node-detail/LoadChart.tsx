import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Translate } from '../../i18n/i18n';
import { axisLabels, formatBerlinDateTime, type Locale } from '../../lib/berlin-time';
import { decimateMinMax } from '../../lib/decimate';
import type { ChartData } from './node-series';

export interface LoadChartProps {
  data: ChartData;
  /** The requested time range: the x axis spans at least this, however few points there are. */
  window?: { fromMs: number; toMs: number };
  t: Translate;
  locale: Locale;
  height?: number;
}

const tzDate = (ts: number): Date => uPlot.tzDate(new Date(ts * 1000), 'Europe/Berlin');

/**
 * Load against the forecast band (P10-P90) and P50, drawn with uPlot on a canvas. Long ranges are
 * decimated to about two points per pixel column (min/max of the measured load), so a year of
 * 15-minute data draws as quickly as a day. The container's data-drawn-points attribute says how many
 * source points the last draw showed (the benchmark and the browser tests wait for it).
 */
export function LoadChart({ data, window: requested, t, locale, height = 320 }: LoadChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const source = useRef<ChartData>(data);
  source.current = data;
  const span = useRef(requested);
  span.current = requested;

  const aligned = (width: number): uPlot.AlignedData => {
    const d = source.current;
    const dec = decimateMinMax(
      { x: d.x, series: [d.actualKw, d.p10Kw, d.p50Kw, d.p90Kw] },
      Math.max(100, Math.round(width)),
    );
    return [dec.x, dec.series[0], dec.series[1], dec.series[2], dec.series[3]] as uPlot.AlignedData;
  };

  const markDrawn = (u: uPlot): void => {
    const el = host.current;
    if (!el) return;
    el.dataset['drawnPoints'] = String(source.current.x.length);
    el.dataset['plottedPoints'] = String(u.data[0].length);
    el.dataset['drawnAt'] = String(performance.now());
  };

  // create once per label set (locale); data changes go through setData
  useEffect(() => {
    const el = host.current;
    if (!el) return undefined;
    const width = Math.max(300, el.clientWidth);
    const opts: uPlot.Options = {
      width,
      height,
      tzDate,
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: {
          time: true,
          range: (_u, min, max) => {
            const w = span.current;
            if (!w) return [min, max];
            const lo = w.fromMs / 1000;
            const hi = w.toMs / 1000;
            return [
              Number.isFinite(min) ? Math.min(min, lo) : lo,
              Number.isFinite(max) ? Math.max(max, hi) : hi,
            ];
          },
        },
      },
      series: [
        {
          label: t('node.chart.time'),
          value: (_u, v) => (v === null ? '–' : formatBerlinDateTime(v * 1000, locale)),
        },
        { label: t('node.chart.actual'), stroke: '#1565c0', width: 1.5, spanGaps: false },
        { label: 'P10', stroke: 'rgba(239,108,0,0.5)', width: 1, dash: [4, 4] },
        { label: t('node.chart.p50'), stroke: '#ef6c00', width: 1.5 },
        { label: 'P90', stroke: 'rgba(239,108,0,0.5)', width: 1, dash: [4, 4] },
      ],
      bands: [{ series: [4, 2], fill: 'rgba(239,108,0,0.15)' }],
      axes: [
        {
          values: (u, splits) => {
            const span = ((u.scales['x']?.max ?? 0) - (u.scales['x']?.min ?? 0)) * 1000;
            return axisLabels(
              splits.map((s) => s * 1000),
              span,
              locale,
            );
          },
          size: 44,
        },
        { label: t('node.chart.unit'), size: 60 },
      ],
      hooks: { draw: [markDrawn] },
    };
    const u = new uPlot(opts, aligned(width), el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(300, el.clientWidth);
      if (Math.abs(w - u.width) > 2) {
        u.setSize({ width: w, height });
        u.setData(aligned(w));
      }
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = undefined;
    };
  }, [t, locale, height]);

  useEffect(() => {
    const u = plot.current;
    if (u) u.setData(aligned(u.width));
  }, [data, requested?.fromMs, requested?.toMs]);

  return <div className="chart" ref={host} data-testid="load-chart" />;
}
