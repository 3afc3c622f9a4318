import type { Condition } from './alarm';
import { IDLE, sustain, SustainState } from './sustain';
import { effectiveThresholds, ThresholdOverrides, ThresholdProfile } from './thresholds';

/** Stable rule codes (`de.gridwerk.alert.v1` `code`). Never rename one: consumers key on them. */
export const AlarmCodes = {
  transformerOverload: 'TRANSFORMER.OVERLOAD',
  reverseFlow: 'TRANSFORMER.REVERSE_FLOW',
  meterMissingData: 'METER.MISSING_DATA',
  feederMissingData: 'FEEDER.MISSING_DATA',
  batteryOverTemperature: 'BATTERY.OVER_TEMPERATURE',
  batteryLowSoh: 'BATTERY.LOW_SOH',
  batteryFault: 'BATTERY.FAULT',
  predictedOverload: 'FEEDER.PREDICTED_OVERLOAD',
  transformerPredictedOverload: 'TRANSFORMER.PREDICTED_OVERLOAD',
} as const;
export type AlarmCode = (typeof AlarmCodes)[keyof typeof AlarmCodes];

/** The parts of the topology the rules need. */
export interface RulesTopology {
  readonly secondarySubstations: readonly { id: string; feederId: string; ratedKva: number }[];
  readonly feeders: readonly { id: string; substationId: string }[];
  readonly meters: readonly { id: string; secondarySubstationId: string }[];
}

/** Net active power of a secondary substation (W, positive = drawn from the MV grid) at an instant. */
export interface NodeLoadSample {
  readonly nodeId: string;
  readonly powerW: number;
  readonly observedAt: string;
}

export interface BatterySample {
  readonly assetId: string;
  readonly temperatureC: number;
  readonly stateOfHealthPct: number;
  readonly mode: string;
  readonly observedAt: string;
}

/** What a forecast series is of: a feeder (`feeder:<id>`) or a secondary substation (`secondary-substation:<id>`). */
export type ForecastNodeKind = 'feeder' | 'secondary-substation';

export interface ForecastSample {
  readonly nodeKind: ForecastNodeKind;
  /** Feeder or secondary substation id. */
  readonly nodeId: string;
  readonly stepMinutes: number;
  readonly modelVersion: string;
  readonly issueTime: string;
  readonly points: readonly { targetStart: string; p90Wh: number }[];
}

export interface EvaluationInput {
  /** The engine's clock (data time): ISO-8601 UTC. */
  readonly now: string;
  readonly loads: readonly NodeLoadSample[];
  /**
   * Last data instant (ms) per meter that ever reported. Judging it regroups every meter by feeder: fine for
   * a few thousand meters; at city scale give `meterSilence` instead (it wins when both are given).
   */
  readonly meterLastSeen?: ReadonlyMap<string, number>;
  /** Missing data from what a live aggregator keeps incrementally: O(feeders + silent meters) per evaluation. */
  readonly meterSilence?: MeterSilenceInput;
  readonly batteries: readonly BatterySample[];
  readonly forecasts: readonly ForecastSample[];
}

/**
 * What the missing-data rules need, kept up to date per reading by the live aggregator, so an evaluation
 * does not touch every meter of a city.
 */
export interface MeterSilenceInput {
  /** Newest reading end (ms) per feeder over all its meters (feeders none of whose meters reported are absent). */
  readonly feederLastSeen: ReadonlyMap<string, number>;
  /** Meters per feeder, for the message. */
  readonly feederMeterCount: ReadonlyMap<string, number>;
  /**
   * The meters to judge: at least every meter silent longer than the smallest meter silence threshold, and
   * every meter with an open missing-data alarm (so that it can return to normal). Others are not judged.
   */
  readonly candidates: readonly { id: string; feederId: string; lastSeenMs: number }[];
}

const TEMPERATURE_DEADBAND_C = 2;
const SOH_DEADBAND_PCT = 1;

const round1 = (x: number) => Math.round(x * 10) / 10;

const groupedMeters = new WeakMap<
  RulesTopology,
  { feederOfMeter: Map<string, string>; feederMeterCount: Map<string, number> }
