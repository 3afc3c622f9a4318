import { type ForecastIssued } from '@gridwerk/contracts';
import { ForecastJobError } from './errors';

export type SeriesKind = ForecastIssued['seriesKind'];
export type ForecastHorizonName = ForecastIssued['horizon'];
export const HORIZON_NAMES: readonly ForecastHorizonName[] = ['day-ahead', 'intraday'];

/**
 * A forecastable series: `feeder:<id>`, `substation:<id>` and `secondary-substation:<id>` read the rollup
 * views, `grid` is the sum over all substations, `custom:<name>` comes from a user's CSV file.
 */
export interface SeriesRef {
  id: string;
  kind: SeriesKind;
  /** Node id in the rollup views (feeder/substation/secondary substation) or the custom name. */
  nodeId: string;
}

const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function isHorizonName(s: string): s is ForecastHorizonName {
  return (HORIZON_NAMES as readonly string[]).includes(s);
}

export function seriesRef(kind: SeriesKind, nodeId: string): SeriesRef {
  return kind === 'grid' ? { id: 'grid', kind, nodeId: 'grid' } : { id: `${kind}:${nodeId}`, kind, nodeId };
}

/**
 * `feeder:UW-01-F03`, `substation:UW-01`, `secondary-substation:ONS-0001`, `grid` or `custom:<name>`;
 * throws SERIES.BAD_ID otherwise.
 */
export function parseSeriesId(text: string): SeriesRef {
  const t = text.trim();
  if (t === 'grid') return seriesRef('grid', 'grid');
  const m = /^(feeder|substation|secondary-substation|custom):(.+)$/.exec(t);
  if (m === null || m[2] === undefined || !NODE_ID.test(m[2])) {
    throw new ForecastJobError(
      'SERIES.BAD_ID',
      `series id "${text}" is not feeder:<id>, substation:<id>, secondary-substation:<id>, grid or custom:<name> (ids: letters, digits, . _ -, at most 100)`,
      { seriesId: text },
    );
  }
  return seriesRef(m[1] as SeriesKind, m[2]);
}
