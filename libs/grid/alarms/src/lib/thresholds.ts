/**
 * The thresholds the rules use. A default profile applies to every node; a node may override any field
 * (its overrides are merged over the default). Percentages are of the node's rating; times in seconds.
 */
export interface ThresholdProfile {
  /** Transformer loading (of rated kVA) above which a secondary substation is overloaded (warning). */
  readonly loadingWarnPct: number;
  /** ... and above which the overload is critical. */
  readonly loadingCriticalPct: number;
  /** How long the loading must stay above the warning share before the alarm is raised. */
  readonly loadingSustainS: number;
  /** The loading must fall this many percentage points below the threshold to return to normal. */
  readonly deadbandPct: number;
  /**
   * Power factor assumed to turn metered active power (W) into apparent power (VA):
   * S = |P| / cos φ. Meters measure energy, not reactive power.
   */
  readonly powerFactor: number;
  /** Reverse power flow (net feed-in into the medium-voltage grid) above this share of rating. */
  readonly reverseFlowPct: number;
  readonly reverseFlowSustainS: number;
  /** A meter that reported before is missing when it has been silent this long. */
  readonly meterSilenceS: number;
  /** A feeder is missing when none of its meters reported for this long. */
  readonly feederSilenceS: number;
  /** Battery pack temperature above which the battery alarms (critical). */
  readonly batteryMaxTemperatureC: number;
  /** Battery state of health below which the battery alarms (warning). */
  readonly batteryMinSohPct: number;
  /** Predicted overload: P90 of the forecast above this share of the rating ... */
  readonly predictedOverloadPct: number;
  /** ... within this many hours from now. */
  readonly predictedOverloadHorizonH: number;
  /**
   * Rating of the node in kW when the topology has none (feeders, substations): by default a feeder's
   * rating is the sum of its secondary substations' rated kVA times the power factor.
   */
  readonly ratingKw?: number;
}

export const DEFAULT_THRESHOLDS: ThresholdProfile = {
  loadingWarnPct: 90,
  loadingCriticalPct: 110,
  loadingSustainS: 900,
  deadbandPct: 5,
  powerFactor: 0.95,
  reverseFlowPct: 60,
  reverseFlowSustainS: 300,
  meterSilenceS: 3600,
  feederSilenceS: 1800,
  batteryMaxTemperatureC: 45,
  batteryMinSohPct: 70,
  predictedOverloadPct: 100,
  predictedOverloadHorizonH: 24,
};

/** Bounds every field must respect; the API rejects values outside with THRESHOLDS.INVALID. */
export const THRESHOLD_BOUNDS: Readonly<Record<keyof ThresholdProfile, readonly [number, number]>> = {
  loadingWarnPct: [10, 300],
  loadingCriticalPct: [10, 400],
  loadingSustainS: [0, 86_400],
  deadbandPct: [0, 50],
  powerFactor: [0.5, 1],
  reverseFlowPct: [1, 300],
  reverseFlowSustainS: [0, 86_400],
  meterSilenceS: [60, 7 * 86_400],
  feederSilenceS: [60, 7 * 86_400],
  batteryMaxTemperatureC: [0, 100],
  batteryMinSohPct: [0, 100],
  predictedOverloadPct: [10, 400],
  predictedOverloadHorizonH: [1, 48],
  ratingKw: [1, 1_000_000],
};

export const THRESHOLD_FIELDS = Object.keys(THRESHOLD_BOUNDS) as (keyof ThresholdProfile)[];

export type ThresholdOverrides = Partial<ThresholdProfile>;

export class ThresholdError extends Error {
  readonly code = 'THRESHOLDS.INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid thresholds: ${problems.join('; ')}`);
    this.name = 'ThresholdError';
  }
}

/** Checks overrides (unknown fields, numbers within bounds, warning below critical); throws ThresholdError. */
export function validateOverrides(
  input: unknown,
  base: ThresholdProfile = DEFAULT_THRESHOLDS,
): ThresholdOverrides {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ThresholdError(['must be an object']);
  const problems: string[] = [];
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    const bounds = (THRESHOLD_BOUNDS as Record<string, readonly [number, number]>)[k];
    if (!bounds) {
      problems.push(`${k}: unknown threshold`);
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push(`${k}: must be a number`);
      continue;
    }
    if (v < bounds[0] || v > bounds[1]) {
      problems.push(`${k}: must be within [${bounds[0]}, ${bounds[1]}], got ${v}`);
      continue;
    }
    out[k] = v;
  }
  const merged = { ...base, ...out };
  if (merged.loadingCriticalPct < merged.loadingWarnPct)
    problems.push('loadingCriticalPct: must not be below loadingWarnPct');
  if (problems.length > 0) throw new ThresholdError(problems);
  return out;
}

/** The profile that applies to a node: default, then the node's overrides. */
export function effectiveThresholds(
  defaults: ThresholdProfile,
  overrides: ThresholdOverrides | undefined,
): ThresholdProfile {
  return overrides ? { ...defaults, ...overrides } : defaults;
}
