import type { IHeaders } from 'kafkajs';
import { createEvent, Topics, ValidationProblem } from '@gridwerk/contracts';

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

function headersBase64(headers: IHeaders | undefined): Record<string, string> | undefined {
  if (!headers) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const first = Array.isArray(v) ? v[0] : v;
    const b = toBuffer(first);
    if (b) out[k] = b.toString('base64');
  }
  return out;
}

/**
 * The Kafka message for `grid.dlq.v1`: a CloudEvent carrying the original bytes, where they came from,
 * the consumer group and the reason. Keyed by the original key so replays keep per-key order.
 */
export function buildDeadLetter(
  msg: FailedMessage,
  consumerGroup: string,
  reason: DeadLetterReason,
  source: string,
  now: Date = new Date(),
): { topic: string; key: Buffer | null; value: string } {
  const key = toBuffer(msg.key);
  const value = toBuffer(msg.value) ?? Buffer.alloc(0);
  const headers = headersBase64(msg.headers);
  const event = createEvent(
    'de.gridwerk.dead-letter.v1',
    {
      originalTopic: msg.topic,
      partition: msg.partition,
      offset: msg.offset,
      consumerGroup,
      keyBase64: key ? key.toString('base64') : null,
      valueBase64: value.toString('base64'),
      ...(headers ? { headers } : {}),
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
  );
  return { topic: Topics.deadLetters, key, value: JSON.stringify(event) };
}
