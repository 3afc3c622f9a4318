import { randomBytes } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { DeadLetterReasonCodes, parseEvent, Topics } from '@gridwerk/contracts';

/** Which dead letters to move back, and how. */
export interface ReplayDeadLettersCommand {
  /** Reason code to replay, e.g. `DB.22003`; a trailing `*` matches a prefix (`DB.*`). */
  reason: string;
  /** Only letters of this original topic. */
  originalTopic?: string;
  /** Only letters of this consumer group. */
  consumerGroup?: string;
  /** Count what would be replayed, publish nothing. */
  dryRun: boolean;
  /** Stop after this many matching letters. */
  limit?: number;
  /** The dead-letter topic (grid.dlq.v1). */
  deadLetterTopic?: string;
  onProgress?: (p: ReplayProgress) => void;
}

export interface ReplayProgress {
  scanned: number;
  total: number;
  matched: number;
}

export interface ReplayResult {
  /** Dead letters read (up to the end of the topic as it was when the replay started). */
  scanned: number;
  matched: number;
  /** Published back to their original topic (0 in a dry run). */
  replayed: number;
  /** Matching letters whose value was truncated: they cannot be replayed, the original is lost. */
  skippedTruncated: number;
  /** Messages on the dead-letter topic that are no valid dead letter. */
  invalid: number;
  /** Matching letters per original topic. */
  byTopic: Record<string, number>;
}

/** The header a replayed message carries: the id of the dead letter it came from. */
export const REPLAYED_FROM_HEADER = 'gridwerk-replayed-from';

export class ReplayUsageError extends Error {
  readonly code = 'INGEST.REPLAY_USAGE';
}

function matches(pattern: string, code: string): boolean {
  return pattern.endsWith('*') ? code.startsWith(pattern.slice(0, -1)) : code === pattern;
}

function headersOf(list: { key: string; valueBase64: string }[] | undefined): IHeaders {
  const out: IHeaders = {};
  for (const h of list ?? []) {
    const v = Buffer.from(h.valueBase64, 'base64');
    const prev = out[h.key];
    out[h.key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/**
 * Moves dead letters back to the topics they came from, once the cause is fixed (a consumer bug, a
 * column widened): original key, value and every header, plus `gridwerk-replayed-from`. Reads the
 * dead-letter topic from its beginning up to its end as it is when the replay starts (letters written
 * meanwhile wait for the next run), with a throw-away consumer group, so the replay commits nothing.
 * Replaying twice is harmless for ingest: the event ids make the second copy a duplicate.
 */
export async function replayDeadLetters(kafka: Kafka, cmd: ReplayDeadLettersCommand): Promise<ReplayResult> {
  if (!/^[A-Z_]+(\.[A-Z0-9_]+)*(\.\*|\*)?$/.test(cmd.reason))
    throw new ReplayUsageError(
      `--reason must be a reason code such as DB.22003 or DB.*, got "${cmd.reason}"`,
    );
  const topic = cmd.deadLetterTopic ?? Topics.deadLetters;
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  let total = 0;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    total = offsets.reduce((a, o) => a + Number(BigInt(o.high) - BigInt(o.low)), 0);
  } finally {
    await admin.disconnect();
  }
  const result: ReplayResult = {
    scanned: 0,
    matched: 0,
    replayed: 0,
    skippedTruncated: 0,
    invalid: 0,
    byTopic: {},
  };
  const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  if (pending.size === 0) return result;

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  const consumer = kafka.consumer({
    groupId: `gridwerk-replay-dlq-${Date.now()}-${randomBytes(3).toString('hex')}`,
    allowAutoTopicCreation: false,
  });
  if (!cmd.dryRun) await producer.connect();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const onMessage = async (partition: number, m: KafkaMessage): Promise<void> => {
        const end = ends.get(partition) ?? 0n;
        if (BigInt(m.offset) >= end || !pending.has(partition)) return;
        result.scanned += 1;
        if (cmd.limit === undefined || result.matched < cmd.limit) await handle(m);
        if (BigInt(m.offset) + 1n >= end) pending.delete(partition);
        if (result.scanned % 1000 === 0)
          cmd.onProgress?.({ scanned: result.scanned, total, matched: result.matched });
        if (pending.size === 0 || (cmd.limit !== undefined && result.matched >= cmd.limit)) resolve();
      };
      const handle = async (m: KafkaMessage): Promise<void> => {
        const parsed = parseEvent(m.value ?? Buffer.alloc(0), 'de.gridwerk.dead-letter.v1');
        if (!parsed.ok) {
          result.invalid += 1;
          return;
        }
        const dl = parsed.value.data;
        if (!matches(cmd.reason, dl.reason.code)) return;
        if (cmd.originalTopic !== undefined && dl.originalTopic !== cmd.originalTopic) return;
        if (cmd.consumerGroup !== undefined && dl.consumerGroup !== cmd.consumerGroup) return;
        result.matched += 1;
        result.byTopic[dl.originalTopic] = (result.byTopic[dl.originalTopic] ?? 0) + 1;
        if (dl.truncated) {
          result.skippedTruncated += 1;
          return;
        }
        if (cmd.dryRun) return;
        const headers = headersOf(dl.headerList);
        headers[REPLAYED_FROM_HEADER] = parsed.value.id;
        await producer.send({
          topic: dl.originalTopic,
          acks: -1,
          messages: [
            {
              key: dl.keyBase64 === null ? null : Buffer.from(dl.keyBase64, 'base64'),
              // a tombstone's letter has an empty valueBase64; its reason says it was null
              value:
                dl.reason.code === DeadLetterReasonCodes.tombstone
                  ? null
                  : Buffer.from(dl.valueBase64, 'base64'),
              headers,
            },
          ],
        });
        result.replayed += 1;
      };
      consumer
        .run({
          partitionsConsumedConcurrently: 1,
          eachMessage: async ({ partition, message }) => {
            try {
              await onMessage(partition, message);
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    if (!cmd.dryRun) await producer.disconnect();
  }
  cmd.onProgress?.({ scanned: result.scanned, total, matched: result.matched });
  return result;
}
