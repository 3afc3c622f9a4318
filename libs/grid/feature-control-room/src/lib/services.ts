import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  Actor,
  Alarm,
  AlarmAction,
  AlarmChange,
  AlarmCodes,
  AlarmRules,
  Condition,
  isTerminal,
  MeterSilenceInput,
  DEFAULT_THRESHOLDS,
  effectiveThresholds,
  floodStatus,
  FloodStatus,
  reconcile,
  ThresholdOverrides,
  ThresholdProfile,
  transition,
  USER_ACTIONS,
  validateOverrides,
  type ForecastNodeKind,
} from '@gridwerk/grid/alarms';
import {
  AlarmRepository,
  AuditRepository,
  DEFAULT_PROFILE_ID,
  FactsRepository,
  OutboxRepository,
  SettingsRepository,
  StationRollupQueries,
  StreamLogRepository,
  TopologyQueries,
} from '@gridwerk/grid/read-model';
import { withTransaction } from '@gridwerk/shared/data-access-database';
import type { BatteryTelemetry } from '@gridwerk/contracts';
import type { AuthUser } from '@gridwerk/shared/auth';
import { alertOutboxMessage } from './alert-event';
import { CONTROL_ROOM_CONFIG, type ControlRoomConfig, GRID_POOL, LOAD_POOL } from './control-room.config';
import { notFound, ApiError } from './errors';
import { LiveLoad } from './live/live-load';
import { TopologyIndex } from './topology-index';

/** The topology, re-read every GRID_API_TOPOLOGY_REFRESH_MS; the live aggregator follows it. */
@Injectable()
export class TopologyService {
  private current = TopologyIndex.empty();
  private readonly listeners: ((t: TopologyIndex) => void)[] = [];
  private signature = '';

  constructor(@Inject(LOAD_POOL) private readonly pool: Pool) {}

  get index(): TopologyIndex {
    return this.current;
  }

  onChange(fn: (t: TopologyIndex) => void): void {
    this.listeners.push(fn);
  }

  /** Re-reads the topology when its digest (computed in the database) changed: a city is not re-read every minute. */
  async refresh(): Promise<void> {
    const queries = new TopologyQueries();
    const sig = await queries.signature(this.pool);
    if (sig === this.signature) return;
    const model = await queries.load(this.pool);
    this.signature = sig;
    this.current = new TopologyIndex(model);
    for (const l of this.listeners) l(this.current);
  }
}

/** Perimeters (substation ids per user, set by admins); cached for a few seconds per user. */
@Injectable()
export class PerimeterService {
  private readonly cache = new Map<string, { at: number; value: readonly string[] | undefined }>();
  private readonly settings = new SettingsRepository();

  constructor(@Inject(GRID_POOL) private readonly pool: Pool) {}

  async perimeterOf(user: Pick<AuthUser, 'sub'>): Promise<readonly string[] | undefined> {
    const hit = this.cache.get(user.sub);
    if (hit && Date.now() - hit.at < 5000) return hit.value;
    const row = await this.settings.perimeter(this.pool, user.sub);
    const value = row?.substationIds;
    this.cache.set(user.sub, { at: Date.now(), value });
    return value;
  }

  invalidate(sub: string): void {
    this.cache.delete(sub);
  }
}

/** The stream's payload for a battery's newest telemetry. */
export function batteryStreamData(t: BatteryTelemetry, index: TopologyIndex): Record<string, unknown> {
  return {
    assetId: t.assetId,
    substationId: index.substationOf.get(t.assetId) ?? null,
    secondarySubstationId: index.live.stationOfBattery.get(t.assetId) ?? null,
    stateOfChargePct: t.stateOfChargePct,
    powerW: t.powerW,
    stateOfHealthPct: t.stateOfHealthPct,
    temperatureC: t.temperatureC,
    usableCapacityWh: t.usableCapacityWh,
    mode: t.mode,
    control: t.control ?? null,
    observedAt: t.time,
  };
}

/** Live values in memory: per-node load and the newest battery telemetry (from the live consumer). */
@Injectable()
export class LiveState {
  readonly load: LiveLoad;
  readonly batteries = new Map<string, BatteryTelemetry>();
  readonly batteryDirty = new Set<string>();

  constructor(topology: TopologyService) {
    this.load = new LiveLoad(topology.index.live);
    topology.onChange((t) => this.load.setTopology(t.live));
  }

