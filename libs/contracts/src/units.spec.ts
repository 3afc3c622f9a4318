import {
  QUARTER_HOUR_MS,
  floorToQuarterHour,
  isAlignedTo,
  isIntegerWh,
  isMeterPointId,
  isNonNegativeIntegerWh,
  isUtcInstant,
  toUtcInstant,
  unitOfField,
} from './units';

describe('units', () => {
  it('accepts a 33-character meter point id starting with DE', () => {
    expect(isMeterPointId('DE0000000000000000000000000012345')).toBe(true);
    expect(isMeterPointId('DE00000000000000000000000000ABCDE')).toBe(true);
  });

  it.each([
    ['too short', 'DE000000000000000000000000001234'],
    ['too long', 'DE00000000000000000000000000123456'],
    ['lowercase', 'DE0000000000000000000000000abcdef'],
    ['not DE', 'AT0000000000000000000000000012345'],
    ['lowercase prefix', 'de0000000000000000000000000012345'],
  ])('rejects a meter point id that is %s', (_why, id) => {
    expect(isMeterPointId(id)).toBe(false);
  });

  it('accepts UTC instants with and without milliseconds, and nothing else', () => {
    expect(isUtcInstant('2026-01-05T06:15:00Z')).toBe(true);
    expect(isUtcInstant('2026-01-05T06:15:00.123Z')).toBe(true);
    expect(isUtcInstant('2026-01-05T07:15:00+01:00')).toBe(false);
    expect(isUtcInstant('2026-01-05T06:15:00')).toBe(false);
    expect(isUtcInstant('2026-02-30T00:00:00Z')).toBe(false);
    expect(isUtcInstant('2026-01-05T25:00:00Z')).toBe(false);
    expect(isUtcInstant(1_767_593_700_000)).toBe(false);
  });

  it('checks alignment to a step, DST-safe in UTC', () => {
    expect(isAlignedTo('2026-01-05T06:15:00Z', QUARTER_HOUR_MS)).toBe(true);
    expect(isAlignedTo('2026-01-05T06:16:00Z', QUARTER_HOUR_MS)).toBe(false);
    expect(isAlignedTo('2026-01-05T06:15:00.001Z', QUARTER_HOUR_MS)).toBe(false);
    // 2026-03-29 01:00Z is the spring-forward instant in Europe/Berlin; still a quarter hour.
    expect(isAlignedTo(new Date('2026-03-29T01:00:00Z'), QUARTER_HOUR_MS)).toBe(true);
    expect(isAlignedTo('not a time', QUARTER_HOUR_MS)).toBe(false);
  });

  it('floors to the quarter hour', () => {
    expect(floorToQuarterHour(new Date('2026-01-05T06:29:59.999Z')).toISOString()).toBe(
      '2026-01-05T06:15:00.000Z',
    );
    expect(floorToQuarterHour(new Date('2026-01-05T06:30:00Z')).toISOString()).toBe(
      '2026-01-05T06:30:00.000Z',
    );
  });

  it('formats UTC instants without zero milliseconds', () => {
    expect(toUtcInstant(new Date('2026-01-05T06:15:00Z'))).toBe('2026-01-05T06:15:00Z');
    expect(toUtcInstant(new Date('2026-01-05T06:15:00.250Z'))).toBe('2026-01-05T06:15:00.250Z');
  });

  it('knows integer watt-hours and units of fields', () => {
    expect(isIntegerWh(-5)).toBe(true);
    expect(isIntegerWh(1.5)).toBe(false);
    expect(isIntegerWh('5')).toBe(false);
    expect(isNonNegativeIntegerWh(-1)).toBe(false);
    expect(unitOfField('importWh')).toBe('watt-hours');
    expect(unitOfField('amountCt')).toBe('euro-cents');
    expect(unitOfField('priceMilliCtPerKWh')).toBe('milli-cents per kilowatt-hour');
    expect(unitOfField('powerW')).toBe('watts');
    expect(unitOfField('transactionCount')).toBeUndefined();
  });
});
