import { useEffect, useRef, useState } from 'react';
import type { StationQuery } from '../../api/client';
import type { TopologyStationDto, TopologyStationPageDto, TopologySummaryDto } from '../../api/types';
import { useAppState, useServices } from '../../app/context';
import type { Remote } from '../../app/state';

/**
 * The overview's data, each piece from its own API route: the aggregated grid, station pages, the stations
 * of one substation. Aggregates are not on the live stream (the stream carries node values, not counts
 * over thresholds), so they are re-read when the stream has brought new values, at most every
 * REFRESH_MS: never a blind poll, never the 13 MB tree.
 */
const REFRESH_MS = 15_000;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A token that changes at most every REFRESH_MS, and only after the stream delivered something. */
function useStreamTick(): number {
  const events = useAppState((s) => s.stream.events);
  const [tick, setTick] = useState(0);
  const seen = useRef(events);
  useEffect(() => {
    if (events === seen.current) return undefined;
    const timer = setTimeout(() => {
      seen.current = events;
      setTick((t) => t + 1);
    }, REFRESH_MS);
    return () => clearTimeout(timer);
  }, [events, tick]);
  return tick;
}

export function useGridSummary(): Remote<TopologySummaryDto> {
  const { api } = useServices();
  const tick = useStreamTick();
  const [state, setState] = useState<Remote<TopologySummaryDto>>({ status: 'loading' });
  useEffect(() => {
    let cancelled = false;
    api.topologySummary().then(
      (value) => {
        if (!cancelled) setState({ status: 'ready', value, loadedAtMs: Date.now() });
      },
      (err: unknown) => {
        // a failed refresh keeps what is shown
        if (!cancelled)
          setState((s) => (s.status === 'ready' ? s : { status: 'error', message: message(err) }));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, tick]);
  return state;
}

export interface StationPager {
  page: Remote<TopologyStationPageDto>;
  offset: number;
  next: (() => void) | undefined;
  prev: (() => void) | undefined;
}

/**
 * One page of a station listing, with next/previous through the API's cursors. `query` undefined: no
 * request (an empty search box). A new query starts at the first page.
 */
export function useStationPager(
  query: Omit<StationQuery, 'cursor'> | undefined,
  refresh: boolean,
): StationPager {
  const { api } = useServices();
  const tick = useStreamTick();
  const key = query === undefined ? undefined : JSON.stringify(query);
  // the cursors of the pages before the current one, and the current one's
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Remote<TopologyStationPageDto>>({ status: 'idle' });
  const liveTick = refresh ? tick : 0;

  useEffect(() => setCursors([undefined]), [key]);

  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    if (key === undefined) {
      setPage({ status: 'idle' });
      return undefined;
    }
    let cancelled = false;
    setPage((p) => (p.status === 'ready' ? p : { status: 'loading' }));
    const q = JSON.parse(key) as Omit<StationQuery, 'cursor'>;
    api.topologyStations({ ...q, ...(cursor ? { cursor } : {}) }).then(
      (value) => {
        if (!cancelled) setPage({ status: 'ready', value, loadedAtMs: Date.now() });
      },
      (err: unknown) => {
        if (!cancelled) setPage({ status: 'error', message: message(err) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, key, cursor, liveTick]);

  const nextCursor = page.status === 'ready' ? page.value.nextCursor : null;
  const limit = query?.limit ?? 50;
  return {
    page,
    offset: (cursors.length - 1) * limit,
    next: nextCursor ? () => setCursors((c) => [...c, nextCursor]) : undefined,
    prev: cursors.length > 1 ? () => setCursors((c) => c.slice(0, -1)) : undefined,
  };
}

/** Every station of one substation (for its schematic), read page by page. */
export function useSubstationStations(substationId: string): Remote<TopologyStationDto[]> {
  const { api } = useServices();
  const [state, setState] = useState<Remote<TopologyStationDto[]>>({ status: 'loading' });
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const all: TopologyStationDto[] = [];
        let cursor: string | undefined;
        do {
          const page = await api.topologyStations({
            substationId,
            limit: 200,
            ...(cursor ? { cursor } : {}),
          });
          all.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor && !cancelled);
        if (!cancelled) setState({ status: 'ready', value: all, loadedAtMs: Date.now() });
      } catch (err) {
        if (!cancelled) setState({ status: 'error', message: message(err) });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, substationId]);
  return state;
}

/** The text of a search box, settled: requests go out when typing pauses. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