  /** Every node's current load and every battery's newest state, as the stream's event payloads. */
  snapshot(index: TopologyIndex): { type: 'load' | 'battery'; data: Record<string, unknown> }[] {
    return [
      ...this.load.all().map((v) => ({ type: 'load' as const, data: { ...v } })),
      ...[...this.batteries.values()].map((t) => ({
        type: 'battery' as const,
        data: batteryStreamData(t, index),
      })),
    ];
  }

  addBattery(t: BatteryTelemetry): void {
    const prev = this.batteries.get(t.assetId);
    if (prev && Date.parse(prev.time) >= Date.parse(t.time)) return;
    this.batteries.set(t.assetId, t);
    this.batteryDirty.add(t.assetId);
    this.load.addBattery(t);
  }
}

/** Thresholds: built-in defaults, the stored default profile ('*') over them, node overrides over that. */
@Injectable()
export class ThresholdService {
  private defaults: ThresholdProfile = DEFAULT_THRESHOLDS;
  private overrides = new Map<string, ThresholdOverrides>();
  private readonly settings = new SettingsRepository();

  constructor(@Inject(GRID_POOL) private readonly pool: Pool) {}

  async reload(): Promise<void> {
    const rows = await this.settings.thresholds(this.pool);
    const stored = rows.find((r) => r.nodeId === DEFAULT_PROFILE_ID);
    this.defaults = effectiveThresholds(DEFAULT_THRESHOLDS, stored?.overrides);
    this.overrides = new Map(
      rows.filter((r) => r.nodeId !== DEFAULT_PROFILE_ID).map((r) => [r.nodeId, r.overrides]),
    );
  }

  get profile(): ThresholdProfile {
    return this.defaults;
  }

  get nodeOverrides(): ReadonlyMap<string, ThresholdOverrides> {
    return this.overrides;
  }

  async rows() {
    return this.settings.thresholds(this.pool);
  }

  /** Validates and stores overrides of the default profile (`nodeId` undefined) or of one node; audited. */
  async put(
    nodeId: string | undefined,
    input: unknown,
    by: Actor,
    reason: string | undefined,
  ): Promise<ThresholdOverrides> {
    const overrides = validateOverrides(input, nodeId === undefined ? DEFAULT_THRESHOLDS : this.defaults);
    const id = nodeId ?? DEFAULT_PROFILE_ID;
    await withTransaction(this.pool, async (c) => {
      await this.settings.putThresholds(c, id, overrides, by.sub);
      await new AuditRepository().append(c, [
        {
          actorSub: by.sub,
          actorName: by.username,
          action: 'thresholds.put',
          target: id,
          ...(reason ? { reason } : {}),
          detail: { overrides },
        },
      ]);
    });
    await this.reload();
    return overrides;
  }
}

export interface StreamPayload {
  type: 'load' | 'battery' | 'alarm';
  data: Record<string, unknown>;
}

/** The alarm use cases: operator actions, queries, and persisting the engine's changes. */
@Injectable()
export class AlarmService {
  private readonly log = new Logger('alarms');
  private readonly alarms = new AlarmRepository();
  private readonly audit = new AuditRepository();
  private readonly outbox = new OutboxRepository();
  private readonly stream = new StreamLogRepository();

  constructor(
    @Inject(GRID_POOL) private readonly pool: Pool,
    @Inject(CONTROL_ROOM_CONFIG) private readonly config: ControlRoomConfig,
    private readonly topology: TopologyService,
  ) {}

  /**
   * An alarm as clients see it, on the stream and in the API alike: with its substation and the actions
   * its state allows now (the dashboard draws its buttons from them). The API and the stream add `ageS`.
   */
  view(alarm: Alarm): Alarm & { substationId: string | null; actions: string[] } {
    return {
      ...alarm,
      substationId: this.topology.index.substationOf.get(alarm.nodeId) ?? null,
      actions: [...USER_ACTIONS[alarm.state]],
    };
  }

  async list(
    filter: { states?: Alarm['state'][]; nodeIds?: string[] },
    perimeter: readonly string[] | undefined,
  ): Promise<Alarm[]> {
    const all = await this.alarms.list(this.pool, { ...filter, limit: 1000 });
    return all.filter((a) => this.topology.index.visible(a.nodeId, perimeter));
  }

  async get(id: string, perimeter: readonly string[] | undefined): Promise<Alarm> {
    const a = await this.alarms.get(this.pool, id);
    if (!a || !this.topology.index.visible(a.nodeId, perimeter))
      throw notFound('ALARM.NOT_FOUND', `no alarm ${id}`);
    return a;
  }

  async auditOf(id: string, perimeter: readonly string[] | undefined) {
    await this.get(id, perimeter);
    return this.audit.forAlarm(this.pool, id);
  }

