import type { Pool } from 'pg';
import type {
  BatteryCommandV2 as BatteryCommand,
  BatteryTelemetry,
  ForecastIssued,
} from '@gridwerk/contracts';
import { withTransaction } from '@gridwerk/shared/data-access-database';

/** A feeder's secondary substations with their batteries, as the planner needs them. */
export interface FeederTopology {
  feederId: string;
  secondarySubstations: { secondarySubstationId: string; ratedKva: number }[];
  batteries: {
    assetId: string;
    secondarySubstationId: string;
    nominalCapacityWh: number;
    maxChargeW: number | null;
    maxDischargeW: number | null;
  }[];
}

export interface StoredForecast {
  seriesId: string;
  horizon: string;
  issueTime: string;
  modelVersion: string;
  points: ForecastIssued['points'];
}

export interface StoredPlan {
  id: string;
  scopeId: string;
  cycleStart: string;
  createdAt: string;
  status: 'optimal' | 'fallback';
  reason: string;
  horizonSteps: number;
  solveMs: number;
  objectiveCt: number | null;
  explanation: unknown;
}

export interface PlanRecord extends Omit<StoredPlan, 'createdAt'> {
  commands: BatteryCommand[];
}

/** The dispatch service's tables, and read access to the shared topology tables. */
export class DispatchRepository {
  constructor(private readonly pool: Pool) {}

  /** Feeders that have at least one battery, with every secondary substation a battery sits behind. */
  async feedersWithBatteries(): Promise<FeederTopology[]> {
    const res = await this.pool.query<{
      feeder_id: string;
      ss_id: string;
      rated_kva: number;
      asset_id: string;
      nominal_capacity_wh: string;
      max_charge_w: number | null;
      max_discharge_w: number | null;
    }>(
      `SELECT ss.feeder_id, ss.id AS ss_id, ss.rated_kva, b.id AS asset_id, b.nominal_capacity_wh,
              b.max_charge_w, b.max_discharge_w
         FROM battery_asset b JOIN secondary_substation ss ON ss.id = b.secondary_substation_id
        ORDER BY ss.feeder_id, ss.id, b.id`,
    );
    const byFeeder = new Map<string, FeederTopology>();
    for (const r of res.rows) {
      let f = byFeeder.get(r.feeder_id);
      if (!f) {
        f = { feederId: r.feeder_id, secondarySubstations: [], batteries: [] };
        byFeeder.set(r.feeder_id, f);
      }
      if (!f.secondarySubstations.some((s) => s.secondarySubstationId === r.ss_id))
        f.secondarySubstations.push({ secondarySubstationId: r.ss_id, ratedKva: r.rated_kva });
      f.batteries.push({
        assetId: r.asset_id,
        secondarySubstationId: r.ss_id,
        nominalCapacityWh: Number(r.nominal_capacity_wh),
        maxChargeW: r.max_charge_w,
        maxDischargeW: r.max_discharge_w,
      });
    }
    return [...byFeeder.values()];
  }

  /** Keeps the newest telemetry per battery (an older, replayed record never overwrites a newer one). */
  async upsertTelemetry(items: readonly BatteryTelemetry[]): Promise<void> {
    if (items.length === 0) return;
    const latest = new Map<string, BatteryTelemetry>();
    for (const t of items) {
      const prev = latest.get(t.assetId);
      if (!prev || prev.time < t.time) latest.set(t.assetId, t);
    }
    const rows = [...latest.values()];
    await this.pool.query(
      `INSERT INTO dispatch_battery_state AS s (asset_id, time, telemetry)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::jsonb[])
       ON CONFLICT (asset_id) DO UPDATE SET time = excluded.time, telemetry = excluded.telemetry, received_at = now()
       WHERE s.time < excluded.time`,
      [rows.map((r) => r.assetId), rows.map((r) => r.time), rows.map((r) => JSON.stringify(r))],
    );
  }

  async batteryStates(): Promise<Map<string, BatteryTelemetry>> {
    const res = await this.pool.query<{ asset_id: string; telemetry: BatteryTelemetry }>(
      'SELECT asset_id, telemetry FROM dispatch_battery_state',
    );
    return new Map(res.rows.map((r) => [r.asset_id, r.telemetry]));
  }

  /** Keeps the latest issue per series and horizon (an intraday issue does not replace the day-ahead one). */
  async upsertForecast(f: ForecastIssued): Promise<void> {
    await this.pool.query(
      `INSERT INTO dispatch_forecast AS f (series_id, horizon, issue_time, model_version, points)
       VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (series_id, horizon) DO UPDATE SET horizon = excluded.horizon, issue_time = excluded.issue_time,
         model_version = excluded.model_version, points = excluded.points, received_at = now()
       WHERE f.issue_time <= excluded.issue_time`,
      [f.seriesId, f.horizon, f.issueTime, f.modelVersion, JSON.stringify(f.points)],
    );
  }

