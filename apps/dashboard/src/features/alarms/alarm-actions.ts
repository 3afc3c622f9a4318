import type { Alarm, AlarmState } from '../../api/types';

/** The user actions of grid-api's alarm model; each alarm lists the ones its state allows (`actions`). */
export const USER_ACTIONS = [
  'acknowledge',
  'shelve',
  'unshelve',
  'remove-from-service',
  'return-to-service',
] as const;
export type UserAction = (typeof USER_ACTIONS)[number];

export function canAct(roles: readonly string[]): boolean {
  return roles.includes('operator');
}

/** The buttons to show: what the alarm allows now (from the API), if the user's role may act at all. */
export function actionsFor(alarm: Alarm, roles: readonly string[]): UserAction[] {
  if (!canAct(roles)) return [];
  return USER_ACTIONS.filter((a) => alarm.actions.includes(a));
}

export function needsComment(a: UserAction): boolean {
  return a === 'acknowledge' || a === 'shelve' || a === 'remove-from-service';
}

export type StateFilter = 'active' | 'all' | AlarmState;

export function filterAlarms(alarms: Alarm[], state: StateFilter, nodeQuery: string): Alarm[] {
  const q = nodeQuery.trim().toLowerCase();
  return alarms
    .filter((a) => (state === 'all' ? true : state === 'active' ? a.state !== 'cleared' : a.state === state))
    .filter((a) => (q ? a.nodeId.toLowerCase().includes(q) : true))
    .sort((x, y) => severityRank(y) - severityRank(x) || y.raisedAt.localeCompare(x.raisedAt));
}

function severityRank(a: Alarm): number {
  return a.severity === 'critical' ? 2 : a.severity === 'warning' ? 1 : 0;
}