  async flood(at = new Date()): Promise<FloodStatus> {
    const since = new Date(at.getTime() - 10 * 60_000);
    return floodStatus(await this.alarms.raisedSince(this.pool, since), at.toISOString());
  }

  /** An operator's action: state machine, then alarm + audit + alert event + stream event in one transaction. */
  async act(
    id: string,
    user: AuthUser,
    perimeter: readonly string[] | undefined,
    action: AlarmAction,
  ): Promise<Alarm> {
    const before = await this.get(id, perimeter);
    const at = new Date().toISOString();
    const withMax: AlarmAction =
      action.kind === 'shelve' ? { ...action, maxShelveMs: this.config.alarmMaxShelveH * 3600_000 } : action;
    const r = transition(before, withMax, at);
    const actor = { sub: user.sub, username: user.username };
    const reason = 'comment' in action ? action.comment : undefined;
    await withTransaction(this.pool, async (c) => {
      await this.alarms.save(c, r.alarm, before.version);
      await this.audit.append(c, [
        {
          actorSub: actor.sub,
          actorName: actor.username,
          action: `alarm.${action.kind}`,
          alarmId: id,
          target: before.nodeId,
          ...(reason ? { reason } : {}),
          detail: {
            from: r.from,
            to: r.to,
            version: r.alarm.version,
            ...(action.kind === 'shelve' ? { until: action.until } : {}),
          },
        },
      ]);
      await this.outbox.enqueue(c, [alertOutboxMessage(r.alarm, this.config.alertsTopic)]);
      await this.stream.append(c, [{ type: 'alarm', data: { ...this.view(r.alarm) } }]);
    });
    return r.alarm;
  }

