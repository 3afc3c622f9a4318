import { EVENT_TYPE_LIST, EventType, EventTypes } from './event-types';
import { exampleEvent, exampleEventData, exampleEvents } from './testing/examples';
import { ValidationProblem, ValidationResult } from './validation-problem';
import {
  checkMessageKey,
  deadLetterReasonFor,
  parseEvent,
  validateEvent,
  validateEventData,
} from './validate';
import { jsonSchemaDocumentOf } from './json-schema';
import { MAX_INTERVAL_ENERGY_WH, WHOLE_SECOND_INSTANT_PATTERN } from './units';

/** The problems of a failed result as `path code` strings (fails the test if the result is ok). */
function problems(result: ValidationResult<unknown>): ValidationProblem[] {
  if (result.ok) throw new Error('expected validation to fail, but it passed');
  return result.problems;
}
function pathsAndCodes(result: ValidationResult<unknown>): string[] {
  return problems(result).map((p) => `${p.path} ${p.code}`);
}

/** A valid event of `type` with `data` fields replaced (or removed when the value is `undefined`). */
function withData(type: EventType, patch: Record<string, unknown>): Record<string, unknown> {
  const event = exampleEvent(type) as unknown as { data: Record<string, unknown> };
  const data: Record<string, unknown> = { ...event.data, ...patch };
  for (const [key, value] of Object.entries(patch)) if (value === undefined) delete data[key];
  return { ...event, data };
}

describe('valid examples', () => {
  it.each(EVENT_TYPE_LIST)('%s passes validateEvent, validateEventData and parseEvent', (type) => {
    const event = exampleEvent(type);
    expect(validateEvent(type, event)).toEqual({ ok: true, value: event });
    expect(validateEventData(type, event.data)).toEqual({ ok: true, value: event.data });
    expect(parseEvent(Buffer.from(JSON.stringify(event)))).toEqual({ ok: true, value: event });
    expect(parseEvent(JSON.stringify(event), type).ok).toBe(true);
  });

  it('exposes one builder per event type', () => {
    expect(
      Object.values(exampleEvents)
        .map((build) => build().type)
        .sort(),
    ).toEqual([...EVENT_TYPE_LIST].sort());
  });

  it('accepts a 1-minute reading, a battery idle command and a settlement adjustment', () => {
    expect(
      validateEvent(
        EventTypes.meterReading,
        withData(EventTypes.meterReading, {
          resolution: 'PT1M',
          intervalStart: '2026-01-05T06:07:00Z',
          intervalEnd: '2026-01-05T06:08:00Z',
        }),
      ).ok,
    ).toBe(true);
    expect(
      validateEvent(
        EventTypes.batteryCommand,
        withData(EventTypes.batteryCommand, { mode: 'idle', setpointW: undefined }),
      ).ok,
    ).toBe(true);
    expect(
      validateEvent(
        EventTypes.settlementTransaction,
        withData(EventTypes.settlementTransaction, { kind: 'adjustment', adjustsTransactionId: 'tx-0' }),
      ).ok,
    ).toBe(true);
  });
});

