import type { Pool } from 'pg';
import {
  badQuery,
  DatastreamSource,
  Expr,
  NodeLevel,
  ObservationPage,
  ObservationPageQuery,
  ObservationRow,
  ObservationSource,
  OrderBy,
  QUARTER_HOUR_MS,
  StaError,
  ThingType,
} from '@gridwerk/udp/domain';

/** The rollup view per node level (ingest's query surface, the same in both storage modes). */
export const ROLLUP_VIEW: Record<NodeLevel, string> = {
  secondarySubstation: 'load_15m_secondary_substation',
  feeder: 'load_15m_feeder',
  substation: 'load_15m_substation',
};

/**
 * Where a datastream's series lives, as a relation `v` with `key` and `bucket_start`: ingest's rollups,
 * the forecast service's values (the latest issue per target quarter hour), ingest's battery telemetry
 * (mean per quarter hour) and settlement's interval versions (the latest version). Every relation is read
 * in place: no second copy. `gated` rows need at least k metering points reporting.
 */
interface SeriesSql {
  relation: string;
  value: string;
  digits?: number;
  gated: boolean;
  resultTime?: string;
}

const FORECAST_RELATION = `(SELECT DISTINCT ON (series_id, target_start) series_id AS key, target_start AS bucket_start,
    p10_wh, p50_wh, p90_wh, issue_time
   FROM forecast_value ORDER BY series_id, target_start, issue_time DESC)`;
const SOC_RELATION = `(SELECT asset_id AS key, date_bin('15 minutes', time, timestamptz '2000-01-01T00:00:00Z') AS bucket_start,
    avg(soc_pct) AS soc_pct
   FROM battery_telemetry GROUP BY 1, 2)`;
const SETTLEMENT_RELATION = `(SELECT DISTINCT ON (community_id, interval_start) community_id AS key,
    interval_start AS bucket_start, generation_wh, consumption_wh, allocated_wh
   FROM settlement_interval_version ORDER BY community_id, interval_start, version DESC)`;
const rollup = (level: ThingType): string =>
  `(SELECT node_id AS key, bucket_start, import_wh, export_wh, net_wh, meters_reporting FROM ${ROLLUP_VIEW[level as NodeLevel]})`;

function seriesSql(d: DatastreamSource): SeriesSql {
  switch (d.kind) {
    case 'energy-imported':
      return { relation: rollup(d.level), value: 'v.import_wh', gated: true };
    case 'energy-exported':
      return { relation: rollup(d.level), value: 'v.export_wh', gated: true };
    case 'active-power':
      return { relation: rollup(d.level), value: 'v.net_wh', gated: true };
    case 'loading':
      return { relation: rollup(d.level), value: 'abs(v.net_wh)', digits: 2, gated: true };
    case 'forecast-p10':
    case 'forecast-p50':
    case 'forecast-p90':
      return {
        relation: FORECAST_RELATION,
        value: `v.${d.kind.slice('forecast-'.length)}_wh`,
        gated: false,
        resultTime: 'v.issue_time',
      };
    case 'state-of-charge':
      return { relation: SOC_RELATION, value: 'v.soc_pct', digits: 1, gated: false };
    case 'community-generation':
      return { relation: SETTLEMENT_RELATION, value: 'v.generation_wh', gated: false };
    case 'community-consumption':
      return { relation: SETTLEMENT_RELATION, value: 'v.consumption_wh', gated: false };
    case 'community-shared':
      return { relation: SETTLEMENT_RELATION, value: 'v.allocated_wh', gated: false };
  }
}

const resultSql = (x: SeriesSql): string =>
  x.digits !== undefined
    ? `round((${x.value} * d.factor)::numeric, ${x.digits})::float8`
    : `(${x.value} * d.factor)::float8`;
const resultTimeSql = (x: SeriesSql): string => x.resultTime ?? "(v.bucket_start + interval '15 minutes')";

const BIN_SQL: Record<string, string> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
  and: 'AND',
  or: 'OR',
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
};

class Params {
  readonly values: unknown[] = [];
  add(v: unknown, type: string): string {
    this.values.push(v);
    return `$${this.values.length}::${type}`;
  }
}

