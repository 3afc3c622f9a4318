/**
 * The control room's clock (grid-api's data clock, `GET /api/v1/clock`: the now its alarm engine judges
 * by) kept in the browser as an offset to the browser's clock. Read once after sign-in and refreshed in
 * the background, it lets a screen compute its time window at once, as `Date.now() + offsetMs`, instead
 * of asking grid-api first: no round trip in series before a screen's data requests. On a live grid the
 * offset is about zero; on a replayed or simulated day (the demo's `--start`) it is that day's distance.
 */
export interface ControlRoomClock {
  /** The control room's now minus the browser's now (ms). 0 until the first read: the browser's clock. */
  offsetMs: number;
  /** When (browser clock) the offset was last read; undefined: not yet. */
  readAtMs: number | undefined;
}

export const UNREAD_CLOCK: ControlRoomClock = { offsetMs: 0, readAtMs: undefined };

/** The background refresh of the offset: the data clock jumps when data arrives after a silence. */
export const CLOCK_REFRESH_MS = 60_000;

/**
 * The offset from one read: the server's `now` is taken to be the instant halfway through the round trip
 * (`sentAtMs` → `receivedAtMs`, browser clock), so a slow answer does not shift the clock by its latency.
 * Undefined for an answer that is no instant.
 */
export function clockOffsetMs(serverNow: string, sentAtMs: number, receivedAtMs: number): number | undefined {
  const serverMs = Date.parse(serverNow);
  if (!Number.isFinite(serverMs)) return undefined;
  return Math.round(serverMs - (sentAtMs + receivedAtMs) / 2);
}

/** The control room's now by the browser's clock and the last offset read. */
export function controlRoomNowMs(clock: ControlRoomClock, browserNowMs: number = Date.now()): number {
  return browserNowMs + clock.offsetMs;
}
