import { formatSimulatedClock, parseSimulatedClock, simulatedNow, wallDelayUntil } from './simulated-clock';

describe('simulated clock', () => {
  const spec = parseSimulatedClock('2026-12-07T14:00:00Z@2026-12-07T09:00:00.000Zx60');

  it('parses start, anchor and rate, and prints them back', () => {
    expect(spec).toEqual({
      startMs: Date.parse('2026-12-07T14:00:00Z'),
      anchorWallMs: Date.parse('2026-12-07T09:00:00Z'),
      rate: 60,
    });
    expect(parseSimulatedClock(formatSimulatedClock(spec))).toEqual(spec);
  });

  it('runs rate times as fast as the wall clock from the anchor', () => {
    const anchor = Date.parse('2026-12-07T09:00:00Z');
    expect(simulatedNow(spec, anchor)).toBe(Date.parse('2026-12-07T14:00:00Z'));
    // 15 wall-clock seconds later: a quarter hour has passed in simulated time
    expect(new Date(simulatedNow(spec, anchor + 15_000)).toISOString()).toBe('2026-12-07T14:15:00.000Z');
    expect(wallDelayUntil(spec, Date.parse('2026-12-07T15:00:00Z'), anchor)).toBe(60_000);
    expect(wallDelayUntil(spec, Date.parse('2026-12-07T13:00:00Z'), anchor)).toBe(0);
  });

  it.each([
    '',
    '2026-12-07T14:00:00Z',
    '2026-12-07T14:00:00Z@nowx60',
    '2026-12-07T14:00:00Z@2026-12-07T09:00:00Zx0',
  ])('rejects %p with the expected form', (text) => {
    expect(() => parseSimulatedClock(text)).toThrow(/<start instant>@<wall-clock anchor instant>x<rate>/);
  });
});
