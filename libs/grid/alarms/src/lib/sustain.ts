/**
 * A condition that must hold for a time before it counts, and must fall clearly below its threshold
 * (a deadband) before it stops counting: no alarm chatter around the threshold.
 */
export interface SustainState {
  /** Since when (ms, data time) the value has been above the threshold without a break. */
  readonly aboveSince?: number;
  readonly active: boolean;
}

export const IDLE: SustainState = { active: false };

/**
 * `above`: the value is above the threshold now; `belowClear`: it is below threshold minus deadband.
 * Samples must come in time order; an older sample than the last one changes nothing.
 */
export function sustain(
  state: SustainState,
  atMs: number,
  above: boolean,
  belowClear: boolean,
  sustainMs: number,
): SustainState {
  if (above) {
    const since = state.aboveSince ?? atMs;
    return { aboveSince: since, active: state.active || atMs - since >= sustainMs };
  }
  if (state.active && !belowClear) return { active: true };
  return { active: false };
}
