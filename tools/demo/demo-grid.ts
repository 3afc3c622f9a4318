import type { GridTopology, LoadProfileSet } from '@gridwerk/simulator/domain';
import { generateTopology } from '@gridwerk/simulator/domain';
import {
  sizeStoryStation,
  STORY_STATION,
  stationDayLoads,
  type StorySizing,
  withStorySizing,
} from './story-station';

/** The demo's simulated grid: its seed and size (`--meters` changes the size). */
export const DEMO_SEED = 7;
export const DEMO_METERS = 300;
/** Local days the story station is sized for: yesterday (the last day of the history), today and tomorrow. */
export const DEMO_DAYS_SHOWN = 3;

/**
 * The demo's topology: the generated grid with ONS-0001 and its battery sized for the days the demo shows
 * (see story-station.ts), computed from the same simulation the simulator runs.
 */
export function demoTopology(opts: { meters: number; firstDayMs: number; profiles: LoadProfileSet }): {
  topology: GridTopology;
  sizing: StorySizing;
} {
  const base = generateTopology({ seed: DEMO_SEED, meters: opts.meters });
  const days = stationDayLoads({
    topology: base,
    seed: DEMO_SEED,
    profiles: opts.profiles,
    stationId: STORY_STATION,
    fromMs: opts.firstDayMs,
    days: DEMO_DAYS_SHOWN,
  });
  const sizing = sizeStoryStation(days);
  return { topology: withStorySizing(base, sizing), sizing };
}