  /** The latest issue of each horizon per series. */
  async forecasts(seriesIds: readonly string[]): Promise<Map<string, StoredForecast[]>> {
    const res = await this.pool.query<{
      series_id: string;
      horizon: string;
      issue_time: Date;
      model_version: string;
      points: ForecastIssued['points'];
    }>(
      'SELECT series_id, horizon, issue_time, model_version, points FROM dispatch_forecast WHERE series_id = ANY($1) ORDER BY series_id, horizon',
      [seriesIds],
    );
    const out = new Map<string, StoredForecast[]>();
    for (const r of res.rows)
      out.set(r.series_id, [
        ...(out.get(r.series_id) ?? []),
        {
          seriesId: r.series_id,
          horizon: r.horizon,
          issueTime: r.issue_time.toISOString(),
          modelVersion: r.model_version,
          points: r.points,
        },
      ]);
    return out;
  }

  /**
   * Measured net energy (Wh) per quarter hour of secondary substations in [fromMs, untilMs) without their
   * batteries (what the transformer would carry without them: ingest's `uncontrolled_load_15m_secondary_substation`,
   * the 15-minute rollup minus the storage meters), for the history fallback forecast. A plan adds the
   * batteries' power to this load, so a history the batteries already shaved must not count as load.
   * Empty where the rollup is not in this database (dispatch deployed without ingest's schema).
   */
  async measuredLoad(
    stationIds: readonly string[],
    fromMs: number,
    untilMs: number,
  ): Promise<Map<string, Map<number, number>>> {
    const out = new Map<string, Map<number, number>>();
    if (stationIds.length === 0) return out;
    try {
      const res = await this.pool.query<{ node_id: string; t: number; wh: number }>(
        `SELECT node_id, extract(epoch FROM bucket_start)::float8 * 1000 AS t, net_wh::float8 AS wh
           FROM uncontrolled_load_15m_secondary_substation
          WHERE node_id = ANY($1) AND bucket_start >= $2 AND bucket_start < $3`,
        [stationIds, new Date(fromMs), new Date(untilMs)],
      );
      for (const r of res.rows) {
        let m = out.get(r.node_id);
        if (!m) out.set(r.node_id, (m = new Map<number, number>()));
        m.set(Number(r.t), Number(r.wh));
      }
    } catch (err) {
      if ((err as { code?: string }).code !== '42P01') throw err; // undefined_table: no rollup here
    }
    return out;
  }

  /**
   * Stores a plan with its commands in one transaction and returns the commands not sent before (their
   * stable ids make a repeated cycle, e.g. after a restart, a no-op).
   */
  async savePlan(plan: PlanRecord): Promise<BatteryCommand[]> {
    return withTransaction(this.pool, async (c) => {
      await c.query(
        `INSERT INTO dispatch_plan (id, scope_id, cycle_start, status, reason, horizon_steps, solve_ms, objective_ct, explanation)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
         ON CONFLICT (id) DO NOTHING`,
        [
          plan.id,
          plan.scopeId,
          plan.cycleStart,
          plan.status,
          plan.reason,
          plan.horizonSteps,
          Math.round(plan.solveMs),
          plan.objectiveCt,
          JSON.stringify(plan.explanation),
        ],
      );
      if (plan.commands.length === 0) return [];
      const res = await c.query<{ command_id: string }>(
        `INSERT INTO dispatch_command (command_id, asset_id, plan_id, issued_at, valid_from, valid_until, mode, setpoint_w, reason,
                                       station_limit_w, soc_reserve_pct)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
                              $6::timestamptz[], $7::text[], $8::integer[], $9::text[], $10::integer[],
                              $11::double precision[])
         ON CONFLICT (command_id) DO NOTHING
         RETURNING command_id`,
        [
          plan.commands.map((x) => x.commandId),
          plan.commands.map((x) => x.assetId),
          plan.commands.map(() => plan.id),
          plan.commands.map((x) => x.issuedAt),
          plan.commands.map((x) => x.validFrom),
          plan.commands.map((x) => x.validUntil),
          plan.commands.map((x) => x.mode),
          plan.commands.map((x) => x.setpointW ?? null),
          plan.commands.map((x) => x.reason),
          plan.commands.map((x) => x.stationLimitW ?? null),
          plan.commands.map((x) => x.socReservePct ?? null),
        ],
      );
      const fresh = new Set(res.rows.map((r) => r.command_id));
      return plan.commands.filter((x) => fresh.has(x.commandId));
    });
  }

