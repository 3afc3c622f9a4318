import { createEvent } from '../envelope';
import { EventDataOf, EventOf } from '../event-registry';
import { EventType, EventTypes } from '../event-types';

/**
 * Valid example data and events of every type, for tests in any lib. Deterministic (fixed ids and
 * times); each call returns a fresh object, so tests may mutate it.
 */
export const EXAMPLE_METER_POINT_ID = 'DE0000000000000000000000000012345';
export const EXAMPLE_METER_POINT_ID_2 = 'DE000000000000000000000000001234B';
export const EXAMPLE_TIME = '2026-01-05T06:15:00Z';

const exampleData: { [T in EventType]: () => EventDataOf<T> } = {
  [EventTypes.meterReading]: () => ({
    meterPointId: EXAMPLE_METER_POINT_ID,
    intervalStart: '2026-01-05T06:00:00Z',
    intervalEnd: '2026-01-05T06:15:00Z',
    resolution: 'PT15M',
    importWh: 250,
    exportWh: 0,
    registerImportWh: 12_345_678,
    registerExportWh: 2_345_678,
    quality: 'measured',
  }),
  [EventTypes.batteryTelemetry]: () => ({
    assetId: 'bat-leipzig-0007',
    time: '2026-01-05T06:15:00Z',
    stateOfChargePct: 63.5,
    powerW: -4_200,
    usableCapacityWh: 82_000,
    stateOfHealthPct: 78.2,
    temperatureC: 21.4,
    mode: 'auto',
  }),
  [EventTypes.batteryCommand]: () => ({
    commandId: 'cmd-2026-01-05-0001',
    assetId: 'bat-leipzig-0007',
    issuedAt: '2026-01-05T06:10:00Z',
    validFrom: '2026-01-05T06:15:00Z',
    validUntil: '2026-01-05T07:15:00Z',
    mode: 'setpoint',
    setpointW: 15_000,
    reason: 'peak shaving feeder F-12',
  }),
  [EventTypes.batteryCommandV2]: () => ({
    commandId: 'cmd-2026-01-05-0002',
    assetId: 'bat-leipzig-0007',
    issuedAt: '2026-01-05T16:50:00Z',
    validFrom: '2026-01-05T17:00:00Z',
    validUntil: '2026-01-05T17:15:00Z',
    mode: 'limit',
    stationLimitW: 400_000,
    socReservePct: 35,
    reason: 'hold ONS-0001 under its rating; keep 35 % for 18:00-19:00',
  }),
  [EventTypes.forecastIssued]: () => ({
    seriesId: 'feeder:F-12',
    seriesKind: 'feeder',
    horizon: 'intraday',
    issueTime: '2026-01-05T06:05:00Z',
    modelVersion: 'lgbm-quantile-2026.01.1',
    stepMinutes: 15,
    unit: 'Wh',
    points: [
      { targetStart: '2026-01-05T06:15:00Z', p10Wh: 41_000, p50Wh: 45_500, p90Wh: 50_200 },
      { targetStart: '2026-01-05T06:30:00Z', p10Wh: 42_300, p50Wh: 47_000, p90Wh: 52_900 },
      { targetStart: '2026-01-05T06:45:00Z', p10Wh: -3_000, p50Wh: -1_200, p90Wh: 800 },
    ],
  }),
  [EventTypes.settlementTransaction]: () => ({
    transactionId: 'tx-c1-20260105T0600Z-0001',
    communityId: 'community-plagwitz',
    intervalStart: '2026-01-05T06:00:00Z',
    intervalEnd: '2026-01-05T06:15:00Z',
    sellerId: EXAMPLE_METER_POINT_ID,
    buyerId: EXAMPLE_METER_POINT_ID_2,
    energyWh: 1_250,
    priceMilliCtPerKWh: 18_500,
    amountCt: 23,
    kind: 'allocation',
    rule: 'pro-rata',
  }),
  [EventTypes.settlementBatch]: () => ({
    batchId: 'batch-c1-20260105T0600Z',
    communityId: 'community-plagwitz',
    intervalStart: '2026-01-05T06:00:00Z',
    intervalEnd: '2026-01-05T06:15:00Z',
    transactionIds: ['tx-c1-20260105T0600Z-0001', 'tx-c1-20260105T0600Z-0002'],
    transactionCount: 2,
    totalEnergyWh: 2_100,
    totalAmountCt: 39,
    merkleRoot: `0x${'ab'.repeat(32)}`,
    chainId: 31_337,
    contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    txHash: `0x${'0c'.repeat(32)}`,
    blockNumber: 42,
    committedAt: '2026-01-05T06:16:03.120Z',
  }),
  [EventTypes.alert]: () => ({
    alertId: 'alert-0001',
    assetId: 'ONS-LE-0815',
    assetKind: 'transformer',
    severity: 'warning',
    code: 'TRANSFORMER.OVERLOAD',
    message: 'Ortsnetzstation ONS-LE-0815 at 112 % of rated power',
    raisedAt: '2026-01-05T06:15:00Z',
    value: 112,
    threshold: 100,
    unit: '%',
  }),
  [EventTypes.deadLetter]: () => ({
    originalTopic: 'grid.meter.readings.v1',
    partition: 3,
    offset: '1048576',
    consumerGroup: 'ingest',
    keyBase64: Buffer.from(EXAMPLE_METER_POINT_ID).toString('base64'),
    valueBase64: Buffer.from('{"not":"an event"').toString('base64'),
    headers: { traceparent: Buffer.from('00-abc-def-01').toString('base64') },
    reason: { code: 'JSON.PARSE', message: 'not valid JSON: Unexpected end of JSON input' },
    failedAt: '2026-01-05T06:15:02.500Z',
  }),
  [EventTypes.weatherForecast]: () => ({
    weatherPointId: '10469',
    source: 'dwd-mosmix',
    issueTime: '2026-01-05T03:00:00Z',
    stepMinutes: 60,
    points: [
      {
        targetStart: '2026-01-05T04:00:00Z',
        ghiWPerM2: 0,
        temperatureC: -1.4,
        cloudCoverPct: 88,
        windSpeedMPerS: 3.1,
      },
      { targetStart: '2026-01-05T10:00:00Z', ghiWPerM2: 143.6, temperatureC: 1.2, cloudCoverPct: 63 },
    ],
  }),
};

