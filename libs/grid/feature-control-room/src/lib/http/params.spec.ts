import { HttpException } from '@nestjs/common';
import { alarmIdParam, comment, instant, nodeIdParam, onlyKeys, timeRange } from './params';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HttpException);
    return ((err as HttpException).getResponse() as { code: string }).code;
  }
  throw new Error('expected a refusal');
};

describe('request parameters', () => {
  it('checks ids', () => {
    expect(nodeIdParam('UW-01-F01-ONS1')).toBe('UW-01-F01-ONS1');
    for (const bad of ['', '../etc', 'a b', "x';--", 'x'.repeat(101), undefined])
      expect(code(() => nodeIdParam(bad))).toBe('REQUEST.INVALID');
    expect(alarmIdParam('0b0c2f3e-7d51-4c6b-9f43-6e0d8f6f2a11')).toBeDefined();
    expect(code(() => alarmIdParam('1'))).toBe('REQUEST.INVALID');
  });
  it('bounds time ranges and needs UTC instants', () => {
    const now = Date.parse('2026-01-05T12:00:00Z');
    expect(timeRange(undefined, undefined, 10 * 86_400_000, 86_400_000, now)).toEqual({
      from: new Date('2026-01-04T12:00:00Z'),
      to: new Date('2026-01-05T12:00:00Z'),
    });
    expect(code(() => timeRange('2026-01-05T12:00:00Z', '2026-01-05T11:00:00Z', 1e12, 1, now))).toBe(
      'REQUEST.INVALID',
    );
    expect(code(() => timeRange('2026-01-01T00:00:00Z', '2026-01-05T00:00:00Z', 86_400_000, 1, now))).toBe(
      'REQUEST.INVALID',
    );
    expect(code(() => instant('2026-01-05T12:00:00+01:00', 'from'))).toBe('REQUEST.INVALID');
    expect(code(() => instant('yesterday', 'from'))).toBe('REQUEST.INVALID');
  });
  it('checks comments and unknown fields', () => {
    expect(comment('  ok ', true)).toBe('ok');
    expect(comment(undefined, false)).toBeUndefined();
    expect(code(() => comment('   ', true))).toBe('REQUEST.INVALID');
    expect(code(() => comment(5, false))).toBe('REQUEST.INVALID');
    expect(code(() => comment('x'.repeat(1001), false))).toBe('REQUEST.INVALID');
    expect(code(() => onlyKeys({ comment: 'x', evil: 1 }, ['comment']))).toBe('REQUEST.INVALID');
  });
});
