import { badQuery } from './errors';
import { Geometry, geometryDistance, geometryLength, parseWkt, spatialRelation } from './geometry';

/**
 * The OData `$filter` grammar of SensorThings 1.1 (§9.3.3.5): a small recursive-descent parser (the
 * npm OData parsers drop literal values and path segments, and reject `$expand` options) and an evaluator
 * over entities. Precedence, lowest first: or, and, eq/ne, gt/ge/lt/le, add/sub, mul/div/mod, not/-.
 */
export type Value = string | number | boolean | null | Date | Geometry;

export type BinaryOp =
  'or' | 'and' | 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'add' | 'sub' | 'mul' | 'div' | 'mod';

export type Expr =
  | { k: 'lit'; v: Value }
  | { k: 'path'; path: string[] }
  | { k: 'bin'; op: BinaryOp; l: Expr; r: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'neg'; e: Expr }
  | { k: 'call'; fn: string; args: Expr[] };

type Token =
  | { t: 'punct'; v: '(' | ')' | ',' }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'date'; v: Date }
  | { t: 'geo'; v: Geometry }
  | { t: 'word'; v: string };

const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?/;
const NUMBER = /^\d+(\.\d+)?([eE][+-]?\d+)?/;
const WORD = /^[A-Za-z_@$][A-Za-z0-9_.@$]*(\/[A-Za-z_@$][A-Za-z0-9_.@$]*)*/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', v: c });
      i++;
      continue;
    }
    if (c === '-') {
      out.push({ t: 'word', v: '-' });
      i++;
      continue;
    }
    if (c === "'") {
      const [s, next] = readString(src, i);
      out.push({ t: 'str', v: s });
      i = next;
      continue;
    }
    const rest = src.slice(i);
    const dt = DATETIME.exec(rest);
    if (dt && dt[1] !== undefined) {
      const d = new Date(dt[0]);
      if (Number.isNaN(d.getTime())) throw badQuery(`invalid date-time "${dt[0]}" in $filter`);
      out.push({ t: 'date', v: d });
      i += dt[0].length;
      continue;
    }
    if (dt && /^\d{4}-\d{2}-\d{2}/.test(rest) && !/^\d{4}-\d{2}-\d{2}T/.test(rest)) {
      out.push({ t: 'date', v: new Date(`${dt[0]}T00:00:00Z`) });
      i += dt[0].length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num) {
      out.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const w = WORD.exec(rest);
    if (w) {
      i += w[0].length;
      if ((w[0] === 'geography' || w[0] === 'geometry') && src.charAt(i) === "'") {
        const [wkt, next] = readString(src, i);
        out.push({ t: 'geo', v: parseWkt(wkt) });
        i = next;
        continue;
      }
      out.push({ t: 'word', v: w[0] });
      continue;
    }
    throw badQuery(`unexpected character "${c}" at position ${i} of $filter`);
  }
  return out;
}

function readString(src: string, start: number): [string, number] {
  let s = '';
  let i = start + 1;
  for (;;) {
    if (i >= src.length) throw badQuery('unterminated string literal in $filter');
    const c = src.charAt(i);
    if (c === "'") {
      if (src.charAt(i + 1) === "'") {
        s += "'";
        i += 2;
        continue;
      }
      return [s, i + 1];
    }
    s += c;
    i++;
  }
}

const LEVELS: readonly (readonly BinaryOp[])[] = [
  ['or'],
  ['and'],
  ['eq', 'ne'],
  ['gt', 'ge', 'lt', 'le'],
  ['add', 'sub'],
  ['mul', 'div', 'mod'],
];

