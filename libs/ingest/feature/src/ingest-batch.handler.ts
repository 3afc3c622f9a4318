import {
  BatteryTelemetry,
  checkMessageKey,
  databaseReasonCode,
  DeadLetterReasonCodes,
  deadLetterReasonFor,
  EventTypes,
  MeterReading,
  parseEvent,
  toEpochMs,
  Topics,
} from '@gridwerk/contracts';
import { ReadingCopyBatch } from '@gridwerk/ingest/data-access';
import type { CorrectionSample, ReadingWriteResult, WriteResult } from '@gridwerk/ingest/data-access';
import type { DeadLetterReason, FailedMessage } from '@gridwerk/shared/data-access-kafka';
import { classifyFailure, errorMessage } from './failure-taxonomy';

export type MeterReadingRow = MeterReading & { eventId: string };
export type TelemetryRow = BatteryTelemetry & { eventId: string };

// The port's results are those of the storage adapter (one definition, in ingest data-access).
export type { CorrectionSample, ReadingWriteResult, WriteResult };

/** Where valid rows go; one call is one database transaction. */
export interface ReadingSink {
  /** The readings as their COPY text, encoded as they were accepted (see ReadingCopyBatch). */
  writeReadings(readings: ReadingCopyBatch): Promise<ReadingWriteResult>;
  writeTelemetry(rows: TelemetryRow[]): Promise<WriteResult>;
}

/** Where invalid messages go (grid.dlq.v1 in production). */
export interface DeadLetterSink {
  publishAll(
    items: { msg: FailedMessage; reason: DeadLetterReason }[],
  ): Promise<{ truncated: number } | void>;
}

export interface BatchOutcome {
  readings: ReadingWriteResult;
  telemetry: WriteResult;
  deadLettered: number;
  /** Dead letters cut down to fit the dead-letter topic. */
  truncated: number;
  reasons: Record<string, number>;
  /** A few of the dead letters (position and reason), for the log. */
  deadLetterSamples: { topic: string; partition: number; offset: string; code: string; message: string }[];
}

export interface IngestTopics {
  readings: string;
  telemetry: string;
}

export const DEFAULT_INGEST_TOPICS: IngestTopics = {
  readings: Topics.meterReadings,
  telemetry: Topics.batteryTelemetry,
};

/** The ingest-specific acceptance rules beyond the contract (configured by the app). */
export interface IngestRules {
  /** Values above this many bytes are dead-lettered unparsed (MESSAGE.TOO_LARGE). */
  maxMessageBytes: number;
  /** A reading ending (a sample taken) further than this in the future is dead-lettered (TIME.IN_FUTURE). */
  maxClockSkewMs: number;
  /** A reading starting (a sample taken) longer ago than this is dead-lettered (TIME.BEYOND_RETENTION). */
  retentionDays: number;
  now?: () => Date;
}

export const DEFAULT_INGEST_RULES: IngestRules = {
  maxMessageBytes: 64 * 1024,
  maxClockSkewMs: 5 * 60_000,
  retentionDays: 400,
};

type Dead = { msg: FailedMessage; reason: DeadLetterReason };
/** Accepted messages of one kind: their rows and, at the same positions, the messages they came from. */
type Accepted<Rows> = { rows: Rows; msgs: FailedMessage[] };

const DAY_MS = 86_400_000;
const SAMPLES = 5;

/**
 * The ingest use case for one batch of Kafka messages: validate every message against its topic's
 * contract and the ingest rules, write the valid rows (idempotent: a replay inserts nothing, a correction
 * is a new version), dead-letter the rest with a reason of its own. Data the database refuses is isolated
 * by bisecting the batch and dead-lettered as `DB.<SQLSTATE>`. It throws only for transient failures
 * (failure-taxonomy.ts), so the caller retries and does not commit.
 */
export class IngestBatchHandler {
  private readonly rules: IngestRules;

