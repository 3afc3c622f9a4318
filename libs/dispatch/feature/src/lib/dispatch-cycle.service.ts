import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import {
  BatteryCommand as BatteryCommandV1,
  BatteryCommandV2 as BatteryCommand,
  createEvent,
  EventTypes,
} from '@gridwerk/contracts';
import { STEP_MS } from '@gridwerk/dispatch/domain';
import { AdvisoryLeaderLock, DispatchRepository, HighsSolverPool } from '@gridwerk/dispatch/data-access';
import { KafkaProducer } from '@gridwerk/shared/data-access-kafka';
import { HealthRegistry, MetricsService } from '@gridwerk/shared/feature-ops';
import { createLogger, JsonLogger } from '@gridwerk/shared/util-logging';
import { Clock, systemClock } from './clock';
import { DispatchInputsKafkaController } from './dispatch-inputs.kafka.controller';
import { CommandPublisher, CycleReport, DispatchPlanner } from './dispatch-planner';
import { DISPATCH_OPTIONS, DispatchServiceOptions } from './dispatch-service.options';

/** How long a new leader waits for the inputs published before it took over (telemetry of the last quarter). */
const TAKEOVER_CATCH_UP_MS = 30_000;

/** Start of the cycle an instant belongs to: cycles are aligned to the quarter hours (UTC, DST-safe). */
export function cycleStartOf(ms: number, cycleMinutes: number): number {
  const every = Math.max(STEP_MS, cycleMinutes * 60_000);
  return Math.floor(ms / every) * every;
}

/**
 * The dispatch service's loop: every `cycleMinutes`, `cycleDelayMs` after the quarter hour, one MPC cycle
 * over every feeder — only on the replica that holds the leader lock (exactly one active planner). When
 * a replica becomes the leader (start-up, restart, failover) it first re-sends what a predecessor stored
 * but did not send and is still valid, then plans the current cycle only: missed cycles are not caught
 * up, so a restart never sends a burst of stale commands.
 */
