import type { AllocationKey, MemberRole } from '@gridwerk/settlement/domain';
import { MEMBER_ROLES } from '@gridwerk/settlement/domain';

export interface MemberChange {
  communityId: string;
  meterPointId: string;
  /** null: leaves the community. */
  role: MemberRole | null;
  effectiveFrom: string;
}

export interface KeyChange {
  communityId: string;
  effectiveFrom: string;
  key: AllocationKey;
}

export interface CsvProblem {
  line: number;
  column: string;
  message: string;
}

const METER = /^DE[0-9A-Z]{31}$/;
const QUARTER = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:(00|15|30|45):00Z$/;
const COMMUNITY = /^[A-Za-z0-9][A-Za-z0-9._-]{1,39}$/;

/** Minimal RFC 4180 reader: comma separated, optional double quotes, first line is the header. */
export function parseCsv(text: string): {
  header: string[];
  rows: { line: number; cells: Record<string, string> }[];
} {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const split = (l: string): string[] => {
    const out: string[] = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < l.length; i++) {
      const ch = l[i];
      if (q) {
        if (ch === '"' && l[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') q = false;
        else cur += ch;
      } else if (ch === '"') q = true;
      else if (ch === ',') {
        out.push(cur.trim());
        cur = '';
      } else cur += ch;
    }
    out.push(cur.trim());
    return out;
  };
  const header = split(lines[0] ?? '').map((h) => h.trim());
  const rows: { line: number; cells: Record<string, string> }[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '' || lines[i].startsWith('#')) continue;
    const cells = split(lines[i]);
    rows.push({ line: i + 1, cells: Object.fromEntries(header.map((h, k) => [h, cells[k] ?? ''])) });
  }
  return { header, rows };
}

function requireColumns(header: string[], columns: string[]): CsvProblem[] {
  return columns
    .filter((c) => !header.includes(c))
    .map((c) => ({ line: 1, column: c, message: `missing column ${c}` }));
}

/**
 * Members CSV: `communityId,meterPointId,role,effectiveFrom`; role is one of generator, storage, consumer,
 * prosumer, or `none` (leaves the community). Every problem is reported with its line and column.
 */
export function parseMembersCsv(text: string): { changes: MemberChange[]; problems: CsvProblem[] } {
  const { header, rows } = parseCsv(text);
  const problems = requireColumns(header, ['communityId', 'meterPointId', 'role', 'effectiveFrom']);
  if (problems.length > 0) return { changes: [], problems };
  const changes: MemberChange[] = [];
  for (const { line, cells } of rows) {
    const p = (column: string, message: string) => problems.push({ line, column, message });
    const n = problems.length;
    if (!COMMUNITY.test(cells['communityId']))
      p('communityId', `"${cells['communityId']}" is not a community id`);
    if (!METER.test(cells['meterPointId']))
      p('meterPointId', `"${cells['meterPointId']}" is not a metering point id (DE + 31 characters)`);
    const role = cells['role'];
    if (role !== 'none' && !(MEMBER_ROLES as readonly string[]).includes(role))
      p('role', `"${role}" is not one of ${MEMBER_ROLES.join(', ')}, none`);
    if (!QUARTER.test(cells['effectiveFrom']))
      p('effectiveFrom', `"${cells['effectiveFrom']}" is not a UTC quarter hour (e.g. 2026-06-01T00:00:00Z)`);
    if (problems.length === n) {
      changes.push({
        communityId: cells['communityId'],
        meterPointId: cells['meterPointId'],
        role: role === 'none' ? null : (role as MemberRole),
        effectiveFrom: cells['effectiveFrom'],
      });
    }
  }
  return { changes, problems };
}

/**
 * Keys CSV: `communityId,effectiveFrom,kind,meterPointId,value`. Rows with the same community and
 * effective-from form one key: `dynamic` (one row, no meter, no value), `static` (value = the member's
 * integer share), `bid` / `ask` (value = limit price in milli-ct/kWh; together a double-auction key).
 */
export function parseKeysCsv(text: string): { changes: KeyChange[]; problems: CsvProblem[] } {
  const { header, rows } = parseCsv(text);
  const problems = requireColumns(header, ['communityId', 'effectiveFrom', 'kind', 'meterPointId', 'value']);
  if (problems.length > 0) return { changes: [], problems };
  const groups = new Map<
    string,
    { communityId: string; effectiveFrom: string; rows: { line: number; cells: Record<string, string> }[] }
  >();
  for (const r of rows) {
    const k = `${r.cells['communityId']}|${r.cells['effectiveFrom']}`;
    const g = groups.get(k) ?? {
      communityId: r.cells['communityId'],
      effectiveFrom: r.cells['effectiveFrom'],
      rows: [],
    };
    g.rows.push(r);
    groups.set(k, g);
  }
  const changes: KeyChange[] = [];
  for (const g of groups.values()) {
    const n = problems.length;
    const first = g.rows[0].line;
    if (!COMMUNITY.test(g.communityId))
      problems.push({
        line: first,
        column: 'communityId',
        message: `"${g.communityId}" is not a community id`,
      });
    if (!QUARTER.test(g.effectiveFrom))
      problems.push({
        line: first,
        column: 'effectiveFrom',
        message: `"${g.effectiveFrom}" is not a UTC quarter hour`,
      });
    const kinds = new Set(g.rows.map((r) => r.cells['kind']));
    const shares: Record<string, number> = {};
    const bids: Record<string, number> = {};
    const asks: Record<string, number> = {};
    for (const { line, cells } of g.rows) {
      const kind = cells['kind'];
      if (!['dynamic', 'static', 'bid', 'ask'].includes(kind)) {
        problems.push({ line, column: 'kind', message: `"${kind}" is not one of dynamic, static, bid, ask` });
        continue;
      }
      if (kind === 'dynamic') continue;
      const meter = cells['meterPointId'];
      if (!METER.test(meter))
        problems.push({ line, column: 'meterPointId', message: `"${meter}" is not a metering point id` });
      const value = cells['value'];
      if (!/^[0-9]{1,9}$/.test(value))
        problems.push({ line, column: 'value', message: `"${value}" is not a non-negative integer` });
      const target = kind === 'static' ? shares : kind === 'bid' ? bids : asks;
      if (target[meter] !== undefined)
        problems.push({ line, column: 'meterPointId', message: `${meter} appears twice for ${kind}` });
      target[meter] = Number(value);
    }
    const mixed = kinds.has('dynamic')
      ? kinds.size > 1
      : kinds.has('static') && (kinds.has('bid') || kinds.has('ask'));
    if (mixed)
      problems.push({
        line: first,
        column: 'kind',
        message: 'one key per community and effectiveFrom: do not mix dynamic, static and bid/ask',
      });
    if (problems.length > n) continue;
    const key: AllocationKey = kinds.has('dynamic')
      ? { kind: 'dynamic' }
      : kinds.has('static')
        ? { kind: 'static', shares }
        : { kind: 'double-auction', bids, asks };
    changes.push({ communityId: g.communityId, effectiveFrom: g.effectiveFrom, key });
  }
  return { changes, problems };
}
