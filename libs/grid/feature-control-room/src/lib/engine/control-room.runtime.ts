import os from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import {
  EventTypes,
  parseEvent,
  deadLetterReasonFor,
  type EventOf,
  type EventType,
} from '@gridwerk/contracts';
import {
  FactsRepository,
  OutboxRepository,
  ROLLUP_CHANGED_CHANNEL,
  runGridApiMigrations,
  StreamLogRepository,
} from '@gridwerk/grid/read-model';
import { CoalescedPasses, PgListener } from '@gridwerk/shared/data-access-database';
import { DeadLetterPublisher, KAFKA_CLIENT, KafkaProducer } from '@gridwerk/shared/data-access-kafka';
import { HealthRegistry, MetricsService } from '@gridwerk/shared/feature-ops';
import { CONTROL_ROOM_CONFIG, type ControlRoomConfig, GRID_POOL } from '../control-room.config';
import { AlarmEvaluator, batteryStreamData, LiveState, ThresholdService, TopologyService } from '../services';
import { StreamHub } from '../stream/stream-hub';

const LEADER_LOCK = 0x67726c64; // "grld": one replica runs the engine, writes the stream and relays

type Timer = ReturnType<typeof setInterval>;

/**
 * Everything grid-api does besides answering requests: migrations, the Kafka consumers (live readings and
 * battery telemetry in a per-replica group, facts in the shared group), and — on the one replica holding
 * the leader lock — the alarm loop, the live-value flush into the stream log, the outbox relay and pruning.
 */
