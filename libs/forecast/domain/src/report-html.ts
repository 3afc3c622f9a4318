import { isPublicHoliday, localDate } from '@gridwerk/shared/util-calendar';
import { type BacktestPoint, type BacktestReport } from './backtest';
import { type ForecastMetrics } from './metrics';

/*
 * The backtest as one self-contained HTML file: the charting library (ECharts, passed in as its minified
 * source by the caller, which reads it from node_modules) is inlined, the data are inlined as JSON, and no
 * request leaves the page. The error breakdowns are computed here once and are the same figures the
 * backtest JSON carries (`errorByHour`, `errorByDayType`).
 */

export type DayType = 'workday' | 'saturday' | 'sunday-holiday';

export interface ErrorBucket {
  n: number;
  model: number;
  persistence1d: number;
  persistence7d: number;
}

export interface ErrorBreakdown {
  /** MAE per local hour of the target (Europe/Berlin), 0..23. */
  byHour: (ErrorBucket & { hour: number })[];
  byDayType: (ErrorBucket & { dayType: DayType })[];
}

export function dayTypeOf(timeMs: number): DayType {
  const l = localDate(timeMs);
  if (l.weekday === 7 || isPublicHoliday(l.year, l.month, l.day)) return 'sunday-holiday';
  return l.weekday === 6 ? 'saturday' : 'workday';
}

function bucket(points: readonly BacktestPoint[]): ErrorBucket {
  let m = 0;
  let p1 = 0;
  let p7 = 0;
  for (const p of points) {
    m += Math.abs(p.model.p50 - p.actual);
    p1 += Math.abs(p.persistence1d - p.actual);
    p7 += Math.abs(p.persistence7d - p.actual);
  }
  const n = points.length;
  return n === 0
    ? { n, model: Number.NaN, persistence1d: Number.NaN, persistence7d: Number.NaN }
    : { n, model: m / n, persistence1d: p1 / n, persistence7d: p7 / n };
}

export function errorBreakdown(points: readonly BacktestPoint[]): ErrorBreakdown {
  const byHour = Array.from({ length: 24 }, (_, hour) => ({
    hour,
    ...bucket(points.filter((p) => Math.floor(localDate(p.targetMs).minuteOfDay / 60) === hour)),
  }));
  const types: DayType[] = ['workday', 'saturday', 'sunday-holiday'];
  const byDayType = types.map((dayType) => ({
    dayType,
    ...bucket(points.filter((p) => dayTypeOf(p.targetMs) === dayType)),
  }));
  return { byHour, byDayType };
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON for a <script> block: `<` escaped so no data can close the tag. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const fmt = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : '–');

