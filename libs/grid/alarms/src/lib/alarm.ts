/**
 * The alarm life cycle of ISA-18.2 / IEC 62682 as a pure state machine. One `Alarm` is one occurrence
 * of one condition (rule code) at one node: it is raised unacknowledged, and it ends in `cleared` (the
 * condition returned to normal and the alarm was acknowledged). A condition that becomes active again
 * after `cleared` raises a new occurrence with a new id, so every occurrence keeps its own audit trail.
 */

export const ALARM_STATES = [
  'unacknowledged',
  'acknowledged',
  'rtn-unacknowledged',
  'cleared',
  'shelved',
  'out-of-service',
] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export const ALARM_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlarmSeverity = (typeof ALARM_SEVERITIES)[number];

/** The node kinds an alarm can be about; the names are those of `de.gridwerk.alert.v1` `assetKind`. */
export const ALARM_NODE_KINDS = ['meter', 'transformer', 'feeder', 'substation', 'battery'] as const;
export type AlarmNodeKind = (typeof ALARM_NODE_KINDS)[number];

/** Who did something: a user from the token, or the engine itself. */
export interface Actor {
  readonly sub: string;
  readonly username: string;
}
export const SYSTEM_ACTOR: Actor = { sub: 'system', username: 'system' };

export interface Alarm {
  readonly id: string;
  /** Rule code, stable (e.g. `TRANSFORMER.OVERLOAD`). */
  readonly code: string;
  readonly nodeId: string;
  readonly nodeKind: AlarmNodeKind;
  readonly severity: AlarmSeverity;
  readonly state: AlarmState;
  /** Whether the condition is active now (also tracked while shelved or out of service). */
  readonly conditionActive: boolean;
  readonly message: string;
  readonly value?: number;
  readonly threshold?: number;
  readonly unit?: string;
  /** When the occurrence was raised (wall clock of the engine). */
  readonly raisedAt: string;
  /** Last change of state, severity or acknowledgement. */
  readonly changedAt: string;
  /** Instant of the data the last evaluation was based on. */
  readonly observedAt: string;
  readonly acknowledgedBy?: Actor;
  readonly acknowledgedAt?: string;
  readonly acknowledgeComment?: string;
  readonly shelvedUntil?: string;
  readonly shelvedBy?: Actor;
  readonly shelveComment?: string;
  readonly outOfServiceBy?: Actor;
  readonly outOfServiceComment?: string;
  /** Increases with every change; the published event and the stream carry it. */
  readonly version: number;
}

/** What a rule says about one (code, node) at one evaluation. */
export interface Condition {
  readonly code: string;
  readonly nodeId: string;
  readonly nodeKind: AlarmNodeKind;
  readonly active: boolean;
  readonly severity: AlarmSeverity;
  readonly message: string;
  readonly value?: number;
  readonly threshold?: number;
  readonly unit?: string;
  readonly observedAt: string;
}

export type AlarmAction =
  | { readonly kind: 'activate'; readonly condition: Condition }
  | { readonly kind: 'return-to-normal'; readonly condition: Condition }
  | { readonly kind: 'acknowledge'; readonly by: Actor; readonly comment: string }
  | {
      readonly kind: 'shelve';
      readonly by: Actor;
      readonly until: string;
      readonly comment: string;
      readonly maxShelveMs?: number;
    }
  | { readonly kind: 'unshelve'; readonly by: Actor }
  | { readonly kind: 'shelve-expired' }
  | { readonly kind: 'remove-from-service'; readonly by: Actor; readonly comment: string }
  | { readonly kind: 'return-to-service'; readonly by: Actor; readonly comment?: string };

export type AlarmActionKind = AlarmAction['kind'];

export class AlarmError extends Error {
  constructor(
    readonly code:
      | 'ALARM.ILLEGAL_TRANSITION'
      | 'ALARM.COMMENT_REQUIRED'
      | 'ALARM.SHELVE_UNTIL_INVALID'
      | 'ALARM.CONDITION_MISMATCH',
    message: string,
  ) {
    super(message);
    this.name = 'AlarmError';
  }
}

