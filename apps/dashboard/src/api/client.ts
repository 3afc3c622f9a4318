import type {
  AlarmDto,
  AlarmListDto,
  AuditEntryDto,
  BatteriesDto,
  ClockDto,
  DispatchPlansDto,
  ForecastDto,
  LoadDto,
  MeDto,
  StationAboveRatingDto,
  TopologyDto,
  TopologyNodeDto,
  TopologyStationPageDto,
  TopologySummaryDto,
} from './types';

/** The station listing's filters (GET /api/v1/topology/stations). */
export interface StationQuery {
  q?: string;
  minLoadingPct?: number;
  substationId?: string;
  feederId?: string;
  limit?: number;
  cursor?: string;
}

/**
 * grid-api over fetch, with the bearer token of the session. One method per route the dashboard uses;
 * errors carry the HTTP status and the API's stable error code when it sends one.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  token: (refresh: boolean) => Promise<string | undefined>;
  fetchImpl?: typeof fetch;
}

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(opts: ApiClientOptions) {
  const doFetch = opts.fetchImpl ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const base = opts.baseUrl.replace(/\/$/, '');

  async function request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    retried = false,
  ): Promise<T> {
    const token = await opts.token(retried);
    if (!token) throw new ApiError(401, 'AUTH.SIGNED_OUT', 'not signed in');
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await doFetch(`${base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status === 401 && !retried) return request<T>(method, path, body, true);
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const e = (json ?? {}) as { code?: unknown; message?: unknown; error?: unknown };
      const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
      const message = Array.isArray(e.message)
        ? e.message.filter((m): m is string => typeof m === 'string').join('; ')
        : (text(e.message) ?? text(e.error) ?? res.statusText);
      throw new ApiError(res.status, typeof e.code === 'string' ? e.code : `HTTP.${res.status}`, message);
    }
    return json as T;
  }

  const q = (params: Record<string, string | undefined>): string => {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, v);
    const s = u.toString();
    return s ? `?${s}` : '';
  };
  const id = encodeURIComponent;

  return {
    me: () => request<MeDto>('GET', '/api/v1/me'),
    topology: () => request<TopologyDto>('GET', '/api/v1/topology'),
    topologySummary: () => request<TopologySummaryDto>('GET', '/api/v1/topology/summary'),
    topologyStations: (s: StationQuery) =>
      request<TopologyStationPageDto>(
        'GET',
        `/api/v1/topology/stations${q({
          q: s.q,
          minLoadingPct: s.minLoadingPct === undefined ? undefined : String(s.minLoadingPct),
          substationId: s.substationId,
          feederId: s.feederId,
          limit: s.limit === undefined ? undefined : String(s.limit),
          cursor: s.cursor,
        })}`,
      ),
    clock: () => request<ClockDto>('GET', '/api/v1/clock'),
    topologyNode: (nodeId: string) => request<TopologyNodeDto>('GET', `/api/v1/topology/nodes/${id(nodeId)}`),
    load: (nodeId: string, from: string, to: string) =>
      request<LoadDto>('GET', `/api/v1/nodes/${id(nodeId)}/load${q({ from, to })}`),
    forecast: (nodeId: string, from: string, to: string) =>
      request<ForecastDto>('GET', `/api/v1/nodes/${id(nodeId)}/forecast${q({ from, to })}`),
    batteries: () => request<BatteriesDto>('GET', '/api/v1/batteries'),
    dispatchPlans: () => request<DispatchPlansDto>('GET', '/api/v1/dispatch/plans'),
    stationAboveRating: (stationId: string) =>
      request<StationAboveRatingDto>('GET', `/api/v1/dispatch/stations/${id(stationId)}/above-rating`),
    alarms: (filter: { state?: string; nodeId?: string } = {}) =>
      request<AlarmListDto>('GET', `/api/v1/alarms${q(filter)}`),
    acknowledge: (alarmId: string, comment: string) =>
      request<AlarmDto>('POST', `/api/v1/alarms/${id(alarmId)}/acknowledge`, { comment }),
    shelve: (alarmId: string, until: string, comment: string) =>
      request<AlarmDto>('POST', `/api/v1/alarms/${id(alarmId)}/shelve`, { until, comment }),
    unshelve: (alarmId: string) => request<AlarmDto>('POST', `/api/v1/alarms/${id(alarmId)}/unshelve`, {}),
    outOfService: (alarmId: string, comment: string) =>
      request<AlarmDto>('POST', `/api/v1/alarms/${id(alarmId)}/out-of-service`, { comment }),
    returnToService: (alarmId: string) =>
      request<AlarmDto>('POST', `/api/v1/alarms/${id(alarmId)}/return-to-service`, {}),
    audit: (alarmId: string) => request<AuditEntryDto[]>('GET', `/api/v1/alarms/${id(alarmId)}/audit`),
  };
}