describe('meter reading rejections', () => {
  const type = EventTypes.meterReading;
  const check = (patch: Record<string, unknown>) => validateEvent(type, withData(type, patch));

  it('rejects a wrong type', () => {
    const result = check({ quality: 7 });
    expect(pathsAndCodes(result)).toEqual(['/data/quality schema.type']);
    expect(problems(result)[0].message).toBe('quality must be of type string');
  });

  it('rejects a missing field', () => {
    const result = check({ importWh: undefined });
    expect(pathsAndCodes(result)).toEqual(['/data/importWh schema.required']);
    expect(problems(result)[0].message).toBe('importWh is required');
  });

  it('rejects negative energy', () => {
    expect(pathsAndCodes(check({ exportWh: -1 }))).toEqual(['/data/exportWh schema.minimum']);
  });

  it('rejects non-integer watt-hours with a message naming the unit', () => {
    const result = check({ importWh: 12.5 });
    expect(problems(result)).toEqual([
      {
        path: '/data/importWh',
        code: 'schema.integer',
        message: 'importWh must be an integer number of watt-hours',
      },
    ]);
    expect(pathsAndCodes(check({ registerImportWh: '100' }))).toEqual([
      '/data/registerImportWh schema.integer',
    ]);
  });

  it.each([
    ['too short', 'DE000000000000000000000000001234'],
    ['lowercase', 'DE0000000000000000000000000abcdef'],
    ['not starting with DE', 'AT0000000000000000000000000012345'],
  ])('rejects a meter point id that is %s', (_why, meterPointId) => {
    const result = check({ meterPointId });
    expect(pathsAndCodes(result)).toEqual(['/data/meterPointId schema.pattern']);
    expect(problems(result)[0].message).toContain('German metering point id');
  });

  it('rejects an interval not aligned to the quarter hour', () => {
    const result = check({ intervalStart: '2026-01-05T06:01:00Z', intervalEnd: '2026-01-05T06:16:00Z' });
    expect(pathsAndCodes(result)).toEqual(['/data/intervalStart interval.not-aligned']);
  });

  it('rejects a quarter-hour interval of the wrong length', () => {
    expect(pathsAndCodes(check({ intervalEnd: '2026-01-05T06:30:00Z' }))).toEqual([
      '/data/intervalEnd interval.wrong-length',
    ]);
  });

  it('rejects 1-minute data not aligned to the minute', () => {
    const result = check({
      resolution: 'PT1M',
      intervalStart: '2026-01-05T06:00:30Z',
      intervalEnd: '2026-01-05T06:01:30Z',
    });
    expect(pathsAndCodes(result)).toEqual(['/data/intervalStart interval.not-aligned']);
    expect(problems(result)[0].message).toBe('intervalStart must be aligned to 1 minute (UTC)');
  });

  it('rejects an end that is not after the start', () => {
    expect(pathsAndCodes(check({ intervalEnd: '2026-01-05T06:00:00Z' }))).toEqual([
      '/data/intervalEnd interval.end-not-after-start',
    ]);
    expect(pathsAndCodes(check({ intervalEnd: '2026-01-05T05:45:00Z' }))).toEqual([
      '/data/intervalEnd interval.end-not-after-start',
    ]);
  });

  it('rejects an additional property in data and in the envelope', () => {
    expect(pathsAndCodes(check({ voltageV: 230 }))).toEqual(['/data/voltageV schema.additionalProperties']);
    const event = { ...exampleEvent(type), traceparent: 'x' };
    expect(pathsAndCodes(validateEvent(type, event))).toEqual(['/traceparent schema.additionalProperties']);
  });

  it('rejects times that are not UTC instants', () => {
    expect(pathsAndCodes(check({ intervalStart: '2026-01-05T07:00:00+01:00' }))).toEqual([
      '/data/intervalStart schema.pattern',
    ]);
    expect(pathsAndCodes(check({ intervalEnd: '2026-02-30T00:00:00Z' }))).toEqual([
      '/data/intervalEnd schema.format',
    ]);
  });

  it('returns every problem of an input with several, schema and semantic together', () => {
    const result = check({
      meterPointId: 'de123',
      importWh: -5,
      exportWh: 1.5,
      quality: 'guessed',
      intervalStart: '2026-01-05T06:05:00Z',
      intervalEnd: '2026-01-05T06:05:00Z',
      registerExportWh: undefined,
      extra: true,
    });
    expect(pathsAndCodes(result).sort()).toEqual(
      [
        '/data/meterPointId schema.pattern',
        '/data/importWh schema.minimum',
        '/data/exportWh schema.integer',
        '/data/quality schema.enum',
        '/data/registerExportWh schema.required',
        '/data/extra schema.additionalProperties',
        '/data/intervalStart interval.not-aligned',
        '/data/intervalEnd interval.end-not-after-start',
      ].sort(),
    );
  });

  it('validates the envelope too', () => {
    const event = {
      ...exampleEvent(type),
      specversion: '0.3',
      id: '',
      time: 'yesterday',
      subject: undefined,
    };
    delete event.subject;
    expect(pathsAndCodes(validateEvent(type, event)).sort()).toEqual(
      [
        '/specversion schema.const',
        '/id schema.minLength',
        '/time schema.pattern',
        '/subject schema.required',
      ].sort(),
    );
    expect(pathsAndCodes(validateEvent(type, 'not an object'))).toEqual([' schema.type']);
  });

  it('reports data paths relative to data in validateEventData', () => {
    const data = { ...exampleEventData(type), importWh: 1.5 };
    expect(pathsAndCodes(validateEventData(type, data))).toEqual(['/importWh schema.integer']);
  });
});