/** The functions of SensorThings 1.1 Table 20 this server evaluates, with their arity. */
export const FILTER_FUNCTIONS: Readonly<Record<string, readonly [number, number]>> = {
  substringof: [2, 2],
  endswith: [2, 2],
  startswith: [2, 2],
  contains: [2, 2],
  length: [1, 1],
  indexof: [2, 2],
  substring: [2, 3],
  tolower: [1, 1],
  toupper: [1, 1],
  trim: [1, 1],
  concat: [2, 2],
  year: [1, 1],
  month: [1, 1],
  day: [1, 1],
  hour: [1, 1],
  minute: [1, 1],
  second: [1, 1],
  fractionalseconds: [1, 1],
  date: [1, 1],
  time: [1, 1],
  totaloffsetminutes: [1, 1],
  now: [0, 0],
  mindatetime: [0, 0],
  maxdatetime: [0, 0],
  round: [1, 1],
  floor: [1, 1],
  ceiling: [1, 1],
  'geo.distance': [2, 2],
  'geo.length': [1, 1],
  'geo.intersects': [2, 2],
  st_equals: [2, 2],
  st_disjoint: [2, 2],
  st_touches: [2, 2],
  st_within: [2, 2],
  st_overlaps: [2, 2],
  st_crosses: [2, 2],
  st_intersects: [2, 2],
  st_contains: [2, 2],
};

export function parseFilter(src: string): Expr {
  if (src.trim() === '') throw badQuery('$filter is empty');
  const toks = tokenize(src);
  let pos = 0;
  const peekWord = (): string | undefined => {
    const t = toks[pos];
    return t?.t === 'word' ? t.v : undefined;
  };
  const expectPunct = (v: '(' | ')' | ','): void => {
    const t = toks[pos];
    if (t?.t !== 'punct' || t.v !== v) throw badQuery(`expected "${v}" in $filter at token ${pos + 1}`);
    pos++;
  };
  const level = (n: number): Expr => {
    const ops = LEVELS[n];
    if (ops === undefined) return unary();
    let left = level(n + 1);
    for (;;) {
      const w = peekWord();
      if (w === undefined || !(ops as readonly string[]).includes(w)) return left;
      pos++;
      left = { k: 'bin', op: w as BinaryOp, l: left, r: level(n + 1) };
    }
  };
  const unary = (): Expr => {
    const t = toks[pos];
    if (t?.t === 'word' && t.v === 'not') {
      pos++;
      return { k: 'not', e: unary() };
    }
    if (t?.t === 'word' && t.v === '-') {
      pos++;
      return { k: 'neg', e: unary() };
    }
    return primary();
  };
  const primary = (): Expr => {
    const t = toks[pos++];
    if (t === undefined) throw badQuery('$filter ends unexpectedly');
    switch (t.t) {
      case 'str':
      case 'num':
      case 'date':
      case 'geo':
        return { k: 'lit', v: t.v };
      case 'punct': {
        if (t.v !== '(') throw badQuery(`unexpected "${t.v}" in $filter`);
        const e = level(0);
        expectPunct(')');
        return e;
      }
      case 'word': {
        if (t.v === 'true') return { k: 'lit', v: true };
        if (t.v === 'false') return { k: 'lit', v: false };
        if (t.v === 'null') return { k: 'lit', v: null };
        const next = toks[pos];
        if (next?.t === 'punct' && next.v === '(') {
          const fn = t.v.toLowerCase();
          const arity = FILTER_FUNCTIONS[fn];
          if (arity === undefined) throw badQuery(`unknown function "${t.v}" in $filter`);
          pos++;
          const args: Expr[] = [];
          const close = toks[pos];
          if (!(close?.t === 'punct' && close.v === ')')) {
            args.push(level(0));
            while (toks[pos]?.t === 'punct' && (toks[pos] as { v: string }).v === ',') {
              pos++;
              args.push(level(0));
            }
          }
          expectPunct(')');
          if (args.length < arity[0] || args.length > arity[1])
            throw badQuery(`function ${fn} takes ${arity[0]}–${arity[1]} arguments, got ${args.length}`);
          return { k: 'call', fn, args };
        }
        if (LEVELS.some((ops) => (ops as readonly string[]).includes(t.v)) || t.v === 'not')
          throw badQuery(`operator "${t.v}" without a left operand in $filter`);
        return { k: 'path', path: t.v.split('/') };
      }
    }
  };
  const e = level(0);
  if (pos !== toks.length) throw badQuery(`unexpected "${describe(toks[pos])}" in $filter`);
  return e;
}

