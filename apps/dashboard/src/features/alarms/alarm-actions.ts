import type { Alarm, AlarmState } from '../../api/types';

export type UserAction = 'acknowledge' | 'shelve' | 'unshelve' | 'out-of-service' | 'return-to-service';

/** Buttons per state (ISA-18.2): the API refuses anything else with ALARM.ILLEGAL_TRANSITION. */
const BY_STATE: Record<AlarmState, UserAction[]> = {
  unacknowledged: ['acknowledge', 'shelve', 'out-of-service'],
  acknowledged: ['shelve', 'out-of-service'],
  'rtn-unacknowledged': ['acknowledge', 'shelve', 'out-of-service'],
  cleared: [],
  shelved: ['unshelve', 'out-of-service'],
  'out-of-service': ['return-to-service'],
};

export function canAct(roles: readonly string[]): boolean {
  return roles.includes('operator');
}

export function actionsFor(alarm: Alarm, roles: readonly string[]): UserAction[] {
  return canAct(roles) ? BY_STATE[alarm.state] : [];
}

export function needsComment(a: UserAction): boolean {
  return a === 'acknowledge' || a === 'shelve' || a === 'out-of-service';
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
