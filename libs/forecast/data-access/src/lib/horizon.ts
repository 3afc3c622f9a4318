import { localDate } from '@gridwerk/shared/util-calendar';
import {
  type Horizon,
  berlinWallTimeToUtc,
  dayAheadHorizon,
  intradayHorizon,
} from '@gridwerk/forecast/domain';
import { ForecastJobError } from './errors';
import { type ForecastHorizonName } from './series-id';

const QUARTER_HOUR_MS = 900_000;

/** Contract horizon name → domain horizon (day-ahead at the configured local issue minute, intraday PT4H). */
export function domainHorizon(name: ForecastHorizonName, dayAheadIssueMinute: number): Horizon {
  return name === 'day-ahead' ? dayAheadHorizon(dayAheadIssueMinute) : intradayHorizon();
}

/**
 * Default issue time: intraday = now floored to the quarter hour; day-ahead = today's configured local
 * issue time (Europe/Berlin).
 */
export function defaultIssueTime(
  name: ForecastHorizonName,
  dayAheadIssueMinute: number,
  nowMs: number,
): number {
  if (name === 'intraday') return Math.floor(nowMs / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  const l = localDate(nowMs);
  return berlinWallTimeToUtc(l.year, l.month, l.day, dayAheadIssueMinute);
}

/** Issue times are quarter-hour aligned; day-ahead issues lie before the noon gate closure (local). */
export function checkIssueTime(name: ForecastHorizonName, issueMs: number): void {
  if (!Number.isFinite(issueMs) || issueMs % QUARTER_HOUR_MS !== 0) {
    throw new ForecastJobError(
      'REQUEST.INVALID',
      `issue time must be aligned to a quarter hour (UTC), got ${Number.isFinite(issueMs) ? new Date(issueMs).toISOString() : 'an invalid time'}`,
    );
  }
  if (name === 'day-ahead') {
    if (localDate(issueMs).minuteOfDay >= 720)
      throw new ForecastJobError(
        'REQUEST.INVALID',
        `a day-ahead issue time must be before 12:00 Europe/Berlin, got ${new Date(issueMs).toISOString()}`,
      );
  }
}