@Injectable()
export class ControlRoomRuntime implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('control-room');
  private readonly consumers: Consumer[] = [];
  private readonly timers: Timer[] = [];
  private leaderClient: PoolClient | undefined;
  private leader = false;
  private stopping = false;
  private readonly busy = new Set<string>();
  private lastEvalMs = 0;
  /** ingest's rollup notifications on the load database: a quarter hour is judged at the commit of its rollups. */
  private readonly listener: PgListener;
  /** Quarter passes, one at a time; those asked for meanwhile run once, from the earliest quarter asked for. */
  private readonly quarterPasses = new CoalescedPasses((from) => this.evaluateQuarters(from));
  private ticks = 0;
  private readonly facts = new FactsRepository();
  private readonly stream = new StreamLogRepository();
  private readonly outbox = new OutboxRepository();
  private readonly metrics;

  constructor(
    @Inject(CONTROL_ROOM_CONFIG) private readonly config: ControlRoomConfig,
    @Inject(GRID_POOL) private readonly pool: Pool,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly producer: KafkaProducer,
    private readonly dlq: DeadLetterPublisher,
    private readonly topology: TopologyService,
    private readonly live: LiveState,
    private readonly thresholds: ThresholdService,
    private readonly evaluator: AlarmEvaluator,
    private readonly hub: StreamHub,
    metrics: MetricsService,
    health: HealthRegistry,
  ) {
    this.metrics = {
      consumed: metrics.counter('gridwerk_grid_api_consumed_total', 'messages consumed', ['topic', 'group']),
      deadLettered: metrics.counter('gridwerk_grid_api_dead_lettered_total', 'messages dead-lettered', [
        'topic',
      ]),
      streamEvents: metrics.counter('gridwerk_grid_api_stream_events_total', 'stream events written', [
        'type',
      ]),
      alarmChanges: metrics.counter('gridwerk_grid_api_alarm_changes_total', 'alarm changes by the engine', [
        'cause',
      ]),
      leader: metrics.gauge('gridwerk_grid_api_leader', '1 while this replica runs the engine'),
      outboxPending: metrics.gauge('gridwerk_grid_api_outbox_pending', 'alert events not yet published'),
      evalSeconds: metrics.histogram(
        'gridwerk_grid_api_alarm_eval_seconds',
        'alarm evaluation duration (the tick: missing data, batteries, forecasts)',
        [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      ),
      quarterSeconds: metrics.histogram(
        'gridwerk_grid_api_alarm_quarter_eval_seconds',
        'duration of one pass of the loading rules over the station rollups',
        [0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      ),
      stationsJudged: metrics.counter(
        'gridwerk_grid_api_alarm_stations_judged_total',
        'station loadings judged from the quarter-hour rollups',
      ),
      quarterComplete: metrics.gauge(
        'gridwerk_grid_api_alarm_quarter_complete_seconds',
        'start (Unix s) of the newest quarter hour whose every station loading was judged',
      ),
    };
    this.listener = new PgListener({
      connectionString: config.loadDatabaseUrl ?? config.databaseUrl,
      channel: ROLLUP_CHANGED_CHANNEL,
      applicationName: 'gridwerk-grid-api-listen',
      retryMs: 5000,
      onNotify: (from) => void this.quarterPasses.request(from),
      onError: (err) =>
        this.log.warn(`rollup listener: ${err instanceof Error ? err.message : String(err)}; retrying`),
    });
    health.register({
      key: 'control-room',
      check: () => {
        const maxAge = Math.max(10_000, this.config.alarmEvalMs * 5);
        if (this.leader && Date.now() - this.lastEvalMs > maxAge)
          return {
            ok: false,
            detail: `alarm evaluation stalled (last ${new Date(this.lastEvalMs).toISOString()})`,
          };
        return { ok: true, detail: this.leader ? 'leader' : 'follower' };
      },
    });
  }

  async onModuleInit(): Promise<void> {
    if (this.config.runMigrations) {
      const ran = await runGridApiMigrations(this.config.databaseUrl);
      if (ran.length > 0) this.log.log(`applied migrations: ${ran.join(', ')}`);
    }
    await this.topology.refresh();
    await this.thresholds.reload();
  }

  async onApplicationBootstrap(): Promise<void> {
    const instance = `${os.hostname()}-${process.pid}`.replace(/[^A-Za-z0-9._-]/g, '-');
    await this.startConsumer(
      `${this.config.liveGroupPrefix}-${instance}`,
      [this.config.readingsTopic, this.config.telemetryTopic],
      false,
      (b) => this.onLive(b),
    );
    await this.startConsumer(
      this.config.consumerGroup,
      [
        this.config.telemetryTopic,
        this.config.commandsTopic,
        this.config.commandsV2Topic,
        this.config.forecastsTopic,
        this.config.batchesTopic,
      ],
      true,
      (b) => this.onFacts(b),
    );
    await this.hub.start();
    await this.listener.start();
    this.every(this.config.topologyRefreshMs, 'topology', () => this.topology.refresh());
    this.every(Math.max(1000, this.config.alarmEvalMs), 'leader', () => this.tryLead());
    this.every(this.config.streamFlushMs, 'flush', () => this.flushLive());
    this.every(this.config.alarmEvalMs, 'evaluate', () => this.evaluate());
    // the rollup notification is the path; the poll is the safety net (every 5th tick while LISTEN works)
    this.every(this.config.alarmEvalMs, 'quarter-poll', async () => {
      if (!this.listener.listening || this.ticks++ % 5 === 0) await this.quarterPasses.request(undefined);
    });
    this.every(500, 'relay', () => this.relay());
    this.every(30_000, 'prune', () => this.prune());
    this.every(10_000, 'thresholds', () => this.thresholds.reload());
    await this.tryLead();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.listener.stop();
    await Promise.all(this.consumers.map((c) => c.disconnect().catch(() => undefined)));
    await this.hub.stop();
    if (this.leaderClient) {
      await this.leaderClient.query('SELECT pg_advisory_unlock($1)', [LEADER_LOCK]).catch(() => undefined);
      this.leaderClient.release();
    }
    await this.pool.end().catch(() => undefined);
  }

  isLeader(): boolean {
    return this.leader;
  }

  private every(ms: number, name: string, fn: () => Promise<unknown>): void {
    this.timers.push(
      setInterval(() => {
        if (this.stopping || this.busy.has(name)) return;
        this.busy.add(name);
        fn()
          .catch((err: unknown) =>
            this.log.warn(`${name} failed: ${err instanceof Error ? err.message : String(err)}`),
          )
          .finally(() => this.busy.delete(name));
      }, ms),
    );
  }

  private async tryLead(): Promise<void> {
    if (this.leader && this.leaderClient) {
      try {
        await this.leaderClient.query('SELECT 1');
        return;
      } catch {
        this.leaderClient.release(true);
        this.leaderClient = undefined;
        this.leader = false;
      }
    }
    const client = await this.pool.connect();
    try {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK]);
      if (r.rows[0]?.ok === true) {
        this.leaderClient = client;
        this.leader = true;
        // the stall check counts from taking the lead: a new leader is not stalled before its first run
        this.lastEvalMs = Date.now();
        this.log.log('this replica leads: alarm engine, stream writer, outbox relay');
      } else client.release();
    } catch (err) {
      client.release(true);
      throw err;
    }
    this.metrics.leader.set(this.leader ? 1 : 0);
  }

  private async startConsumer(
    groupId: string,
    topics: string[],
    fromBeginning: boolean,
    handle: (b: EachBatchPayload) => Promise<void>,
  ): Promise<void> {
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning });
    await consumer.run({ eachBatchAutoResolve: true, eachBatch: handle });
    this.consumers.push(consumer);
  }

  /** Parses a batch; invalid messages go to the DLQ with their reason, the rest is returned. */
  private async parse<T extends EventType>(
    b: EachBatchPayload,
    type: T,
    group: string,
  ): Promise<EventOf<T>[]> {
    const ok: EventOf<T>[] = [];
    const bad: Parameters<DeadLetterPublisher['publishAll']>[1][number][] = [];
    for (const m of b.batch.messages) {
      if (!m.value) continue;
      const r = parseEvent(m.value, type);
      if (r.ok) ok.push(r.value);
      else
        bad.push({
          msg: {
            topic: b.batch.topic,
            partition: b.batch.partition,
            offset: m.offset,
            key: m.key,
            value: m.value,
            headers: m.headers,
          },
          reason: deadLetterReasonFor(r.problems),
        });
    }
    if (bad.length > 0) {
      await this.dlq.publishAll(group, bad);
      this.metrics.deadLettered.inc({ topic: b.batch.topic }, bad.length);
    }
    this.metrics.consumed.inc({ topic: b.batch.topic, group }, b.batch.messages.length);
    return ok;
  }

  private async onLive(b: EachBatchPayload): Promise<void> {
    const group = `${this.config.liveGroupPrefix}`;
    const now = Date.now();
    if (b.batch.topic === this.config.readingsTopic) {
      for (const e of await this.parse(b, EventTypes.meterReading, group))
        this.live.load.addReading(e.data, now);
    } else if (b.batch.topic === this.config.telemetryTopic) {
      for (const e of await this.parse(b, EventTypes.batteryTelemetry, group)) this.live.addBattery(e.data);
    }
  }

  private async onFacts(b: EachBatchPayload): Promise<void> {
    const group = this.config.consumerGroup;
    const c = this.config;
    switch (b.batch.topic) {
      case c.telemetryTopic:
        await this.facts.upsertTelemetry(
          this.pool,
          (await this.parse(b, EventTypes.batteryTelemetry, group)).map((e) => e.data),
        );
        break;
      case c.commandsTopic:
        await this.facts.upsertCommands(
          this.pool,
          (await this.parse(b, EventTypes.batteryCommand, group)).map((e) => e.data),
        );
        break;
      case c.commandsV2Topic:
        await this.facts.upsertCommands(
          this.pool,
          (await this.parse(b, EventTypes.batteryCommandV2, group)).map((e) => e.data),
        );
        break;
      case c.forecastsTopic:
        for (const e of await this.parse(b, EventTypes.forecastIssued, group))
          await this.facts.upsertForecast(this.pool, e.data);
        break;
      case c.batchesTopic:
        await this.facts.insertBatches(
          this.pool,
          (await this.parse(b, EventTypes.settlementBatch, group)).map((e) => e.data),
        );
        break;
    }
  }

  /** The leader writes changed live values to the stream log (followers drain and drop theirs). */
  private async flushLive(): Promise<void> {
    const loads = this.live.load.drain();
    const batteryIds = [...this.live.batteryDirty];
    this.live.batteryDirty.clear();
    if (!this.leader) return;
    const index = this.topology.index;
    const events = [
      ...loads.map((v) => ({ type: 'load' as const, data: { ...v } })),
      ...batteryIds.flatMap((id) => {
        const t = this.live.batteries.get(id);
        return t ? [{ type: 'battery' as const, data: batteryStreamData(t, index) }] : [];
      }),
    ];
    if (events.length === 0) return;
    await this.stream.appendNow(this.pool, events);
    this.metrics.streamEvents.inc({ type: 'load' }, loads.length);
    this.metrics.streamEvents.inc({ type: 'battery' }, events.length - loads.length);
    this.hub.poke();
  }

  private async evaluate(): Promise<void> {
    if (!this.leader) return;
    const end = this.metrics.evalSeconds.startTimer();
    const changes = await this.evaluator.evaluate();
    end();
    this.lastEvalMs = Date.now();
    for (const c of changes) this.metrics.alarmChanges.inc({ cause: c.cause });
    if (changes.length > 0) this.hub.poke();
  }

  /** One pass of the loading rules over the station rollups (leader only). */
  private async evaluateQuarters(from: Date | undefined): Promise<void> {
    if (!this.leader || this.stopping) return;
    try {
      const end = this.metrics.quarterSeconds.startTimer();
      const r = await this.evaluator.evaluateQuarters(from);
      end();
      this.metrics.stationsJudged.inc(r.stationsJudged);
      for (const c of r.changes) this.metrics.alarmChanges.inc({ cause: c.cause });
      const complete = this.evaluator.completeQuarter;
      if (complete > -Infinity) this.metrics.quarterComplete.set(complete / 1000);
      if (r.changes.length > 0) this.hub.poke();
      if (r.stationsJudged > 0)
        this.log.debug(
          `loading judged: ${r.stationsJudged} stations of ${r.quarters.join(', ')}; ${r.changes.length} alarm changes`,
        );
    } catch (err) {
      this.log.warn(`quarter evaluation failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async relay(): Promise<void> {
    if (!this.leader) return;
    await this.outbox.relay(this.pool, this.producer);
    this.metrics.outboxPending.set(await this.outbox.pending(this.pool));
  }

  private async prune(): Promise<void> {
    if (!this.leader) return;
    await this.stream.prune(this.pool, this.config.streamRetentionS * 1000);
    await this.outbox.prunePublished(this.pool, 7 * 86_400_000);
  }
}
