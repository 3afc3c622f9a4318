import { alarmFixture as alarm } from '../testing/alarm-fixture';
import { activeAlarms, ageNowS, initialState, reducer } from './state';

describe('app state', () => {
  const s0 = initialState('de', { screen: 'overview' }, Date.UTC(2026, 11, 1, 17));

  it('keeps the newest live value per node, also when a resume replays older ones', () => {
    let s = reducer(s0, {
      type: 'stream/load',
      event: { nodeId: 'F1', nodeKind: 'feeder', powerW: 2000, observedAt: '2026-12-01T17:15:00Z', ageS: 3 },
      atMs: 1000,
    });
    s = reducer(s, {
      type: 'stream/load',
      event: {
        nodeId: 'F1',
        nodeKind: 'feeder',
        powerW: 1000,
        observedAt: '2026-12-01T17:00:00Z',
        ageS: null,
      },
      atMs: 2000,
    });
    expect(s.live['F1']).toEqual({
      powerW: 2000,
      observedAtMs: Date.UTC(2026, 11, 1, 17, 15),
      ageS: 3,
      receivedAtMs: 1000,
    });
    expect(s.stream.events).toBe(2);
    expect(ageNowS(s.live['F1'], 11_000)).toBe(13);
  });

  it('never rolls an alarm back to an older version', () => {
    let s = reducer(s0, {
      type: 'stream/alarm',
      alarm: alarm({ version: 2, state: 'acknowledged' }),
      atMs: 1,
    });
    s = reducer(s, { type: 'alarms/loaded', alarms: [alarm({ version: 1 })] });
    expect(s.alarms['a1'].state).toBe('acknowledged');
    s = reducer(s, { type: 'alarms/upsert', alarm: alarm({ version: 3, state: 'cleared' }) });
    expect(s.alarms['a1'].state).toBe('cleared');
    expect(activeAlarms(s.alarms)).toEqual([]);
  });

  it('keeps the flood groups and the alarm rate of the last alarm list', () => {
    const group = {
      id: 'UW-07|a1',
      parentId: 'UW-07',
      count: 5,
      unacknowledged: 5,
      highestSeverity: 'critical' as const,
      firstOutAlarmId: 'a1',
      firstRaisedAt: '2026-01-05T17:00:00.000Z',
      lastRaisedAt: '2026-01-05T17:01:00.000Z',
      alarmIds: ['a1', 'a2', 'a3', 'a4', 'a5'],
    };
    const rate = { windowS: 600, raised: 5, annunciated: 1, flood: false };
    const s = reducer(s0, { type: 'alarms/loaded', alarms: [], floodGroups: [group], rate });
    expect(s.floodGroups).toEqual([group]);
    expect(s.alarmRate).toEqual(rate);
    // a list without groups (the storm is over) empties them
    expect(reducer(s, { type: 'alarms/loaded', alarms: [], floodGroups: [] }).floodGroups).toEqual([]);
  });

  it("keeps the control room's clock as the last offset read, the browser's until then", () => {
    expect(s0.clock).toEqual({ offsetMs: 0, readAtMs: undefined });
    const s = reducer(s0, { type: 'clock/read', offsetMs: -28_000_000_000, atMs: 5 });
    expect(s.clock).toEqual({ offsetMs: -28_000_000_000, readAtMs: 5 });
    expect(reducer(s, { type: 'clock/read', offsetMs: 120, atMs: 60_005 }).clock).toEqual({
      offsetMs: 120,
      readAtMs: 60_005,
    });
  });

  it('returns the same state for no-op actions, so nothing re-renders', () => {
    expect(reducer(s0, { type: 'locale', locale: 'de' })).toBe(s0);
    expect(reducer(s0, { type: 'alarms/loaded', alarms: [] })).toBe(s0);
  });
});
