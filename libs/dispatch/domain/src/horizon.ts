import { addDays, localDate, startOfLocalDayUtc } from '@gridwerk/shared/util-calendar';
import { STEP_MS } from './types';

/**
 * Horizon of a cycle: at least `minSteps` quarter hours; the whole next local day once every forecast
 * (and, in market mode, the prices) reach its end — the day-ahead auction and forecast are out.
 */
export function horizonSteps(cycleStartMs: number, minSteps: number, coverageEndMs: number): number {
  const l = localDate(cycleStartMs);
  const d = addDays(l.year, l.month, l.day, 2);
  const end = startOfLocalDayUtc(d.year, d.month, d.day);
  const wholeNextDay = Math.round((end - cycleStartMs) / STEP_MS);
  return coverageEndMs >= end ? Math.max(minSteps, wholeNextDay) : minSteps;
}
