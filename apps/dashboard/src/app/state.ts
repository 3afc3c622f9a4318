import type {
  Alarm,
  AlarmRate,
  Battery,
  FloodDto,
  FloodGroup,
  LiveBatteryEvent,
  LiveLoadEvent,
} from '../api/types';
import type { SessionUser } from '../auth/oidc-client';
import type { Locale } from '../lib/berlin-time';
import { UNREAD_CLOCK, type ControlRoomClock } from '../lib/control-room-clock';
import type { StreamState } from '../lib/live-stream';
import type { Route } from './route';

export type Remote<T> =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; value: T; loadedAtMs: number }
  | { status: 'error'; message: string };

export interface LiveValue {
  powerW: number;
  observedAtMs: number;
  /** Age the API gave the value (its own clock), and when we received it: the age now is the sum. */
  ageS: number;
  receivedAtMs: number;
}

/** A value's age now, from the API's age at receipt plus the time since. */
export function ageNowS(v: { ageS: number; receivedAtMs: number }, nowMs: number): number {
  return Math.max(0, v.ageS + (nowMs - v.receivedAtMs) / 1000);
}

export interface AppState {
  locale: Locale;
  route: Route;
  session:
    | { status: 'starting' }
    | { status: 'anonymous'; message?: string }
    | { status: 'signed-in'; user: SessionUser };
  stream: { state: StreamState; detail?: string; lastEventAtMs?: number; events: number };
  /** Latest live load per node id (secondary substation, feeder, substation). */
  live: Record<string, LiveValue>;
  batteries: Record<string, Battery>;
  alarms: Record<string, Alarm>;
  /** The API's flood indicator as of the last alarm list. */
  flood: FloodDto | undefined;
  /** ISA-18.2 flood groups of the last alarm list (parent per substation, first-out first) and the rate. */
  floodGroups: FloodGroup[];
  alarmRate: AlarmRate | undefined;
  /** Wall clock, ticked every few seconds so that ages and staleness advance without new data. */
  nowMs: number;
  /** The control room's clock as an offset to the browser's (grid-api's data clock; windows are chosen by it). */
  clock: ControlRoomClock;
}

export type Action =
  | { type: 'locale'; locale: Locale }
  | { type: 'route'; route: Route }
  | { type: 'session/anonymous'; message?: string }
  | { type: 'session/signed-in'; user: SessionUser }
  | { type: 'stream/state'; state: StreamState; detail?: string }
  | { type: 'stream/load'; event: LiveLoadEvent; atMs: number }
  | { type: 'stream/battery'; battery: LiveBatteryEvent; atMs: number }
  | { type: 'stream/alarm'; alarm: Alarm; atMs: number }
  | { type: 'stream/heartbeat'; atMs: number }
  | {
      type: 'alarms/loaded';
      alarms: Alarm[];
      flood?: FloodDto;
      floodGroups?: FloodGroup[];
      rate?: AlarmRate;
    }
  | { type: 'batteries/loaded'; batteries: Battery[] }
  | { type: 'alarms/upsert'; alarm: Alarm }
  | { type: 'tick'; nowMs: number }
  | { type: 'clock/read'; offsetMs: number; atMs: number };

/** The store action for an alarm list as `GET /api/v1/alarms` returns it. */
export function alarmsLoaded(list: {
  items: Alarm[];
  flood?: FloodDto;
  floodGroups?: FloodGroup[];
  rate?: AlarmRate;
}): Action {
  return {
    type: 'alarms/loaded',
    alarms: list.items,
    flood: list.flood,
    floodGroups: list.floodGroups,
    rate: list.rate,
  };
}

export function initialState(locale: Locale, route: Route, nowMs: number): AppState {
  return {
    locale,
    route,
    session: { status: 'starting' },
    stream: { state: 'closed', events: 0 },
    live: {},
    batteries: {},
    alarms: {},
    flood: undefined,
    floodGroups: [],
    alarmRate: undefined,
    nowMs,
    clock: UNREAD_CLOCK,
  };
}

/** Keeps the newer of two alarm versions: a replayed or late event never rolls an alarm back. */
function upsertAlarm(alarms: Record<string, Alarm>, a: Alarm): Record<string, Alarm> {
  const cur = alarms[a.id];
  if (cur && cur.version > a.version) return alarms;
  return { ...alarms, [a.id]: a };
}