  constructor(
    private readonly sink: ReadingSink,
    private readonly deadLetters: DeadLetterSink,
    private readonly topics: IngestTopics = DEFAULT_INGEST_TOPICS,
    rules: Partial<IngestRules> = {},
  ) {
    this.rules = { ...DEFAULT_INGEST_RULES, ...rules };
  }

  async handle(messages: readonly FailedMessage[]): Promise<BatchOutcome> {
    // Readings are encoded as they are accepted: the parsed events die young (see ReadingCopyBatch).
    const readings: Accepted<ReadingCopyBatch> = { rows: new ReadingCopyBatch(messages.length), msgs: [] };
    const telemetry: Accepted<TelemetryRow[]> = { rows: [], msgs: [] };
    const dead: Dead[] = [];
    const now = (this.rules.now ?? (() => new Date()))().getTime();
    const latest = now + this.rules.maxClockSkewMs;
    const earliest = now - this.rules.retentionDays * DAY_MS;

    for (const msg of messages) {
      const reason = this.accept(msg, readings, telemetry, earliest, latest);
      if (reason) dead.push({ msg, reason });
    }

    // Dead letters first: if publishing fails, nothing is committed and the batch is redelivered;
    // the rows are idempotent and dead letters carry deterministic ids, so a retry doubles nothing.
    let truncated = dead.length > 0 ? ((await this.deadLetters.publishAll(dead))?.truncated ?? 0) : 0;
    const refused: Dead[] = [];
    const r = await this.isolating(
      readings.msgs,
      0,
      readings.msgs.length,
      (lo, hi) =>
        this.sink.writeReadings(
          lo === 0 && hi === readings.rows.length ? readings.rows : readings.rows.slice(lo, hi),
        ),
      refused,
      addReadings,
      { inserted: 0, duplicates: 0, corrections: 0, correctionsApplied: 0 },
    );
    const t = await this.isolating(
      telemetry.msgs,
      0,
      telemetry.msgs.length,
      (lo, hi) => this.sink.writeTelemetry(telemetry.rows.slice(lo, hi)),
      refused,
      addWrites,
      { inserted: 0, duplicates: 0 },
    );
    if (refused.length > 0) truncated += (await this.deadLetters.publishAll(refused))?.truncated ?? 0;
    const all = [...dead, ...refused];
    const reasons: Record<string, number> = {};
    for (const d of all) reasons[d.reason.code] = (reasons[d.reason.code] ?? 0) + 1;
    return {
      readings: r,
      telemetry: t,
      deadLettered: all.length,
      truncated,
      reasons,
      deadLetterSamples: all.slice(0, SAMPLES).map((d) => ({
        topic: d.msg.topic,
        partition: d.msg.partition,
        offset: d.msg.offset,
        code: d.reason.code,
        message: d.reason.message.slice(0, 300),
      })),
    };
  }

