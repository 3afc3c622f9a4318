import { badQuery, StaError } from './errors';
import { Expr, parseFilter } from './filter';

export interface OrderBy {
  path: string[];
  desc: boolean;
}

export interface ExpandItem {
  nav: string;
  options: QueryOptions;
}

/** The parsed system query options of one request or one `$expand` level. */
export interface QueryOptions {
  filter?: Expr;
  expand: ExpandItem[];
  select?: string[];
  orderby: OrderBy[];
  top?: number;
  skip: number;
  count: boolean;
}

export interface QueryLimits {
  /** Page size when `$top` is absent. */
  defaultTop: number;
  /** The largest `$top` a client may ask for (query cost bound). */
  maxTop: number;
  /** How many `$expand` levels one request may nest. */
  maxExpandDepth: number;
}

export const emptyOptions = (): QueryOptions => ({ expand: [], orderby: [], skip: 0, count: false });

/** Splits on `sep` outside parentheses and quoted strings. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const c of s) {
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    if (depth < 0) throw badQuery('unbalanced ")" in query options');
    if (c === sep && depth === 0 && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (depth !== 0 || quoted) throw badQuery('unbalanced parentheses or quotes in query options');
  out.push(cur);
  return out;
}

function nonNegativeInt(name: string, v: string): number {
  if (!/^\d{1,9}$/.test(v)) throw badQuery(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

const NAME = /^(@iot\.id|@iot\.selfLink|[A-Za-z][A-Za-z0-9_]*)$/;

function applyOption(o: QueryOptions, name: string, value: string, limits: QueryLimits, depth: number): void {
  switch (name) {
    case '$filter':
      o.filter = parseFilter(value);
      return;
    case '$top': {
      const top = nonNegativeInt(name, value);
      if (top > limits.maxTop)
        throw new StaError('UDP.QUERY_TOO_EXPENSIVE', `$top=${top} exceeds the maximum of ${limits.maxTop}`);
      o.top = top;
      return;
    }
    case '$skip':
      o.skip = nonNegativeInt(name, value);
      return;
    case '$count':
      if (value !== 'true' && value !== 'false')
        throw badQuery(`$count must be true or false, got "${value}"`);
      o.count = value === 'true';
      return;
    case '$select': {
      const names = value.split(',').map((s) => s.trim());
      for (const n of names) if (!NAME.test(n)) throw badQuery(`$select: "${n}" is not a property name`);
      o.select = names;
      return;
    }
    case '$orderby':
      o.orderby = value.split(',').map((part) => {
        const m = /^\s*([A-Za-z@][A-Za-z0-9_.@/]*)(?:\s+(asc|desc))?\s*$/.exec(part);
        if (!m || m[1] === undefined) throw badQuery(`$orderby: "${part}" is not "<property> [asc|desc]"`);
        return { path: m[1].split('/'), desc: m[2] === 'desc' };
      });
      return;
    case '$expand':
      o.expand = parseExpand(value, limits, depth + 1);
      return;
    case '$resultFormat':
      throw badQuery('$resultFormat (dataArray) is not supported by this server');
    default:
      throw badQuery(`unknown query option "${name}"`);
  }
}

function parseExpand(value: string, limits: QueryLimits, depth: number): ExpandItem[] {
  if (depth > limits.maxExpandDepth)
    throw new StaError(
      'UDP.QUERY_TOO_EXPENSIVE',
      `$expand nests deeper than the maximum of ${limits.maxExpandDepth} levels`,
    );
  return splitTop(value, ',').map((item) => {
    const m = /^\s*([A-Za-z][A-Za-z0-9_/]*)\s*(?:\((.*)\))?\s*$/s.exec(item);
    if (!m || m[1] === undefined) throw badQuery(`$expand: "${item}" is not "<navigation>[(<options>)]"`);
    const path = m[1].split('/');
    const inner = emptyOptions();
    const innerDepth = depth + path.length - 1;
    if (innerDepth > limits.maxExpandDepth)
      throw new StaError(
        'UDP.QUERY_TOO_EXPENSIVE',
        `$expand nests deeper than the maximum of ${limits.maxExpandDepth} levels`,
      );
    if (m[2] !== undefined && m[2].trim() !== '')
      for (const opt of splitTop(m[2], ';')) {
        const eq = opt.indexOf('=');
        if (eq < 1) throw badQuery(`$expand option "${opt}" is not "$name=value"`);
        applyOption(inner, opt.slice(0, eq).trim(), opt.slice(eq + 1), limits, innerDepth);
      }
    // Thing/Locations: the last segment gets the options, the others wrap it
    let result: ExpandItem = { nav: path[path.length - 1] ?? '', options: inner };
    for (let i = path.length - 2; i >= 0; i--)
      result = { nav: path[i] ?? '', options: { ...emptyOptions(), expand: [result] } };
    return result;
  });
}

/** Parses the raw query string of a request (`$filter=...&$top=...`, percent-encoded). */
export function parseQueryOptions(rawQuery: string, limits: QueryLimits): QueryOptions {
  const o = emptyOptions();
  const seen = new Set<string>();
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName);
      value = decodeURIComponent(rawValue);
    } catch {
      throw badQuery(`query parameter "${rawName}" is not valid percent-encoding`);
    }
    if (!name.startsWith('$')) continue;
    if (seen.has(name)) throw badQuery(`query option ${name} given twice`);
    seen.add(name);
    applyOption(o, name, value, limits, 0);
  }
  return o;
}

/** Serialises options back into a query string (for `@iot.nextLink`). */
export function rawOptionsWithSkip(rawQuery: string, skip: number, top: number): string {
  const kept = rawQuery.split('&').filter((p) => p !== '' && !/^(\$|%24)(skip|top)=/i.test(p));
  return [...kept, `$top=${top}`, `$skip=${skip}`].join('&');
}
