import { Alarm, AlarmState, Condition, isShelveExpired, isTerminal, raiseAlarm, transition } from './alarm';

/** One change the engine made: the alarm after it, and what caused it (for audit, outbox and stream). */
export interface AlarmChange {
  readonly alarm: Alarm;
  readonly cause: 'raised' | 'activate' | 'return-to-normal' | 'shelve-expired';
  readonly from: AlarmState | null;
  readonly to: AlarmState;
}

export function alarmKey(code: string, nodeId: string): string {
  return `${code}|${nodeId}`;
}

/**
 * Applies the engine's view of every condition to the open alarms (those not cleared): conditions that
 * became active raise a new occurrence, the others move the open alarm along the state machine; shelved
 * alarms whose shelving ran out come back. Conditions of keys not mentioned are left as they are (a rule
 * that did not evaluate a node says nothing about it). Pure: ids come from `newId`.
 */
export function reconcile(
  open: readonly Alarm[],
  conditions: readonly Condition[],
  at: string,
  newId: () => string,
): AlarmChange[] {
  const byKey = new Map<string, Alarm>();
  for (const a of open) if (!isTerminal(a.state)) byKey.set(alarmKey(a.code, a.nodeId), a);
  const changes: AlarmChange[] = [];

  for (const a of [...byKey.values()]) {
    if (!isShelveExpired(a, at)) continue;
    const r = transition(a, { kind: 'shelve-expired' }, at);
    byKey.set(alarmKey(a.code, a.nodeId), r.alarm);
    changes.push({ alarm: r.alarm, cause: 'shelve-expired', from: r.from, to: r.to });
  }

  for (const c of conditions) {
    const key = alarmKey(c.code, c.nodeId);
    const existing = byKey.get(key);
    if (!existing || isTerminal(existing.state)) {
      if (!c.active) continue;
      const alarm = raiseAlarm(newId(), c, at);
      byKey.set(key, alarm);
      changes.push({ alarm, cause: 'raised', from: null, to: alarm.state });
      continue;
    }
    const kind = c.active ? 'activate' : 'return-to-normal';
    const r = transition(existing, { kind, condition: c }, at);
    byKey.set(key, r.alarm);
    if (r.changed) changes.push({ alarm: r.alarm, cause: kind, from: r.from, to: r.to });
  }
  return changes;
}
