import { Catalog, DatastreamSource, ENTITY_SETS, EntityRow, EntitySet, NAVIGATION } from './catalog';
import { badQuery, StaError } from './errors';
import { compareValues, evaluate, PathResolver, truthy, Value } from './filter';
import {
  isPushdownFilter,
  isPushdownOrder,
  ObservationRow,
  ObservationSource,
  observationId,
  parseObservationId,
  QUARTER_HOUR_MS,
  resultTimeOf,
} from './observation-source';
import {
  emptyOptions,
  parseQueryOptions,
  QueryLimits,
  QueryOptions,
  rawOptionsWithSkip,
} from './query-options';

export type StaVersion = 'v1.0' | 'v1.1';
export type StaResponse = { status: number; json: unknown } | { status: number; text: string };

export interface SensorThingsSettings extends QueryLimits {
  /** Public base URL without the version, e.g. https://udp.example/ (self links are absolute). */
  baseUrl: string;
  /** Observations read into memory at most, for a `$filter`/`$orderby` the database cannot evaluate. */
  maxScanRows: number;
  /** MQTT endpoints announced in serverSettings (receive-updates-via-mqtt). */
  mqttEndpoints: string[];
}

const CONFORMANCE = (v: string): string[] => [
  `http://www.opengis.net/spec/iot_sensing/${v}/req/datamodel`,
  `http://www.opengis.net/spec/iot_sensing/${v}/req/resource-path/resource-path-to-entities`,
  `http://www.opengis.net/spec/iot_sensing/${v}/req/request-data`,
  `http://www.opengis.net/spec/iot_sensing/${v}/req/receive-updates-via-mqtt/receive-updates`,
];

type Target =
  | { k: 'collection'; set: Exclude<EntitySet, 'Observations'>; ids: string[] }
  | { k: 'observations'; datastreams: DatastreamSource[] }
  | { k: 'entity'; set: EntitySet; id: string };

type Obs = ObservationRow;

const SEGMENT = /^([A-Za-z]+)(?:\((?:'((?:[^']|'')*)'|(\d+))\))?$/;

/** The read part of the OGC SensorThings API 1.1 (and 1.0) over an in-memory catalogue and an observation port. */
export class SensorThingsService {
  constructor(
    private readonly catalog: () => Catalog,
    private readonly observations: ObservationSource,
    private readonly settings: SensorThingsSettings,
  ) {}

  private base(v: StaVersion): string {
    return `${this.settings.baseUrl.replace(/\/$/, '')}/${v}`;
  }

  serviceRoot(v: StaVersion): unknown {
    const base = this.base(v);
    const conformance = CONFORMANCE(v === 'v1.0' ? '1.0' : '1.1');
    return {
      value: ENTITY_SETS.map((name) => ({ name, url: `${base}/${name}` })),
      serverSettings: {
        conformance,
        [`http://www.opengis.net/spec/iot_sensing/${v === 'v1.0' ? '1.0' : '1.1'}/req/receive-updates-via-mqtt/receive-updates`]:
          { endpoints: this.settings.mqttEndpoints },
      },
    };
  }

