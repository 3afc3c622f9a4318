import type { Alarm } from '../api/types';

/** An unacknowledged overload alarm of ONS-0001 as grid-api sends it, with `over` applied; for tests. */
export const alarmFixture = (over: Partial<Alarm>): Alarm => ({
  id: 'a1',
  code: 'TRANSFORMER.OVERLOAD',
  nodeId: 'ONS-0001',
  nodeKind: 'transformer',
  severity: 'warning',
  state: 'unacknowledged',
  conditionActive: true,
  message: 'overload',
  raisedAt: '2026-12-01T17:00:00.000Z',
  changedAt: '2026-12-01T17:00:00.000Z',
  observedAt: '2026-12-01T17:00:00.000Z',
  version: 1,
  ageS: 0,
  substationId: 'UW-01',
  actions: ['acknowledge', 'shelve', 'remove-from-service'],
  ...over,
});
