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

/** Options of `groupFloods` (ISA-18.2 / EEMUA 191 flood handling). */
export interface FloodGroupingOptions {
  /** The parent a node's alarms are grouped under (the substation of a station, feeder or meter). */
  readonly parentOf: (nodeId: string) => string | undefined;
  /** Fewest alarms raised together under one parent that make a flood group. */
  readonly minChildren?: number;
  /** Alarms raised within this span of the group's first one belong to its burst. */
  readonly burstMs?: number;
  /** The operator's alarm-rate window (ISA-18.2: alarms per operator per 10 minutes). */
  readonly rateWindowMs?: number;
}

export const FLOOD_GROUP_MIN_CHILDREN = 5;
export const FLOOD_GROUP_BURST_MS = 5 * 60_000;

/**
 * A flood group: the alarms one event raised under one parent (a storm taking out a substation raises
 * every station's alarm at once), shown to the operator as one parent alarm with its children. The
 * first-out alarm is the one raised first (ties: worst severity, then id): where the cause most likely is.
 */
export interface FloodGroup {
  /** Stable while the group lasts: parent and first-out alarm. */
  readonly id: string;
  readonly parentId: string;
  readonly count: number;
  readonly unacknowledged: number;
  readonly highestSeverity: AlarmSeverity;
  readonly firstOutAlarmId: string;
  readonly firstRaisedAt: string;
  readonly lastRaisedAt: string;
  /** Children in the order they were raised (first-out first). */
  readonly alarmIds: readonly string[];
}

/** The operator's alarm rate over the window: as raised, and as annunciated after flood grouping. */
export interface AlarmRate {
  readonly windowS: number;
  readonly raised: number;
  /** A flood group's children count as one annunciation: what the operator has to take in. */
  readonly annunciated: number;
  /** ISA-18.2's flood: more than `FLOOD_THRESHOLD` raised alarms in the window. */
  readonly flood: boolean;
}

export interface FloodGrouping {
  readonly groups: FloodGroup[];
  /** Ids of the alarms shown under a group instead of on their own (suppressed in the flat list). */
  readonly grouped: ReadonlySet<string>;
  readonly rate: AlarmRate;
}

const firstOutOrder = (a: Alarm, b: Alarm): number =>
  a.raisedAt.localeCompare(b.raisedAt) ||
  severityRank(b.severity) - severityRank(a.severity) ||
  a.id.localeCompare(b.id);

/**
 * Groups an operator's open alarms by parent: the alarms raised under one parent within `burstMs` of the
 * burst's first one form a group when there are at least `minChildren` of them. Also the operator's alarm
 * rate (the alarms given are those the operator sees: their perimeter). Pure.
 */
export function groupFloods(
  alarms: readonly Alarm[],
  at: string,
  options: FloodGroupingOptions,
): FloodGrouping {
  const minChildren = options.minChildren ?? FLOOD_GROUP_MIN_CHILDREN;
  const burstMs = options.burstMs ?? FLOOD_GROUP_BURST_MS;
  const rateWindowMs = options.rateWindowMs ?? FLOOD_WINDOW_MS;
  const byParent = new Map<string, Alarm[]>();
  for (const a of alarms) {
    if (isTerminal(a.state)) continue;
    const parent = options.parentOf(a.nodeId);
    if (parent === undefined) continue;
    const list = byParent.get(parent) ?? [];
    list.push(a);
    byParent.set(parent, list);
  }
  const groups: FloodGroup[] = [];
  const grouped = new Set<string>();
  for (const [parentId, list] of byParent) {
    list.sort(firstOutOrder);
    let i = 0;
    while (i < list.length) {
      const first = list[i];
      const until = Date.parse(first.raisedAt) + burstMs;
      let j = i;
      while (j < list.length && Date.parse(list[j].raisedAt) <= until) j++;
      const burst = list.slice(i, j);
      if (burst.length >= minChildren) {
        for (const a of burst) grouped.add(a.id);
        groups.push({
          id: `${parentId}|${first.id}`,
          parentId,
          count: burst.length,
          unacknowledged: burst.filter(
            (a) => a.state === 'unacknowledged' || a.state === 'rtn-unacknowledged',
          ).length,
          highestSeverity: burst.reduce<AlarmSeverity>(
            (s, a) => (severityRank(a.severity) > severityRank(s) ? a.severity : s),
            'info',
          ),
          firstOutAlarmId: first.id,
          firstRaisedAt: first.raisedAt,
          lastRaisedAt: burst[burst.length - 1].raisedAt,
          alarmIds: burst.map((a) => a.id),
        });
      }
      i = j;
    }
  }
  groups.sort(
    (a, b) =>
      severityRank(b.highestSeverity) - severityRank(a.highestSeverity) ||
      b.firstRaisedAt.localeCompare(a.firstRaisedAt) ||
      a.parentId.localeCompare(b.parentId),
  );
  // the rate counts every alarm raised in the window, cleared ones included: they were annunciated
  const now = Date.parse(at);
  const inWindow = (a: Alarm): boolean => {
    const t = Date.parse(a.raisedAt);
    return t > now - rateWindowMs && t <= now;
  };
  const recent = alarms.filter(inWindow);
  const groupedRecent = new Set(groups.filter((g) => Date.parse(g.firstRaisedAt) > now - rateWindowMs));
  const annunciated = recent.filter((a) => !grouped.has(a.id)).length + groupedRecent.size;
  return {
    groups,
    grouped,
    rate: {
      windowS: rateWindowMs / 1000,
      raised: recent.length,
      annunciated,
      flood: recent.length > FLOOD_THRESHOLD,
    },
  };
}