export interface TransitionResult {
  readonly alarm: Alarm;
  /** State, severity, acknowledgement or shelving changed: publish, stream and audit it. */
  readonly changed: boolean;
  readonly from: AlarmState;
  readonly to: AlarmState;
}

/** Default and upper bound of shelving: shelved alarms come back by themselves within a day. */
export const DEFAULT_MAX_SHELVE_MS = 24 * 3600_000;
export const MAX_COMMENT_LENGTH = 1000;

/** Which user actions each state allows (the operator UI shows exactly these buttons). */
export const USER_ACTIONS: Readonly<Record<AlarmState, readonly AlarmActionKind[]>> = {
  unacknowledged: ['acknowledge', 'shelve', 'remove-from-service'],
  acknowledged: ['shelve', 'remove-from-service'],
  'rtn-unacknowledged': ['acknowledge', 'shelve', 'remove-from-service'],
  cleared: [],
  shelved: ['unshelve', 'remove-from-service'],
  'out-of-service': ['return-to-service'],
};

/** An alarm in this state needs no more attention and its condition is normal: the occurrence is over. */
export function isTerminal(state: AlarmState): boolean {
  return state === 'cleared';
}

/** Raises a new occurrence for an active condition. */
export function raiseAlarm(id: string, condition: Condition, at: string): Alarm {
  if (!condition.active)
    throw new AlarmError('ALARM.CONDITION_MISMATCH', 'an inactive condition raises no alarm');
  return {
    id,
    code: condition.code,
    nodeId: condition.nodeId,
    nodeKind: condition.nodeKind,
    severity: condition.severity,
    state: 'unacknowledged',
    conditionActive: true,
    message: condition.message,
    ...measurement(condition),
    raisedAt: at,
    changedAt: at,
    observedAt: condition.observedAt,
    version: 1,
  };
}

function measurement(c: Condition): Pick<Alarm, 'value' | 'threshold' | 'unit'> {
  return {
    ...(c.value !== undefined ? { value: c.value } : {}),
    ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
    ...(c.unit !== undefined ? { unit: c.unit } : {}),
  };
}

function illegal(alarm: Alarm, kind: AlarmActionKind): AlarmError {
  return new AlarmError(
    'ALARM.ILLEGAL_TRANSITION',
    `alarm ${alarm.id} is ${alarm.state}: "${kind}" is not allowed (allowed: ${USER_ACTIONS[alarm.state].join(', ') || 'none'})`,
  );
}

function requireComment(comment: string | undefined): string {
  const c = (comment ?? '').trim();
  if (c.length === 0) throw new AlarmError('ALARM.COMMENT_REQUIRED', 'a comment is required');
  if (c.length > MAX_COMMENT_LENGTH)
    throw new AlarmError('ALARM.COMMENT_REQUIRED', `the comment exceeds ${MAX_COMMENT_LENGTH} characters`);
  return c;
}

/** The state an alarm returns to when shelving ends or it returns to service. */
function reannunciated(alarm: Alarm): AlarmState {
  return alarm.conditionActive ? 'unacknowledged' : 'cleared';
}

function withoutShelve(a: Alarm): Alarm {
  const { shelvedUntil: _u, shelvedBy: _b, shelveComment: _c, ...rest } = a;
  return rest;
}

function withoutOutOfService(a: Alarm): Alarm {
  const { outOfServiceBy: _b, outOfServiceComment: _c, ...rest } = a;
  return rest;
}

function withoutAck(a: Alarm): Alarm {
  const { acknowledgedBy: _b, acknowledgedAt: _a, acknowledgeComment: _c, ...rest } = a;
  return rest;
}

/**
 * Applies one action at instant `at` (ISO-8601 UTC). Throws `AlarmError` for an action the state does not
 * allow; condition updates (`activate`, `return-to-normal`) are allowed in every non-terminal state.
 */
