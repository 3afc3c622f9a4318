import type { BatteryCommandV2 as BatteryCommand, BatteryTelemetry } from '@gridwerk/contracts';
import { addDays, dayType, localDate, startOfLocalDayUtc } from '@gridwerk/shared/util-calendar';
import {
  BatteryInput,
  DispatchParameters,
  DispatchPlan,
  effectiveLimits,
  MergedForecast,
  mergeForecastIssues,
  MergeOptions,
  plannedLimits,
  QuantileSeries,
  STEP_MS,
} from '@gridwerk/dispatch/domain';
import type { FeederTopology, StoredForecast } from '@gridwerk/dispatch/data-access';

/** Series id of a secondary substation's forecast on grid.forecasts.v1. */
export const siteSeriesId = (secondarySubstationId: string) =>
  `secondary-substation:${secondarySubstationId}`;

export interface BatteryDefaults {
  roundTripEfficiency: number;
  minSocPct: number;
  maxSocPct: number;
}

/** Horizon of a cycle (moved to the domain: `bench:dispatch` plans the same horizons). */
export { horizonSteps } from '@gridwerk/dispatch/domain';

/**
 * The latest issue of each horizon of a station's forecast merged over the horizon (see
 * `mergeForecastIssues`: the freshest issue per quarter hour, intraday where it reaches, day-ahead for the
 * rest; quarter hours no issue covers from the same quarter hour a day earlier).
 */
export function mergeStoredForecasts(
  issues: readonly StoredForecast[],
  fromMs: number,
  steps: number,
  options: MergeOptions = {},
): MergedForecast {
  return mergeForecastIssues(
    issues.map((f) => ({
      horizon: f.horizon,
      issueTimeMs: Date.parse(f.issueTime),
      modelVersion: f.modelVersion,
      points: f.points.map((p) => ({
        targetStartMs: Date.parse(p.targetStart),
        p10Wh: p.p10Wh,
        p50Wh: p.p50Wh,
        p90Wh: p.p90Wh,
      })),
    })),
    fromMs,
    steps,
    options,
  );
}

/** Days of measured history the fallback forecast averages over (same BDEW day type). */
export const HISTORY_FORECAST_DAYS = 14;

const dayTypeAt = (ms: number): string => {
  const l = localDate(ms);
  return dayType(l.year, l.month, l.day);
};

/**
 * The diagnostic / fallback forecast when no published forecast covers the next quarter hours: per
 * quarter hour the mean of the measured station load at the same local time on the days of the same BDEW
 * day type in the last {@link HISTORY_FORECAST_DAYS} days; P10/P90 = P50 ∓ 1.28 σ of those days (at least 3 %
 * of |P50|). `measuredWh` maps quarter-hour starts (UTC ms) to the measured net energy (Wh). Undefined when
 * some quarter hour of the horizon has no such day measured.
 */
export function historyForecast(
  measuredWh: ReadonlyMap<number, number>,
  fromMs: number,
  steps: number,
): QuantileSeries | undefined {
  const p10: number[] = [];
  const p50: number[] = [];
  const p90: number[] = [];
  for (let t = 0; t < steps; t++) {
    const at = fromMs + t * STEP_MS;
    const type = dayTypeAt(at);
    const xs: number[] = [];
    const l = localDate(at);
    for (let back = 1; back <= HISTORY_FORECAST_DAYS + 2; back++) {
      const d = addDays(l.year, l.month, l.day, -back);
      const ref = startOfLocalDayUtc(d.year, d.month, d.day) + l.minuteOfDay * 60_000;
      // measured, and in the window before the cycle
      if (ref >= fromMs || fromMs - ref > HISTORY_FORECAST_DAYS * 86_400_000) continue;
      const v = measuredWh.get(ref);
      if (v !== undefined && dayTypeAt(ref) === type) xs.push(v);
    }
    if (xs.length === 0) return undefined;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
    const band = 1.2816 * Math.max(sd, 0.03 * Math.abs(mean));
    p10.push(Math.round(mean - band));
    p50.push(Math.round(mean));
    p90.push(Math.round(mean + band));
  }
  return { p10Wh: p10, p50Wh: p50, p90Wh: p90 };
}

