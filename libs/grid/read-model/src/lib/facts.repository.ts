import type {
  BatteryCommand,
  BatteryCommandV2,
  BatteryTelemetry,
  ForecastIssued,
  SettlementBatch,
} from '@gridwerk/contracts';
import { iso, Queryable, rows } from './db';

export interface BatteryStateRow {
  readonly assetId: string;
  readonly observedAt: string | null;
  readonly stateOfChargePct: number | null;
  readonly powerW: number | null;
  readonly usableCapacityWh: number | null;
  readonly stateOfHealthPct: number | null;
  readonly temperatureC: number | null;
  readonly mode: string | null;
  /** Control in effect at the last telemetry (planned-setpoint, planned-limit, local-rule, idle), if reported. */
  readonly control: string | null;
  readonly lastCommand: {
    readonly commandId: string;
    readonly issuedAt: string;
    readonly mode: string;
    readonly setpointW: number | null;
    /** Limit-mode commands (v2): the station-flow limit held and the SoC reserve kept. */
    readonly stationLimitW: number | null;
    readonly socReservePct: number | null;
    readonly validFrom: string;
    readonly validUntil: string;
    readonly reason: string;
  } | null;
}

export interface ForecastPointRow {
  readonly targetStart: string;
  readonly stepMinutes: number;
  readonly issueTime: string;
  readonly modelVersion: string;
  readonly p10Wh: number;
  readonly p50Wh: number;
  readonly p90Wh: number;
}

export interface SettlementBatchRow {
  readonly batchId: string;
  readonly communityId: string;
  readonly intervalStart: string;
  readonly intervalEnd: string;
  readonly transactionCount: number;
  readonly totalEnergyWh: number;
  readonly totalAmountCt: number;
  readonly merkleRoot: string;
  readonly chainId: number;
  readonly contractAddress: string;
  readonly txHash: string;
  readonly blockNumber: number;
  readonly committedAt: string;
}

/**
 * Facts grid-api learns from other services' topics: the latest battery state and command, the latest
 * forecast value per target, settlement batches. Every write is idempotent (replays change nothing) and
 * older facts never overwrite newer ones (partitions may be re-read after a rebalance).
 */
export class FactsRepository {
  async upsertTelemetry(db: Queryable, items: readonly BatteryTelemetry[]): Promise<void> {
    if (items.length === 0) return;
    await db.query(
      `INSERT INTO grid_battery_state AS s (asset_id, observed_at, soc_pct, power_w, usable_capacity_wh, soh_pct, temperature_c, mode, control)
       SELECT DISTINCT ON (a) a, t, soc, p, cap, soh, temp, m, c
         FROM unnest($1::text[], $2::timestamptz[], $3::real[], $4::integer[], $5::bigint[], $6::real[], $7::real[], $8::text[], $9::text[])
              AS x(a, t, soc, p, cap, soh, temp, m, c)
        ORDER BY a, t DESC
       ON CONFLICT (asset_id) DO UPDATE SET observed_at = excluded.observed_at, soc_pct = excluded.soc_pct,
         power_w = excluded.power_w, usable_capacity_wh = excluded.usable_capacity_wh, soh_pct = excluded.soh_pct,
         temperature_c = excluded.temperature_c, mode = excluded.mode, control = excluded.control, updated_at = now()
       WHERE s.observed_at IS NULL OR s.observed_at < excluded.observed_at`,
      [
        items.map((i) => i.assetId),
        items.map((i) => i.time),
        items.map((i) => i.stateOfChargePct),
        items.map((i) => i.powerW),
        items.map((i) => i.usableCapacityWh),
        items.map((i) => i.stateOfHealthPct),
        items.map((i) => i.temperatureC),
        items.map((i) => i.mode),
        items.map((i) => i.control ?? null),
      ],
    );
  }

