import { createEvent, EventTypes } from '@gridwerk/contracts';
import {
  BatteryTelemetryData,
  batteryTelemetryEventId,
  MeterReadingData,
  readingEventId,
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