function describe(t: Token | undefined): string {
  if (t === undefined) return 'end';
  if (t.t === 'date') return t.v.toISOString();
  if (t.t === 'geo') return 'geography literal';
  return String(t.v);
}

/** Resolves a property path (`result`, `Thing/name`, `properties/kind`) on the current entity. */
export type PathResolver = (path: readonly string[]) => Value | undefined;

const isGeometry = (v: Value): v is Geometry =>
  typeof v === 'object' && v !== null && !(v instanceof Date) && 'type' in v;

function num(v: Value, fn: string): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  throw badQuery(`${fn} needs a number, got ${typeof v === 'object' ? 'an object' : typeof v}`);
}
function str(v: Value, fn: string): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  throw badQuery(`${fn} needs a string`);
}
function date(v: Value, fn: string): Date | null {
  if (v === null) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'string') {
    const d = new Date(v.split('/')[0] ?? v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw badQuery(`${fn} needs a date-time`);
}
function geom(v: Value, fn: string): Geometry | null {
  if (v === null) return null;
  if (isGeometry(v)) return v;
  throw badQuery(`${fn} needs a geometry`);
}

/** Orders two values of one kind; null when they are not comparable (null on either side). */
export function compareValues(a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  if (a instanceof Date || b instanceof Date) {
    const x = date(a, 'comparison');
    const y = date(b, 'comparison');
    return x === null || y === null ? null : Math.sign(x.getTime() - y.getTime());
  }
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (isGeometry(a) || isGeometry(b)) throw badQuery('geometries are compared with geo functions only');
  throw badQuery(`cannot compare ${typeof a} with ${typeof b}`);
}

function call(fn: string, a: Value[], now: Date): Value {
  const [x = null, y = null, z = null] = a;
  switch (fn) {
    case 'substringof': {
      const s = str(x, fn);
      const t = str(y, fn);
      return s === null || t === null ? null : t.includes(s);
    }
    case 'contains': {
      const s = str(x, fn);
      const t = str(y, fn);
      return s === null || t === null ? null : s.includes(t);
    }
    case 'endswith': {
      const s = str(x, fn);
      const t = str(y, fn);
      return s === null || t === null ? null : s.endsWith(t);
    }
    case 'startswith': {
      const s = str(x, fn);
      const t = str(y, fn);
      return s === null || t === null ? null : s.startsWith(t);
    }
    case 'length': {
      const s = str(x, fn);
      return s === null ? null : s.length;
    }
    case 'indexof': {
      const s = str(x, fn);
      const t = str(y, fn);
      return s === null || t === null ? null : s.indexOf(t);
    }
    case 'substring': {
      const s = str(x, fn);
      const from = num(y, fn);
      const len = a.length > 2 ? num(z, fn) : undefined;
      if (s === null || from === null || len === null) return null;
      return len === undefined ? s.substring(from) : s.substring(from, from + len);
    }
    case 'tolower':
      return str(x, fn)?.toLowerCase() ?? null;
    case 'toupper':
      return str(x, fn)?.toUpperCase() ?? null;
    case 'trim':
      return str(x, fn)?.trim() ?? null;
    case 'concat': {
      const s = str(x, fn);
      const t = str(y, fn);
      return s === null || t === null ? null : s + t;
    }
    case 'year':
      return date(x, fn)?.getUTCFullYear() ?? null;
    case 'month': {
      const d = date(x, fn);
      return d === null ? null : d.getUTCMonth() + 1;
    }
    case 'day':
      return date(x, fn)?.getUTCDate() ?? null;
    case 'hour':
      return date(x, fn)?.getUTCHours() ?? null;
    case 'minute':
      return date(x, fn)?.getUTCMinutes() ?? null;
    case 'second':
      return date(x, fn)?.getUTCSeconds() ?? null;
    case 'fractionalseconds': {
      const d = date(x, fn);
      return d === null ? null : d.getUTCMilliseconds() / 1000;
    }
    case 'date': {
      const d = date(x, fn);
      return d === null ? null : new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    }
    case 'time': {
      const d = date(x, fn);
      return d === null ? null : d.toISOString().slice(11, 23);
    }
    case 'totaloffsetminutes':
      return date(x, fn) === null ? null : 0;
    case 'now':
      return now;
    case 'mindatetime':
      return new Date(-8.64e15);
    case 'maxdatetime':
      return new Date(8.64e15);
    case 'round': {
      const n = num(x, fn);
      return n === null ? null : Math.round(n);
    }
    case 'floor': {
      const n = num(x, fn);
      return n === null ? null : Math.floor(n);
    }
    case 'ceiling': {
      const n = num(x, fn);
      return n === null ? null : Math.ceil(n);
    }
    case 'geo.distance': {
      const g = geom(x, fn);
      const h = geom(y, fn);
      return g === null || h === null ? null : geometryDistance(g, h);
    }
    case 'geo.length': {
      const g = geom(x, fn);
      return g === null ? null : geometryLength(g);
    }
    default: {
      const g = geom(x, fn);
      const h = geom(y, fn);
      if (g === null || h === null) return null;
      const rel = fn === 'geo.intersects' ? 'st_intersects' : fn;
      return spatialRelation(rel, g, h);
    }
  }
}

function arith(op: BinaryOp, l: Value, r: Value): Value {
  const a = num(l, op);
  const b = num(r, op);
  if (a === null || b === null) return null;
  switch (op) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      if (b === 0) throw badQuery('division by zero in $filter');
      return a / b;
    default:
      if (b === 0) throw badQuery('modulo by zero in $filter');
      return a % b;
  }
}

