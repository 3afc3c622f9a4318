import { EventType, EventTypes } from './event-types';
import {
  ASSET_ID_PATTERN,
  METER_POINT_ID_PATTERN,
  MINUTE_MS,
  QUARTER_HOUR_MS,
  UTILITY_PARTY_ID,
  toEpochMs,
} from './units';
import { ValidationProblem } from './validation-problem';

/**
 * Rules JSON Schema cannot express: interval alignment and length, ordering, cross-field consistency.
 * They run on untrusted input next to the schema check (so that every problem is reported at once) and
 * therefore only look at fields that already have the right shape; the schema reports the rest.
 * Paths are JSON pointers relative to `data`.
 */
export const SemanticCodes = {
  intervalNotAligned: 'interval.not-aligned',
  intervalEndNotAfterStart: 'interval.end-not-after-start',
  intervalWrongLength: 'interval.wrong-length',
  quantilesCrossing: 'quantiles.crossing',
  pointsNotIncreasing: 'points.not-increasing',
  batchCountMismatch: 'batch.count-mismatch',
  commandSetpointMissing: 'command.setpoint-missing',
  commandSetpointUnexpected: 'command.setpoint-unexpected',
  commandLimitMissing: 'command.limit-missing',
  commandLimitUnexpected: 'command.limit-unexpected',
  pointBeforeIssue: 'points.before-issue',
  transactionSelfTrade: 'transaction.self-trade',
  transactionCounterpartyMismatch: 'transaction.counterparty-mismatch',
  transactionAdjustsMissing: 'transaction.adjusts-missing',
  transactionAdjustsUnexpected: 'transaction.adjusts-unexpected',
  transactionReversalNotAdjustment: 'transaction.reversal-not-adjustment',
  instantNotWholeSeconds: 'instant.not-whole-seconds',
  subjectMismatch: 'subject.mismatch',
  keyMismatch: 'key.mismatch',
} as const;

type Fields = Readonly<Record<string, unknown>>;

function asFields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

function instant(fields: Fields, key: string): number | undefined {
  const value = fields[key];
  return typeof value === 'string' ? toEpochMs(value) : undefined;
}

