import type { BatteryTelemetry, MeterReading } from '@gridwerk/contracts';

/** One meter reading as stored: the contract's data plus the CloudEvents id (the idempotency key). */
export interface ReadingRow {
  eventId: string;
  meterPointId: string;
  /** ISO-8601 UTC instant (or a Date). */
  intervalStart: string | Date;
  intervalEnd: string | Date;
  resolution: MeterReading['resolution'];
  importWh: number;
  exportWh: number;
  registerImportWh: number;
  registerExportWh: number;
  quality: MeterReading['quality'];
}

/** One battery telemetry sample as stored, plus the CloudEvents id. */
export interface TelemetryRow {
  eventId: string;
  assetId: string;
  time: string | Date;
  stateOfChargePct: number;
  powerW: number;
  usableCapacityWh: number;
  stateOfHealthPct: number;
  temperatureC: number;
  mode: string;
}

export interface WriteResult {
  /** Rows newly stored by this call. */
  inserted: number;
  /** Rows already stored (replays, duplicates within the batch). inserted + duplicates = rows given. */
  duplicates: number;
}

/** One correction of a batch, as logged: the key, its newest version and the version now current. */
export interface CorrectionSample {
  meterPointId: string;
  intervalStart: string;
  eventId: string;
  quality: string;
  currentEventId: string;
  currentQuality: string;
}

/** What a batch of readings did. inserted + duplicates + corrections = rows given. */
export interface ReadingWriteResult extends WriteResult {
  /** New versions of readings already stored (kept in meter_reading_version). */
  corrections: number;
  /** ... of which became the current value (precedence: measured > substituted > estimated, then latest). */
  correctionsApplied: number;
  /** Up to 5 of them, for the log. */
  correctionSamples?: CorrectionSample[];
}

export function readingRowOf(eventId: string, data: MeterReading): ReadingRow {
  return { eventId, ...data };
}

export function telemetryRowOf(eventId: string, data: BatteryTelemetry): TelemetryRow {
  return { eventId, ...data };
}

export type StorageMode = 'timescaledb' | 'native-partitioning';
export type RollupLevel = 'secondary_substation' | 'feeder' | 'substation';
export type BucketWidth = '15m' | '1h';

/** One bucket of a load rollup (all energies in Wh; net = import - export, negative = net feed-in). */
export interface LoadBucket {
  nodeId: string;
  /** ISO-8601 UTC start of the bucket. */
  bucketStart: string;
  importWh: number;
  exportWh: number;
  netWh: number;
  metersReporting: number;
}
