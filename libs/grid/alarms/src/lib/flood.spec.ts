import { Alarm, raiseAlarm } from './alarm';
import { floodStatus, groupByNode, groupFloods } from './flood';
import { reconcile } from './reconcile';
import { validateOverrides, ThresholdError, effectiveThresholds, DEFAULT_THRESHOLDS } from './thresholds';

const T0 = Date.parse('2026-01-05T17:00:00.000Z');
const iso = (min: number) => new Date(T0 + min * 60_000).toISOString();

const alarm = (
  id: string,
  nodeId: string,
  severity: Alarm['severity'],
  min: number,
  code = 'TRANSFORMER.OVERLOAD',
): Alarm =>
  raiseAlarm(
    id,
    { code, nodeId, nodeKind: 'transformer', active: true, severity, message: 'm', observedAt: iso(min) },
    iso(min),
  );

describe('flood indicator', () => {
  it('warns at more than 10 alarms in 10 minutes', () => {
    const ten = Array.from({ length: 10 }, (_, i) => iso(i * 0.5));
    expect(floodStatus(ten, iso(9))).toMatchObject({ active: false, count: 10, threshold: 10, windowS: 600 });
    expect(floodStatus([...ten, iso(9)], iso(9))).toMatchObject({ active: true, count: 11 });
    // the window slides: 10 minutes later the first ones no longer count
    expect(floodStatus([...ten, iso(9)], iso(10.25)).count).toBe(10);
    expect(floodStatus([...ten, iso(9)], iso(30)).active).toBe(false);
  });
});

describe('grouping by node', () => {
  it('groups open alarms per node, worst and newest first', () => {
    const groups = groupByNode([
      alarm('1', 'S1', 'warning', 0),
      alarm('2', 'S1', 'critical', 1, 'TRANSFORMER.REVERSE_FLOW'),
      alarm('3', 'S2', 'warning', 5),
      alarm('4', 'S3', 'warning', 2),
      { ...alarm('5', 'S4', 'critical', 3), state: 'cleared' },
    ]);
    expect(groups.map((g) => [g.nodeId, g.count, g.highestSeverity, g.unacknowledged])).toEqual([
      ['S1', 2, 'critical', 2],
      ['S2', 1, 'warning', 1],
      ['S3', 1, 'warning', 1],
    ]);
    expect(groups[0]?.alarmIds).toEqual(['1', '2']);
  });
});