function integer(fields: Fields, key: string): number | undefined {
  const value = fields[key];
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function str(fields: Fields, key: string): string | undefined {
  const value = fields[key];
  return typeof value === 'string' ? value : undefined;
}

function minutes(ms: number): string {
  return ms === MINUTE_MS ? '1 minute' : `${ms / MINUTE_MS} minutes`;
}

/**
 * `[startKey, endKey)`: end strictly after start; start aligned to `stepMs`; and either the length is
 * exactly `lengthMs` or (without a fixed length) the end is aligned too.
 */
function checkInterval(
  fields: Fields,
  startKey: string,
  endKey: string,
  stepMs: number | undefined,
  lengthMs: number | undefined,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const start = instant(fields, startKey);
  const end = instant(fields, endKey);
  if (stepMs !== undefined && start !== undefined && start % stepMs !== 0) {
    problems.push({
      path: `/${startKey}`,
      code: SemanticCodes.intervalNotAligned,
      message: `${startKey} must be aligned to ${minutes(stepMs)} (UTC)`,
    });
  }
  if (start === undefined || end === undefined) return problems;
  if (end <= start) {
    problems.push({
      path: `/${endKey}`,
      code: SemanticCodes.intervalEndNotAfterStart,
      message: `${endKey} must be after ${startKey}`,
    });
  } else if (lengthMs !== undefined && end - start !== lengthMs) {
    problems.push({
      path: `/${endKey}`,
      code: SemanticCodes.intervalWrongLength,
      message: `the interval must last exactly ${minutes(lengthMs)}, not ${(end - start) / MINUTE_MS} minutes`,
    });
  } else if (lengthMs === undefined && stepMs !== undefined && end % stepMs !== 0) {
    problems.push({
      path: `/${endKey}`,
      code: SemanticCodes.intervalNotAligned,
      message: `${endKey} must be aligned to ${minutes(stepMs)} (UTC)`,
    });
  }
  return problems;
}

const RESOLUTION_MS: Readonly<Record<string, number>> = { PT15M: QUARTER_HOUR_MS, PT1M: MINUTE_MS };

function meterReading(d: Fields): ValidationProblem[] {
  const resolution = str(d, 'resolution');
  const stepMs = resolution === undefined ? undefined : RESOLUTION_MS[resolution];
  return checkInterval(d, 'intervalStart', 'intervalEnd', stepMs, stepMs);
}

function batteryCommand(d: Fields): ValidationProblem[] {
  const problems = checkInterval(d, 'validFrom', 'validUntil', undefined, undefined);
  const mode = str(d, 'mode');
  if (mode === 'setpoint' && d['setpointW'] === undefined) {
    problems.push({
      path: '/setpointW',
      code: SemanticCodes.commandSetpointMissing,
      message: 'setpointW (watts) is required when mode is setpoint',
    });
  } else if (mode !== undefined && mode !== 'setpoint' && d['setpointW'] !== undefined) {
    problems.push({
      path: '/setpointW',
      code: SemanticCodes.commandSetpointUnexpected,
      message: `setpointW must be absent when mode is ${mode}`,
    });
  }
  return problems;
}

/** v2: `setpointW` exactly with mode setpoint; `stationLimitW` and `socReservePct` exactly with mode limit. */
function batteryCommandV2(d: Fields): ValidationProblem[] {
  const problems = checkInterval(d, 'validFrom', 'validUntil', undefined, undefined);
  const mode = str(d, 'mode');
  if (mode === undefined) return problems;
  if (mode === 'setpoint' && d['setpointW'] === undefined) {
    problems.push({
      path: '/setpointW',
      code: SemanticCodes.commandSetpointMissing,
      message: 'setpointW (watts) is required when mode is setpoint',
    });
  } else if (mode !== 'setpoint' && d['setpointW'] !== undefined) {
    problems.push({
      path: '/setpointW',
      code: SemanticCodes.commandSetpointUnexpected,
      message: `setpointW must be absent when mode is ${mode}`,
    });
  }
  for (const [field, what] of [
    ['stationLimitW', 'the station-flow limit (watts)'],
    ['socReservePct', 'the SoC reserve (% of usable)'],
  ] as const) {
    if (mode === 'limit' && d[field] === undefined) {
      problems.push({
        path: `/${field}`,
        code: SemanticCodes.commandLimitMissing,
        message: `${field}, ${what}, is required when mode is limit`,
      });
    } else if (mode !== 'limit' && d[field] !== undefined) {
      problems.push({
        path: `/${field}`,
        code: SemanticCodes.commandLimitUnexpected,
        message: `${field} must be absent when mode is ${mode}`,
      });
    }
  }
  return problems;
}

/** A point's `targetStart`: aligned to the step (when known) and strictly after the previous point's. */
function checkPointStart(
  problems: ValidationProblem[],
  i: number,
  start: number,
  previous: number | undefined,
  stepMs: number | undefined,
): void {
  if (stepMs !== undefined && start % stepMs !== 0) {
    problems.push({
      path: `/points/${i}/targetStart`,
      code: SemanticCodes.intervalNotAligned,
      message: `targetStart must be aligned to the step of ${minutes(stepMs)} (UTC)`,
    });
  }
  if (previous !== undefined && start <= previous) {
    problems.push({
      path: `/points/${i}/targetStart`,
      code: SemanticCodes.pointsNotIncreasing,
      message: 'targetStart must be strictly after the previous point',
    });
  }
}

/** Points aligned to the step, strictly increasing, none before the issue time (a forecast, not an observation). */
function weatherForecast(d: Fields): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const stepMinutes = integer(d, 'stepMinutes');
  const stepMs =
    stepMinutes !== undefined && [15, 60].includes(stepMinutes) ? stepMinutes * MINUTE_MS : undefined;
  const issue = instant(d, 'issueTime');
  const points = d['points'];
  if (!Array.isArray(points)) return problems;
  let previous: number | undefined;
  points.forEach((raw: unknown, i) => {
    const point = asFields(raw);
    if (!point) return;
    const start = instant(point, 'targetStart');
    if (start === undefined) return;
    checkPointStart(problems, i, start, previous, stepMs);
    if (issue !== undefined && stepMs !== undefined && start + stepMs <= issue) {
      problems.push({
        path: `/points/${i}/targetStart`,
        code: SemanticCodes.pointBeforeIssue,
        message: 'a forecast step must not end at or before the issue time',
      });
    }
    previous = start;
  });
  return problems;
}

function forecastIssued(d: Fields): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const stepMinutes = integer(d, 'stepMinutes');
  const stepMs =
    stepMinutes !== undefined && [1, 15, 60].includes(stepMinutes) ? stepMinutes * MINUTE_MS : undefined;
  const points = d['points'];
  if (!Array.isArray(points)) return problems;
  let previous: number | undefined;
  points.forEach((raw: unknown, i) => {
    const point = asFields(raw);
    if (!point) return;
    const start = instant(point, 'targetStart');
    if (start !== undefined) {
      checkPointStart(problems, i, start, previous, stepMs);
      previous = start;
    }
    const p10 = integer(point, 'p10Wh');
    const p50 = integer(point, 'p50Wh');
    const p90 = integer(point, 'p90Wh');
    if (p10 !== undefined && p50 !== undefined && p90 !== undefined && !(p10 <= p50 && p50 <= p90)) {
      problems.push({
        path: `/points/${i}`,
        code: SemanticCodes.quantilesCrossing,
        message: `quantiles must not cross: p10Wh <= p50Wh <= p90Wh, got ${p10}, ${p50}, ${p90}`,
      });
    }
  });
  return problems;
}