  /** Commands stored but not yet confirmed as sent whose window has not ended (re-sent after a crash). */
  async unsentCommands(nowMs: number): Promise<BatteryCommand[]> {
    const res = await this.pool.query<CommandRow>(
      `SELECT ${COMMAND_COLUMNS} FROM dispatch_command WHERE sent_at IS NULL AND valid_until > $1 ORDER BY valid_from`,
      [new Date(nowMs)],
    );
    return res.rows.map(commandOf);
  }

  async markSent(commandIds: readonly string[]): Promise<void> {
    if (commandIds.length === 0) return;
    await this.pool.query('UPDATE dispatch_command SET sent_at = now() WHERE command_id = ANY($1)', [
      commandIds,
    ]);
  }

  async plans(q: { scopeId?: string; fromMs?: number; toMs?: number; limit: number }): Promise<StoredPlan[]> {
    const res = await this.pool.query<PlanRow>(
      `SELECT ${PLAN_COLUMNS} FROM dispatch_plan
        WHERE ($1::text IS NULL OR scope_id = $1)
          AND ($2::timestamptz IS NULL OR cycle_start >= $2)
          AND ($3::timestamptz IS NULL OR cycle_start < $3)
        ORDER BY cycle_start DESC, scope_id LIMIT $4`,
      [
        q.scopeId ?? null,
        q.fromMs === undefined ? null : new Date(q.fromMs),
        q.toMs === undefined ? null : new Date(q.toMs),
        q.limit,
      ],
    );
    return res.rows.map(planOf);
  }

  async plan(id: string): Promise<(StoredPlan & { commands: BatteryCommand[] }) | undefined> {
    const res = await this.pool.query<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM dispatch_plan WHERE id = $1`, [
      id,
    ]);
    const row = res.rows[0];
    if (!row) return undefined;
    const cmds = await this.pool.query<CommandRow>(
      `SELECT ${COMMAND_COLUMNS} FROM dispatch_command WHERE plan_id = $1 ORDER BY asset_id, valid_from`,
      [id],
    );
    return { ...planOf(row), commands: cmds.rows.map(commandOf) };
  }

  /** The latest plan's cycle start per scope (plan age in /metrics and /health). */
  async latestOptimalCycle(): Promise<number | undefined> {
    const res = await this.pool.query<{ t: Date | null }>(
      `SELECT max(cycle_start) AS t FROM dispatch_plan WHERE status = 'optimal'`,
    );
    return res.rows[0]?.t ? res.rows[0].t.getTime() : undefined;
  }
}

const PLAN_COLUMNS =
  'id, scope_id, cycle_start, created_at, status, reason, horizon_steps, solve_ms, objective_ct, explanation';
interface PlanRow {
  id: string;
  scope_id: string;
  cycle_start: Date;
  created_at: Date;
  status: 'optimal' | 'fallback';
  reason: string;
  horizon_steps: number;
  solve_ms: number;
  objective_ct: number | null;
  explanation: unknown;
}
function planOf(r: PlanRow): StoredPlan {
  return {
    id: r.id,
    scopeId: r.scope_id,
    cycleStart: r.cycle_start.toISOString(),
    createdAt: r.created_at.toISOString(),
    status: r.status,
    reason: r.reason,
    horizonSteps: r.horizon_steps,
    solveMs: r.solve_ms,
    objectiveCt: r.objective_ct,
    explanation: r.explanation,
  };
}

const COMMAND_COLUMNS =
  'command_id, asset_id, issued_at, valid_from, valid_until, mode, setpoint_w, reason, station_limit_w, soc_reserve_pct';
interface CommandRow {
  command_id: string;
  asset_id: string;
  issued_at: Date;
  valid_from: Date;
  valid_until: Date;
  mode: BatteryCommand['mode'];
  setpoint_w: number | null;
  reason: string;
  station_limit_w: number | null;
  soc_reserve_pct: number | null;
}
function commandOf(r: CommandRow): BatteryCommand {
  return {
    commandId: r.command_id,
    assetId: r.asset_id,
    issuedAt: r.issued_at.toISOString(),
    validFrom: r.valid_from.toISOString(),
    validUntil: r.valid_until.toISOString(),
    mode: r.mode,
    ...(r.setpoint_w === null ? {} : { setpointW: r.setpoint_w }),
    ...(r.station_limit_w === null ? {} : { stationLimitW: r.station_limit_w }),
    ...(r.soc_reserve_pct === null ? {} : { socReservePct: r.soc_reserve_pct }),
    reason: r.reason,
  };
}