>();

/** Each meter's feeder and the meters per feeder: computed once per topology object, not per evaluation. */
export function metersByFeeder(topology: RulesTopology): {
  feederOfMeter: ReadonlyMap<string, string>;
  feederMeterCount: ReadonlyMap<string, number>;
} {
  const hit = groupedMeters.get(topology);
  if (hit) return hit;
  const feederOfStation = new Map(topology.secondarySubstations.map((s) => [s.id, s.feederId]));
  const feederOfMeter = new Map<string, string>();
  const feederMeterCount = new Map<string, number>();
  for (const m of topology.meters) {
    const f = feederOfStation.get(m.secondarySubstationId);
    if (f === undefined) continue;
    feederOfMeter.set(m.id, f);
    feederMeterCount.set(f, (feederMeterCount.get(f) ?? 0) + 1);
  }
  const value = { feederOfMeter, feederMeterCount };
  groupedMeters.set(topology, value);
  return value;
}

/**
 * The default rule set. Holds the sustain state per node between evaluations (nothing else); every
 * evaluation returns the condition of every (rule, node) it could judge. Pure apart from that state.
 */
export class AlarmRules {
  private readonly overload = new Map<string, SustainState>();
  private readonly reverse = new Map<string, SustainState>();
  private readonly battery = new Map<string, { hot: boolean; lowSoh: boolean }>();

  constructor(
    private defaults: ThresholdProfile,
    private overrides: ReadonlyMap<string, ThresholdOverrides> = new Map(),
  ) {}

  setThresholds(defaults: ThresholdProfile, overrides: ReadonlyMap<string, ThresholdOverrides>): void {
    this.defaults = defaults;
    this.overrides = overrides;
  }

  thresholdsFor(nodeId: string): ThresholdProfile {
    return effectiveThresholds(this.defaults, this.overrides.get(nodeId));
  }

  evaluate(topology: RulesTopology, input: EvaluationInput): Condition[] {
    return [
      ...this.loading(topology, input),
      ...this.missingData(topology, input),
      ...this.batteries(input),
      ...this.predicted(topology, input),
    ];
  }

  private loading(topology: RulesTopology, input: EvaluationInput): Condition[] {
    const rated = new Map(topology.secondarySubstations.map((s) => [s.id, s.ratedKva]));
    const out: Condition[] = [];
    for (const s of input.loads) {
      const kva = rated.get(s.nodeId);
      if (kva === undefined) continue;
      const t = this.thresholdsFor(s.nodeId);
      const at = Date.parse(s.observedAt);
      const apparentKva = Math.abs(s.powerW) / t.powerFactor / 1000;
      const pct = (apparentKva / kva) * 100;
      const importing = s.powerW > 0;

      const prevO = this.overload.get(s.nodeId) ?? IDLE;
      const o = sustain(
        prevO,
        at,
        importing && pct > t.loadingWarnPct,
        !importing || pct < t.loadingWarnPct - t.deadbandPct,
        t.loadingSustainS * 1000,
      );
      this.overload.set(s.nodeId, o);
      const critical = importing && pct >= t.loadingCriticalPct;
      out.push({
        code: AlarmCodes.transformerOverload,
        nodeId: s.nodeId,
        nodeKind: 'transformer',
        active: o.active,
        severity: critical ? 'critical' : 'warning',
        message: `Loading ${round1(pct)} % of ${kva} kVA (limit ${t.loadingWarnPct} % for ${Math.round(t.loadingSustainS / 60)} min)`,
        value: round1(pct),
        threshold: t.loadingWarnPct,
        unit: '%',
        observedAt: s.observedAt,
      });

      const prevR = this.reverse.get(s.nodeId) ?? IDLE;
      const r = sustain(
        prevR,
        at,
        !importing && pct > t.reverseFlowPct,
        importing || pct < t.reverseFlowPct - t.deadbandPct,
        t.reverseFlowSustainS * 1000,
      );
      this.reverse.set(s.nodeId, r);
      out.push({
        code: AlarmCodes.reverseFlow,
        nodeId: s.nodeId,
        nodeKind: 'transformer',
        active: r.active,
        severity: 'warning',
        message: `Reverse power flow ${round1(importing ? 0 : pct)} % of ${kva} kVA (limit ${t.reverseFlowPct} %)`,
        value: round1(importing ? 0 : pct),
        threshold: t.reverseFlowPct,
        unit: '%',
        observedAt: s.observedAt,
      });
    }
    return out;
  }

