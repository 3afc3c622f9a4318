import { EVENT_TYPES, TOPIC_EVENT_TYPE } from './event-registry';
import { EVENT_TYPE_LIST } from './event-types';
import { TOPIC_NAMES, TOPIC_SPECS, Topics, isTopicName, topicSpec } from './topics';

const DAY_MS = 86_400_000;

describe('topics', () => {
  it('names every topic grid.<...>.v<n>, each once', () => {
    for (const name of TOPIC_NAMES) expect(name).toMatch(/^grid\.[a-z.]+\.v[0-9]+$/);
    expect(new Set(TOPIC_NAMES).size).toBe(TOPIC_NAMES.length);
    expect(Topics.meterReadings).toBe('grid.meter.readings.v1');
    expect(Topics.deadLetters).toBe('grid.dlq.v1');
  });

  it('has exactly one spec per topic and one topic per event type', () => {
    expect(TOPIC_SPECS.map((s) => s.name).sort()).toEqual([...TOPIC_NAMES].sort());
    expect(TOPIC_SPECS.map((s) => s.eventType).sort()).toEqual([...EVENT_TYPE_LIST].sort());
    for (const spec of TOPIC_SPECS) {
      expect(TOPIC_EVENT_TYPE[spec.name]).toBe(spec.eventType);
      expect(EVENT_TYPES[spec.eventType].topic).toBe(spec.name);
      expect(spec.cleanupPolicy).toBe('delete');
    }
  });

  it('keeps partitions and retention as agreed', () => {
    expect(topicSpec(Topics.meterReadings)).toMatchObject({
      key: 'meterPointId',
      partitions: 6,
      retentionMs: 7 * DAY_MS,
    });
    expect(topicSpec(Topics.batteryTelemetry)).toMatchObject({
      key: 'assetId',
      partitions: 3,
      retentionMs: 7 * DAY_MS,
    });
    expect(topicSpec(Topics.batteryCommands)).toMatchObject({ partitions: 3, retentionMs: DAY_MS });
    expect(topicSpec(Topics.batteryCommandsV2)).toMatchObject({
      key: 'assetId',
      partitions: 3,
      retentionMs: DAY_MS,
    });
    expect(topicSpec(Topics.forecasts)).toMatchObject({
      key: 'seriesId',
      partitions: 3,
      retentionMs: 30 * DAY_MS,
    });
    expect(topicSpec(Topics.settlementTransactions)).toMatchObject({
      key: 'communityId',
      retentionMs: 365 * DAY_MS,
    });
    expect(topicSpec(Topics.settlementBatches)).toMatchObject({
      key: 'communityId',
      retentionMs: 365 * DAY_MS,
    });
    expect(topicSpec(Topics.alerts)).toMatchObject({ partitions: 1, retentionMs: 30 * DAY_MS });
    expect(topicSpec(Topics.deadLetters)).toMatchObject({ partitions: 1, retentionMs: 30 * DAY_MS });
  });

  it('recognises topic names', () => {
    expect(isTopicName('grid.alerts.v1')).toBe(true);
    expect(isTopicName('grid.alerts.v2')).toBe(false);
    expect(isTopicName(42)).toBe(false);
  });
});

describe('max.message.bytes of the input and dead-letter topics', () => {
  it('is set for the raw-series inputs and the DLQ, and the DLQ holds a dead letter of any accepted input', () => {
    const input = topicSpec(Topics.meterReadings).maxMessageBytes ?? 0;
    expect(topicSpec(Topics.batteryTelemetry).maxMessageBytes).toBe(input);
    const dlq = topicSpec(Topics.deadLetters).maxMessageBytes ?? 0;
    expect(input).toBeGreaterThan(0);
    // base64 grows by 4/3; the envelope, reason and headers need room besides
    expect(dlq).toBeGreaterThan(Math.ceil((input * 4) / 3) + 64 * 1024);
  });
});