  /** Persists the engine's changes, each in its own transaction (an operator's concurrent change wins). */
  async applyEngineChanges(
    changes: readonly AlarmChange[],
    previous: ReadonlyMap<string, number>,
  ): Promise<number> {
    let applied = 0;
    for (const ch of changes) {
      try {
        await withTransaction(this.pool, async (c) => {
          await this.alarms.save(c, ch.alarm, previous.get(ch.alarm.id) ?? null);
          await this.audit.append(c, [
            {
              actorSub: 'system',
              actorName: 'system',
              action: `alarm.${ch.cause}`,
              alarmId: ch.alarm.id,
              target: ch.alarm.nodeId,
              reason: ch.alarm.message,
              detail: { from: ch.from, to: ch.to, version: ch.alarm.version, value: ch.alarm.value ?? null },
            },
          ]);
          await this.outbox.enqueue(c, [alertOutboxMessage(ch.alarm, this.config.alertsTopic)]);
          await this.stream.append(c, [{ type: 'alarm', data: { ...this.view(ch.alarm) } }]);
        });
        applied++;
      } catch (err) {
        this.log.warn(
          `alarm ${ch.alarm.id} not changed by the engine: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    return applied;
  }

  open(): Promise<Alarm[]> {
    return this.alarms.open(this.pool);
  }
}

/** What one quarter-hour pass judged: the newest quarter whose every station was checked, and the pass's size. */
export interface QuarterEvaluation {
  /** Quarter hours (start) judged in this pass, oldest first. */
  readonly quarters: string[];
  readonly stationsJudged: number;
  readonly changes: AlarmChange[];
}

/**
 * The alarm engine. Two cadences:
 * - the tick (GRID_ALARM_EVAL_MS): missing data, batteries, predicted overloads and shelving expiry, from
 *   what the live aggregator keeps incrementally: O(feeders + silent meters + batteries), never every meter;
 * - the quarter hour: transformer loading and reverse flow, judged per station from ingest's 15-minute
 *   station rollups when ingest announces them (the rollup notification; a poll where there is none): about
 *   3,000 rows per quarter at city scale instead of regrouping 350,000 meters every 2 s.
 */
@Injectable()
export class AlarmEvaluator {
  readonly rules = new AlarmRules(DEFAULT_THRESHOLDS);
  private readonly facts = new FactsRepository();
  private readonly rollups = new StationRollupQueries();
  /** Per station: the newest quarter (start, ms) judged and whether all its meters counted then. */
  private readonly judged = new Map<string, { bucketMs: number; complete: boolean }>();
  /** Per quarter (start, ms): the meters the rollups counted when it was last read. */
  private readonly seenMeters = new Map<number, number>();
  private completeQuarterMs = -Infinity;
  private rollupsAvailable: boolean | undefined;
  private rollupsCheckedAt = 0;
  /** The tick and the quarter pass run one after the other: both reconcile the same open alarms. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(GRID_POOL) private readonly pool: Pool,
    @Inject(LOAD_POOL) private readonly loadPool: Pool,
    private readonly topology: TopologyService,
    private readonly live: LiveState,
    private readonly thresholds: ThresholdService,
    private readonly alarms: AlarmService,
  ) {}

  /** Start of the newest quarter hour every station of which was judged on complete data (ms; -Infinity: none). */
  get completeQuarter(): number {
    return this.completeQuarterMs;
  }

  evaluate(wallNow = Date.now()): Promise<AlarmChange[]> {
    return this.serial(() => this.evaluateTick(wallNow));
  }

  evaluateQuarters(from?: Date, wallNow = Date.now()): Promise<QuarterEvaluation> {
    return this.serial(() => this.judgeQuarters(from, wallNow));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async evaluateTick(wallNow: number): Promise<AlarmChange[]> {
    this.rules.setThresholds(this.thresholds.profile, this.thresholds.nodeOverrides);
    const clock = this.live.load.clockMs(wallNow);
    const horizonMs = 48 * 3600_000;
    const fc = await this.facts.overloadForecastsFrom(
      this.pool,
      new Date(clock - 3600_000),
      new Date(clock + horizonMs),
    );
    const bySeries = new Map<string, typeof fc>();
    for (const p of fc) {
      const list = bySeries.get(p.seriesId) ?? [];
      list.push(p);
      bySeries.set(p.seriesId, list);
    }
    const open = await this.alarms.open();
    const index = this.topology.index;
    const conditions = this.rules.evaluate(index.rules, {
      now: new Date(clock).toISOString(),
      loads: [],
      meterSilence: this.meterSilence(index, open, clock),
      batteries: [...this.live.batteries.values()].map((b) => ({
        assetId: b.assetId,
        temperatureC: b.temperatureC,
        stateOfHealthPct: b.stateOfHealthPct,
        mode: b.mode,
        observedAt: b.time,
      })),
      forecasts: [...bySeries.entries()].map(([seriesId, pts]) => ({
        ...forecastNode(seriesId),
        stepMinutes: pts[0]?.stepMinutes ?? 15,
        modelVersion: pts.at(-1)?.modelVersion ?? '',
        issueTime: pts.reduce((t, p) => (p.issueTime > t ? p.issueTime : t), ''),
        points: pts.map((p) => ({ targetStart: p.targetStart, p90Wh: p.p90Wh })),
      })),
    });
    return this.apply(open, conditions, wallNow);
  }

  /**
   * The loading rules for the quarter hours the station rollups hold from `from` on (default: the last
   * hour of data): a station is judged once all its meters count in its rollup, or once a newer quarter hour
   * exists (then its quarter is final, with whatever arrived). Never judges a station back in time.
   */
  private async judgeQuarters(from: Date | undefined, wallNow: number): Promise<QuarterEvaluation> {
    if (!(await this.rollupsReady(wallNow))) return { quarters: [], stationsJudged: 0, changes: [] };
    this.rules.setThresholds(this.thresholds.profile, this.thresholds.nodeOverrides);
    const clock = this.live.load.clockMs(wallNow);
    const lookback = new Date(Math.floor((clock - 3600_000) / 900_000) * 900_000);
    const start = from !== undefined && from.getTime() > lookback.getTime() ? from : lookback;
    const buckets = await this.rollups.bucketsFrom(this.loadPool, start);
    const newest = buckets.at(-1)?.bucketStart.getTime() ?? -Infinity;
    const index = this.topology.index;
    const expected = index.metersPerStation;
    const quarters: string[] = [];
    let stationsJudged = 0;
    const conditions = [];
    for (const b of buckets) {
      const ms = b.bucketStart.getTime();
      const final = ms < newest;
      if (this.seenMeters.get(ms) === b.meters && (!final || this.completeQuarterMs >= ms)) continue;
      const loads = [];
      const rows = await this.rollups.stationsAt(this.loadPool, b.bucketStart);
      for (const row of rows) {
        const complete = row.metersReporting >= this.expectedMeters(row.nodeId, expected);
        const prev = this.judged.get(row.nodeId);
        if (prev && (prev.bucketMs > ms || (prev.bucketMs === ms && prev.complete))) continue;
        if (!complete && !final) continue;
        this.judged.set(row.nodeId, { bucketMs: ms, complete });
        // Wh per quarter hour → mean W over it; the quarter's data instant is its end
        loads.push({
          nodeId: row.nodeId,
          powerW: row.netWh * 4,
          observedAt: new Date(ms + 900_000).toISOString(),
        });
      }
      this.seenMeters.set(ms, b.meters);
      stationsJudged += loads.length;
      const conds = this.rules.evaluate(index.rules, {
        now: new Date(ms + 900_000).toISOString(),
        loads,
        meterSilence: { feederLastSeen: new Map(), feederMeterCount: new Map(), candidates: [] },
        batteries: [],
        forecasts: [],
      });
      conditions.push(...conds);
      quarters.push(b.bucketStart.toISOString());
      // every station with data in the quarter judged on it (a station none of whose meters report has no
      // loading to judge)
      const all =
        rows.length > 0 && rows.every((r) => (this.judged.get(r.nodeId)?.bucketMs ?? -Infinity) >= ms);
      if (all && ms > this.completeQuarterMs) this.completeQuarterMs = ms;
    }
    for (const ms of this.seenMeters.keys())
      if (ms < lookback.getTime() - 3600_000) this.seenMeters.delete(ms);
    if (conditions.length === 0) return { quarters, stationsJudged, changes: [] };
    const open = await this.alarms.open();
    return { quarters, stationsJudged, changes: await this.apply(open, conditions, wallNow) };
  }

  /**
   * The meters a station's quarter hour is complete with: those of its meters that report at all (the live
   * aggregator has seen them; a storage unit's meter may not send quarter-hour readings), else the topology's.
   */
  private expectedMeters(stationId: string, topology: ReadonlyMap<string, number>): number {
    const all = topology.get(stationId) ?? Infinity;
    const reporting = this.live.load.value(stationId)?.metersReporting ?? 0;
    return reporting > 0 ? Math.min(reporting, all) : all;
  }

  private async apply(open: Alarm[], conditions: Condition[], wallNow: number): Promise<AlarmChange[]> {
    const previous = new Map(open.map((a) => [a.id, a.version]));
    const changes = reconcile(open, conditions, new Date(wallNow).toISOString(), randomUUID);
    await this.alarms.applyEngineChanges(changes, previous);
    return changes;
  }

  /** Whether ingest's station rollups are there (checked again every minute while they are not). */
  private async rollupsReady(wallNow: number): Promise<boolean> {
    if (this.rollupsAvailable === true) return true;
    if (this.rollupsAvailable === false && wallNow - this.rollupsCheckedAt < 60_000) return false;
    this.rollupsCheckedAt = wallNow;
    this.rollupsAvailable = await this.rollups.available(this.loadPool);
    return this.rollupsAvailable;
  }

  /**
   * Candidates for the missing-data rules: the meters silent longer than the smallest meter threshold (found
   * in the live aggregator's old buckets) and the meters with an open missing-data alarm.
   */
  private meterSilence(index: TopologyIndex, open: readonly Alarm[], clock: number): MeterSilenceInput {
    let minSilenceS = this.thresholds.profile.meterSilenceS;
    for (const o of this.thresholds.nodeOverrides.values())
      if (o.meterSilenceS !== undefined) minSilenceS = Math.min(minSilenceS, o.meterSilenceS);
    const feederOf = (id: string): string | undefined =>
      index.live.feederOfStation.get(index.live.stationOfMeter.get(id) ?? '');
    const candidates = new Map<string, { id: string; feederId: string; lastSeenMs: number }>();
    for (const m of this.live.load.silentMeters(clock - minSilenceS * 1000)) {
      const f = feederOf(m.id);
      if (f !== undefined) candidates.set(m.id, { ...m, feederId: f });
    }
    for (const a of open) {
      if (a.code !== AlarmCodes.meterMissingData || candidates.has(a.nodeId) || isTerminal(a.state)) continue;
      const seen = this.live.load.lastSeen(a.nodeId);
      const f = feederOf(a.nodeId);
      if (seen !== undefined && f !== undefined)
        candidates.set(a.nodeId, { id: a.nodeId, feederId: f, lastSeenMs: seen });
    }
    return {
      feederLastSeen: this.live.load.feederLastSeen(),
      feederMeterCount: index.metersPerFeeder,
      candidates: [...candidates.values()],
    };
  }
}

/** The node of a forecast series the predicted-overload rules judge (see overloadForecastsFrom). */
export function forecastNode(seriesId: string): { nodeKind: ForecastNodeKind; nodeId: string } {
  const colon = seriesId.indexOf(':');
  const kind = seriesId.slice(0, colon);
  if (kind !== 'feeder' && kind !== 'secondary-substation')
    throw new Error(`not a feeder or secondary substation forecast series: ${seriesId}`);
  return { nodeKind: kind, nodeId: seriesId.slice(colon + 1) };
}

export { ApiError };