  /**
   * A meter that reported before and has been silent for `meterSilenceS` is missing; a feeder none of
   * whose meters reported for `feederSilenceS` is missing as a whole, and then its meters raise no alarms of
   * their own (one alarm for one cause: the feeder's communication, not 300 meters).
   */
  private missingData(topology: RulesTopology, input: EvaluationInput): Condition[] {
    const now = Date.parse(input.now);
    const silence =
      input.meterSilence ?? this.silenceFromLastSeen(topology, input.meterLastSeen ?? new Map());
    const out: Condition[] = [];
    const missingFeeders = new Set<string>();
    for (const f of topology.feeders) {
      const last = silence.feederLastSeen.get(f.id);
      if (last === undefined || last === -Infinity) continue; // never heard of: nothing to compare with
      const ft = this.thresholdsFor(f.id);
      const feederSilentS = (now - last) / 1000;
      const feederMissing = feederSilentS > ft.feederSilenceS;
      if (feederMissing) missingFeeders.add(f.id);
      out.push({
        code: AlarmCodes.feederMissingData,
        nodeId: f.id,
        nodeKind: 'feeder',
        active: feederMissing,
        severity: 'critical',
        message: `No reading from any of ${silence.feederMeterCount.get(f.id) ?? 0} meters of feeder ${f.id} for ${Math.round(feederSilentS / 60)} min`,
        value: Math.round(feederSilentS),
        threshold: ft.feederSilenceS,
        unit: 's',
        observedAt: new Date(last).toISOString(),
      });
    }
    for (const m of silence.candidates) {
      if (missingFeeders.has(m.feederId) || !silence.feederLastSeen.has(m.feederId)) continue;
      const mt = this.thresholdsFor(m.id);
      const silentS = (now - m.lastSeenMs) / 1000;
      out.push({
        code: AlarmCodes.meterMissingData,
        nodeId: m.id,
        nodeKind: 'meter',
        active: silentS > mt.meterSilenceS,
        severity: 'warning',
        message: `No reading from meter ${m.id} for ${Math.round(silentS / 60)} min`,
        value: Math.round(silentS),
        threshold: mt.meterSilenceS,
        unit: 's',
        observedAt: new Date(m.lastSeenMs).toISOString(),
      });
    }
    return out;
  }

  /** The small-grid input: every meter that reported is a candidate (the meters are grouped once per topology). */
  private silenceFromLastSeen(
    topology: RulesTopology,
    lastSeen: ReadonlyMap<string, number>,
  ): MeterSilenceInput {
    const { feederOfMeter, feederMeterCount } = metersByFeeder(topology);
    const feederLastSeen = new Map<string, number>();
    const candidates: { id: string; feederId: string; lastSeenMs: number }[] = [];
    for (const m of topology.meters) {
      const seen = lastSeen.get(m.id);
      const f = feederOfMeter.get(m.id);
      if (seen === undefined || f === undefined) continue;
      feederLastSeen.set(f, Math.max(feederLastSeen.get(f) ?? -Infinity, seen));
      candidates.push({ id: m.id, feederId: f, lastSeenMs: seen });
    }
    return { feederLastSeen, feederMeterCount, candidates };
  }