/** The planner's view of a battery from topology + telemetry + configured defaults. */
export function batteryInputOf(
  b: FeederTopology['batteries'][number],
  t: BatteryTelemetry,
  d: BatteryDefaults,
): BatteryInput {
  const rated = (v: number | null, bms: number | undefined) =>
    v ?? bms ?? Math.round(b.nominalCapacityWh * 0.5);
  return {
    assetId: b.assetId,
    secondarySubstationId: b.secondarySubstationId,
    nominalCapacityWh: b.nominalCapacityWh,
    usableCapacityWh: t.usableCapacityWh,
    stateOfHealthPct: t.stateOfHealthPct,
    stateOfChargePct: t.stateOfChargePct,
    ratedChargeW: rated(b.maxChargeW, t.maxChargeW),
    ratedDischargeW: rated(b.maxDischargeW, t.maxDischargeW),
    ...(t.maxChargeW !== undefined ? { bmsMaxChargeW: t.maxChargeW } : {}),
    ...(t.maxDischargeW !== undefined ? { bmsMaxDischargeW: t.maxDischargeW } : {}),
    ratedRoundTripEfficiency: d.roundTripEfficiency,
    minSocPct: d.minSocPct,
    maxSocPct: d.maxSocPct,
  };
}

/** Stable id of the command for one battery and window in one cycle: a repeated cycle repeats it. */
export function commandId(assetId: string, validFromMs: number, cycleStartMs: number): string {
  return `dispatch/${assetId}/${new Date(validFromMs).toISOString()}/${new Date(cycleStartMs).toISOString()}`;
}

/** How the plan commands the units: a power setpoint, or a station-flow limit with an SoC reserve (v2). */
export type CommandMode = 'setpoint' | 'limit';

/**
 * Setpoint (or, with `commandMode` `limit`, station-flow limit) commands for the first `steps` quarter hours of a plan, each valid for its quarter hour, with
 * the reason taken from the plan. Every setpoint is checked again against the battery's limits now
 * (`limitViolations` counts the ones that had to be clamped: a plan must never need it).
 */
export function planCommands(
  plan: DispatchPlan,
  batteries: readonly BatteryInput[],
  parameters: DispatchParameters,
  cycleStartMs: number,
  steps: number,
  planId: string,
  commandMode: CommandMode = 'setpoint',
): { commands: BatteryCommand[]; limitViolations: number } {
  const commands: BatteryCommand[] = [];
  let limitViolations = 0;
  const limits = commandMode === 'limit' ? plannedLimits({ batteries }, plan) : {};
  for (const b of batteries) {
    const l = effectiveLimits(b, parameters.maxCRate);
    const maxC = Math.floor(l.maxChargeKW * 1000);
    const maxD = Math.floor(l.maxDischargeKW * 1000);
    const setpoints = plan.batteries[b.assetId] ?? [];
    const site = plan.sites[b.secondarySubstationId] ?? [];
    for (let k = 0; k < Math.min(steps, setpoints.length); k++) {
      const s = setpoints[k];
      const clamped = Math.max(-maxC, Math.min(maxD, s.setpointW)) || 0;
      if (clamped !== s.setpointW) limitViolations += 1;
      const st = site[k];
      const why = st
        ? `${st.binding}: P50 ${kw(st.loadP50W)} kW (P90 ${kw(st.loadP90W)}) → ${kw(st.plannedW)} kW of ${kw(st.ratingW)} kW rating`
        : 'plan';
      const limit = limits[b.assetId]?.[k];
      const base = {
        commandId: commandId(b.assetId, s.intervalStartMs, cycleStartMs),
        assetId: b.assetId,
        issuedAt: new Date(cycleStartMs).toISOString(),
        validFrom: new Date(s.intervalStartMs).toISOString(),
        validUntil: new Date(s.intervalStartMs + STEP_MS).toISOString(),
      };
      commands.push(
        limit
          ? {
              ...base,
              mode: 'limit',
              stationLimitW: limit.stationLimitW,
              socReservePct: limit.socReservePct,
              reason: `plan ${planId}: ${why}; hold ${kw(limit.stationLimitW)} kW, keep ${limit.socReservePct} % (planned ${kw(clamped)} kW, SoC → ${s.socPct} %)`,
            }
          : {
              ...base,
              mode: 'setpoint',
              setpointW: clamped,
              reason: `plan ${planId}: ${why}; SoC → ${s.socPct} %`,
            },
      );
    }
  }
  return { commands, limitViolations };
}

/** Hands a battery to its local rule (mode `auto`) for the next `steps` quarter hours, saying why. */
export function fallbackCommands(
  assetIds: readonly string[],
  cycleStartMs: number,
  steps: number,
  reason: string,
): BatteryCommand[] {
  const out: BatteryCommand[] = [];
  for (const assetId of assetIds)
    for (let k = 0; k < steps; k++) {
      const from = cycleStartMs + k * STEP_MS;
      out.push({
        commandId: commandId(assetId, from, cycleStartMs),
        assetId,
        issuedAt: new Date(cycleStartMs).toISOString(),
        validFrom: new Date(from).toISOString(),
        validUntil: new Date(from + STEP_MS).toISOString(),
        mode: 'auto',
        reason: `fallback to the local threshold rule: ${reason}`,
      });
    }
  return out;
}

const kw = (w: number) => Math.round(w / 100) / 10;