describe('other event rejections', () => {
  it('rejects telemetry out of range and non-integer power', () => {
    const t = EventTypes.batteryTelemetry;
    const result = validateEvent(
      t,
      withData(t, { stateOfChargePct: 101, temperatureC: -41, powerW: 10.5, assetId: '-bad', mode: 'turbo' }),
    );
    expect(pathsAndCodes(result).sort()).toEqual(
      [
        '/data/stateOfChargePct schema.maximum',
        '/data/temperatureC schema.minimum',
        '/data/powerW schema.integer',
        '/data/assetId schema.pattern',
        '/data/mode schema.enum',
      ].sort(),
    );
    expect(problems(result).find((p) => p.path === '/data/powerW')?.message).toBe(
      'powerW must be an integer number of watts',
    );
  });

  it('rejects a setpoint command without setpointW and an inverted validity window', () => {
    const c = EventTypes.batteryCommand;
    const result = validateEvent(
      c,
      withData(c, { setpointW: undefined, validUntil: '2026-01-05T06:15:00Z' }),
    );
    expect(pathsAndCodes(result).sort()).toEqual(
      ['/data/setpointW command.setpoint-missing', '/data/validUntil interval.end-not-after-start'].sort(),
    );
    expect(pathsAndCodes(validateEvent(c, withData(c, { mode: 'auto' })))).toEqual([
      '/data/setpointW command.setpoint-unexpected',
    ]);
  });

  it('v2 commands: a limit needs stationLimitW and socReservePct, a setpoint neither', () => {
    const c = EventTypes.batteryCommandV2;
    expect(validateEvent(c, exampleEvents.batteryCommandV2()).ok).toBe(true);
    expect(
      validateEvent(
        c,
        withData(c, {
          mode: 'setpoint',
          setpointW: -5_000,
          stationLimitW: undefined,
          socReservePct: undefined,
        }),
      ).ok,
    ).toBe(true);
    expect(
      pathsAndCodes(validateEvent(c, withData(c, { stationLimitW: undefined, setpointW: 1_000 }))).sort(),
    ).toEqual(
      ['/data/setpointW command.setpoint-unexpected', '/data/stationLimitW command.limit-missing'].sort(),
    );
    expect(pathsAndCodes(validateEvent(c, withData(c, { socReservePct: undefined })))).toEqual([
      '/data/socReservePct command.limit-missing',
    ]);
    expect(pathsAndCodes(validateEvent(c, withData(c, { mode: 'setpoint' }))).sort()).toEqual(
      [
        '/data/setpointW command.setpoint-missing',
        '/data/socReservePct command.limit-unexpected',
        '/data/stationLimitW command.limit-unexpected',
      ].sort(),
    );
    expect(
      pathsAndCodes(validateEvent(c, withData(c, { socReservePct: 101, stationLimitW: 1.5 }))).sort(),
    ).toEqual(['/data/socReservePct schema.maximum', '/data/stationLimitW schema.integer'].sort());
    // a v1 consumer cannot follow a limit: the v1 schema refuses the mode and the fields
    const v1 = validateEventData(EventTypes.batteryCommand, exampleEvents.batteryCommandV2().data);
    expect(v1.ok).toBe(false);
  });

  it('telemetry: control is additive, one of the four values', () => {
    const t = EventTypes.batteryTelemetry;
    expect(validateEvent(t, exampleEvents.batteryTelemetry()).ok).toBe(true);
    for (const control of ['planned-setpoint', 'planned-limit', 'local-rule', 'idle'] as const) {
      expect(validateEvent(t, withData(t, { control })).ok).toBe(true);
    }
    expect(pathsAndCodes(validateEvent(t, withData(t, { control: 'manual' })))).toEqual([
      '/data/control schema.enum',
    ]);
  });

  it('rejects crossing quantiles, misaligned and non-increasing forecast points', () => {
    const f = EventTypes.forecastIssued;
    const points = [
      { targetStart: '2026-01-05T06:15:00Z', p10Wh: 50, p50Wh: 40, p90Wh: 60 },
      { targetStart: '2026-01-05T06:15:00Z', p10Wh: 1, p50Wh: 2, p90Wh: 3 },
      { targetStart: '2026-01-05T06:40:00Z', p10Wh: -5, p50Wh: -6, p90Wh: -1 },
      { targetStart: '2026-01-05T07:00:00Z', p10Wh: 1.5, p50Wh: 2, p90Wh: 3 },
    ];
    expect(pathsAndCodes(validateEvent(f, withData(f, { points })))).toEqual([
      '/data/points/3/p10Wh schema.integer',
      '/data/points/0 quantiles.crossing',
      '/data/points/1/targetStart points.not-increasing',
      '/data/points/2/targetStart interval.not-aligned',
      '/data/points/2 quantiles.crossing',
    ]);
    expect(pathsAndCodes(validateEvent(f, withData(f, { points: [] })))).toEqual([
      '/data/points schema.minItems',
    ]);
    expect(pathsAndCodes(validateEvent(f, withData(f, { stepMinutes: 5 })))).toEqual([
      '/data/stepMinutes schema.enum',
    ]);
  });

  it('weather forecasts: steps aligned, increasing, after the issue time, quantities in range', () => {
    const w = EventTypes.weatherForecast;
    const points = [
      { targetStart: '2026-01-05T02:00:00Z', temperatureC: 1 },
      { targetStart: '2026-01-05T05:30:00Z', ghiWPerM2: 10 },
      { targetStart: '2026-01-05T05:00:00Z', cloudCoverPct: 101 },
      { targetStart: '2026-01-05T07:00:00Z', ghiWPerM2: -1 },
    ];
    expect(pathsAndCodes(validateEvent(w, withData(w, { points })))).toEqual([
      '/data/points/2/cloudCoverPct schema.maximum',
      '/data/points/3/ghiWPerM2 schema.minimum',
      '/data/points/0/targetStart points.before-issue',
      '/data/points/1/targetStart interval.not-aligned',
      '/data/points/2/targetStart points.not-increasing',
    ]);
    expect(pathsAndCodes(validateEvent(w, withData(w, { source: 'guess' })))).toEqual([
      '/data/source schema.enum',
    ]);
  });

  it('rejects settlement transactions with non-integer cents, wrong intervals and inconsistent parties', () => {
    const s = EventTypes.settlementTransaction;
    const result = validateEvent(s, withData(s, { amountCt: 23.4, energyWh: 0, priceMilliCtPerKWh: -1 }));
    expect(pathsAndCodes(result).sort()).toEqual(
      [
        '/data/amountCt schema.integer',
        '/data/energyWh schema.exclusiveMinimum',
        '/data/priceMilliCtPerKWh schema.minimum',
      ].sort(),
    );
    expect(problems(result).find((p) => p.path === '/data/amountCt')?.message).toBe(
      'amountCt must be an integer number of euro-cents',
    );
    expect(
      pathsAndCodes(
        validateEvent(
          s,
          withData(s, { intervalStart: '2026-01-05T06:00:00Z', intervalEnd: '2026-01-05T07:00:00Z' }),
        ),
      ),
    ).toEqual(['/data/intervalEnd interval.wrong-length']);
    expect(pathsAndCodes(validateEvent(s, withData(s, { kind: 'grid-import' })))).toEqual([
      '/data/sellerId transaction.counterparty-mismatch',
    ]);
    expect(pathsAndCodes(validateEvent(s, withData(s, { kind: 'adjustment' })))).toEqual([
      '/data/adjustsTransactionId transaction.adjusts-missing',
    ]);
    expect(pathsAndCodes(validateEvent(s, withData(s, { buyerId: 'UTILITIES' })))).toEqual([
      '/data/buyerId schema.pattern',
    ]);
  });

  it('expresses a reversal: an adjustment with direction reversal, never negative energy', () => {
    const s = EventTypes.settlementTransaction;
    const reversal = {
      kind: 'adjustment',
      adjustsTransactionId: 'tx-0',
      direction: 'reversal',
      version: 2,
    } as const;
    expect(validateEvent(s, withData(s, reversal)).ok).toBe(true);
    expect(validateEvent(s, withData(s, { direction: 'delivery', version: 1 })).ok).toBe(true);
    expect(pathsAndCodes(validateEvent(s, withData(s, { direction: 'reversal' })))).toEqual([
      '/data/direction transaction.reversal-not-adjustment',
    ]);
    expect(pathsAndCodes(validateEvent(s, withData(s, { ...reversal, energyWh: -5 })))).toEqual([
      '/data/energyWh schema.exclusiveMinimum',
    ]);
    expect(pathsAndCodes(validateEvent(s, withData(s, { ...reversal, version: 0 })))).toEqual([
      '/data/version schema.minimum',
    ]);
    expect(pathsAndCodes(validateEvent(s, withData(s, { direction: 'refund' })))).toEqual([
      '/data/direction schema.enum',
    ]);
    const b = EventTypes.settlementBatch;
    expect(validateEvent(b, withData(b, { version: 2 })).ok).toBe(true);
  });

  it('rejects a batch whose count does not match its ids', () => {
    const b = EventTypes.settlementBatch;
    expect(pathsAndCodes(validateEvent(b, withData(b, { transactionCount: 3 })))).toEqual([
      '/data/transactionCount batch.count-mismatch',
    ]);
    expect(
      pathsAndCodes(
        validateEvent(b, withData(b, { merkleRoot: '0xABC', txHash: `0x${'AB'.repeat(32)}`, chainId: 0 })),
      ).sort(),
    ).toEqual([
      '/data/chainId schema.exclusiveMinimum',
      '/data/merkleRoot schema.pattern',
      '/data/txHash schema.pattern',
    ]);
    expect(
      pathsAndCodes(validateEvent(b, withData(b, { transactionIds: ['a', 'a'], transactionCount: 2 }))),
    ).toEqual(['/data/transactionIds schema.uniqueItems']);
  });

  it('rejects a bad alert code and a bad dead letter', () => {
    expect(
      pathsAndCodes(validateEvent(EventTypes.alert, withData(EventTypes.alert, { code: 'overload' }))),
    ).toEqual(['/data/code schema.pattern']);
    const d = EventTypes.deadLetter;
    expect(
      pathsAndCodes(
        validateEvent(d, withData(d, { offset: '-1', keyBase64: 5, reason: { code: 'bad', message: 'x' } })),
      ).sort(),
    ).toEqual([
      '/data/keyBase64 schema.anyOf',
      '/data/offset schema.pattern',
      '/data/reason/code schema.pattern',
    ]);
  });
});