export function transition(alarm: Alarm, action: AlarmAction, at: string): TransitionResult {
  const from = alarm.state;
  const done = (next: Alarm, changed: boolean): TransitionResult => ({
    alarm: changed ? { ...next, changedAt: at, version: alarm.version + 1 } : next,
    changed,
    from,
    to: next.state,
  });
  if (isTerminal(from)) throw illegal(alarm, action.kind);

  switch (action.kind) {
    case 'activate': {
      const c = action.condition;
      if (!c.active || c.code !== alarm.code || c.nodeId !== alarm.nodeId)
        throw new AlarmError('ALARM.CONDITION_MISMATCH', `condition does not match alarm ${alarm.id}`);
      const base: Alarm = {
        ...alarm,
        conditionActive: true,
        message: c.message,
        ...measurement(c),
        observedAt: c.observedAt,
        severity: c.severity,
      };
      // A condition that comes back before acknowledgement re-annunciates (RTN-unack -> unack).
      if (from === 'rtn-unacknowledged') return done({ ...base, state: 'unacknowledged' }, true);
      // An escalation of an acknowledged alarm needs the operator again.
      if (from === 'acknowledged' && severityRank(c.severity) > severityRank(alarm.severity))
        return done({ ...withoutAck(base), state: 'unacknowledged' }, true);
      return done(base, !alarm.conditionActive || c.severity !== alarm.severity);
    }
    case 'return-to-normal': {
      const c = action.condition;
      if (c.active || c.code !== alarm.code || c.nodeId !== alarm.nodeId)
        throw new AlarmError('ALARM.CONDITION_MISMATCH', `condition does not match alarm ${alarm.id}`);
      const base: Alarm = { ...alarm, conditionActive: false, observedAt: c.observedAt };
      if (from === 'unacknowledged') return done({ ...base, state: 'rtn-unacknowledged' }, true);
      if (from === 'acknowledged') return done({ ...base, state: 'cleared' }, true);
      // rtn-unacknowledged stays; shelved / out of service only remember the condition.
      return done(base, alarm.conditionActive);
    }
    case 'acknowledge': {
      const comment = requireComment(action.comment);
      if (from !== 'unacknowledged' && from !== 'rtn-unacknowledged') throw illegal(alarm, action.kind);
      return done(
        {
          ...alarm,
          state: from === 'unacknowledged' ? 'acknowledged' : 'cleared',
          acknowledgedBy: action.by,
          acknowledgedAt: at,
          acknowledgeComment: comment,
        },
        true,
      );
    }
    case 'shelve': {
      const comment = requireComment(action.comment);
      if (!USER_ACTIONS[from].includes('shelve')) throw illegal(alarm, action.kind);
      const until = Date.parse(action.until);
      const now = Date.parse(at);
      const max = action.maxShelveMs ?? DEFAULT_MAX_SHELVE_MS;
      if (!Number.isFinite(until) || until <= now || until - now > max)
        throw new AlarmError(
          'ALARM.SHELVE_UNTIL_INVALID',
          `shelve "until" must be after now and at most ${Math.round(max / 60_000)} minutes ahead`,
        );
      return done(
        {
          ...alarm,
          state: 'shelved',
          shelvedUntil: new Date(until).toISOString(),
          shelvedBy: action.by,
          shelveComment: comment,
        },
        true,
      );
    }
    case 'unshelve':
    case 'shelve-expired': {
      if (from !== 'shelved') throw illegal(alarm, action.kind);
      return done({ ...withoutAck(withoutShelve(alarm)), state: reannunciated(alarm) }, true);
    }
    case 'remove-from-service': {
      const comment = requireComment(action.comment);
      if (!USER_ACTIONS[from].includes('remove-from-service')) throw illegal(alarm, action.kind);
      return done(
        {
          ...withoutShelve(alarm),
          state: 'out-of-service',
          outOfServiceBy: action.by,
          outOfServiceComment: comment,
        },
        true,
      );
    }
    case 'return-to-service': {
      if (from !== 'out-of-service') throw illegal(alarm, action.kind);
      return done({ ...withoutAck(withoutOutOfService(alarm)), state: reannunciated(alarm) }, true);
    }
  }
}

export function severityRank(s: AlarmSeverity): number {
  return s === 'critical' ? 2 : s === 'warning' ? 1 : 0;
}

/** Shelved alarms whose shelving has run out at `at`. */
export function isShelveExpired(alarm: Alarm, at: string): boolean {
  return (
    alarm.state === 'shelved' &&
    alarm.shelvedUntil !== undefined &&
    Date.parse(alarm.shelvedUntil) <= Date.parse(at)
  );
}
