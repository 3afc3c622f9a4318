import type { Pool } from 'pg';
import {
  badQuery,
  DatastreamSource,
  Expr,
  NodeLevel,
  ObservationKind,
  ObservationPage,
  ObservationPageQuery,
  ObservationRow,
  ObservationSource,
  OrderBy,
  StaError,
} from '@gridwerk/udp/domain';

/** The rollup view per node level (ingest's query surface, the same in both storage modes). */
export const ROLLUP_VIEW: Record<NodeLevel, string> = {
  secondarySubstation: 'load_15m_secondary_substation',
  feeder: 'load_15m_feeder',
  substation: 'load_15m_substation',
};

/** The rollup column a kind's result is computed from (times the datastream's factor). */
const COLUMN: Record<ObservationKind, string> = {
  'energy-imported': 'v.import_wh',
  'energy-exported': 'v.export_wh',
  'active-power': 'v.net_wh',
  loading: 'abs(v.net_wh)',
};

const RESULT = (kind: ObservationKind): string =>
  kind === 'loading'
    ? `round((${COLUMN[kind]} * d.factor)::numeric, 2)::float8`
    : `(${COLUMN[kind]} * d.factor)::float8`;

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
function filterSql(e: Expr, kind: ObservationKind, p: Params): string {
  switch (e.k) {
    case 'lit':
      if (e.v instanceof Date) return p.add(e.v.toISOString(), 'timestamptz');
      if (typeof e.v === 'boolean') return e.v ? 'true' : 'false';
      return p.add(e.v, 'float8');
    case 'path':
      if (e.path[0] === 'result') return RESULT(kind);
      if (e.path[0] === 'phenomenonTime') return 'v.bucket_start';
      return "(v.bucket_start + interval '15 minutes')";
    case 'not':
      return `(NOT ${filterSql(e.e, kind, p)})`;
    case 'neg':
      return `(- ${filterSql(e.e, kind, p)})`;
    case 'bin': {
      const l = filterSql(e.l, kind, p);
      const r = filterSql(e.r, kind, p);
      if (e.op === 'mod') return `mod((${l})::numeric, (${r})::numeric)::float8`;
      return `(${l} ${BIN_SQL[e.op] ?? '='} ${r})`;
    }
    case 'call':
      throw badQuery(`function ${e.fn} cannot be evaluated in the database`);
  }
}

function orderSql(o: readonly OrderBy[], resultCol: string, timeCol: string): string {
  const parts = o.map((x) => `${x.path[0] === 'result' ? resultCol : timeCol} ${x.desc ? 'DESC' : 'ASC'}`);
  return parts.length > 0 ? parts.join(', ') : `${timeCol} ASC`;
}

/** Groups datastreams by what their SQL differs in: the view and the result expression. */
function groups(datastreams: readonly DatastreamSource[]): DatastreamSource[][] {
  const by = new Map<string, DatastreamSource[]>();
  for (const d of datastreams) {
    const key = `${d.level}/${d.kind}`;
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

  private groupSelect(g: DatastreamSource[], q: ObservationPageQuery, p: Params): string {
    const first = g[0];
    const ids = p.add(
      g.map((d) => d.datastreamId),
      'text[]',
    );
    const nodes = p.add(
      g.map((d) => d.nodeId),
      'text[]',
    );
    const factors = p.add(
      g.map((d) => d.factor),
      'float8[]',
    );
    const where = q.filter !== undefined ? ` AND ${filterSql(q.filter, first.kind, p)}` : '';
    return `SELECT d.ds_id, v.bucket_start, ${RESULT(first.kind)} AS result
      FROM unnest(${ids}, ${nodes}, ${factors}) AS d(ds_id, node_id, factor)
      JOIN ${ROLLUP_VIEW[first.level]} v ON v.node_id = d.node_id
      WHERE v.meters_reporting >= ${p.add(this.k, 'int')}${where}`;
  }

  async page(datastreams: readonly DatastreamSource[], q: ObservationPageQuery): Promise<ObservationPage> {
    if (datastreams.length === 0) return { rows: [], ...(q.count ? { count: 0 } : {}) };
    const p = new Params();
    const union = groups(datastreams)
      .map((g) => this.groupSelect(g, q, p))
      .join(' UNION ALL ');
    const order = orderSql(q.orderby, 'o.result', 'o.bucket_start');
    try {
      const sql = `SELECT o.ds_id, o.bucket_start, o.result FROM (${union}) o ORDER BY ${order}, o.ds_id
        LIMIT ${p.add(q.limit, 'int')} OFFSET ${p.add(q.offset, 'int')}`;
      const res = await this.pool.query<{ ds_id: string; bucket_start: Date; result: number }>(sql, p.values);
      let count: number | undefined;
      if (q.count) {
        const cp = new Params();
        const cunion = groups(datastreams)
          .map((g) => this.groupSelect(g, q, cp))
          .join(' UNION ALL ');
        const c = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM (${cunion}) o`, cp.values);
        count = Number(c.rows[0]?.n ?? 0);
      }
      return {
        rows: res.rows.map((r) => ({
          datastreamId: r.ds_id,
          phenomenonStart: r.bucket_start,
          result: r.result,
        })),
        ...(count !== undefined ? { count } : {}),
      };
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
    try {
      for (const g of groups(datastreams)) {
        const first = g[0];
        const p = new Params();
        const ids = p.add(
          g.map((d) => d.datastreamId),
          'text[]',
        );
        const nodes = p.add(
          g.map((d) => d.nodeId),
          'text[]',
        );
        const factors = p.add(
          g.map((d) => d.factor),
          'float8[]',
        );
        const k = p.add(this.k, 'int');
        const where = q.filter !== undefined ? ` AND ${filterSql(q.filter, first.kind, p)}` : '';
        const order = orderSql(q.orderby, RESULT(first.kind), 'v.bucket_start');
        const res = await this.pool.query<{ ds_id: string; bucket_start: Date; result: number }>(
          `SELECT d.ds_id, x.bucket_start, x.result
             FROM unnest(${ids}, ${nodes}, ${factors}) AS d(ds_id, node_id, factor)
             CROSS JOIN LATERAL (
               SELECT v.bucket_start, ${RESULT(first.kind)} AS result
                 FROM ${ROLLUP_VIEW[first.level]} v
                WHERE v.node_id = d.node_id AND v.meters_reporting >= ${k}${where}
                ORDER BY ${order} LIMIT ${p.add(q.limit, 'int')} OFFSET ${p.add(q.offset, 'int')}) x`,
          p.values,
        );
        for (const r of res.rows)
          out
            .get(r.ds_id)
            ?.rows.push({ datastreamId: r.ds_id, phenomenonStart: r.bucket_start, result: r.result });
        if (q.count) {
          const cp = new Params();
          const counts = await this.pool.query<{ ds_id: string; n: string }>(
            `SELECT g.ds_id, count(*) AS n FROM (${this.groupSelect(g, q, cp)}) g GROUP BY g.ds_id`,
            cp.values,
          );
          for (const c of counts.rows) {
            const page = out.get(c.ds_id);
            if (page) page.count = Number(c.n);
          }
        }
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