/** Evaluates an expression on one entity; `resolve` answers property paths (undefined = no such path). */
export function evaluate(e: Expr, resolve: PathResolver, now: Date = new Date()): Value {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'path': {
      const v = resolve(e.path);
      if (v === undefined) throw badQuery(`unknown property "${e.path.join('/')}" in $filter`);
      return v;
    }
    case 'not': {
      const v = evaluate(e.e, resolve, now);
      return v === null ? null : !truthy(v);
    }
    case 'neg': {
      const v = num(evaluate(e.e, resolve, now), 'negation');
      return v === null ? null : -v;
    }
    case 'call':
      return call(
        e.fn,
        e.args.map((a) => evaluate(a, resolve, now)),
        now,
      );
    case 'bin': {
      if (e.op === 'and') return truthy(evaluate(e.l, resolve, now)) && truthy(evaluate(e.r, resolve, now));
      if (e.op === 'or') return truthy(evaluate(e.l, resolve, now)) || truthy(evaluate(e.r, resolve, now));
      const l = evaluate(e.l, resolve, now);
      const r = evaluate(e.r, resolve, now);
      if (e.op === 'eq' || e.op === 'ne') {
        const same =
          l === null || r === null
            ? l === r
            : isGeometry(l) || isGeometry(r)
              ? JSON.stringify(l) === JSON.stringify(r)
              : compareValues(l, r) === 0;
        return e.op === 'eq' ? same : !same;
      }
      if (e.op === 'gt' || e.op === 'ge' || e.op === 'lt' || e.op === 'le') {
        const c = compareValues(l, r);
        if (c === null) return false;
        return e.op === 'gt' ? c > 0 : e.op === 'ge' ? c >= 0 : e.op === 'lt' ? c < 0 : c <= 0;
      }
      return arith(e.op, l, r);
    }
  }
}

export function truthy(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null) return false;
  throw badQuery('$filter must be a boolean expression');
}

/** Every property path an expression reads (to decide what can be pushed down to SQL). */
export function pathsOf(e: Expr): string[][] {
  switch (e.k) {
    case 'lit':
      return [];
    case 'path':
      return [e.path];
    case 'not':
    case 'neg':
      return pathsOf(e.e);
    case 'call':
      return e.args.flatMap(pathsOf);
    case 'bin':
      return [...pathsOf(e.l), ...pathsOf(e.r)];
  }
}
