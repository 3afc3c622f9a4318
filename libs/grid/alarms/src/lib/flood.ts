import { Alarm, AlarmNodeKind, AlarmSeverity, isTerminal, severityRank } from './alarm';

/** ISA-18.2's alarm flood: more than `threshold` alarms raised within `windowMs`. */
export interface FloodStatus {
  readonly active: boolean;
  readonly count: number;
  readonly threshold: number;
  readonly windowS: number;
  /** Start of the window the count covers. */
  readonly windowStart: string;
}

export const FLOOD_THRESHOLD = 10;
export const FLOOD_WINDOW_MS = 10 * 60_000;

export function floodStatus(
  raisedAt: readonly string[],
  at: string,
  threshold = FLOOD_THRESHOLD,
  windowMs = FLOOD_WINDOW_MS,
): FloodStatus {
  const now = Date.parse(at);
  const start = now - windowMs;
  const count = raisedAt.filter((t) => {
    const ms = Date.parse(t);
    return ms > start && ms <= now;
  }).length;
  return {
    active: count > threshold,
    count,
    threshold,
    windowS: windowMs / 1000,
    windowStart: new Date(start).toISOString(),
  };
}

export interface AlarmGroup {
  readonly nodeId: string;
  readonly nodeKind: AlarmNodeKind;
  readonly count: number;
  readonly unacknowledged: number;
  readonly highestSeverity: AlarmSeverity;
  readonly latestChangeAt: string;
  readonly alarmIds: readonly string[];
}

/** Related alarms grouped by node: worst first, then most recent. Cleared alarms are not grouped. */
export function groupByNode(alarms: readonly Alarm[]): AlarmGroup[] {
  const groups = new Map<string, Alarm[]>();
  for (const a of alarms) {
    if (isTerminal(a.state)) continue;
    const list = groups.get(a.nodeId) ?? [];
    list.push(a);
    groups.set(a.nodeId, list);
  }
  const out: AlarmGroup[] = [...groups.entries()].map(([nodeId, list]) => {
    const highest = list.reduce<AlarmSeverity>(
      (s, a) => (severityRank(a.severity) > severityRank(s) ? a.severity : s),
      'info',
    );
    const latest = list.reduce((t, a) => (a.changedAt > t ? a.changedAt : t), '');
    return {
      nodeId,
      nodeKind: list[0]?.nodeKind ?? 'meter',
      count: list.length,
      unacknowledged: list.filter((a) => a.state === 'unacknowledged' || a.state === 'rtn-unacknowledged')
        .length,
      highestSeverity: highest,
      latestChangeAt: latest,
      alarmIds: list.map((a) => a.id),
    };
  });
  return out.sort(
    (a, b) =>
      severityRank(b.highestSeverity) - severityRank(a.highestSeverity) ||
      b.latestChangeAt.localeCompare(a.latestChangeAt) ||
      a.nodeId.localeCompare(b.nodeId),
  );
}
