import { createHash } from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import {
  createEvent,
  DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES,
  DeadLetter,
  Topics,
  ValidationProblem,
} from '@gridwerk/contracts';

/** What a consumer knows about a message it cannot process. */
export interface FailedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | string | null | undefined;
  value: Buffer | string | null | undefined;
  headers?: IHeaders | undefined;
}

export interface DeadLetterReason {
  /** Stable, machine-readable: CONTRACT.INVALID, JSON.PARSE, EVENT.UNKNOWN_TYPE, ... */
  code: string;
  message: string;
  problems?: ValidationProblem[];
}

function toBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
}

/** Every header value in order (a repeated header yields several entries); null values are skipped. */
function headerEntries(headers: IHeaders | undefined): { key: string; valueBase64: string }[] {
  const out: { key: string; valueBase64: string }[] = [];
  for (const [key, v] of Object.entries(headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) {
      const b = toBuffer(one);
      if (b) out.push({ key, valueBase64: b.toString('base64') });
    }
  }
  return out;
}

/**
 * Room a record needs besides its key and value: record-batch header (61 bytes), record framing and the
 * producer's headers, with a safety margin. A dead letter is built to fit `maxBytes - RECORD_OVERHEAD`.
 */
export const DEAD_LETTER_RECORD_OVERHEAD_BYTES = 1024;

/**
 * The Kafka message for `grid.dlq.v1`: a CloudEvent carrying the original bytes, where they came from,
 * the consumer group and the reason. Keyed by the original key so replays keep per-key order.
 *
 * A dead letter that would exceed `maxBytes` (the DLQ topic's max.message.bytes) is truncated to fit:
 * `valueBase64` keeps a prefix of the original value, `truncated` records the original size and its
 * sha256, and, if even that does not fit, the headers are dropped (`headersDropped`).
 */
export function buildDeadLetter(
  msg: FailedMessage,
  consumerGroup: string,
  reason: DeadLetterReason,
  source: string,
  now: Date = new Date(),
  maxBytes: number = DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES,
): { topic: string; key: Buffer | null; value: string; truncated: boolean } {
  const key = toBuffer(msg.key);
  const value = toBuffer(msg.value) ?? Buffer.alloc(0);
  const list = headerEntries(msg.headers);
  const first: Record<string, string> = {};
  for (const h of list) first[h.key] ??= h.valueBase64;
  const build = (data: Pick<DeadLetter, 'valueBase64'> & Partial<DeadLetter>, withHeaders: boolean) =>
    JSON.stringify(
      createEvent(
        'de.gridwerk.dead-letter.v1',
        {
          originalTopic: msg.topic,
          partition: msg.partition,
          offset: msg.offset,
          consumerGroup,
          keyBase64: key ? key.toString('base64') : null,
          ...data,
          ...(withHeaders && msg.headers ? { headers: first } : {}),
          ...(withHeaders && list.length > 0 ? { headerList: list } : {}),
          reason: {
            code: reason.code,
            message: reason.message,
            ...(reason.problems ? { problems: reason.problems } : {}),
          },
          failedAt: now.toISOString(),
        },
        {
          // Deterministic id: dead-lettering the same message twice (after a crash) is de-duplicable downstream.
          id: `${msg.topic}/${msg.partition}/${msg.offset}/${consumerGroup}`,
          source,
          subject: `${msg.topic}/${msg.partition}/${msg.offset}`,
          time: now.toISOString(),
        },
      ),
    );
  const budget = maxBytes - DEAD_LETTER_RECORD_OVERHEAD_BYTES - (key?.length ?? 0);
  const full = build({ valueBase64: value.toString('base64') }, true);
  if (Buffer.byteLength(full) <= budget)
    return { topic: Topics.deadLetters, key, value: full, truncated: false };

  const sha = createHash('sha256').update(value).digest('hex');
  const truncatedWith = (kept: number, headersDropped: boolean) =>
    build(
      {
        valueBase64: value.subarray(0, kept).toString('base64'),
        truncated: {
          originalValueBytes: value.length,
          originalValueSha256: sha,
          keptValueBytes: kept,
          headersDropped,
        },
      },
      !headersDropped,
    );
  for (const headersDropped of [false, true]) {
    // the letter without any value bytes; what is left of the budget takes a prefix (base64: 4 per 3 bytes)
    const bare = Buffer.byteLength(truncatedWith(0, headersDropped));
    // digits of keptValueBytes grow with the prefix: leave them room
    const room = budget - bare - 16;
    if (room < 0) continue;
    const kept = Math.min(value.length, Math.floor(room / 4) * 3);
    return { topic: Topics.deadLetters, key, value: truncatedWith(kept, headersDropped), truncated: true };
  }
  // key, reason and position alone exceed the topic's limit: nothing smaller can be said
  return { topic: Topics.deadLetters, key, value: truncatedWith(0, true), truncated: true };
}