const exampleSubject: { [T in EventType]: (data: EventDataOf<T>) => string } = {
  [EventTypes.meterReading]: (d) => d.meterPointId,
  [EventTypes.batteryTelemetry]: (d) => d.assetId,
  [EventTypes.batteryCommand]: (d) => d.assetId,
  [EventTypes.batteryCommandV2]: (d) => d.assetId,
  [EventTypes.forecastIssued]: (d) => d.seriesId,
  [EventTypes.settlementTransaction]: (d) => d.communityId,
  [EventTypes.settlementBatch]: (d) => d.communityId,
  [EventTypes.alert]: (d) => d.assetId,
  [EventTypes.deadLetter]: (d) => d.originalTopic,
  [EventTypes.weatherForecast]: (d) => d.weatherPointId,
};

/** Valid `data` of the given type, with optional overrides (shallow). */
export function exampleEventData<T extends EventType>(
  type: T,
  overrides: Partial<EventDataOf<T>> = {},
): EventDataOf<T> {
  const build = exampleData[type] as () => EventDataOf<T>;
  return { ...build(), ...overrides };
}

/** A valid, deterministic event of the given type (id `example-<type>`), with optional data overrides. */
export function exampleEvent<T extends EventType>(
  type: T,
  overrides: Partial<EventDataOf<T>> = {},
): EventOf<T> {
  const data = exampleEventData(type, overrides);
  const subject = (exampleSubject[type] as (d: EventDataOf<T>) => string)(data);
  return createEvent(type, data, {
    id: `example-${type}`,
    source: '/gridwerk/examples',
    subject,
    time: EXAMPLE_TIME,
    correlationId: 'corr-example',
  });
}

/** One valid event per type: `exampleEvents.meterReading()`, ... */
export const exampleEvents = {
  meterReading: () => exampleEvent(EventTypes.meterReading),
  batteryTelemetry: () => exampleEvent(EventTypes.batteryTelemetry),
  batteryCommand: () => exampleEvent(EventTypes.batteryCommand),
  batteryCommandV2: () => exampleEvent(EventTypes.batteryCommandV2),
  forecastIssued: () => exampleEvent(EventTypes.forecastIssued),
  settlementTransaction: () => exampleEvent(EventTypes.settlementTransaction),
  settlementBatch: () => exampleEvent(EventTypes.settlementBatch),
  alert: () => exampleEvent(EventTypes.alert),
  deadLetter: () => exampleEvent(EventTypes.deadLetter),
  weatherForecast: () => exampleEvent(EventTypes.weatherForecast),
} as const;
