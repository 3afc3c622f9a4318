/** A progress line on stderr for long runs: percent, events, events/s, ETA. */
export class ProgressReporter {
  private readonly t0 = Date.now();
  private last = 0;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly everyMs = out.isTTY ? 250 : 5_000,
  ) {}

  update(done: number, events: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < this.everyMs) return;
    this.last = now;
    const secs = Math.max((now - this.t0) / 1000, 1e-3);
    const rate = events / secs;
    const frac = this.total > 0 ? done / this.total : 1;
    const eta = frac > 0 ? (secs / frac) * (1 - frac) : 0;
    const width = 28;
    const filled = Math.round(frac * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${this.label} ${bar} ${(frac * 100).toFixed(1).padStart(5)}%  ${events.toLocaleString('en')} events  ${Math.round(rate).toLocaleString('en')} ev/s  ETA ${eta.toFixed(0)} s`;
    this.out.write(this.out.isTTY ? `\r${line}` : `${line}\n`);
  }

  done(events: number): void {
    this.update(this.total, events, true);
    if (this.out.isTTY) this.out.write('\n');
  }
}
