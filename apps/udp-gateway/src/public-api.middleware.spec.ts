import { ClientRateLimiter } from './public-api.middleware';

describe('ClientRateLimiter', () => {
  it('allows a burst, then refills at the per-minute rate, per client', () => {
    const l = new ClientRateLimiter(60, 3);
    const t = 1_000_000;
    expect([l.take('a', t), l.take('a', t), l.take('a', t)]).toEqual([0, 0, 0]);
    expect(l.take('a', t)).toBe(1);
    expect(l.take('b', t)).toBe(0);
    expect(l.take('a', t + 1000)).toBe(0);
    expect(l.take('a', t + 1000)).toBeGreaterThan(0);
  });
});
