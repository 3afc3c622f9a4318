import fc from 'fast-check';
import {
  Actor,
  Alarm,
  AlarmAction,
  AlarmError,
  ALARM_STATES,
  Condition,
  isShelveExpired,
  raiseAlarm,
  transition,
  USER_ACTIONS,
} from './alarm';

const T0 = '2026-01-05T17:00:00.000Z';
const at = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();
const anna: Actor = { sub: 'u-anna', username: 'anna' };

const cond = (active: boolean, severity: Condition['severity'] = 'warning'): Condition => ({
  code: 'TRANSFORMER.OVERLOAD',
  nodeId: 'UW-01-F01-ONS1',
  nodeKind: 'transformer',
  active,
  severity,
  message: active ? 'Loading 95 %' : 'Loading 60 %',
  value: active ? 95 : 60,
  threshold: 90,
  unit: '%',
  observedAt: T0,
});

const raised = (): Alarm => raiseAlarm('a-1', cond(true), T0);

function expectError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AlarmError);
    expect((err as AlarmError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('alarm state machine (ISA-18.2)', () => {
  it('raises unacknowledged with version 1', () => {
    const a = raised();
    expect(a).toMatchObject({ state: 'unacknowledged', conditionActive: true, version: 1, raisedAt: T0 });
    expect(() => raiseAlarm('x', cond(false), T0)).toThrow(AlarmError);
  });

  it('unack -> ack -> cleared when the condition returns to normal', () => {
    const ack = transition(raised(), { kind: 'acknowledge', by: anna, comment: ' on it ' }, at(1));
    expect(ack).toMatchObject({ from: 'unacknowledged', to: 'acknowledged', changed: true });
    expect(ack.alarm).toMatchObject({
      acknowledgedBy: anna,
      acknowledgedAt: at(1),
      acknowledgeComment: 'on it',
      version: 2,
      changedAt: at(1),
    });
    const rtn = transition(ack.alarm, { kind: 'return-to-normal', condition: cond(false) }, at(2));
    expect(rtn.to).toBe('cleared');
    expect(rtn.alarm.conditionActive).toBe(false);
  });

  it('unack -> rtn-unack -> (acknowledge) cleared, and rtn-unack re-alarms when the condition returns', () => {
    const rtn = transition(raised(), { kind: 'return-to-normal', condition: cond(false) }, at(1));
    expect(rtn.to).toBe('rtn-unacknowledged');
    const back = transition(rtn.alarm, { kind: 'activate', condition: cond(true) }, at(2));
    expect(back).toMatchObject({ to: 'unacknowledged', changed: true });
    const ack = transition(rtn.alarm, { kind: 'acknowledge', by: anna, comment: 'seen' }, at(3));
    expect(ack.to).toBe('cleared');
  });

  it('a repeated activation with the same severity is no change (nothing to publish)', () => {
    const r = transition(raised(), { kind: 'activate', condition: { ...cond(true), value: 97 } }, at(1));
    expect(r.changed).toBe(false);
    expect(r.alarm.value).toBe(97);
    expect(r.alarm.version).toBe(1);
  });

  it('an escalation of an acknowledged alarm asks the operator again', () => {
    const ack = transition(raised(), { kind: 'acknowledge', by: anna, comment: 'ok' }, at(1)).alarm;
    const esc = transition(ack, { kind: 'activate', condition: cond(true, 'critical') }, at(2));
    expect(esc).toMatchObject({ to: 'unacknowledged', changed: true });
    expect(esc.alarm.severity).toBe('critical');
    expect(esc.alarm.acknowledgedBy).toBeUndefined();
    // a de-escalation keeps the acknowledgement
    const crit = transition(ack, { kind: 'activate', condition: cond(true, 'info') }, at(2));
    expect(crit).toMatchObject({ to: 'acknowledged', changed: true });
  });

  it('acknowledge needs a comment and an unacknowledged state', () => {
    expectError(
      () => transition(raised(), { kind: 'acknowledge', by: anna, comment: '  ' }, at(1)),
      'ALARM.COMMENT_REQUIRED',
    );
    expectError(
      () => transition(raised(), { kind: 'acknowledge', by: anna, comment: 'x'.repeat(1001) }, at(1)),
      'ALARM.COMMENT_REQUIRED',
    );
    const ack = transition(raised(), { kind: 'acknowledge', by: anna, comment: 'ok' }, at(1)).alarm;
    expectError(
      () => transition(ack, { kind: 'acknowledge', by: anna, comment: 'again' }, at(2)),
      'ALARM.ILLEGAL_TRANSITION',
    );
  });

  it('shelving expires by itself and re-annunciates an active condition', () => {
    const sh = transition(
      raised(),
      { kind: 'shelve', by: anna, until: at(30), comment: 'maintenance' },
      at(0),
    );
    expect(sh.alarm).toMatchObject({ state: 'shelved', shelvedUntil: at(30), shelvedBy: anna });
    expect(isShelveExpired(sh.alarm, at(29))).toBe(false);
    expect(isShelveExpired(sh.alarm, at(30))).toBe(true);
    // condition changes while shelved are remembered, not annunciated
    const quiet = transition(sh.alarm, { kind: 'return-to-normal', condition: cond(false) }, at(5));
    expect(quiet).toMatchObject({ to: 'shelved', changed: true });
    const again = transition(quiet.alarm, { kind: 'activate', condition: cond(true) }, at(6));
    expect(again.to).toBe('shelved');
    const exp = transition(again.alarm, { kind: 'shelve-expired' }, at(30));
    expect(exp.to).toBe('unacknowledged');
    expect(exp.alarm.shelvedUntil).toBeUndefined();
    // expiring with a normal condition clears it
    const exp2 = transition(quiet.alarm, { kind: 'shelve-expired' }, at(30));
    expect(exp2.to).toBe('cleared');
  });

  it('shelve "until" must be in the future and within the maximum', () => {
    const a = raised();
    for (const until of [at(0), at(-1), 'nonsense', at(24 * 60 + 1)])
      expectError(
        () => transition(a, { kind: 'shelve', by: anna, until, comment: 'c' }, at(0)),
        'ALARM.SHELVE_UNTIL_INVALID',
      );
    expect(transition(a, { kind: 'shelve', by: anna, until: at(24 * 60), comment: 'c' }, at(0)).to).toBe(
      'shelved',
    );
    expectError(
      () =>
        transition(
          a,
          { kind: 'shelve', by: anna, until: at(61), comment: 'c', maxShelveMs: 3600_000 },
          at(0),
        ),
      'ALARM.SHELVE_UNTIL_INVALID',
    );
  });

  it('out of service and back: the condition decides the state', () => {
    const oos = transition(
      raised(),
      { kind: 'remove-from-service', by: anna, comment: 'sensor broken' },
      at(1),
    );
    expect(oos.alarm).toMatchObject({
      state: 'out-of-service',
      outOfServiceBy: anna,
      outOfServiceComment: 'sensor broken',
    });
    expectError(
      () => transition(oos.alarm, { kind: 'acknowledge', by: anna, comment: 'x' }, at(2)),
      'ALARM.ILLEGAL_TRANSITION',
    );
    expectError(
      () => transition(oos.alarm, { kind: 'shelve', by: anna, until: at(9), comment: 'x' }, at(2)),
      'ALARM.ILLEGAL_TRANSITION',
    );
    expect(transition(oos.alarm, { kind: 'return-to-service', by: anna }, at(3)).to).toBe('unacknowledged');
    const normal = transition(oos.alarm, { kind: 'return-to-normal', condition: cond(false) }, at(2)).alarm;
    const back = transition(normal, { kind: 'return-to-service', by: anna }, at(3));
    expect(back.to).toBe('cleared');
    expect(back.alarm.outOfServiceBy).toBeUndefined();
  });

  it('cleared is terminal: every action is refused', () => {
    const cleared = transition(
      transition(raised(), { kind: 'acknowledge', by: anna, comment: 'ok' }, at(1)).alarm,
      { kind: 'return-to-normal', condition: cond(false) },
      at(2),
    ).alarm;
    expectError(
      () => transition(cleared, { kind: 'activate', condition: cond(true) }, at(3)),
      'ALARM.ILLEGAL_TRANSITION',
    );
    expectError(() => transition(cleared, { kind: 'unshelve', by: anna }, at(3)), 'ALARM.ILLEGAL_TRANSITION');
  });

  it('refuses a condition of another rule or node', () => {
    expectError(
      () => transition(raised(), { kind: 'activate', condition: { ...cond(true), nodeId: 'other' } }, at(1)),
      'ALARM.CONDITION_MISMATCH',
    );
    expectError(
      () => transition(raised(), { kind: 'activate', condition: cond(false) }, at(1)),
      'ALARM.CONDITION_MISMATCH',
    );
  });

  it('property: any sequence of actions keeps the invariants', () => {
    const action: fc.Arbitrary<AlarmAction> = fc.oneof(
      fc.constant<AlarmAction>({ kind: 'activate', condition: cond(true) }),
      fc.constant<AlarmAction>({ kind: 'activate', condition: cond(true, 'critical') }),
      fc.constant<AlarmAction>({ kind: 'return-to-normal', condition: cond(false) }),
      fc.constant<AlarmAction>({ kind: 'acknowledge', by: anna, comment: 'ok' }),
      fc.constant<AlarmAction>({ kind: 'unshelve', by: anna }),
      fc.constant<AlarmAction>({ kind: 'shelve-expired' }),
      fc.constant<AlarmAction>({ kind: 'remove-from-service', by: anna, comment: 'oos' }),
      fc.constant<AlarmAction>({ kind: 'return-to-service', by: anna }),
      fc.constant<AlarmAction>({
        kind: 'shelve',
        by: anna,
        until: '2026-01-06T00:00:00.000Z',
        comment: 'sh',
      }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        let a = raised();
        let minute = 0;
        for (const act of actions) {
          minute++;
          let r;
          try {
            r = transition(a, act, at(minute));
          } catch (err) {
            if (!(err instanceof AlarmError)) throw err;
            continue;
          }
          expect(ALARM_STATES).toContain(r.alarm.state);
          expect(r.alarm.version).toBe(a.version + (r.changed ? 1 : 0));
          // user actions are refused outside USER_ACTIONS
          if (!['activate', 'return-to-normal', 'shelve-expired'].includes(act.kind))
            expect(USER_ACTIONS[a.state]).toContain(act.kind);
          if (r.alarm.state === 'acknowledged') expect(r.alarm.acknowledgedBy).toBeDefined();
          if (r.alarm.state === 'shelved') expect(r.alarm.shelvedUntil).toBeDefined();
          if (r.alarm.state === 'cleared') expect(r.alarm.conditionActive).toBe(false);
          if (r.alarm.state === 'unacknowledged' || r.alarm.state === 'acknowledged')
            expect(r.alarm.conditionActive).toBe(true);
          if (r.alarm.state === 'rtn-unacknowledged') expect(r.alarm.conditionActive).toBe(false);
          a = r.alarm;
        }
      }),
    );
  });
});