  /** v1 and v2 commands alike: a v1 command has no limit and no reserve. */
  async upsertCommands(db: Queryable, items: readonly (BatteryCommand | BatteryCommandV2)[]): Promise<void> {
    if (items.length === 0) return;
    await db.query(
      `INSERT INTO grid_battery_state AS s (asset_id, command_id, command_issued_at, command_mode, command_setpoint_w,
                                           command_valid_from, command_valid_until, command_reason,
                                           command_station_limit_w, command_soc_reserve_pct)
       SELECT DISTINCT ON (a) a, id, t, m, sp, vf, vu, r, lim, res
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::integer[], $6::timestamptz[], $7::timestamptz[], $8::text[],
                     $9::integer[], $10::real[])
              AS x(a, id, t, m, sp, vf, vu, r, lim, res)
        ORDER BY a, t DESC
       ON CONFLICT (asset_id) DO UPDATE SET command_id = excluded.command_id, command_issued_at = excluded.command_issued_at,
         command_mode = excluded.command_mode, command_setpoint_w = excluded.command_setpoint_w,
         command_valid_from = excluded.command_valid_from, command_valid_until = excluded.command_valid_until,
         command_reason = excluded.command_reason, command_station_limit_w = excluded.command_station_limit_w,
         command_soc_reserve_pct = excluded.command_soc_reserve_pct, updated_at = now()
       WHERE s.command_issued_at IS NULL OR s.command_issued_at < excluded.command_issued_at`,
      [
        items.map((i) => i.assetId),
        items.map((i) => i.commandId),
        items.map((i) => i.issuedAt),
        items.map((i) => i.mode),
        items.map((i) => i.setpointW ?? null),
        items.map((i) => i.validFrom),
        items.map((i) => i.validUntil),
        items.map((i) => i.reason),
        items.map((i) => ('stationLimitW' in i ? (i.stationLimitW ?? null) : null)),
        items.map((i) => ('socReservePct' in i ? (i.socReservePct ?? null) : null)),
      ],
    );
  }

  async batteries(db: Queryable, assetIds?: readonly string[]): Promise<BatteryStateRow[]> {
    const r = await rows<Record<string, unknown>>(
      db,
      `SELECT * FROM grid_battery_state WHERE ($1::text[] IS NULL OR asset_id = ANY($1::text[])) ORDER BY asset_id`,
      [assetIds ?? null],
    );
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return r.map((x) => ({
      assetId: String(x['asset_id']),
      observedAt: iso(x['observed_at'] as Date | null),
      stateOfChargePct: num(x['soc_pct']),
      powerW: num(x['power_w']),
      usableCapacityWh: num(x['usable_capacity_wh']),
      stateOfHealthPct: num(x['soh_pct']),
      temperatureC: num(x['temperature_c']),
      mode: (x['mode'] as string | null) ?? null,
      control: (x['control'] as string | null) ?? null,
      lastCommand:
        x['command_id'] === null
          ? null
          : {
              commandId: x['command_id'] as string,
              issuedAt: iso(x['command_issued_at'] as Date) ?? '',
              mode: String(x['command_mode']),
              setpointW: num(x['command_setpoint_w']),
              stationLimitW: num(x['command_station_limit_w']),
              socReservePct: num(x['command_soc_reserve_pct']),
              validFrom: iso(x['command_valid_from'] as Date) ?? '',
              validUntil: iso(x['command_valid_until'] as Date) ?? '',
              reason: String(x['command_reason']),
            },
    }));
  }

  /** Keeps per target the value of the latest issue (a re-delivered older issue changes nothing). */
  async upsertForecast(db: Queryable, f: ForecastIssued): Promise<void> {
    await db.query(
      `INSERT INTO grid_forecast_point AS p (series_id, horizon, target_start, step_minutes, issue_time, model_version, p10_wh, p50_wh, p90_wh)
       SELECT $1, $2, t, $3, $4, $5, a, b, c FROM unnest($6::timestamptz[], $7::bigint[], $8::bigint[], $9::bigint[]) AS x(t, a, b, c)
       ON CONFLICT (series_id, horizon, target_start) DO UPDATE SET step_minutes = excluded.step_minutes,
         issue_time = excluded.issue_time, model_version = excluded.model_version,
         p10_wh = excluded.p10_wh, p50_wh = excluded.p50_wh, p90_wh = excluded.p90_wh
       WHERE p.issue_time < excluded.issue_time`,
      [
        f.seriesId,
        f.horizon,
        f.stepMinutes,
        f.issueTime,
        f.modelVersion,
        f.points.map((p) => p.targetStart),
        f.points.map((p) => p.p10Wh),
        f.points.map((p) => p.p50Wh),
        f.points.map((p) => p.p90Wh),
      ],
    );
  }

