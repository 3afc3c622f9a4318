import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Translate } from '../../i18n/i18n';
import { axisLabels, formatBerlinDateTime, type Locale } from '../../lib/berlin-time';
import type { PlanStepRow } from './plan-view';

const tzDate = (ts: number): Date => uPlot.tzDate(new Date(ts * 1000), 'Europe/Berlin');
const SOC_COLOURS = ['#2e7d32', '#6a1b9a', '#00838f', '#5d4037'];

/**
 * One station's plan over the horizon, drawn with uPlot: the expected flow without the batteries (P50),
 * with the plan, the rating (kW, left axis) and each battery's SoC trajectory (%, right axis).
 */
export function PlanChart(props: { stationId: string; rows: PlanStepRow[]; t: Translate; locale: Locale }) {
  const { rows, t, locale, stationId } = props;
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el || rows.length === 0) return undefined;
    const assets = rows[0]?.batteries.map((b) => b.assetId) ?? [];
    const x = rows.map((r) => r.startMs / 1000);
    const data: uPlot.AlignedData = [
      x,
      rows.map((r) => r.withoutKW),
      rows.map((r) => r.plannedKW),
      rows.map((r) => r.ratingKW),
      ...assets.map((a) => rows.map((r) => r.batteries.find((b) => b.assetId === a)?.socPct ?? null)),
    ];
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height: 240,
      tzDate,
      scales: { soc: { range: [0, 100] } },
      series: [
        {
          label: t('node.chart.time'),
          value: (_u, v) => (v === null ? '–' : formatBerlinDateTime(v * 1000, locale)),
        },
        { label: t('dispatch.chart.without', { station: stationId }), stroke: '#ef6c00', width: 1.5 },
        { label: t('dispatch.chart.planned', { station: stationId }), stroke: '#1565c0', width: 2 },
        {
          label: t('dispatch.chart.rating', { station: stationId }),
          stroke: '#c62828',
          width: 1,
          dash: [6, 4],
        },
        ...assets.map((a, i) => ({
          label: t('dispatch.chart.soc', { asset: a }),
          stroke: SOC_COLOURS[i % SOC_COLOURS.length] ?? '#2e7d32',
          width: 1.5,
          scale: 'soc',
        })),
      ],
      axes: [
        {
          values: (u, splits) =>
            axisLabels(
              splits.map((s) => s * 1000),
              ((u.scales['x']?.max ?? 0) - (u.scales['x']?.min ?? 0)) * 1000,
              locale,
            ),
          size: 44,
        },
        { label: t('node.chart.unit'), size: 60 },
        { scale: 'soc', side: 1, label: '%', size: 50, grid: { show: false } },
      ],
    };
    const u = new uPlot(opts, data, el);
    el.dataset['drawnSteps'] = String(rows.length);
    const ro = new ResizeObserver(() => {
      const w = Math.max(300, el.clientWidth);
      if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height: 240 });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [rows, t, locale, stationId]);

  return <div className="chart plan-chart" ref={host} data-testid={`plan-chart-${stationId}`} />;
}
