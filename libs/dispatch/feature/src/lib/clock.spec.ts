import { AcceleratedClock, SteppedClock } from './clock';
import { cycleStartOf } from './dispatch-cycle.service';

describe('stepped clock and cycle alignment', () => {
  it('runs due timers in order when advanced, never those cancelled', () => {
    const clock = new SteppedClock(1_000);
    const ran: string[] = [];
    clock.schedule(3_000, () => ran.push('b'));
    clock.schedule(2_000, () => ran.push('a'));
    const cancel = clock.schedule(2_500, () => ran.push('x'));
    cancel();
    clock.advanceTo(2_999);
    expect(ran).toEqual(['a']);
    clock.advanceTo(3_000);
    expect(ran).toEqual(['a', 'b']);
    expect(() => clock.advanceTo(10)).toThrow(RangeError);
  });

  it('aligns cycles to the quarter hour (or the configured multiple of it)', () => {
    const t = Date.parse('2026-01-14T17:44:59.999Z');
    expect(new Date(cycleStartOf(t, 15)).toISOString()).toBe('2026-01-14T17:30:00.000Z');
    expect(new Date(cycleStartOf(t, 60)).toISOString()).toBe('2026-01-14T17:00:00.000Z');
    expect(cycleStartOf(Date.parse('2026-01-14T17:45:00Z'), 15)).toBe(Date.parse('2026-01-14T17:45:00Z'));
  });

  it('an accelerated clock runs from its simulated start at its rate, and schedules in wall time', async () => {
    const startMs = Date.parse('2026-12-07T14:00:00Z');
    // simulated 14:00 at this instant, an hour per wall-clock second
    const clock = new AcceleratedClock({ startMs, anchorWallMs: Date.now(), rate: 3_600 });
    expect(Math.abs(clock.now() - startMs)).toBeLessThan(3_600 * 200);
    const wallBefore = Date.now();
    const firedAt = await new Promise<number>((resolve) => {
      clock.schedule(startMs + 15 * 60_000, () => resolve(clock.now()));
    });
    // a simulated quarter hour is 250 ms of wall time
    expect(Date.now() - wallBefore).toBeGreaterThanOrEqual(150);
    expect(firedAt).toBeGreaterThanOrEqual(startMs + 15 * 60_000 - 3_600);
    let cancelledRan = false;
    clock.schedule(clock.now() + 60_000, () => (cancelledRan = true))();
    await new Promise((r) => setTimeout(r, 100));
    expect(cancelledRan).toBe(false);
  });
});
