import { createEvent } from './envelope';
import { EventTypes } from './event-types';
import { exampleEventData } from './testing/examples';
import { validateEvent } from './validate';

describe('createEvent', () => {
  const data = exampleEventData(EventTypes.meterReading);

  it('fills the CloudEvents attributes and keeps a given id', () => {
    const event = createEvent(EventTypes.meterReading, data, {
      id: 'fixed-id',
      source: '/gridwerk/simulator',
      subject: data.meterPointId,
      time: new Date('2026-01-05T06:15:00Z'),
      correlationId: 'c-1',
      causationId: 'e-0',
    });
    expect(event).toEqual({
      specversion: '1.0',
      id: 'fixed-id',
      source: '/gridwerk/simulator',
      type: 'de.gridwerk.meter.reading.v1',
      time: '2026-01-05T06:15:00Z',
      subject: data.meterPointId,
      dataschema: 'https://schemas.gridwerk.de/events/meter-reading.v1.schema.json',
      datacontenttype: 'application/json',
      correlationid: 'c-1',
      causationid: 'e-0',
      data,
    });
    expect(validateEvent(EventTypes.meterReading, event)).toEqual({ ok: true, value: event });
  });

  it('generates a UUID and the current time when not given, and omits absent extensions', () => {
    const before = Date.now();
    const a = createEvent(EventTypes.meterReading, data, { source: '/x', subject: data.meterPointId });
    const b = createEvent(EventTypes.meterReading, data, { source: '/x', subject: data.meterPointId });
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.id).not.toBe(b.id);
    expect(Date.parse(a.time)).toBeGreaterThanOrEqual(before - 1);
    expect(a).not.toHaveProperty('correlationid');
    expect(a).not.toHaveProperty('causationid');
    expect(validateEvent(EventTypes.meterReading, a).ok).toBe(true);
  });
});
