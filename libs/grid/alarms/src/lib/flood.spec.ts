import { Alarm, raiseAlarm } from './alarm';
import { floodStatus, groupByNode } from './flood';
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
