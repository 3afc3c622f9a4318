/**
 * Loading classes for the schematic: a secondary substation's active power against its transformer
 * rating. The rating is in kVA; with no reactive power measured we take |P| as the apparent power
 * (cos φ = 1), which understates loading slightly and is stated in the legend.
 */
export type LoadingClass = 'normal' | 'elevated' | 'high' | 'overload' | 'reverse' | 'stale' | 'unknown';

export interface LoadingInput {
  powerW: number | null | undefined;
  ratedKva: number | null | undefined;
  ageS: number | null | undefined;
}

/** Values older than this are drawn as stale (two quarter hours plus a margin). */
export const STALE_AFTER_S = 40 * 60;

export function loadingPct(powerW: number, ratedKva: number): number {
  return (Math.abs(powerW) / (ratedKva * 1000)) * 100;
}

export function classifyLoading(v: LoadingInput, staleAfterS = STALE_AFTER_S): LoadingClass {
  if (v.powerW === null || v.powerW === undefined) return 'unknown';
  if (v.ageS !== null && v.ageS !== undefined && v.ageS > staleAfterS) return 'stale';
  if (!v.ratedKva) return 'unknown';
  const pct = loadingPct(v.powerW, v.ratedKva);
  if (v.powerW < 0 && pct >= 50) return 'reverse';
  if (pct >= 100) return 'overload';
  if (pct >= 85) return 'high';
  if (pct >= 65) return 'elevated';
  return 'normal';
}

export const LOADING_COLOURS: Record<LoadingClass, string> = {
  normal: '#2e7d32',
  elevated: '#c0a000',
  high: '#ef6c00',
  overload: '#c62828',
  reverse: '#6a1b9a',
  stale: '#9e9e9e',
  unknown: '#cfd8dc',
};
