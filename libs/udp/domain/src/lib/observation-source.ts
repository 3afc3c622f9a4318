import type { DatastreamSource } from './catalog';
import type { Expr } from './filter';
import type { OrderBy } from './query-options';

/** One quarter hour of one datastream: what the rollups and the gateway's outbox hold. */
export interface ObservationRow {
  datastreamId: string;
  phenomenonStart: Date;
  result: number;
  /** When the result was produced (a forecast's issue time); the end of the quarter hour when absent. */
  resultTime?: Date;
}

export const QUARTER_HOUR_MS = 900_000;

export interface ObservationPageQuery {
  /** Only expressions `isPushdownFilter` accepts. */
  filter?: Expr;
  /** Only paths `isPushdownOrder` accepts; empty = phenomenonTime ascending. */
  orderby: OrderBy[];
  limit: number;
  offset: number;
  count: boolean;
}

export interface ObservationPage {
  rows: ObservationRow[];
  count?: number;
}

/** The port the query engine reads observations through (PostgreSQL rollups in data-access). */
export interface ObservationSource {
  /** One page over the union of the datastreams' observations. */
  page(datastreams: readonly DatastreamSource[], q: ObservationPageQuery): Promise<ObservationPage>;
  /** One page per datastream (for `$expand=Observations(...)`), in one round trip. */
  pagePerDatastream(
    datastreams: readonly DatastreamSource[],
    q: ObservationPageQuery,
  ): Promise<Map<string, ObservationPage>>;
  /** One observation, or undefined (unknown, or withheld for privacy). */
  byId(ds: DatastreamSource, start: Date): Promise<ObservationRow | undefined>;
}

const PUSHDOWN_PATHS = new Set(['result', 'phenomenonTime', 'resultTime']);

/** Whether a filter on Observations can be evaluated by the database (comparisons, logic, arithmetic). */
export function isPushdownFilter(e: Expr): boolean {
  switch (e.k) {
    case 'lit':
      return typeof e.v === 'number' || e.v instanceof Date || typeof e.v === 'boolean';
    case 'path':
      return e.path.length === 1 && PUSHDOWN_PATHS.has(e.path[0] ?? '');
    case 'not':
    case 'neg':
      return isPushdownFilter(e.e);
    case 'call':
      return false;
    case 'bin':
      return isPushdownFilter(e.l) && isPushdownFilter(e.r);
  }
}

export function isPushdownOrder(o: readonly OrderBy[]): boolean {
  return o.every((x) => x.path.length === 1 && PUSHDOWN_PATHS.has(x.path[0] ?? ''));
}

/** The result time of an observation: its own, or the end of its quarter hour (a measurement). */
export function resultTimeOf(row: ObservationRow): Date {
  return row.resultTime ?? new Date(row.phenomenonStart.getTime() + QUARTER_HOUR_MS);
}

export function observationId(row: ObservationRow): string {
  return `${row.datastreamId}~${row.phenomenonStart.toISOString()}`;
}

/** `<datastream id>~<ISO start>` → its parts, or undefined. */
export function parseObservationId(id: string): { datastreamId: string; start: Date } | undefined {
  const i = id.lastIndexOf('~');
  if (i < 1) return undefined;
  const start = new Date(id.slice(i + 1));
  if (Number.isNaN(start.getTime()) || start.getTime() % QUARTER_HOUR_MS !== 0) return undefined;
  return { datastreamId: id.slice(0, i), start };
}
