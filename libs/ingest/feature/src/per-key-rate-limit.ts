/**
 * At most one admitted event per key and interval: a flood of dead letters of one reason yields one log
 * line per interval, carrying how many were held back since the last line.
 */
export class PerKeyRateLimit {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** `n` events of `key` now: admitted (log them, with `suppressed` held back before), or held back. */
  admit(key: string, n = 1): { admitted: true; suppressed: number } | { admitted: false } {
    const now = this.clock();
    const entry = this.last.get(key);
    if (entry === undefined || now - entry.at >= this.intervalMs) {
      this.last.set(key, { at: now, suppressed: 0 });
      return { admitted: true, suppressed: entry?.suppressed ?? 0 };
    }
    entry.suppressed += n;
    return { admitted: false };
  }
}