@Injectable()
export class DispatchCycleService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log: JsonLogger;
  private readonly clock: Clock;
  private pool: Pool | undefined;
  private solver: HighsSolverPool | undefined;
  private lock: AdvisoryLeaderLock | undefined;
  private repoRef: DispatchRepository | undefined;
  private planner: DispatchPlanner | undefined;
  private cancelNext: (() => void) | undefined;
  private cancelRetry: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private leader = false;
  private lastCycle: { cycleStartMs: number; report?: CycleReport; error?: string } | undefined;
  private lastOptimalCycleMs: number | undefined;
  private cycleStartedAt: number | undefined;
  private readonly m;

  constructor(
    @Inject(DISPATCH_OPTIONS) private readonly options: DispatchServiceOptions,
    private readonly producer: KafkaProducer,
    private readonly inputs: DispatchInputsKafkaController,
    private readonly dataSource: DataSource,
    metrics: MetricsService,
    health: HealthRegistry,
  ) {
    this.log = createLogger(options.service, options.logLevel).child({ context: DispatchCycleService.name });
    this.clock = options.clock ?? systemClock;
    this.m = {
      solve: metrics.histogram(
        'gridwerk_dispatch_solve_seconds',
        'time HiGHS took per feeder and cycle',
        [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
        ['feeder'],
      ),
      planAge: metrics.gauge(
        'gridwerk_dispatch_plan_age_seconds',
        'age of the newest optimal plan (from its cycle start); grows while the local rule runs',
      ),
      commands: metrics.counter('gridwerk_dispatch_commands_sent_total', 'battery commands sent', ['mode']),
      violations: metrics.counter(
        'gridwerk_dispatch_limit_violations_total',
        'planned setpoints that had to be clamped to a battery limit before sending (a plan must never need it)',
      ),
      fallback: metrics.counter(
        'gridwerk_dispatch_fallback_batteries_total',
        'battery-cycles handed to the local threshold rule, by cause',
        ['cause'],
      ),
      cycles: metrics.counter('gridwerk_dispatch_cycles_total', 'MPC cycles run, by outcome', ['outcome']),
      leader: metrics.gauge('gridwerk_dispatch_leader', '1 on the replica that holds the leader lock'),
      inputs: metrics.counter('gridwerk_dispatch_inputs_total', 'input records stored, by kind', ['kind']),
      feederFailures: metrics.counter(
        'gridwerk_dispatch_feeder_failures_total',
        'feeders whose planning threw or timed out (their batteries ran the local rule, the others were planned)',
        ['code'],
      ),
      solveTimeouts: metrics.counter(
        'gridwerk_dispatch_solve_timeouts_total',
        'solves abandoned after the wall-clock limit (their solver worker was terminated and replaced)',
      ),
    };
    health.register({
      key: 'dispatch',
      check: () => {
        const consumer = this.inputs.problem;
        if (consumer) return { ok: false, detail: `input consumer: ${consumer}` };
        if (this.lastCycle?.error) return { ok: false, detail: `last cycle failed: ${this.lastCycle.error}` };
        return { ok: true, detail: this.leader ? 'leader' : 'standby' };
      },
    });
    health.registerLiveness({
      key: 'dispatch-cycle',
      check: () => {
        const started = this.cycleStartedAt;
        const limitMs = Math.max(10 * 60_000, options.cycleMinutes * 60_000);
        return started !== undefined && Date.now() - started > limitMs
          ? { ok: false, detail: `a cycle has been running since ${new Date(started).toISOString()}` }
          : { ok: true };
      },
    });
  }

  get repository(): DispatchRepository {
    if (!this.repoRef) throw new Error('dispatch service not started');
    return this.repoRef;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  async onApplicationBootstrap(): Promise<void> {
    const o = this.options;
    if (o.runMigrations) {
      const ran = await this.dataSource.runMigrations({ transaction: 'each' });
      if (ran.length > 0) this.log.info('migrations applied', { migrations: ran.map((m) => m.name) });
    }
    this.pool = new Pool({
      connectionString: o.databaseUrl,
      // a connection per feeder planned at once, and one for the cycle's reads
      max: Math.max(3, (o.solverWorkers ?? 1) + 1),
      application_name: `gridwerk-${o.service}`,
    });
    this.pool.on('error', (err) => this.log.warn('idle database connection failed', { error: err.message }));
    const repo = new DispatchRepository(this.pool);
    this.repoRef = repo;
    const workers = o.solverWorkers ?? 1;
    this.solver = new HighsSolverPool({
      size: workers,
      timeLimitS: o.planner.solveTimeLimitS,
      ...(o.solveTimeoutMs === undefined ? {} : { solveTimeoutMs: o.solveTimeoutMs }),
      onTimeout: (model, timeoutMs) => {
        this.m.solveTimeouts.inc();
        this.log.warn('solve abandoned: its worker was terminated and replaced', { model, timeoutMs });
      },
    });
    this.lock = new AdvisoryLeaderLock(o.databaseUrl, o.leaderLockKey);
    const publisher: CommandPublisher = { publish: (c) => this.publish(c) };
    const planner = { ...o.planner, concurrency: o.planner.concurrency ?? workers };
    this.planner = new DispatchPlanner(repo, this.solver, o.priceSource, publisher, planner, {
      solved: (feeder, seconds) => this.m.solve.observe({ feeder }, seconds),
      commandsSent: (commands) => {
        for (const c of commands) this.m.commands.inc({ mode: c.mode });
      },
      limitViolations: (n) => this.m.violations.inc(n),
      fallback: (cause, n) => this.m.fallback.inc({ cause }, n),
      feederFailed: (feederId, code) => {
        this.m.feederFailures.inc({ code });
        this.log.error('feeder not planned: its batteries run the local rule, the others are planned', {
          feederId,
          code,
        });
      },
    });
    await this.inputs.start(
      repo,
      {
        telemetry: (n) => this.m.inputs.inc({ kind: 'telemetry' }, n),
        forecasts: (n) => this.m.inputs.inc({ kind: 'forecast' }, n),
        deadLetters: (n) => this.m.inputs.inc({ kind: 'dead-letter' }, n),
      },
      this.log,
    );
    this.lastOptimalCycleMs = await repo.latestOptimalCycle();
    this.updatePlanAge();
    // the first try runs at once: a replica that gets the lead plans the current cycle now
    this.enqueue(() => this.tryLead());
    this.scheduleNextCycle();
  }

  /** Resolves when every cycle and leader attempt queued so far has finished (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /** The report of the newest cycle this replica ran. */
  get lastReport(): CycleReport | undefined {
    return this.lastCycle?.report;
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => {
      this.log.error('dispatch loop step failed', {
        error: err instanceof Error ? err.message : String(err),
      });
    });
  }

  private scheduleNextCycle(): void {
    if (this.stopping) return;
    const o = this.options;
    const every = o.cycleMinutes * 60_000;
    const now = this.clock.now();
    let at = cycleStartOf(now, o.cycleMinutes) + o.cycleDelayMs;
    if (at <= now) at += every;
    this.cancelNext = this.clock.schedule(at, () => {
      this.enqueue(() => this.onCycleTime());
      this.scheduleNextCycle();
    });
  }

  private scheduleLeaderRetry(): void {
    if (this.stopping || this.cancelRetry) return;
    this.cancelRetry = this.clock.schedule(this.clock.now() + this.options.leaderRetryMs, () => {
      this.cancelRetry = undefined;
      this.enqueue(() => this.tryLead());
    });
  }

  /** Takes or confirms the lead: `new` when this replica has just become the active planner. */
  private async checkLead(): Promise<'new' | 'kept' | 'none'> {
    if (this.stopping || !this.lock) return 'none';
    const was = this.leader;
    this.leader = await this.lock.tryAcquire();
    this.m.leader.set(this.leader ? 1 : 0);
    if (this.leader) return was ? 'kept' : 'new';
    if (was) this.log.warn('lost the leader lock: standby');
    this.scheduleLeaderRetry();
    this.updatePlanAge();
    return 'none';
  }

  private async tryLead(): Promise<void> {
    if ((await this.checkLead()) === 'new') await this.takeOver();
  }

  private async onCycleTime(): Promise<void> {
    const lead = await this.checkLead();
    if (lead === 'new') await this.takeOver();
    else if (lead === 'kept') await this.runCycle(cycleStartOf(this.clock.now(), this.options.cycleMinutes));
  }

  /** A new leader re-sends what a predecessor stored but did not send, then plans the current cycle only. */
  private async takeOver(): Promise<void> {
    this.log.info('leader lock taken: this replica plans');
    if (!(await this.inputs.caughtUp(TAKEOVER_CATCH_UP_MS)))
      this.log.warn('inputs not caught up; planning on the state stored so far', {
        waitedMs: TAKEOVER_CATCH_UP_MS,
      });
    const now = this.clock.now();
    const resent = (await this.planner?.resendUnsent(now)) ?? 0;
    if (resent > 0) this.log.info('re-sent stored commands still valid', { commands: resent });
    await this.runCycle(cycleStartOf(now, this.options.cycleMinutes));
  }

  private async runCycle(cycleStartMs: number): Promise<void> {
    const planner = this.planner;
    if (!planner) return;
    this.cycleStartedAt = Date.now();
    try {
      const report = await planner.runCycle(cycleStartMs);
      this.lastCycle = { cycleStartMs, report };
      const optimal = report.feeders.filter((f) => f.status === 'optimal').length;
      if (optimal > 0) this.lastOptimalCycleMs = Math.max(this.lastOptimalCycleMs ?? 0, cycleStartMs);
      this.m.cycles.inc({
        outcome:
          report.feeders.length === 0 ? 'idle' : report.feeders.length === optimal ? 'optimal' : 'fallback',
      });
      this.log.info('cycle done', {
        cycleStart: new Date(cycleStartMs).toISOString(),
        sent: report.sent,
        feeders: report.feeders.map((f) => ({
          feederId: f.feederId,
          status: f.status,
          reason: f.reason,
          fallback: f.fallback.length,
        })),
      });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.lastCycle = { cycleStartMs, error };
      this.m.cycles.inc({ outcome: 'error' });
      this.log.error('cycle failed; the units keep their local rule', {
        cycleStart: new Date(cycleStartMs).toISOString(),
        error,
      });
    } finally {
      this.cycleStartedAt = undefined;
      this.updatePlanAge();
    }
  }

  private updatePlanAge(): void {
    const t = this.lastOptimalCycleMs;
    this.m.planAge.set(t === undefined ? -1 : Math.max(0, (this.clock.now() - t) / 1000));
  }

  /**
   * Setpoint mode sends grid.battery.commands.v1 (what every unit understands); limit mode sends every
   * command of the cycle, its fallbacks included, as v2 to the v2 topic.
   */
  private async publish(commands: readonly BatteryCommand[]): Promise<void> {
    if (commands.length === 0) return;
    const v2 = this.options.planner.commandMode === 'limit';
    const options = (c: BatteryCommand) => ({
      source: `/gridwerk/${this.options.service}`,
      subject: c.assetId,
      id: c.commandId,
      time: new Date(this.clock.now()),
    });
    await this.producer.send(
      v2 ? this.options.topics.commandsV2 : this.options.topics.commands,
      commands.map((c) => ({
        key: c.assetId,
        value: JSON.stringify(
          v2
            ? createEvent(EventTypes.batteryCommandV2, c, options(c))
            : createEvent(EventTypes.batteryCommand, asV1(c), options(c)),
        ),
      })),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.cancelNext?.();
    this.cancelRetry?.();
    await this.whenIdle();
    await this.inputs.stop().catch(() => undefined);
    await this.lock?.release();
    await this.solver?.close();
    await this.pool?.end();
  }
}

/** A setpoint, auto or idle command as v1 (a limit has no v1 form: limit mode publishes v2). */
function asV1(c: BatteryCommand): BatteryCommandV1 {
  if (c.mode === 'limit') throw new Error(`command ${c.commandId}: a limit command has no v1 form`);
  const { stationLimitW: _limit, socReservePct: _reserve, mode, ...rest } = c;
  return { ...rest, mode };
}