function streamSeen(s: AppState['stream'], atMs: number): AppState['stream'] {
  return { ...s, lastEventAtMs: atMs, events: s.events + 1 };
}

export function reducer(s: AppState, a: Action): AppState {
  switch (a.type) {
    case 'locale':
      return a.locale === s.locale ? s : { ...s, locale: a.locale };
    case 'route':
      return { ...s, route: a.route };
    case 'session/anonymous':
      return { ...s, session: { status: 'anonymous', ...(a.message ? { message: a.message } : {}) } };
    case 'session/signed-in':
      return { ...s, session: { status: 'signed-in', user: a.user } };
    case 'stream/state':
      return { ...s, stream: { ...s.stream, state: a.state, ...(a.detail ? { detail: a.detail } : {}) } };
    case 'stream/load': {
      const observedAtMs = Date.parse(a.event.observedAt);
      const cur = s.live[a.event.nodeId];
      const stream = streamSeen(s.stream, a.atMs);
      // replays after a reconnect may deliver older values: keep the latest instant
      if (!Number.isFinite(observedAtMs) || (cur && cur.observedAtMs > observedAtMs)) return { ...s, stream };
      const ageS = typeof a.event.ageS === 'number' && Number.isFinite(a.event.ageS) ? a.event.ageS : 0;
      const value: LiveValue = { powerW: a.event.powerW, observedAtMs, ageS, receivedAtMs: a.atMs };
      return { ...s, stream, live: { ...s.live, [a.event.nodeId]: value } };
    }
    case 'stream/battery': {
      const cur = s.batteries[a.battery.assetId];
      const stream = streamSeen(s.stream, a.atMs);
      if (
        cur?.observedAt &&
        a.battery.observedAt &&
        Date.parse(cur.observedAt) > Date.parse(a.battery.observedAt)
      )
        return { ...s, stream };
      // the event carries the live fields; availability and the last command stay from the last load
      const base: Battery = cur ?? {
        ...a.battery,
        secondarySubstationId: null,
        substationId: null,
        temperatureC: null,
        usableCapacityWh: null,
        mode: null,
        control: null,
        availability: 'unknown',
        lastCommand: null,
      };
      const merged: Battery = { ...base, ...a.battery };
      return { ...s, stream, batteries: { ...s.batteries, [a.battery.assetId]: merged } };
    }
    case 'stream/alarm':
      return { ...s, stream: streamSeen(s.stream, a.atMs), alarms: upsertAlarm(s.alarms, a.alarm) };
    case 'stream/heartbeat':
      return { ...s, stream: { ...s.stream, lastEventAtMs: a.atMs } };
    case 'batteries/loaded': {
      const batteries = { ...s.batteries };
      for (const b of a.batteries) {
        const cur = batteries[b.assetId];
        const newer =
          !cur?.observedAt ||
          (b.observedAt !== null && Date.parse(b.observedAt) >= Date.parse(cur.observedAt));
        batteries[b.assetId] = newer
          ? b
          : { ...b, ...cur, availability: b.availability, lastCommand: b.lastCommand };
      }
      return { ...s, batteries };
    }
    case 'alarms/loaded': {
      let alarms = s.alarms;
      for (const al of a.alarms) alarms = upsertAlarm(alarms, al);
      if (alarms === s.alarms && a.flood === undefined && a.floodGroups === undefined) return s;
      return {
        ...s,
        alarms,
        ...(a.flood ? { flood: a.flood } : {}),
        ...(a.floodGroups ? { floodGroups: a.floodGroups } : {}),
        ...(a.rate ? { alarmRate: a.rate } : {}),
      };
    }
    case 'alarms/upsert': {
      const alarms = upsertAlarm(s.alarms, a.alarm);
      return alarms === s.alarms ? s : { ...s, alarms };
    }
    case 'tick':
      return { ...s, nowMs: a.nowMs };
    case 'clock/read':
      return { ...s, clock: { offsetMs: a.offsetMs, readAtMs: a.atMs } };
  }
}

/** Alarms that still need attention or show a condition (everything but cleared), newest first. */
export function activeAlarms(alarms: Record<string, Alarm>): Alarm[] {
  return Object.values(alarms)
    .filter((a) => a.state !== 'cleared')
    .sort((x, y) => y.raisedAt.localeCompare(x.raisedAt));
}
