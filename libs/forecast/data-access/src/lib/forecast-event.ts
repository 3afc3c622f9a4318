import {
  type ForecastIssued,
  type ForecastIssuedEvent,
  type ForecastPoint,
  EventTypes,
  createEvent,
  toUtcInstant,
  validateEvent,
} from '@gridwerk/contracts';
import { type ForecastPoint as DomainForecastPoint } from '@gridwerk/forecast/domain';
import { ForecastJobError } from './errors';
import { type ForecastHorizonName, type SeriesRef } from './series-id';

export const FORECAST_EVENT_SOURCE = '/gridwerk/forecast';

/** Stable CloudEvents id of one issue: consumers de-duplicate re-published events by it. */
export function forecastEventId(seriesId: string, horizon: ForecastHorizonName, issueTime: string): string {
  return `${seriesId}/${horizon}/${issueTime}`;
}

/**
 * Domain forecast (series unit = Wh per step) → contract points: integer Wh, quantiles kept ordered
 * (rounding is monotone, so p10 ≤ p50 ≤ p90 survives), non-finite points dropped; a point the guard
 * replaced by the fallback baseline keeps its `replaced` reason.
 */
export function toContractPoints(points: readonly DomainForecastPoint[]): ForecastPoint[] {
  return points
    .filter(
      (p) =>
        Number.isFinite(p.p10) &&
        Number.isFinite(p.p50) &&
        Number.isFinite(p.p90) &&
        Number.isFinite(p.targetMs),
    )
    .map((p) => {
      const p50Wh = Math.round(p.p50);
      return {
        targetStart: toUtcInstant(p.targetMs),
        p10Wh: Math.min(Math.round(p.p10), p50Wh),
        p50Wh,
        p90Wh: Math.max(Math.round(p.p90), p50Wh),
        ...(p.replaced === undefined ? {} : { replaced: p.replaced }),
      };
    });
}

/** The `de.gridwerk.forecast.issued.v1` event of one issue, validated against the contract. */
export function buildForecastIssuedEvent(
  ref: SeriesRef,
  horizon: ForecastHorizonName,
  issueTime: string,
  modelVersion: string,
  points: readonly ForecastPoint[],
  now: number,
): ForecastIssuedEvent {
  const data: ForecastIssued = {
    seriesId: ref.id,
    seriesKind: ref.kind,
    horizon,
    issueTime,
    modelVersion,
    stepMinutes: 15,
    unit: 'Wh',
    points: [...points],
  };
  const event = createEvent(EventTypes.forecastIssued, data, {
    id: forecastEventId(ref.id, horizon, issueTime),
    source: FORECAST_EVENT_SOURCE,
    subject: ref.id,
    time: toUtcInstant(now),
  });
  const checked = validateEvent(EventTypes.forecastIssued, event);
  if (!checked.ok) {
    throw new ForecastJobError(
      'RUN.INVALID_EVENT',
      `forecast of ${ref.id} violates the contract: ${checked.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      {
        seriesId: ref.id,
      },
    );
  }
  return checked.value;
}