  /** Answers GET <version>/<path>?<rawQuery>. Throws StaError for every client error. */
  async handle(v: StaVersion, path: string, rawQuery: string): Promise<StaResponse> {
    const segs = path.split('/').filter((s) => s !== '');
    if (segs.length === 0) return { status: 200, json: this.serviceRoot(v) };
    const options = parseQueryOptions(rawQuery, this.settings);
    let target: Target | undefined;
    let i = 0;
    for (; i < segs.length; i++) {
      const seg = segs[i] ?? '';
      const m = SEGMENT.exec(seg);
      if (!m || m[1] === undefined) break;
      const name = m[1];
      const id = m[2] !== undefined ? m[2].replace(/''/g, "'") : m[3];
      const next = this.step(target, name, id);
      if (next === undefined) break;
      target = next;
    }
    if (target === undefined) throw new StaError('UDP.BAD_PATH', `no such resource: /${v}/${segs[0] ?? ''}`);
    const rest = segs.slice(i);
    if (rest.length === 0) {
      if (target.k === 'entity')
        return { status: 200, json: await this.entity(v, target.set, target.id, options) };
      return { status: 200, json: await this.collection(v, target, options, rawQuery, path) };
    }
    if (rest.length === 1 && rest[0] === '$ref') {
      if (target.k === 'entity')
        return { status: 200, json: { '@iot.selfLink': this.selfLink(v, target.set, target.id) } };
      const page = await this.collection(
        v,
        target,
        { ...options, select: ['@iot.selfLink'], expand: [] },
        rawQuery,
        path,
      );
      return { status: 200, json: page };
    }
    if (target.k !== 'entity' || rest.length > 2 || (rest.length === 2 && rest[1] !== '$value'))
      throw new StaError('UDP.BAD_PATH', `no such resource: /${v}/${path}`);
    const prop = rest[0] ?? '';
    const full = (await this.entity(v, target.set, target.id, emptyOptions())) as Record<string, unknown>;
    if (!(prop in full) || prop.includes('@'))
      throw new StaError('UDP.BAD_PATH', `${target.set} has no property "${prop}"`);
    const value = full[prop];
    if (rest.length === 2)
      return { status: 200, text: typeof value === 'string' ? value : JSON.stringify(value) };
    return { status: 200, json: { [prop]: value } };
  }

  /** One path segment: an entity set, a navigation property, or an id into the current collection. */
  private step(t: Target | undefined, name: string, id: string | undefined): Target | undefined {
    const c = this.catalog();
    let next: Target | undefined;
    if (t === undefined) {
      if (!(ENTITY_SETS as readonly string[]).includes(name)) return undefined;
      const set = name as EntitySet;
      next =
        set === 'Observations'
          ? { k: 'observations', datastreams: [...c.datastreams.values()] }
          : { k: 'collection', set, ids: [...c.sets[set].keys()] };
    } else {
      if (t.k !== 'entity') return undefined;
      const nav = NAVIGATION[t.set][name];
      if (nav === undefined) return undefined;
      next = this.navigate(t.set, t.id, name, nav.set, nav.many);
    }
    if (id === undefined) return next;
    if (next.k === 'entity') return undefined;
    if (next.k === 'observations') {
      const parsed = parseObservationId(id);
      if (parsed === undefined || !next.datastreams.some((d) => d.datastreamId === parsed.datastreamId))
        throw new StaError('UDP.NOT_FOUND', `no Observation with id '${id}'`);
      return { k: 'entity', set: 'Observations', id };
    }
    if (!next.ids.includes(id)) throw new StaError('UDP.NOT_FOUND', `no ${next.set} entity with id '${id}'`);
    return { k: 'entity', set: next.set, id };
  }

  private navigate(from: EntitySet, id: string, nav: string, to: EntitySet, many: boolean): Target {
    const c = this.catalog();
    if (from === 'Observations') {
      const parsed = parseObservationId(id);
      const ds = parsed ? c.datastreams.get(parsed.datastreamId) : undefined;
      if (ds === undefined) throw new StaError('UDP.NOT_FOUND', `no Observation with id '${id}'`);
      return nav === 'Datastream'
        ? { k: 'entity', set: 'Datastreams', id: ds.datastreamId }
        : { k: 'entity', set: 'FeaturesOfInterest', id: ds.featureOfInterestId };
    }
    const row = c.sets[from].get(id);
    if (row === undefined) throw new StaError('UDP.NOT_FOUND', `no ${from} entity with id '${id}'`);
    if (to === 'Observations') {
      const dss =
        from === 'Datastreams'
          ? [c.datastreams.get(id)]
          : [...c.datastreams.values()].filter((d) => d.featureOfInterestId === id);
      return { k: 'observations', datastreams: dss.filter((d): d is DatastreamSource => d !== undefined) };
    }
    const ids = row.links[nav] ?? [];
    if (!many) {
      const one = ids[0];
      if (one === undefined) throw new StaError('UDP.NOT_FOUND', `${from}('${id}') has no ${nav}`);
      return { k: 'entity', set: to, id: one };
    }
    return { k: 'collection', set: to, ids };
  }

  selfLink(v: StaVersion, set: EntitySet, id: string): string {
    return `${this.base(v)}/${set}('${encodeURIComponent(id.replace(/'/g, "''"))}')`;
  }

