import { SettlementDomainError } from './errors';

export const QUARTER_HOUR_MS = 15 * 60_000;

/** ISO instant without milliseconds noise: `2026-06-01T10:15:00Z`. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function quarterHourEnd(intervalStart: string): string {
  const t = Date.parse(intervalStart);
  if (!Number.isFinite(t) || t % QUARTER_HOUR_MS !== 0) {
    throw new SettlementDomainError(
      'SETTLEMENT.INVALID_INTERVAL',
      `${intervalStart} is not a quarter-hour start`,
    );
  }
  return isoInstant(t + QUARTER_HOUR_MS);
}

export const unixSeconds = (instant: string): number => Math.floor(Date.parse(instant) / 1000);

/**
 * Closing rule (event time): an interval `[s, s+15min)` closes once the community's watermark — the latest
 * `intervalEnd` seen in any reading of the community — has passed `s + 15min + grace`. Readings that arrive
 * after the close are corrections and produce the next version.
 */
export function isClosable(intervalStart: string, watermark: string, graceMs: number): boolean {
  return Date.parse(watermark) >= Date.parse(intervalStart) + QUARTER_HOUR_MS + graceMs;
}