  /** Routes one message into `readings` or `telemetry`; returns the reason when it is not accepted. */
  private accept(
    msg: FailedMessage,
    readings: Accepted<ReadingCopyBatch>,
    telemetry: Accepted<TelemetryRow[]>,
    earliest: number,
    latest: number,
  ): DeadLetterReason | undefined {
    const expected =
      msg.topic === this.topics.readings
        ? EventTypes.meterReading
        : msg.topic === this.topics.telemetry
          ? EventTypes.batteryTelemetry
          : undefined;
    if (expected === undefined)
      return { code: DeadLetterReasonCodes.topicUnexpected, message: `ingest does not consume ${msg.topic}` };
    if (msg.value === null || msg.value === undefined)
      return { code: DeadLetterReasonCodes.tombstone, message: 'the message value is null (a tombstone)' };
    const bytes = typeof msg.value === 'string' ? Buffer.byteLength(msg.value) : msg.value.length;
    if (bytes === 0)
      return { code: DeadLetterReasonCodes.emptyValue, message: 'the message value is empty (0 bytes)' };
    if (bytes > this.rules.maxMessageBytes)
      return {
        code: DeadLetterReasonCodes.tooLarge,
        message: `the message value has ${bytes} bytes; at most ${this.rules.maxMessageBytes} are accepted`,
      };
    const parsed = parseEvent(msg.value, expected);
    if (!parsed.ok) return deadLetterReasonFor(parsed.problems);
    const ev = parsed.value;
    const keyProblems = checkMessageKey(expected, msg.key, ev.data);
    if (keyProblems.length > 0) return deadLetterReasonFor(keyProblems);
    if (ev.type === EventTypes.meterReading) {
      const window = this.outsideWindow(ev.data.intervalStart, ev.data.intervalEnd, earliest, latest);
      if (window) return window;
      readings.rows.add(ev.data, ev.id);
      readings.msgs.push(msg);
    } else if (ev.type === EventTypes.batteryTelemetry) {
      const window = this.outsideWindow(ev.data.time, ev.data.time, earliest, latest);
      if (window) return window;
      // The parsed event is this batch's own: its data becomes the row (no copy per event).
      const row = ev.data as TelemetryRow;
      row.eventId = ev.id;
      telemetry.rows.push(row);
      telemetry.msgs.push(msg);
    }
    return undefined;
  }

  private outsideWindow(
    start: string,
    end: string,
    earliest: number,
    latest: number,
  ): DeadLetterReason | undefined {
    const s = toEpochMs(start) ?? 0;
    const e = toEpochMs(end) ?? 0;
    if (e > latest)
      return {
        code: DeadLetterReasonCodes.inFuture,
        message: `${end} is more than ${this.rules.maxClockSkewMs} ms ahead of the ingest clock`,
      };
    if (s < earliest)
      return {
        code: DeadLetterReasonCodes.beyondRetention,
        message: `${start} is older than the raw-series retention of ${this.rules.retentionDays} days`,
      };
    return undefined;
  }

  /**
   * Writes the accepted messages [lo, hi) in one transaction; when the database refuses the data (a
   * permanent failure), splits them in halves and writes each, down to the single message, which is
   * dead-lettered with the SQLSTATE. A batch with k bad messages among n costs O(k log n) extra
   * transactions; clean batches cost nothing.
   */
  private async isolating<R>(
    msgs: readonly FailedMessage[],
    lo: number,
    hi: number,
    write: (lo: number, hi: number) => Promise<R>,
    refused: Dead[],
    add: (a: R, b: R) => R,
    zero: R,
  ): Promise<R> {
    if (hi <= lo) return zero;
    try {
      return await write(lo, hi);
    } catch (err) {
      const failure = classifyFailure(err);
      if (failure.kind === 'transient') throw err;
      const only = msgs[lo];
      if (hi - lo === 1 && only) {
        refused.push({
          msg: only,
          reason: {
            code: databaseReasonCode(failure.sqlState ?? ''),
            message: `the database refused the message: ${errorMessage(err).slice(0, 500)}`,
          },
        });
        return zero;
      }
      const mid = lo + Math.ceil((hi - lo) / 2);
      const left = await this.isolating(msgs, lo, mid, write, refused, add, zero);
      const right = await this.isolating(msgs, mid, hi, write, refused, add, zero);
      return add(left, right);
    }
  }
}

function addWrites(a: WriteResult, b: WriteResult): WriteResult {
  return { inserted: a.inserted + b.inserted, duplicates: a.duplicates + b.duplicates };
}

function addReadings(a: ReadingWriteResult, b: ReadingWriteResult): ReadingWriteResult {
  const samples = [...(a.correctionSamples ?? []), ...(b.correctionSamples ?? [])].slice(0, SAMPLES);
  return {
    inserted: a.inserted + b.inserted,
    duplicates: a.duplicates + b.duplicates,
    corrections: a.corrections + b.corrections,
    correctionsApplied: a.correctionsApplied + b.correctionsApplied,
    ...(samples.length > 0 ? { correctionSamples: samples } : {}),
  };
}