  private async entity(v: StaVersion, set: EntitySet, id: string, o: QueryOptions): Promise<unknown> {
    if (set === 'Observations') {
      const parsed = parseObservationId(id);
      const ds = parsed ? this.catalog().datastreams.get(parsed.datastreamId) : undefined;
      const row = ds && parsed ? await this.observations.byId(ds, parsed.start) : undefined;
      if (row === undefined) throw new StaError('UDP.NOT_FOUND', `no Observation with id '${id}'`);
      return (await this.formatObservations(v, [row], o))[0];
    }
    const row = this.catalog().sets[set].get(id);
    if (row === undefined) throw new StaError('UDP.NOT_FOUND', `no ${set} entity with id '${id}'`);
    return (await this.formatRows(v, set, [row], o))[0];
  }

  private async collection(
    v: StaVersion,
    t: Exclude<Target, { k: 'entity' }>,
    o: QueryOptions,
    rawQuery: string,
    path: string,
  ): Promise<unknown> {
    const top = o.top ?? this.settings.defaultTop;
    let values: unknown[];
    let count: number | undefined;
    let more: boolean;
    if (t.k === 'observations') {
      const r = await this.observationPage(t.datastreams, o, top);
      values = await this.formatObservations(v, r.rows, o);
      count = r.count;
      more = r.more;
    } else {
      const rows = this.filterRows(t.set, t.ids, o);
      count = rows.length;
      const page = rows.slice(o.skip, o.skip + top);
      more = o.skip + top < rows.length;
      values = await this.formatRows(v, t.set, page, o);
    }
    const out: Record<string, unknown> = {};
    if (o.count && count !== undefined) out['@iot.count'] = count;
    if (more)
      out['@iot.nextLink'] =
        `${this.base(v)}/${path.replace(/^\//, '')}?${rawOptionsWithSkip(rawQuery, o.skip + top, top)}`;
    out['value'] = values;
    return out;
  }

  private filterRows(
    set: Exclude<EntitySet, 'Observations'>,
    ids: readonly string[],
    o: QueryOptions,
  ): EntityRow[] {
    const c = this.catalog();
    let rows = ids.map((id) => c.sets[set].get(id)).filter((r): r is EntityRow => r !== undefined);
    if (o.filter !== undefined) {
      const f = o.filter;
      const now = new Date();
      rows = rows.filter((r) => truthy(evaluate(f, this.rowResolver(set, r), now)));
    }
    const order = o.orderby.length > 0 ? o.orderby : [{ path: ['@iot.id'], desc: false }];
    const keyed = rows.map((r) => ({ r, keys: order.map((x) => this.rowResolver(set, r)(x.path) ?? null) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < order.length; i++) {
        const c =
          compareValues(a.keys[i] ?? null, b.keys[i] ?? null) ??
          (a.keys[i] === null ? (b.keys[i] === null ? 0 : 1) : -1);
        if (c !== 0) return order[i]?.desc ? -c : c;
      }
      return 0;
    });
    return keyed.map((x) => x.r);
  }

  /** Resolves `name`, `properties/type`, `Thing/name`, `@iot.id` on an in-memory entity. */
  private rowResolver(set: Exclude<EntitySet, 'Observations'>, row: EntityRow): PathResolver {
    return (path) => {
      const [head, ...tail] = path;
      if (head === undefined) return undefined;
      if (head === '@iot.id' || head === 'id') return tail.length === 0 ? row.id : undefined;
      const nav = NAVIGATION[set][head];
      if (nav !== undefined) {
        if (nav.many || nav.set === 'Observations')
          throw badQuery(`$filter cannot follow the to-many navigation ${head}`);
        const target = this.catalog().sets[nav.set].get(row.links[head]?.[0] ?? '');
        return target ? this.rowResolver(nav.set, target)(tail) : null;
      }
      if (!(head in row.props)) return undefined;
      return toValue(descend(row.props[head], tail));
    };
  }