function settlementTransaction(d: Fields): ValidationProblem[] {
  const problems = checkInterval(d, 'intervalStart', 'intervalEnd', QUARTER_HOUR_MS, QUARTER_HOUR_MS);
  const seller = str(d, 'sellerId');
  const buyer = str(d, 'buyerId');
  const kind = str(d, 'kind');
  if (seller !== undefined && seller === buyer) {
    problems.push({
      path: '/buyerId',
      code: SemanticCodes.transactionSelfTrade,
      message: 'buyerId must differ from sellerId',
    });
  }
  const mismatch = (path: string, message: string) =>
    problems.push({ path, code: SemanticCodes.transactionCounterpartyMismatch, message });
  if (kind === 'grid-import' && seller !== undefined && seller !== UTILITY_PARTY_ID) {
    mismatch('/sellerId', `a grid-import transaction is sold by ${UTILITY_PARTY_ID}`);
  }
  if (kind === 'grid-export' && buyer !== undefined && buyer !== UTILITY_PARTY_ID) {
    mismatch('/buyerId', `a grid-export transaction is bought by ${UTILITY_PARTY_ID}`);
  }
  if (kind === 'allocation') {
    if (seller === UTILITY_PARTY_ID) mismatch('/sellerId', 'an allocation is between community members');
    if (buyer === UTILITY_PARTY_ID) mismatch('/buyerId', 'an allocation is between community members');
  }
  if (d['direction'] === 'reversal' && kind !== undefined && kind !== 'adjustment') {
    problems.push({
      path: '/direction',
      code: SemanticCodes.transactionReversalNotAdjustment,
      message: `a reversal is an adjustment, not ${kind}`,
    });
  }
  const adjusts = d['adjustsTransactionId'];
  if (kind === 'adjustment' && adjusts === undefined) {
    problems.push({
      path: '/adjustsTransactionId',
      code: SemanticCodes.transactionAdjustsMissing,
      message: 'an adjustment must name the transaction it adjusts (adjustsTransactionId)',
    });
  } else if (kind !== undefined && kind !== 'adjustment' && adjusts !== undefined) {
    problems.push({
      path: '/adjustsTransactionId',
      code: SemanticCodes.transactionAdjustsUnexpected,
      message: `adjustsTransactionId is only allowed for kind adjustment, not ${kind}`,
    });
  }
  return problems;
}

function settlementBatch(d: Fields): ValidationProblem[] {
  const problems = checkInterval(d, 'intervalStart', 'intervalEnd', QUARTER_HOUR_MS, undefined);
  const ids = d['transactionIds'];
  const count = integer(d, 'transactionCount');
  if (Array.isArray(ids) && count !== undefined && count !== ids.length) {
    problems.push({
      path: '/transactionCount',
      code: SemanticCodes.batchCountMismatch,
      message: `transactionCount is ${count} but transactionIds has ${ids.length} entries`,
    });
  }
  return problems;
}

const RULES: Readonly<Record<EventType, (data: Fields) => ValidationProblem[]>> = {
  [EventTypes.meterReading]: meterReading,
  [EventTypes.batteryTelemetry]: () => [],
  [EventTypes.batteryCommand]: batteryCommand,
  [EventTypes.batteryCommandV2]: batteryCommandV2,
  [EventTypes.forecastIssued]: forecastIssued,
  [EventTypes.settlementTransaction]: settlementTransaction,
  [EventTypes.settlementBatch]: settlementBatch,
  [EventTypes.alert]: () => [],
  [EventTypes.deadLetter]: () => [],
  [EventTypes.weatherForecast]: weatherForecast,
};

/**
 * Raw-series events are about one meter point or battery: the CloudEvents `subject` must name it
 * (data.meterPointId / data.assetId), as the Kafka key must (checkMessageKey).
 */
const SUBJECT_FIELD: Partial<Record<EventType, { field: string; pattern: RegExp }>> = {
  [EventTypes.meterReading]: { field: 'meterPointId', pattern: METER_POINT_ID_PATTERN },
  [EventTypes.batteryTelemetry]: { field: 'assetId', pattern: ASSET_ID_PATTERN },
};

/** Envelope rules across envelope and data (paths absolute, e.g. `/subject`). */
export function checkEnvelopeSemantics(type: EventType, input: unknown): ValidationProblem[] {
  const rule = SUBJECT_FIELD[type];
  const envelope = asFields(input);
  const data = envelope ? asFields(envelope['data']) : undefined;
  if (!rule || !envelope || !data) return [];
  const field = rule.field;
  const subject = str(envelope, 'subject');
  const id = str(data, field);
  // a malformed id is the schema's problem; the subject is compared with well-formed ids only
  if (subject === undefined || id === undefined || !rule.pattern.test(id) || subject === id) return [];
  return [
    {
      path: '/subject',
      code: SemanticCodes.subjectMismatch,
      message: `subject must equal data.${field} (${id}), got ${JSON.stringify(subject.slice(0, 80))}`,
    },
  ];
}

/** Semantic problems of `data` of the given event type (paths relative to `data`). */
export function checkSemantics(type: EventType, data: unknown): ValidationProblem[] {
  const fields = asFields(data);
  return fields ? RULES[type](fields) : [];
}
