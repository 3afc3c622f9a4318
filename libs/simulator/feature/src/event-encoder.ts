import { createEvent, EventTypes } from '@gridwerk/contracts';
import {
  BatteryTelemetryData,
  batteryTelemetryEventId,
  MeterReadingData,
  readingEventId,
  SimulatedWeatherForecast,
  SimulationStep,
  StreamItem,
} from '@gridwerk/simulator/domain';

export const SIMULATOR_SOURCE = '/gridwerk/simulator';

/**
 * Step -> keyed CloudEvents, deterministically: ids derive from (meter, interval) and the event time
 * is the end of the interval, so the same seed and options give byte-identical messages.
 */
export function encodeReading(data: MeterReadingData): StreamItem {
  const event = createEvent(EventTypes.meterReading, data, {
    id: readingEventId(data),
    source: SIMULATOR_SOURCE,
    subject: data.meterPointId,
    time: data.intervalEnd,
  });
  return { key: data.meterPointId, value: JSON.stringify(event) };
}

export function encodeTelemetry(data: BatteryTelemetryData): StreamItem {
  const event = createEvent(EventTypes.batteryTelemetry, data, {
    id: batteryTelemetryEventId(data),
    source: SIMULATOR_SOURCE,
    subject: data.assetId,
    time: data.time,
  });
  return { key: data.assetId, value: JSON.stringify(event) };
}

export function encodeStep(step: SimulationStep): { readings: StreamItem[]; telemetry: StreamItem[] } {
  return {
    readings: [...step.readings, ...step.storageReadings].map(encodeReading),
    telemetry: step.batteries.map(encodeTelemetry),
  };
}

/**
 * A simulated weather forecast as `de.gridwerk.weather.forecast.v1`, keyed by its weather point; the id is
 * (point, issue time), so a replayed vintage is the same event.
 */
export function encodeWeatherForecast(f: SimulatedWeatherForecast): StreamItem {
  const issueTime = new Date(f.issueTimeMs).toISOString().replace('.000Z', 'Z');
  const event = createEvent(
    EventTypes.weatherForecast,
    {
      weatherPointId: f.pointId,
      source: 'simulator',
      issueTime,
      stepMinutes: 60,
      points: f.steps.map((s) => ({
        targetStart: new Date(s.targetStartMs).toISOString().replace('.000Z', 'Z'),
        ghiWPerM2: s.ghiWPerM2,
        temperatureC: s.temperatureC,
        cloudCoverPct: s.cloudCoverPct,
      })),
    },
    {
      id: `weather-${f.pointId}-${issueTime}`,
      source: SIMULATOR_SOURCE,
      subject: f.pointId,
      time: issueTime,
    },
  );
  return { key: f.pointId, value: JSON.stringify(event) };
}