describe('parseEvent', () => {
  it('reports unparseable bytes as JSON.PARSE', () => {
    const result = parseEvent(Buffer.from('{"specversion":'));
    expect(pathsAndCodes(result)).toEqual([' JSON.PARSE']);
    expect(problems(result)[0].message).toMatch(/^not valid JSON/);
  });

  it('reports an unknown type as EVENT.UNKNOWN_TYPE', () => {
    const event = { ...exampleEvents.alert(), type: 'de.gridwerk.alert.v9' };
    expect(pathsAndCodes(parseEvent(JSON.stringify(event)))).toEqual(['/type EVENT.UNKNOWN_TYPE']);
  });

  it('reports another type than expected as EVENT.TYPE_MISMATCH', () => {
    const event = exampleEvents.alert();
    expect(pathsAndCodes(parseEvent(JSON.stringify(event), EventTypes.meterReading))).toEqual([
      '/type EVENT.TYPE_MISMATCH',
    ]);
  });

  it('reports envelope problems when there is no type at all', () => {
    const { type: _type, ...rest } = exampleEvents.alert();
    expect(pathsAndCodes(parseEvent(JSON.stringify(rest)))).toEqual(['/type schema.required']);
    expect(pathsAndCodes(parseEvent('[]'))).toEqual([' schema.type']);
  });

  it('validates the contract of a known type', () => {
    const event = withData(EventTypes.meterReading, { importWh: -1 });
    expect(pathsAndCodes(parseEvent(JSON.stringify(event)))).toEqual(['/data/importWh schema.minimum']);
  });

  it('turns problems into a dead-letter reason', () => {
    expect(deadLetterReasonFor(problems(parseEvent('nope'))).code).toBe('JSON.PARSE');
    const reason = deadLetterReasonFor(
      problems(parseEvent(JSON.stringify(withData(EventTypes.meterReading, { importWh: -1 })))),
    );
    expect(reason.code).toBe('CONTRACT.INVALID');
    expect(reason.problems).toHaveLength(1);
  });
});

