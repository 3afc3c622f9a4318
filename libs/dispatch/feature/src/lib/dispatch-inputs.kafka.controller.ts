import { Inject, Injectable } from '@nestjs/common';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import {
  BatteryTelemetry,
  deadLetterReasonFor,
  EventTypes,
  ForecastIssued,
  parseEvent,
} from '@gridwerk/contracts';
import type { DispatchRepository } from '@gridwerk/dispatch/data-access';
import { DeadLetterPublisher, KAFKA_CLIENT } from '@gridwerk/shared/data-access-kafka';
import type { DeadLetterReason, FailedMessage } from '@gridwerk/shared/data-access-kafka';
import type { JsonLogger } from '@gridwerk/shared/util-logging';
import { DISPATCH_OPTIONS, DispatchServiceOptions } from './dispatch-service.options';

export interface InputCounters {
  telemetry(n: number): void;
  forecasts(n: number): void;
  deadLetters(n: number): void;
}

/**
 * The planner's inputs from Kafka into dispatch's own tables: battery telemetry (newest per battery) and
 * the forecasts of secondary substations (latest issue per series and horizon). Every message is validated against
 * its contract; an invalid one is dead-lettered with its reason, never thrown at the consumer loop.
 * Offsets are committed after the rows are written, so a crash re-reads rather than loses.
 */
@Injectable()
export class DispatchInputsKafkaController {
  private consumer: Consumer | undefined;
  private crashed: string | undefined;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly deadLetters: DeadLetterPublisher,
    @Inject(DISPATCH_OPTIONS) private readonly options: DispatchServiceOptions,
  ) {}

  get problem(): string | undefined {
    return this.crashed;
  }

  async start(repo: DispatchRepository, counters: InputCounters, log: JsonLogger): Promise<void> {
    const { topics, consumerGroup } = this.options;
    const consumer = this.kafka.consumer({
      groupId: consumerGroup,
      allowAutoTopicCreation: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.crashed = e.payload.error.message;
      log.error('input consumer crashed', { error: e.payload.error.message, restart: e.payload.restart });
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.crashed = undefined;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.telemetry, topics.forecasts], fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        const failed: { msg: FailedMessage; reason: DeadLetterReason }[] = [];
        const position = (m: KafkaMessage): FailedMessage => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key,
          value: m.value,
          headers: m.headers,
        });
        if (batch.topic === topics.telemetry) {
          const items: BatteryTelemetry[] = [];
          for (const m of batch.messages) {
            const parsed = parseEvent(m.value ?? Buffer.alloc(0), EventTypes.batteryTelemetry);
            if (parsed.ok) items.push(parsed.value.data);
            else failed.push({ msg: position(m), reason: deadLetterReasonFor(parsed.problems) });
          }
          await repo.upsertTelemetry(items);
          counters.telemetry(items.length);
        } else {
          const latest = new Map<string, ForecastIssued>();
          for (const m of batch.messages) {
            const parsed = parseEvent(m.value ?? Buffer.alloc(0), EventTypes.forecastIssued);
            if (!parsed.ok) {
              failed.push({ msg: position(m), reason: deadLetterReasonFor(parsed.problems) });
              continue;
            }
            const f = parsed.value.data;
            // the planner uses the stations' forecasts; feeders, substations and the grid are grid-api's
            if (f.seriesKind !== 'secondary-substation' || f.stepMinutes !== 15) continue;
            // the latest issue per series and horizon: the planner merges intraday and day-ahead
            const key = `${f.seriesId}/${f.horizon}`;
            const prev = latest.get(key);
            if (!prev || prev.issueTime <= f.issueTime) latest.set(key, f);
          }
          for (const f of latest.values()) await repo.upsertForecast(f);
          counters.forecasts(latest.size);
        }
        if (failed.length > 0) {
          await this.deadLetters.publishAll(consumerGroup, failed);
          counters.deadLetters(failed.length);
        }
        const last = batch.messages.at(-1);
        if (last) payload.resolveOffset(last.offset);
        await payload.commitOffsetsIfNecessary();
        await payload.heartbeat();
      },
    });
  }

  /**
   * Waits until the consumer group has committed every input message published before the call (the
   * high watermarks of both topics), or `timeoutMs` passed; false on timeout. A replica that takes the
   * lead plans only on the telemetry of the quarter hour just ended, not on the state before its outage.
   */
  async caughtUp(timeoutMs: number): Promise<boolean> {
    const { topics, consumerGroup } = this.options;
    const admin = this.kafka.admin();
    const deadline = Date.now() + timeoutMs;
    try {
      await admin.connect();
      const names = [topics.telemetry, topics.forecasts];
      const high = new Map<string, number>();
      const key = (topic: string, partition: number): string => `${topic}/${partition}`;
      for (const topic of names)
        for (const p of await admin.fetchTopicOffsets(topic))
          if (Number(p.high) > Number(p.low)) high.set(key(topic, p.partition), Number(p.high));
      for (;;) {
        const committed = await admin.fetchOffsets({ groupId: consumerGroup, topics: names });
        const at = new Map<string, number>();
        for (const t of committed)
          for (const p of t.partitions) at.set(key(t.topic, p.partition), Number(p.offset));
        if ([...high].every(([k, h]) => (at.get(k) ?? -1) >= h)) return true;
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 200));
      }
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    await c?.disconnect();
  }
}
