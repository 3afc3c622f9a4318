import { Topics, topicSpec } from '@gridwerk/contracts';
import {
  buildDeadLetter,
  DEAD_LETTER_RECORD_OVERHEAD_BYTES,
  DeadLetterReason,
  FailedMessage,
} from './dead-letter';
import type { IdempotentProducer } from './idempotent-producer';
import type { KafkaSettings } from './kafka.config';

/** kafkajs' error for a record (batch) above the topic's max.message.bytes. */
function isMessageTooLarge(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'type' in err && err.type === 'MESSAGE_TOO_LARGE';
}

/** Smallest limit a dead letter is cut down to when the broker refuses even a letter built to fit. */
const DEAD_LETTER_FALLBACK_BYTES = 16 * 1024;

/**
 * Publishes dead letters to grid.dlq.v1 (see buildDeadLetter for the format). Letters are built to fit
 * the topic's max.message.bytes (TOPIC_SPECS, or `maxMessageBytes`), sent in produce requests that each
 * stay under it, and a letter the broker still refuses as too large is cut down to position, reason and
 * hash: a dead letter never blocks its consumer.
 */
export class DeadLetterPublisher {
  private readonly maxBytes: number;

  constructor(
    private readonly producer: Pick<IdempotentProducer, 'send'>,
    private readonly settings: KafkaSettings,
    maxMessageBytes?: number,
  ) {
    this.maxBytes = maxMessageBytes ?? topicSpec(Topics.deadLetters).maxMessageBytes ?? 1_048_576;
  }

  async publish(msg: FailedMessage, consumerGroup: string, reason: DeadLetterReason): Promise<void> {
    await this.publishAll(consumerGroup, [{ msg, reason }]);
  }

  /** As few produce requests as the size limit allows for many dead letters; returns how many were truncated. */
  async publishAll(
    consumerGroup: string,
    items: readonly { msg: FailedMessage; reason: DeadLetterReason }[],
  ): Promise<{ truncated: number }> {
    if (items.length === 0) return { truncated: 0 };
    const source = `/gridwerk/${this.settings.clientId}`;
    const now = new Date();
    const letters = items.map((i) => ({
      item: i,
      dl: buildDeadLetter(i.msg, consumerGroup, i.reason, source, now, this.maxBytes),
    }));
    let truncated = letters.filter((l) => l.dl.truncated).length;
    const budget = this.maxBytes - DEAD_LETTER_RECORD_OVERHEAD_BYTES;
    let chunk: typeof letters = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const sending = chunk;
      chunk = [];
      size = 0;
      try {
        await this.producer.send(
          Topics.deadLetters,
          sending.map((l) => ({ key: l.dl.key, value: l.dl.value })),
        );
      } catch (err) {
        if (!isMessageTooLarge(err)) throw err;
        // the broker's limit is smaller than the spec says: one by one, each cut down if need be
        for (const l of sending) {
          try {
            await this.producer.send(Topics.deadLetters, [{ key: l.dl.key, value: l.dl.value }]);
          } catch (one) {
            if (!isMessageTooLarge(one)) throw one;
            const small = buildDeadLetter(
              l.item.msg,
              consumerGroup,
              l.item.reason,
              source,
              now,
              DEAD_LETTER_FALLBACK_BYTES,
            );
            if (!l.dl.truncated) truncated += 1;
            await this.producer.send(Topics.deadLetters, [{ key: small.key, value: small.value }]);
          }
        }
      }
    };
    for (const l of letters) {
      const bytes = Buffer.byteLength(l.dl.value) + (l.dl.key?.length ?? 0) + 64;
      if (size + bytes > budget) await flush();
      chunk.push(l);
      size += bytes;
    }
    await flush();
    return { truncated };
  }
}