describe('rules of raw series with reasons of their own (issue 11)', () => {
  const r = EventTypes.meterReading;
  const t = EventTypes.batteryTelemetry;

  it('rejects sub-second digits in reading and telemetry instants, but accepts zero fractions', () => {
    const precise = validateEvent(r, withData(r, { intervalStart: '2026-01-05T06:00:00.0009Z' }));
    expect(pathsAndCodes(precise)).toEqual(['/data/intervalStart instant.not-whole-seconds']);
    expect(deadLetterReasonFor(problems(precise)).code).toBe('CONTRACT.INSTANT_PRECISION');
    const event = exampleEvent(r);
    const zero = validateEvent(
      r,
      withData(r, {
        intervalStart: event.data.intervalStart.replace('Z', '.000Z'),
      }),
    );
    expect(zero.ok).toBe(true);
    const sample = validateEvent(t, withData(t, { time: '2026-01-05T06:00:00.5Z' }));
    expect(pathsAndCodes(sample)).toEqual(['/data/time instant.not-whole-seconds']);
    // a malformed instant stays a plain contract violation
    const garbage = validateEvent(r, withData(r, { intervalStart: 'yesterday' }));
    expect(deadLetterReasonFor(problems(garbage)).code).toBe('CONTRACT.INVALID');
  });

  it('bounds energies and registers so that they fit bigint and stay safe integers', () => {
    const huge = validateEvent(r, withData(r, { importWh: 1_000_000_000_001 }));
    expect(pathsAndCodes(huge)).toEqual(['/data/importWh schema.maximum']);
    expect(deadLetterReasonFor(problems(huge)).code).toBe('CONTRACT.VALUE_OUT_OF_RANGE');
    // 2^53 + 1 arrives as JSON text and parses to 2^53: beyond MAX_SAFE_INTEGER, rejected
    const text = JSON.stringify(exampleEvent(r)).replace(
      /"registerImportWh":\d+/,
      '"registerImportWh":9007199254740993',
    );
    const parsed = parseEvent(text, r);
    expect(pathsAndCodes(parsed)).toEqual(['/data/registerImportWh schema.maximum']);
    expect(validateEvent(r, withData(r, { registerImportWh: Number.MAX_SAFE_INTEGER })).ok).toBe(true);
  });

  it('requires the subject to name the meter point (or battery) of the data', () => {
    const event = { ...exampleEvent(r), subject: 'DE0000000000000000000000000000OTHER' };
    const result = validateEvent(r, event);
    expect(pathsAndCodes(result)).toEqual(['/subject subject.mismatch']);
    expect(deadLetterReasonFor(problems(result)).code).toBe('CONTRACT.SUBJECT_MISMATCH');
    const sample = { ...exampleEvent(t), subject: 'BAT-OTHER' };
    expect(pathsAndCodes(validateEvent(t, sample))).toEqual(['/subject subject.mismatch']);
  });

  it('checks the Kafka key against the key field of the topic', () => {
    const event = exampleEvent(r);
    expect(checkMessageKey(r, event.data.meterPointId, event.data)).toEqual([]);
    expect(checkMessageKey(r, Buffer.from(event.data.meterPointId), event.data)).toEqual([]);
    const wrong = checkMessageKey(r, 'some-other-key', event.data);
    expect(wrong.map((p) => p.code)).toEqual(['key.mismatch']);
    expect(checkMessageKey(r, null, event.data).map((p) => p.code)).toEqual(['key.mismatch']);
    expect(deadLetterReasonFor(wrong).code).toBe('MESSAGE.KEY_MISMATCH');
  });

  it('keeps CONTRACT.INVALID when a specific rule comes with other violations', () => {
    const mixed = validateEvent(r, withData(r, { importWh: 1e13, quality: 'guessed' }));
    expect(deadLetterReasonFor(problems(mixed)).code).toBe('CONTRACT.INVALID');
  });

  it('publishes the same bounds in the JSON Schema', () => {
    const schema = jsonSchemaDocumentOf(r) as { properties: Record<string, Record<string, unknown>> };
    expect(schema.properties['importWh']?.['maximum']).toBe(MAX_INTERVAL_ENERGY_WH);
    expect(schema.properties['registerExportWh']?.['maximum']).toBe(Number.MAX_SAFE_INTEGER);
    expect(schema.properties['intervalStart']?.['pattern']).toBe(WHOLE_SECOND_INSTANT_PATTERN.source);
  });
});
