import { PerKeyRateLimit } from './per-key-rate-limit';

describe('PerKeyRateLimit', () => {
  it('admits one event per key and interval and reports what it held back', () => {
    let now = 1_000;
    const limit = new PerKeyRateLimit(10_000, () => now);
    expect(limit.admit('JSON.PARSE', 3)).toEqual({ admitted: true, suppressed: 0 });
    expect(limit.admit('JSON.PARSE', 5)).toEqual({ admitted: false });
    // another reason has its own budget
    expect(limit.admit('DB.22003')).toEqual({ admitted: true, suppressed: 0 });
    now += 9_999;
    expect(limit.admit('JSON.PARSE', 2)).toEqual({ admitted: false });
    now += 1;
    expect(limit.admit('JSON.PARSE', 1)).toEqual({ admitted: true, suppressed: 7 });
    expect(limit.admit('JSON.PARSE')).toEqual({ admitted: false });
  });

  it('admits everything with an interval of 0', () => {
    const limit = new PerKeyRateLimit(0, () => 5);
    expect(limit.admit('x')).toEqual({ admitted: true, suppressed: 0 });
    expect(limit.admit('x')).toEqual({ admitted: true, suppressed: 0 });
  });
});