  private observationResolver(o: Obs): PathResolver {
    return (path) => {
      const [head, ...tail] = path;
      switch (head) {
        case '@iot.id':
        case 'id':
          return observationId(o);
        case 'result':
          return o.result;
        case 'phenomenonTime':
          return o.phenomenonStart;
        case 'resultTime':
          return resultTimeOf(o);
        case 'Datastream':
        case 'FeatureOfInterest': {
          const ds = this.catalog().datastreams.get(o.datastreamId);
          const set = head === 'Datastream' ? 'Datastreams' : 'FeaturesOfInterest';
          const row = ds
            ? this.catalog().sets[set].get(head === 'Datastream' ? ds.datastreamId : ds.featureOfInterestId)
            : undefined;
          return row ? this.rowResolver(set, row)(tail) : null;
        }
        default:
          return undefined;
      }
    };
  }

  private async observationPage(
    datastreams: readonly DatastreamSource[],
    o: QueryOptions,
    top: number,
  ): Promise<{ rows: Obs[]; count?: number; more: boolean }> {
    if ((o.filter === undefined || isPushdownFilter(o.filter)) && isPushdownOrder(o.orderby)) {
      const page = await this.observations.page(datastreams, {
        ...(o.filter !== undefined ? { filter: o.filter } : {}),
        orderby: o.orderby,
        limit: top + 1,
        offset: o.skip,
        count: o.count,
      });
      return {
        rows: page.rows.slice(0, top),
        more: page.rows.length > top,
        ...(page.count !== undefined ? { count: page.count } : {}),
      };
    }
    const all = await this.observations.page(datastreams, {
      orderby: [],
      limit: this.settings.maxScanRows + 1,
      offset: 0,
      count: false,
    });
    const rows = this.inMemory(all.rows, o);
    return { rows: rows.slice(o.skip, o.skip + top), count: rows.length, more: o.skip + top < rows.length };
  }

  private inMemory(rows: Obs[], o: QueryOptions): Obs[] {
    if (rows.length > this.settings.maxScanRows)
      throw new StaError(
        'UDP.QUERY_TOO_EXPENSIVE',
        `this $filter/$orderby needs more than ${this.settings.maxScanRows} observations in memory: narrow it with phenomenonTime or result comparisons`,
      );
    const now = new Date();
    const f = o.filter;
    const kept =
      f === undefined ? rows : rows.filter((r) => truthy(evaluate(f, this.observationResolver(r), now)));
    const order = o.orderby.length > 0 ? o.orderby : [{ path: ['phenomenonTime'], desc: false }];
    return kept
      .map((r) => ({ r, keys: order.map((x) => this.observationResolver(r)(x.path) ?? null) }))
      .sort((a, b) => {
        for (let i = 0; i < order.length; i++) {
          const c = compareValues(a.keys[i] ?? null, b.keys[i] ?? null) ?? 0;
          if (c !== 0) return order[i]?.desc ? -c : c;
        }
        return 0;
      })
      .map((x) => x.r);
  }

  private withLinks(
    v: StaVersion,
    set: EntitySet,
    id: string,
    o: QueryOptions,
    props: Record<string, unknown>,
  ): Record<string, unknown> {
    const self = this.selfLink(v, set, id);
    const all: Record<string, unknown> = { '@iot.id': id, '@iot.selfLink': self, ...props };
    for (const nav of Object.keys(NAVIGATION[set])) all[`${nav}@iot.navigationLink`] = `${self}/${nav}`;
    if (o.select === undefined) return all;
    const out: Record<string, unknown> = {};
    for (const s of o.select) {
      if (s in all) out[s] = all[s];
      else if (`${s}@iot.navigationLink` in all)
        out[`${s}@iot.navigationLink`] = all[`${s}@iot.navigationLink`];
      else if (s !== 'id') throw badQuery(`$select: ${set} has no property "${s}"`);
      if (s === 'id') out['@iot.id'] = id;
    }
    return out;
  }

