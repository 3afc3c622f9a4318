import { type SimulatedClockSpec, simulatedNow, wallDelayUntil } from '@gridwerk/shared/util-calendar';
/**
 * Time as the dispatch service sees it. Production uses the system clock; a closed-loop test or an
 * accelerated demo steps a clock of its own, so that the same scheduler (alignment to the quarter hours,
 * leader retries, start-up) runs against simulated time.
 */
export interface Clock {
  now(): number;
  /** Runs `fn` once at `atMs` (at once when that has passed); returns a cancel function. */
  schedule(atMs: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(atMs, fn) {
    const timer = setTimeout(fn, Math.max(0, atMs - Date.now()));
    return () => clearTimeout(timer);
  },
};

/** A clock that moves only when told to (closed-loop tests, stepped simulations). */
export class SteppedClock implements Clock {
  private timers: { atMs: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  constructor(private nowMs: number) {}

  now(): number {
    return this.nowMs;
  }

  schedule(atMs: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ atMs, fn, id });
    if (atMs <= this.nowMs) queueMicrotask(() => this.fire(this.nowMs));
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Moves to `ms` and runs every timer due by then, in order. */
  advanceTo(ms: number): void {
    if (ms < this.nowMs) throw new RangeError('a stepped clock does not go back');
    this.nowMs = ms;
    this.fire(ms);
  }

  private fire(ms: number): void {
    for (;;) {
      const due = this.timers.filter((t) => t.atMs <= ms).sort((a, b) => a.atMs - b.atMs)[0];
      if (!due) return;
      this.timers = this.timers.filter((t) => t.id !== due.id);
      due.fn();
    }
  }
}

/**
 * A clock running faster than the wall clock from a given simulated instant (the demo's accelerated
 * live part and its browser test): every process given the same spec agrees on the simulated time.
 */
export class AcceleratedClock implements Clock {
  constructor(private readonly spec: SimulatedClockSpec) {}

  now(): number {
    return simulatedNow(this.spec);
  }

  schedule(atMs: number, fn: () => void): () => void {
    const timer = setTimeout(fn, wallDelayUntil(this.spec, atMs));
    return () => clearTimeout(timer);
  }
}
