import type { TopologyStationDto, TopologySummarySubstationDto } from '../../api/types';
import type { LoadingClass } from '../../lib/loading';
import type { SchematicTree } from './schematic-layout';

/**
 * Pure helpers of the city overview: the loading class of an aggregate, the schematic tree of one
 * substation from its station pages, and the page arithmetic of the station lists.
 */

/** An aggregate's colour: its most loaded station's (same limits as the schematic, lib/loading.ts). */
export function aggregateClass(maxStationLoadingPct: number | null): LoadingClass {
  if (maxStationLoadingPct === null) return 'unknown';
  if (maxStationLoadingPct >= 100) return 'overload';
  if (maxStationLoadingPct >= 85) return 'high';
  if (maxStationLoadingPct >= 65) return 'elevated';
  return 'normal';
}

/** One substation as the schematic draws it: its feeders in summary order, each with its stations. */
export function substationTree(
  sub: Pick<TopologySummarySubstationDto, 'id' | 'name' | 'feeders'>,
  stations: readonly TopologyStationDto[],
): SchematicTree {
  const byFeeder = new Map<string, TopologyStationDto[]>();
  for (const s of stations) byFeeder.set(s.feederId, [...(byFeeder.get(s.feederId) ?? []), s]);
  return {
    substations: [
      {
        id: sub.id,
        name: sub.name,
        feeders: sub.feeders.map((f) => ({
          id: f.id,
          secondarySubstations: (byFeeder.get(f.id) ?? []).map((s) => ({
            id: s.id,
            name: s.name,
            ratedKva: s.ratedKva,
          })),
        })),
      },
    ],
  };
}

/** '21–40' of '21–40 of 57': the rows a page starting at `offset` shows. */
export function pageRange(offset: number, shown: number): { from: number; to: number } {
  return shown === 0 ? { from: 0, to: 0 } : { from: offset + 1, to: offset + shown };
}

/** A loading threshold typed by the operator: a percentage from 0 to 1000, or undefined when not one. */
export function parseThreshold(raw: string): number | undefined {
  const t = raw.trim().replace(',', '.');
  if (!/^\d{1,4}(\.\d{1,2})?$/.test(t)) return undefined;
  const n = Number(t);
  return n <= 1000 ? n : undefined;
}