  async forecast(
    db: Queryable,
    seriesId: string,
    horizon: string,
    from: Date,
    to: Date,
    limit: number,
  ): Promise<ForecastPointRow[]> {
    const r = await rows<{
      target_start: Date;
      step_minutes: number;
      issue_time: Date;
      model_version: string;
      p10_wh: string;
      p50_wh: string;
      p90_wh: string;
    }>(
      db,
      `SELECT target_start, step_minutes, issue_time, model_version, p10_wh, p50_wh, p90_wh FROM grid_forecast_point
        WHERE series_id = $1 AND horizon = $2 AND target_start >= $3 AND target_start < $4
        ORDER BY target_start LIMIT $5`,
      [seriesId, horizon, from, to, limit],
    );
    return r.map((x) => ({
      targetStart: x.target_start.toISOString(),
      stepMinutes: x.step_minutes,
      issueTime: x.issue_time.toISOString(),
      modelVersion: x.model_version,
      p10Wh: Number(x.p10_wh),
      p50Wh: Number(x.p50_wh),
      p90Wh: Number(x.p90_wh),
    }));
  }

  /**
   * The latest forecasts per feeder (`feeder:<id>`) and secondary substation (`secondary-substation:<id>`)
   * series from `from` on: the predicted-overload rules' input.
   */
  async overloadForecastsFrom(
    db: Queryable,
    from: Date,
    to: Date,
  ): Promise<(ForecastPointRow & { seriesId: string })[]> {
    const r = await rows<{
      series_id: string;
      target_start: Date;
      step_minutes: number;
      issue_time: Date;
      model_version: string;
      p10_wh: string;
      p50_wh: string;
      p90_wh: string;
    }>(
      db,
      `SELECT DISTINCT ON (series_id, target_start) series_id, target_start, step_minutes, issue_time, model_version, p10_wh, p50_wh, p90_wh
         FROM grid_forecast_point WHERE (series_id LIKE 'feeder:%' OR series_id LIKE 'secondary-substation:%') AND target_start >= $1 AND target_start < $2
        ORDER BY series_id, target_start, issue_time DESC`,
      [from, to],
    );
    return r.map((x) => ({
      seriesId: x.series_id,
      targetStart: x.target_start.toISOString(),
      stepMinutes: x.step_minutes,
      issueTime: x.issue_time.toISOString(),
      modelVersion: x.model_version,
      p10Wh: Number(x.p10_wh),
      p50Wh: Number(x.p50_wh),
      p90Wh: Number(x.p90_wh),
    }));
  }

  async insertBatches(db: Queryable, items: readonly SettlementBatch[]): Promise<void> {
    for (const b of items) {
      await db.query(
        `INSERT INTO grid_settlement_batch (batch_id, community_id, interval_start, interval_end, transaction_count,
           total_energy_wh, total_amount_ct, merkle_root, chain_id, contract_address, tx_hash, block_number, committed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (batch_id) DO NOTHING`,
        [
          b.batchId,
          b.communityId,
          b.intervalStart,
          b.intervalEnd,
          b.transactionCount,
          b.totalEnergyWh,
          b.totalAmountCt,
          b.merkleRoot,
          b.chainId,
          b.contractAddress,
          b.txHash,
          b.blockNumber,
          b.committedAt,
        ],
      );
    }
  }

  async batches(
    db: Queryable,
    communityId: string | undefined,
    from: Date,
    to: Date,
    limit: number,
  ): Promise<SettlementBatchRow[]> {
    const r = await rows<Record<string, unknown>>(
      db,
      `SELECT * FROM grid_settlement_batch
        WHERE ($1::text IS NULL OR community_id = $1) AND interval_start >= $2 AND interval_start < $3
        ORDER BY interval_start, community_id, batch_id LIMIT $4`,
      [communityId ?? null, from, to, limit],
    );
    return r.map((x) => ({
      batchId: String(x['batch_id']),
      communityId: String(x['community_id']),
      intervalStart: iso(x['interval_start'] as Date) ?? '',
      intervalEnd: iso(x['interval_end'] as Date) ?? '',
      transactionCount: Number(x['transaction_count']),
      totalEnergyWh: Number(x['total_energy_wh']),
      totalAmountCt: Number(x['total_amount_ct']),
      merkleRoot: String(x['merkle_root']),
      chainId: Number(x['chain_id']),
      contractAddress: String(x['contract_address']),
      txHash: String(x['tx_hash']),
      blockNumber: Number(x['block_number']),
      committedAt: iso(x['committed_at'] as Date) ?? '',
    }));
  }
}