  private batteries(input: EvaluationInput): Condition[] {
    const out: Condition[] = [];
    for (const b of input.batteries) {
      const t = this.thresholdsFor(b.assetId);
      const prev = this.battery.get(b.assetId) ?? { hot: false, lowSoh: false };
      const hot = prev.hot
        ? b.temperatureC > t.batteryMaxTemperatureC - TEMPERATURE_DEADBAND_C
        : b.temperatureC > t.batteryMaxTemperatureC;
      const lowSoh = prev.lowSoh
        ? b.stateOfHealthPct < t.batteryMinSohPct + SOH_DEADBAND_PCT
        : b.stateOfHealthPct < t.batteryMinSohPct;
      this.battery.set(b.assetId, { hot, lowSoh });
      const base = { nodeId: b.assetId, nodeKind: 'battery' as const, observedAt: b.observedAt };
      out.push(
        {
          ...base,
          code: AlarmCodes.batteryOverTemperature,
          active: hot,
          severity: 'critical',
          message: `Battery ${b.assetId} pack temperature ${round1(b.temperatureC)} °C (limit ${t.batteryMaxTemperatureC} °C)`,
          value: round1(b.temperatureC),
          threshold: t.batteryMaxTemperatureC,
          unit: '°C',
        },
        {
          ...base,
          code: AlarmCodes.batteryLowSoh,
          active: lowSoh,
          severity: 'warning',
          message: `Battery ${b.assetId} state of health ${round1(b.stateOfHealthPct)} % (minimum ${t.batteryMinSohPct} %)`,
          value: round1(b.stateOfHealthPct),
          threshold: t.batteryMinSohPct,
          unit: '%',
        },
        {
          ...base,
          code: AlarmCodes.batteryFault,
          active: b.mode === 'fault',
          severity: 'critical',
          message: `Battery ${b.assetId} reports mode ${b.mode}`,
        },
      );
    }
    return out;
  }

  /**
   * The P90 forecast of a feeder (Σ rated kVA of its stations) or of a secondary substation (its
   * transformer's rated kVA) above its rating within the horizon: the proactive alarm, raised before the
   * overload happens.
   */
  private predicted(topology: RulesTopology, input: EvaluationInput): Condition[] {
    const now = Date.parse(input.now);
    const ratedKvaByFeeder = new Map<string, number>();
    for (const s of topology.secondarySubstations)
      ratedKvaByFeeder.set(s.feederId, (ratedKvaByFeeder.get(s.feederId) ?? 0) + s.ratedKva);
    const ratedKvaByStation = new Map(topology.secondarySubstations.map((s) => [s.id, s.ratedKva]));
    const out: Condition[] = [];
    for (const f of input.forecasts) {
      const feeder = f.nodeKind === 'feeder';
      const t = this.thresholdsFor(f.nodeId);
      const kva = (feeder ? ratedKvaByFeeder : ratedKvaByStation).get(f.nodeId);
      const ratingKw = t.ratingKw ?? (kva !== undefined ? kva * t.powerFactor : undefined);
      if (ratingKw === undefined) continue;
      const limitKw = (ratingKw * t.predictedOverloadPct) / 100;
      const end = now + t.predictedOverloadHorizonH * 3600_000;
      let peakKw = -Infinity;
      let peakAt = '';
      for (const p of f.points) {
        const start = Date.parse(p.targetStart);
        if (start + f.stepMinutes * 60_000 <= now || start >= end) continue;
        const kw = (p.p90Wh * 60) / f.stepMinutes / 1000;
        if (kw > peakKw) {
          peakKw = kw;
          peakAt = p.targetStart;
        }
      }
      if (peakKw === -Infinity) continue; // the forecast does not cover the horizon: no judgement
      const active = peakKw > limitKw;
      out.push({
        code: feeder ? AlarmCodes.predictedOverload : AlarmCodes.transformerPredictedOverload,
        nodeId: f.nodeId,
        nodeKind: feeder ? 'feeder' : 'transformer',
        active,
        severity: 'warning',
        message: `P90 forecast ${round1(peakKw)} kW at ${peakAt} vs rating ${round1(limitKw)} kW${feeder || kva === undefined ? '' : ` (${kva} kVA)`} (model ${f.modelVersion}, issued ${f.issueTime})`,
        value: round1(peakKw),
        threshold: round1(limitKw),
        unit: 'kW',
        observedAt: f.issueTime,
      });
    }
    return out;
  }
}