/** Translates a pushdown filter (isPushdownFilter) into SQL over the rollup row `v` and the datastream `d`. */
function filterSql(e: Expr, x: SeriesSql, p: Params): string {
  switch (e.k) {
    case 'lit':
      if (e.v instanceof Date) return p.add(e.v.toISOString(), 'timestamptz');
      if (typeof e.v === 'boolean') return e.v ? 'true' : 'false';
      return p.add(e.v, 'float8');
    case 'path':
      if (e.path[0] === 'result') return resultSql(x);
      if (e.path[0] === 'phenomenonTime') return 'v.bucket_start';
      return resultTimeSql(x);
    case 'not':
      return `(NOT ${filterSql(e.e, x, p)})`;
    case 'neg':
      return `(- ${filterSql(e.e, x, p)})`;
    case 'bin': {
      const l = filterSql(e.l, x, p);
      const r = filterSql(e.r, x, p);
      if (e.op === 'mod') return `mod((${l})::numeric, (${r})::numeric)::float8`;
      return `(${l} ${BIN_SQL[e.op] ?? '='} ${r})`;
    }
    case 'call':
      throw badQuery(`function ${e.fn} cannot be evaluated in the database`);
  }
}

function orderSql(o: readonly OrderBy[], resultCol: string, timeCol: string, resultTimeCol: string): string {
  const col = (path: string | undefined): string =>
    path === 'result' ? resultCol : path === 'resultTime' ? resultTimeCol : timeCol;
  const parts = o.map((x) => `${col(x.path[0])} ${x.desc ? 'DESC' : 'ASC'}`);
  return parts.length > 0 ? parts.join(', ') : `${timeCol} ASC`;
}

/** Groups datastreams by what their SQL differs in: the relation and the result expression. */
function groups(datastreams: readonly DatastreamSource[]): DatastreamSource[][] {
  const by = new Map<string, DatastreamSource[]>();
  for (const d of datastreams) {
    const key =
      d.kind.startsWith('forecast-') || d.kind === 'state-of-charge' || d.kind.startsWith('community-')
        ? d.kind
        : `${d.level}/${d.kind}`;
    by.set(key, [...(by.get(key) ?? []), d]);
  }
  return [...by.values()];
}

/** Translates database errors into the spec's answers: a timeout is a 503, a type error a 400. */
function translate(err: unknown): never {
  const code = (err as { code?: string }).code;
  if (code === '57014')
    throw new StaError(
      'UDP.TIMEOUT',
      'the query took longer than the statement timeout: narrow it or page it',
    );
  if (code !== undefined && (code.startsWith('22') || code.startsWith('42')))
    throw badQuery(`the database refused the $filter: ${(err as Error).message}`);
  throw err;
}

/**
 * Observations straight from ingest's rollup views (no second copy): a quarter hour is published only
 * when at least k metering points reported in it.
 */
export class PgObservationSource implements ObservationSource {
  constructor(
    private readonly pool: Pool,
    private readonly k: number,
  ) {}

  /**
   * One group's observations, each datastream's series read by its key (an index lookup per datastream),
   * filtered, and when `perDatastream` ordered and paged per datastream ($expand).
   */
  private groupSelect(
    g: DatastreamSource[],
    q: ObservationPageQuery,
    p: Params,
    perDatastream: { order: OrderBy[]; limit: number; offset: number } | undefined,
  ): string {
    const first = g[0];
    if (first === undefined) throw new Error('empty datastream group');
    const x = seriesSql(first);
    const ids = p.add(
      g.map((d) => d.datastreamId),
      'text[]',
    );
    const keys = p.add(
      g.map((d) => d.seriesKey),
      'text[]',
    );
    const factors = p.add(
      g.map((d) => d.factor),
      'float8[]',
    );
    const gate = x.gated ? ` AND v.meters_reporting >= ${p.add(this.k, 'int')}` : '';
    const where = q.filter !== undefined ? ` AND ${filterSql(q.filter, x, p)}` : '';
    const page = perDatastream
      ? ` ORDER BY ${orderSql(perDatastream.order, resultSql(x), 'v.bucket_start', resultTimeSql(x))}
          LIMIT ${p.add(perDatastream.limit, 'int')} OFFSET ${p.add(perDatastream.offset, 'int')}`
      : '';
    return `SELECT d.ds_id, o.bucket_start, o.result, o.result_time
      FROM unnest(${ids}, ${keys}, ${factors}) AS d(ds_id, key, factor)
      CROSS JOIN LATERAL (
        SELECT v.bucket_start, ${resultSql(x)} AS result, ${resultTimeSql(x)} AS result_time
          FROM ${x.relation} v
         WHERE v.key = d.key${gate}${where}${page}) o`;
  }

