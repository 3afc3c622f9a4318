import { badRequest } from '../errors';

/** Node and asset ids: letters, digits, `.`, `_`, `-`; meter point ids (DE + 31) fit too. */
export const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const ALARM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const SUB_ID = /^[A-Za-z0-9._@:-]{1,255}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/;

export function nodeIdParam(v: unknown, name = 'nodeId'): string {
  if (typeof v !== 'string' || !NODE_ID.test(v)) throw badRequest(`${name} must match ${NODE_ID.source}`);
  return v;
}

export function alarmIdParam(v: unknown): string {
  if (typeof v !== 'string' || !ALARM_ID.test(v)) throw badRequest('id must be an alarm id (UUID)');
  return v;
}

export function subParam(v: unknown): string {
  if (typeof v !== 'string' || !SUB_ID.test(v)) throw badRequest(`sub must match ${SUB_ID.source}`);
  return v;
}

export function instant(v: unknown, name: string): Date {
  if (typeof v !== 'string' || !INSTANT.test(v) || !Number.isFinite(Date.parse(v)))
    throw badRequest(`${name} must be a UTC instant (ISO-8601 ending in Z), got ${JSON.stringify(v)}`);
  return new Date(v);
}

/**
 * `from` and `to` (UTC instants; `to` exclusive). Missing values default to the `defaultMs` before now
 * and now; the range must be positive and at most `maxMs`.
 */
export function timeRange(
  from: unknown,
  to: unknown,
  maxMs: number,
  defaultMs: number,
  now = Date.now(),
): { from: Date; to: Date } {
  const t = to === undefined ? new Date(now) : instant(to, 'to');
  const f = from === undefined ? new Date(t.getTime() - Math.min(defaultMs, maxMs)) : instant(from, 'from');
  if (t.getTime() <= f.getTime()) throw badRequest('"to" must be after "from"');
  if (t.getTime() - f.getTime() > maxMs)
    throw badRequest(`the range must not exceed ${Math.round(maxMs / 86_400_000)} days`);
  return { from: f, to: t };
}

export function comment(v: unknown, required: boolean): string | undefined {
  if (v === undefined || v === null) {
    if (required) throw badRequest('comment is required');
    return undefined;
  }
  if (typeof v !== 'string') throw badRequest('comment must be a string');
  const c = v.trim();
  if (required && c.length === 0) throw badRequest('comment must not be empty');
  if (c.length > 1000) throw badRequest('comment must be at most 1000 characters');
  return c;
}

export function body(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw badRequest('the body must be a JSON object');
  return v as Record<string, unknown>;
}

export function onlyKeys(b: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(b).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw badRequest(`unknown fields: ${extra.join(', ')}`);
}

export function ageS(observedAt: string | null | undefined, now = Date.now()): number | null {
  if (!observedAt) return null;
  return Math.max(0, Math.round((now - Date.parse(observedAt)) / 100) / 10);
}
