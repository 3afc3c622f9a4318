import { alarmFixture as alarm } from '../../testing/alarm-fixture';
import { actionsFor, filterAlarms, needsComment } from './alarm-actions';

describe('alarm actions', () => {
  it('offers operators the actions of the state, viewers none', () => {
    expect(actionsFor(alarm({}), ['operator'])).toEqual(['acknowledge', 'shelve', 'remove-from-service']);
    expect(
      actionsFor(alarm({ state: 'shelved', actions: ['remove-from-service', 'unshelve', 'future-thing'] }), [
        'operator',
      ]),
    ).toEqual(['unshelve', 'remove-from-service']);
    expect(actionsFor(alarm({ state: 'cleared', actions: [] }), ['operator'])).toEqual([]);
    expect(actionsFor(alarm({}), ['viewer'])).toEqual([]);
    expect(needsComment('acknowledge')).toBe(true);
    expect(needsComment('unshelve')).toBe(false);
  });

  it('filters by state and node and sorts critical first, newest first', () => {
    const list = [
      alarm({ id: '1', severity: 'warning', raisedAt: '2026-12-01T17:00:00Z' }),
      alarm({ id: '2', severity: 'critical', nodeId: 'UW-01-F02', raisedAt: '2026-12-01T16:00:00Z' }),
      alarm({ id: '3', state: 'cleared' }),
      alarm({ id: '4', severity: 'warning', raisedAt: '2026-12-01T18:00:00Z', state: 'acknowledged' }),
    ];
    expect(filterAlarms(list, 'active', '').map((a) => a.id)).toEqual(['2', '4', '1']);
    expect(filterAlarms(list, 'all', 'ons').map((a) => a.id)).toEqual(['4', '1', '3']);
    expect(filterAlarms(list, 'acknowledged', '').map((a) => a.id)).toEqual(['4']);
  });
});