/** Renders the report; `echartsSource` is the text of echarts/dist/echarts.min.js. */
export function renderBacktestHtml(report: BacktestReport, echartsSource: string): string {
  const points = report.points ?? [];
  const folds = report.foldReports.map((f) => ({
    fold: f.fold,
    title: `Fold ${f.fold}: origins ${f.firstOrigin} … ${f.lastOrigin} (${f.pointsScored}/${f.pointsExpected} points scored, MAE ${fmt(f.modelMae)}, P10–P90 coverage ${fmt(100 * f.modelCoverage, 1)} %, features: ${f.exogenous.join(', ') || 'none'})`,
    points: points
      .filter((p) => p.fold === f.fold)
      .map((p) => [
        p.targetMs,
        p.actual,
        p.model.p10,
        p.model.p50,
        p.model.p90,
        p.persistence1d,
        p.persistence7d,
        p.replaced ? 1 : 0,
      ]),
  }));
  const models: [string, ForecastMetrics][] = [];
  for (const [name, m] of Object.entries(report.models) as [string, ForecastMetrics | undefined][])
    if (m !== undefined) models.push([name, m]);
  const metricRows = models
    .map(
      ([name, m]) =>
        `<tr><td>${esc(name)}</td><td>${fmt(m.mae)}</td><td>${fmt(m.rmse)}</td><td>${fmt(m.bias)}</td><td>${fmt(m.pinballByQuantile.p10)}</td><td>${fmt(m.pinballByQuantile.p50)}</td><td>${fmt(m.pinballByQuantile.p90)}</td><td>${fmt(100 * m.coverage, 1)} %</td><td>${m.n}</td></tr>`,
    )
    .join('');
  const reliabilityRows = report.models.model.reliability
    .map(
      (r) =>
        `<tr><td>P${Math.round(100 * r.quantile)}</td><td>${fmt(100 * r.quantile, 0)} %</td><td>${fmt(100 * r.observed, 1)} %</td></tr>`,
    )
    .join('');
  const decisionRows =
    report.inputDecisions.length === 0
      ? '<tr><td colspan="5">none: every column passed every check</td></tr>'
      : report.inputDecisions
          .map(
            (d) =>
              `<tr><td>${d.stage}</td><td>${d.kind}</td><td>${esc(d.column ?? '(target/output)')}</td><td>${d.count}</td><td>${esc(d.detail)}</td></tr>`,
          )
          .join('');
  const calibrationRows = report.foldReports
    .map((f) => {
      const c = f.calibration;
      return c === undefined
        ? `<tr><td>${f.fold}</td><td colspan="8">uncalibrated model</td></tr>`
        : `<tr><td>${f.fold}</td><td>${esc(c.method)}</td><td>${c.samples}</td><td>${fmt(100 * c.coverageBefore, 1)} %</td><td>${fmt(100 * c.coverageAfter, 1)} %</td><td>${fmt(c.lowerFactor, 2)} / ${fmt(c.upperFactor, 2)}</td><td>weight ${fmt(c.levelWeight, 2)} of the level over ${fmt(c.windowDays, 0)} d (half-life ${fmt(c.halfLifeDays, 1)} d, mean |level| ${fmt(c.meanAbsLevel, 2)}); validation MAE ${fmt(c.validationMaeBefore)} → ${fmt(c.validationMaeAfter)}</td><td>${c.adaptive === undefined ? 'off' : `${esc(c.adaptive.mode)}, gain ${fmt(c.adaptive.gain, 2)} over ${fmt(c.adaptive.days, 0)} d`}${c.joint === undefined ? '' : `; fitted jointly: factors × ${fmt(c.joint.factor, 3)}, validation coverage with the step ${fmt(100 * c.joint.coverageSeparate, 1)} % → ${fmt(100 * c.joint.coverage, 1)} %`}</td><td>${fmt(100 * f.modelCoverage, 1)} %</td></tr>`;
    })
    .join('');
  const s = report.series;
  const data = {
    folds,
    byHour: report.errorByHour,
    byDayType: report.errorByDayType,
    unit: s.unit ?? '',
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backtest ${esc(s.name)} (${esc(report.horizon)})</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1f24;max-width:1200px}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccd;padding:.25rem .6rem;text-align:right}
td:first-child,th:first-child{text-align:left}.chart{width:100%;height:360px;margin-bottom:1.5rem}
.flag{color:#a40000;font-weight:600}
</style></head><body>
<h1>Backtest: ${esc(s.name)}${s.unit === undefined ? '' : ` [${esc(s.unit)}]`}, ${esc(report.horizon)}</h1>
<p>${s.points} points of ${s.stepMinutes} min, ${esc(s.from)} … ${esc(s.to)}; test from ${esc(report.testFrom)}, ${report.folds} folds.
Scored <b>${report.pointsScored}</b> of ${report.pointsExpected} test points; ${report.replaced} forecasts replaced by the baseline (outside the envelope).
Improvement over the best baseline (MAE): <b>${fmt(report.improvementVsBestBaselinePct, 1)} %</b>.
${report.staleTarget ? '<span class="flag">Series flagged: the target flatlines (stale) in the training window.</span>' : ''}</p>
<h2>Model and baselines</h2>
<table><tr><th>forecast</th><th>MAE</th><th>RMSE</th><th>bias</th><th>pinball P10</th><th>pinball P50</th><th>pinball P90</th><th>P10–P90 coverage</th><th>n</th></tr>${metricRows}</table>
<h2>Reliability of the model's quantiles</h2>
<table><tr><th>quantile</th><th>nominal share below</th><th>observed share below</th></tr>${reliabilityRows}</table>
<h2>Calibration per fold (fitted before the fold's first origin)</h2>
<table><tr><th>fold</th><th>method</th><th>validation samples</th><th>validation coverage before</th><th>after</th><th>interval factors P10 / P90</th><th>level correction</th><th>adaptive width</th><th>test coverage</th></tr>${calibrationRows}</table>
<h2>Input decisions</h2>
<table><tr><th>stage</th><th>decision</th><th>column</th><th>count</th><th>detail</th></tr>${decisionRows}</table>
<h2>Error by hour of day (Europe/Berlin)</h2><div id="byHour" class="chart"></div>
<h2>Error by day type</h2><div id="byDayType" class="chart" style="height:300px"></div>
<h2>Forecast against actual, per fold</h2><div id="folds"></div>
<script>${echartsSource.replace(/<\/script/gi, '<\\/script')}</script>
<script type="application/json" id="data">${scriptJson(data)}</script>
<script>
const data = JSON.parse(document.getElementById('data').textContent);
const mae = (k) => ({ type: 'bar', name: k, data: [] });
function bars(el, categories, rows) {
  const chart = echarts.init(document.getElementById(el));
  const series = ['model', 'persistence1d', 'persistence7d'].map((k) => ({ ...mae(k), data: rows.map((r) => r[k]) }));
  chart.setOption({ tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'category', data: categories },
    yAxis: { type: 'value', name: 'MAE ' + data.unit }, series });
}
bars('byHour', data.byHour.map((r) => String(r.hour)), data.byHour);
bars('byDayType', data.byDayType.map((r) => r.dayType), data.byDayType);
const container = document.getElementById('folds');
for (const f of data.folds) {
  const h = document.createElement('h3'); h.textContent = f.title; container.appendChild(h);
  const div = document.createElement('div'); div.className = 'chart'; container.appendChild(div);
  const col = (j) => f.points.map((p) => [p[0], p[j]]);
  echarts.init(div).setOption({
    tooltip: { trigger: 'axis' }, legend: {}, dataZoom: [{ type: 'inside' }, { type: 'slider' }],
    xAxis: { type: 'time' }, yAxis: { type: 'value', name: data.unit, scale: true },
    series: [
      { name: 'P10', type: 'line', data: col(2), lineStyle: { opacity: 0 }, stack: 'band', stackStrategy: 'all', symbol: 'none' },
      { name: 'P10–P90', type: 'line', data: f.points.map((p) => [p[0], p[4] - p[2]]), lineStyle: { opacity: 0 },
        areaStyle: { color: 'rgba(50,110,220,0.2)' }, stack: 'band', stackStrategy: 'all', symbol: 'none' },
      { name: 'actual', type: 'line', data: col(1), symbol: 'none', lineStyle: { color: '#111' } },
      { name: 'model P50', type: 'line', data: col(3), symbol: 'none' },
      { name: 'persistence1d', type: 'line', data: col(5), symbol: 'none', lineStyle: { type: 'dashed' } },
      { name: 'persistence7d', type: 'line', data: col(6), symbol: 'none', lineStyle: { type: 'dotted' } },
      { name: 'replaced', type: 'scatter', data: f.points.filter((p) => p[7] === 1).map((p) => [p[0], p[3]]), symbolSize: 6 },
    ],
  });
}
</script></body></html>
`;
}