describe('flood groups (ISA-18.2: a parent alarm with grouped children, first-out)', () => {
  const parentOf = (id: string) => (id.startsWith('A') ? 'UW-A' : id.startsWith('B') ? 'UW-B' : undefined);

  it('groups a storm under its substation, first-out first, and counts it once in the operator rate', () => {
    // a storm takes out UW-A: six stations within a minute, A3 first; UW-B has two unrelated alarms
    const storm = [
      alarm('a1', 'A1', 'warning', 1),
      alarm('a3', 'A3', 'warning', 0.5),
      alarm('a2', 'A2', 'critical', 1),
      alarm('a4', 'A4', 'warning', 1.5),
      alarm('a5', 'A5', 'warning', 1.5),
      alarm('a6', 'A6', 'warning', 1),
    ];
    const other = [alarm('b1', 'B1', 'warning', 2), alarm('b2', 'B2', 'warning', 3)];
    const g = groupFloods([...storm, ...other], iso(4), { parentOf });
    expect(g.groups).toHaveLength(1);
    expect(g.groups[0]).toMatchObject({
      parentId: 'UW-A',
      count: 6,
      unacknowledged: 6,
      highestSeverity: 'critical',
      firstOutAlarmId: 'a3',
      firstRaisedAt: iso(0.5),
      lastRaisedAt: iso(1.5),
    });
    // raised order; same instant: worse severity first, then id
    expect(g.groups[0]?.alarmIds).toEqual(['a3', 'a2', 'a1', 'a6', 'a4', 'a5']);
    expect([...g.grouped].sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    // 8 raised, but the operator takes in 3: the storm's parent and UW-B's two
    expect(g.rate).toEqual({ windowS: 600, raised: 8, annunciated: 3, flood: false });
  });

  it('needs enough alarms in one burst: alarms spread over time or below the minimum stay single', () => {
    const spread = [0, 6, 12, 18, 24].map((m, i) => alarm(`a${i}`, `A${i}`, 'warning', m));
    expect(groupFloods(spread, iso(25), { parentOf }).groups).toEqual([]);
    const four = [0, 1, 2, 3].map((m, i) => alarm(`a${i}`, `A${i}`, 'warning', m));
    expect(groupFloods(four, iso(5), { parentOf }).groups).toEqual([]);
    expect(groupFloods(four, iso(5), { parentOf, minChildren: 4 }).groups[0]?.count).toBe(4);
    // cleared alarms are not grouped; unknown parents are not grouped
    const cleared = [0, 0, 0, 0, 0].map((m, i) => ({
      ...alarm(`a${i}`, `A${i}`, 'warning', m),
      state: 'cleared' as const,
    }));
    expect(groupFloods(cleared, iso(1), { parentOf }).groups).toEqual([]);
    const orphans = [0, 0, 0, 0, 0].map((m, i) => alarm(`x${i}`, `X${i}`, 'warning', m));
    expect(groupFloods(orphans, iso(1), { parentOf }).groups).toEqual([]);
  });

  it('reports an ISA-18.2 flood by the raised rate even when grouping keeps the annunciated rate low', () => {
    const storm = Array.from({ length: 12 }, (_, i) => alarm(`a${i}`, `A${i}`, 'critical', i * 0.1));
    const g = groupFloods(storm, iso(2), { parentOf });
    expect(g.rate).toEqual({ windowS: 600, raised: 12, annunciated: 1, flood: true });
    // ten minutes on, the window no longer holds them
    expect(groupFloods(storm, iso(12), { parentOf }).rate).toMatchObject({ raised: 0, annunciated: 0 });
  });
});

describe('reconcile', () => {
  it('brings back shelved alarms whose shelving expired', () => {
    const a: Alarm = { ...alarm('1', 'S1', 'warning', 0), state: 'shelved', shelvedUntil: iso(10) };
    expect(reconcile([a], [], iso(9), () => 'x')).toEqual([]);
    const [c] = reconcile([a], [], iso(10), () => 'x');
    expect(c).toMatchObject({ cause: 'shelve-expired', from: 'shelved', to: 'unacknowledged' });
  });
  it('ignores inactive conditions without an open alarm', () => {
    const cond = {
      code: 'A.B',
      nodeId: 'n',
      nodeKind: 'meter' as const,
      active: false,
      severity: 'info' as const,
      message: 'm',
      observedAt: iso(0),
    };
    expect(reconcile([], [cond], iso(0), () => 'x')).toEqual([]);
  });
});

describe('thresholds', () => {
  it('validates overrides by name and bounds', () => {
    expect(validateOverrides({ loadingWarnPct: 80, ratingKw: 500 })).toEqual({
      loadingWarnPct: 80,
      ratingKw: 500,
    });
    expect(() => validateOverrides({ loadingWarnPct: 5 })).toThrow(ThresholdError);
    expect(() => validateOverrides({ nope: 1 })).toThrow(/nope: unknown threshold/);
    expect(() => validateOverrides({ loadingWarnPct: '80' })).toThrow(/must be a number/);
    expect(() => validateOverrides({ loadingWarnPct: 120 })).toThrow(/loadingCriticalPct/);
    expect(() => validateOverrides([])).toThrow(ThresholdError);
    try {
      validateOverrides({ a: 1, meterSilenceS: 1 });
    } catch (err) {
      expect((err as ThresholdError).problems).toHaveLength(2);
      expect((err as ThresholdError).code).toBe('THRESHOLDS.INVALID');
    }
  });
  it('merges node overrides over the defaults', () => {
    expect(effectiveThresholds(DEFAULT_THRESHOLDS, { loadingWarnPct: 70 }).loadingWarnPct).toBe(70);
    expect(effectiveThresholds(DEFAULT_THRESHOLDS, undefined)).toBe(DEFAULT_THRESHOLDS);
  });
});