  private async formatRows(
    v: StaVersion,
    set: Exclude<EntitySet, 'Observations'>,
    rows: readonly EntityRow[],
    o: QueryOptions,
  ): Promise<Record<string, unknown>[]> {
    const out = rows.map((r) => this.withLinks(v, set, r.id, o, r.props));
    for (const e of o.expand) {
      const nav = NAVIGATION[set][e.nav];
      if (nav === undefined) throw badQuery(`$expand: ${set} has no navigation property "${e.nav}"`);
      const top = e.options.top ?? this.settings.defaultTop;
      if (nav.set === 'Observations') {
        const c = this.catalog();
        const perRow = rows.map((r) =>
          set === 'Datastreams'
            ? [c.datastreams.get(r.id)]
            : [...c.datastreams.values()].filter((d) => d.featureOfInterestId === r.id),
        );
        const pushdown =
          set === 'Datastreams' &&
          (e.options.filter === undefined || isPushdownFilter(e.options.filter)) &&
          isPushdownOrder(e.options.orderby);
        const pages = pushdown
          ? await this.observations.pagePerDatastream(
              perRow.flat().filter((d): d is DatastreamSource => d !== undefined),
              {
                ...(e.options.filter !== undefined ? { filter: e.options.filter } : {}),
                orderby: e.options.orderby,
                limit: top + 1,
                offset: e.options.skip,
                count: e.options.count,
              },
            )
          : undefined;
        for (let i = 0; i < rows.length; i++) {
          const target = out[i];
          const dss = (perRow[i] ?? []).filter((d): d is DatastreamSource => d !== undefined);
          const page = pages
            ? (() => {
                const p = pages.get(dss[0]?.datastreamId ?? '') ?? { rows: [] };
                return { rows: p.rows.slice(0, top), more: p.rows.length > top, count: p.count };
              })()
            : await this.observationPage(dss, e.options, top);
          target[e.nav] = await this.formatObservations(v, page.rows, e.options);
          if (e.options.count && page.count !== undefined) target[`${e.nav}@iot.count`] = page.count;
          if (page.more)
            target[`${e.nav}@iot.nextLink`] =
              `${this.selfLink(v, set, rows[i]?.id ?? '')}/${e.nav}?$top=${top}&$skip=${e.options.skip + top}`;
        }
        continue;
      }
      const targetSet = nav.set;
      for (let i = 0; i < rows.length; i++) {
        const target = out[i];
        const ids = rows[i]?.links[e.nav] ?? [];
        if (!nav.many) {
          const row = this.catalog().sets[targetSet].get(ids[0] ?? '');
          target[e.nav] = row ? (await this.formatRows(v, targetSet, [row], e.options))[0] : null;
          continue;
        }
        const filtered = this.filterRows(targetSet, ids, e.options);
        const page = filtered.slice(e.options.skip, e.options.skip + top);
        target[e.nav] = await this.formatRows(v, targetSet, page, e.options);
        if (e.options.count) target[`${e.nav}@iot.count`] = filtered.length;
        if (e.options.skip + top < filtered.length)
          target[`${e.nav}@iot.nextLink`] =
            `${this.selfLink(v, set, rows[i]?.id ?? '')}/${e.nav}?$top=${top}&$skip=${e.options.skip + top}`;
      }
    }
    return out;
  }

  private async formatObservations(
    v: StaVersion,
    rows: readonly Obs[],
    o: QueryOptions,
  ): Promise<Record<string, unknown>[]> {
    const out = rows.map((r) => {
      const start = r.phenomenonStart.toISOString();
      const end = new Date(r.phenomenonStart.getTime() + QUARTER_HOUR_MS).toISOString();
      return this.withLinks(v, 'Observations', observationId(r), o, {
        phenomenonTime: `${start}/${end}`,
        resultTime: resultTimeOf(r).toISOString(),
        result: r.result,
      });
    });
    for (const e of o.expand) {
      if (e.nav !== 'Datastream' && e.nav !== 'FeatureOfInterest')
        throw badQuery(`$expand: Observations have no navigation property "${e.nav}"`);
      for (let i = 0; i < rows.length; i++) {
        const ds = this.catalog().datastreams.get(rows[i]?.datastreamId ?? '');
        const set = e.nav === 'Datastream' ? 'Datastreams' : 'FeaturesOfInterest';
        const row = ds
          ? this.catalog().sets[set].get(e.nav === 'Datastream' ? ds.datastreamId : ds.featureOfInterestId)
          : undefined;
        out[i][e.nav] = row ? (await this.formatRows(v, set, [row], e.options))[0] : null;
      }
    }
    return out;
  }
}

function descend(v: unknown, path: readonly string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return null;
    cur = (cur as Record<string, unknown>)[p] ?? null;
  }
  return cur;
}

function toValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'object' && 'type' in v && 'coordinates' in v) return v as Value;
  return JSON.stringify(v);
}
