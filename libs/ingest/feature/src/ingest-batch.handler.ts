import {
  BatteryTelemetry,
  deadLetterReasonFor,
  EventTypes,
  MeterReading,
  parseEvent,
  Topics,
} from '@gridwerk/contracts';
import type { DeadLetterReason, FailedMessage } from '@gridwerk/shared/data-access-kafka';

export type MeterReadingRow = MeterReading & { eventId: string };
export type TelemetryRow = BatteryTelemetry & { eventId: string };

export interface WriteResult {
  inserted: number;
  duplicates: number;
}

/** Where valid rows go; one call is one database transaction. */
export interface ReadingSink {
  writeReadings(rows: MeterReadingRow[]): Promise<WriteResult>;
  writeTelemetry(rows: TelemetryRow[]): Promise<WriteResult>;
}

/** Where invalid messages go (grid.dlq.v1 in production). */
export interface DeadLetterSink {
  publishAll(items: { msg: FailedMessage; reason: DeadLetterReason }[]): Promise<void>;
}

export interface BatchOutcome {
  readings: WriteResult;
  telemetry: WriteResult;
  deadLettered: number;
  reasons: Record<string, number>;
}

/**
 * The ingest use case for one batch of Kafka messages: validate every message against its topic's
 * contract, write the valid rows (idempotent: a replay inserts nothing), dead-letter the rest with
 * the reason. It throws only for infrastructure failures, so the caller retries and does not commit.
 */
export interface IngestTopics {
  readings: string;
  telemetry: string;
}

export const DEFAULT_INGEST_TOPICS: IngestTopics = {
  readings: Topics.meterReadings,
  telemetry: Topics.batteryTelemetry,
};

export class IngestBatchHandler {
  constructor(
    private readonly sink: ReadingSink,
    private readonly deadLetters: DeadLetterSink,
    private readonly topics: IngestTopics = DEFAULT_INGEST_TOPICS,
  ) {}

  async handle(messages: readonly FailedMessage[]): Promise<BatchOutcome> {
    const readings: MeterReadingRow[] = [];
    const telemetry: TelemetryRow[] = [];
    const dead: { msg: FailedMessage; reason: DeadLetterReason }[] = [];
    const reasons: Record<string, number> = {};

    for (const msg of messages) {
      const expected =
        msg.topic === this.topics.readings
          ? EventTypes.meterReading
          : msg.topic === this.topics.telemetry
            ? EventTypes.batteryTelemetry
            : undefined;
      if (expected === undefined) {
        dead.push({
          msg,
          reason: { code: 'TOPIC.UNEXPECTED', message: `ingest does not consume ${msg.topic}` },
        });
        continue;
      }
      const parsed = parseEvent(msg.value ?? Buffer.alloc(0), expected);
      if (!parsed.ok) {
        dead.push({ msg, reason: deadLetterReasonFor(parsed.problems) });
        continue;
      }
      // The parsed event is this batch's own: its data becomes the row (no copy per event on the hot path).
      const ev = parsed.value;
      if (ev.type === EventTypes.meterReading) {
        const row = ev.data as MeterReadingRow;
        row.eventId = ev.id;
        readings.push(row);
      } else if (ev.type === EventTypes.batteryTelemetry) {
        const row = ev.data as TelemetryRow;
        row.eventId = ev.id;
        telemetry.push(row);
      }
    }
    for (const d of dead) reasons[d.reason.code] = (reasons[d.reason.code] ?? 0) + 1;

    // Dead letters first: if publishing fails, nothing is committed and the batch is redelivered;
    // the rows are idempotent and dead letters carry deterministic ids, so a retry doubles nothing.
    if (dead.length > 0) await this.deadLetters.publishAll(dead);
    const r = readings.length > 0 ? await this.sink.writeReadings(readings) : { inserted: 0, duplicates: 0 };
    const t =
      telemetry.length > 0 ? await this.sink.writeTelemetry(telemetry) : { inserted: 0, duplicates: 0 };
    return { readings: r, telemetry: t, deadLettered: dead.length, reasons };
  }
}