  private async rows(sql: string, p: Params): Promise<ObservationRow[]> {
    const res = await this.pool.query<{
      ds_id: string;
      bucket_start: Date;
      result: number;
      result_time: Date;
    }>(sql, p.values);
    return res.rows.map((r) => ({
      datastreamId: r.ds_id,
      phenomenonStart: r.bucket_start,
      result: r.result,
      ...(r.result_time.getTime() !== r.bucket_start.getTime() + QUARTER_HOUR_MS
        ? { resultTime: r.result_time }
        : {}),
    }));
  }

  private async counts(
    datastreams: readonly DatastreamSource[],
    q: ObservationPageQuery,
  ): Promise<Map<string, number>> {
    const p = new Params();
    const union = groups(datastreams)
      .map((g) => this.groupSelect(g, q, p, undefined))
      .join(' UNION ALL ');
    const res = await this.pool.query<{ ds_id: string; n: string }>(
      `SELECT o.ds_id, count(*) AS n FROM (${union}) o GROUP BY o.ds_id`,
      p.values,
    );
    return new Map(res.rows.map((r) => [r.ds_id, Number(r.n)]));
  }

  async page(datastreams: readonly DatastreamSource[], q: ObservationPageQuery): Promise<ObservationPage> {
    if (datastreams.length === 0) return { rows: [], ...(q.count ? { count: 0 } : {}) };
    const p = new Params();
    const union = groups(datastreams)
      .map((g) => this.groupSelect(g, q, p, undefined))
      .join(' UNION ALL ');
    const order = orderSql(q.orderby, 'o.result', 'o.bucket_start', 'o.result_time');
    try {
      const rows = await this.rows(
        `SELECT o.* FROM (${union}) o ORDER BY ${order}, o.ds_id
          LIMIT ${p.add(q.limit, 'int')} OFFSET ${p.add(q.offset, 'int')}`,
        p,
      );
      if (!q.count) return { rows };
      const counts = await this.counts(datastreams, q);
      return { rows, count: [...counts.values()].reduce((a, b) => a + b, 0) };
    } catch (err) {
      return translate(err);
    }
  }

  async pagePerDatastream(
    datastreams: readonly DatastreamSource[],
    q: ObservationPageQuery,
  ): Promise<Map<string, ObservationPage>> {
    const out = new Map<string, ObservationPage>();
    for (const d of datastreams) out.set(d.datastreamId, { rows: [], ...(q.count ? { count: 0 } : {}) });
    if (datastreams.length === 0) return out;
    try {
      const p = new Params();
      const union = groups(datastreams)
        .map((g) => this.groupSelect(g, q, p, { order: q.orderby, limit: q.limit, offset: q.offset }))
        .join(' UNION ALL ');
      for (const r of await this.rows(union, p)) out.get(r.datastreamId)?.rows.push(r);
      if (q.count)
        for (const [id, n] of await this.counts(datastreams, q)) {
          const page = out.get(id);
          if (page) page.count = n;
        }
      return out;
    } catch (err) {
      return translate(err);
    }
  }

  async byId(ds: DatastreamSource, start: Date): Promise<ObservationRow | undefined> {
    const page = await this.page([ds], {
      filter: {
        k: 'bin',
        op: 'eq',
        l: { k: 'path', path: ['phenomenonTime'] },
        r: { k: 'lit', v: start },
      },
      orderby: [],
      limit: 1,
      offset: 0,
      count: false,
    });
    return page.rows[0];
  }
}
