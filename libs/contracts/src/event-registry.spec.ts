import { EVENT_TYPES, messageKeyOf } from './event-registry';
import { EVENT_TYPE_LIST, EventTypes, eventSchemaId, eventSchemaName } from './event-types';
import { EXAMPLE_METER_POINT_ID, exampleEventData } from './testing/examples';

describe('event registry', () => {
  it('derives schema names and ids from the type', () => {
    expect(eventSchemaName(EventTypes.forecastIssued)).toBe('forecast-issued.v1');
    expect(eventSchemaName(EventTypes.deadLetter)).toBe('dead-letter.v1');
    expect(eventSchemaId(EventTypes.alert)).toBe('https://schemas.gridwerk.de/events/alert.v1.schema.json');
    expect(new Set(EVENT_TYPE_LIST.map((t) => EVENT_TYPES[t].schemaId)).size).toBe(EVENT_TYPE_LIST.length);
  });

  it('gives the Kafka key of each event', () => {
    expect(messageKeyOf(EventTypes.meterReading, exampleEventData(EventTypes.meterReading))).toBe(
      EXAMPLE_METER_POINT_ID,
    );
    expect(messageKeyOf(EventTypes.forecastIssued, exampleEventData(EventTypes.forecastIssued))).toBe(
      'feeder:F-12',
    );
    expect(messageKeyOf(EventTypes.settlementBatch, exampleEventData(EventTypes.settlementBatch))).toBe(
      'community-plagwitz',
    );
    expect(messageKeyOf(EventTypes.deadLetter, exampleEventData(EventTypes.deadLetter))).toBe(
      EXAMPLE_METER_POINT_ID,
    );
    expect(
      messageKeyOf(EventTypes.deadLetter, exampleEventData(EventTypes.deadLetter, { keyBase64: null })),
    ).toBeNull();
  });
});
