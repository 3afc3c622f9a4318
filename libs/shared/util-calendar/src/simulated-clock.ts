/**
 * A simulated clock shared by several processes: simulated time `startMs` at the wall-clock instant
 * `anchorWallMs`, running `rate` times as fast as the wall clock. Every process that is given the same
 * spec (the demo hands it to the simulator service and the dispatch service, and issues the forecast jobs
 * on it) agrees on the simulated time without talking to the others, whenever each one started.
 *
 * Text form (one environment variable or flag): `<start ISO instant>@<anchor ISO instant>x<rate>`,
 * e.g. `2026-12-07T14:00:00Z@2026-12-07T09:31:12.000Z x60` without the space: simulated 14:00 UTC at the
 * anchor, then one simulated minute per wall-clock second.
 */
export interface SimulatedClockSpec {
  readonly startMs: number;
  readonly anchorWallMs: number;
  /** Simulated milliseconds per wall-clock millisecond (> 0). */
  readonly rate: number;
}

export class SimulatedClockError extends Error {}

const SPEC = /^([^@]+)@([^@x]+)x(\d+(?:\.\d+)?)$/;

export function parseSimulatedClock(text: string): SimulatedClockSpec {
  const m = SPEC.exec(text.trim());
  const startMs = m?.[1] === undefined ? Number.NaN : Date.parse(m[1]);
  const anchorWallMs = m?.[2] === undefined ? Number.NaN : Date.parse(m[2]);
  const rate = m?.[3] === undefined ? Number.NaN : Number(m[3]);
  if (!Number.isFinite(startMs) || !Number.isFinite(anchorWallMs) || !(rate > 0) || rate > 100_000)
    throw new SimulatedClockError(
      `"${text}" is not a simulated clock <start instant>@<wall-clock anchor instant>x<rate> (e.g. 2026-12-07T14:00:00Z@2026-12-07T09:31:12Z x60 without the space; rate 0 < r <= 100000)`,
    );
  return { startMs, anchorWallMs, rate };
}

export function formatSimulatedClock(spec: SimulatedClockSpec): string {
  return `${new Date(spec.startMs).toISOString()}@${new Date(spec.anchorWallMs).toISOString()}x${spec.rate}`;
}

/** The simulated instant (ms) at the wall-clock instant `wallMs`. */
export function simulatedNow(spec: SimulatedClockSpec, wallMs = Date.now()): number {
  return spec.startMs + (wallMs - spec.anchorWallMs) * spec.rate;
}

/** Wall-clock milliseconds from `wallMs` until the simulated instant `simulatedMs` (0 once it has passed). */
export function wallDelayUntil(spec: SimulatedClockSpec, simulatedMs: number, wallMs = Date.now()): number {
  return Math.max(0, (simulatedMs - simulatedNow(spec, wallMs)) / spec.rate);
}
