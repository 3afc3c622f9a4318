import { SseMessage, SseParser } from './sse-parser';

/**
 * The live stream over fetch(): EventSource cannot send an Authorization header, so the stream is read
 * from a fetch() body with the bearer token in the header. On a drop it reconnects with back-off and
 * sends `Last-Event-ID`, so the server replays what was missed. A stream that stays silent for longer
 * than two heartbeats is treated as dead (proxies can hold a half-open connection for minutes).
 */
export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LiveStreamOptions {
  url: string;
  /** A current access token; called before every (re)connect. `refresh` asks for a new one after 401. */
  token: (refresh: boolean) => Promise<string | undefined>;
  onMessage: (m: SseMessage) => void;
  onState: (s: StreamState, detail?: string) => void;
  /** Silence after which the connection is considered dead. */
  idleTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  fetchImpl?: typeof fetch;
  /** Resume from this event id on the first connect (e.g. kept across a token change). */
  lastEventId?: string;
}

export interface LiveStream {
  close(): void;
  lastEventId(): string;
}

export function openLiveStream(opts: LiveStreamOptions): LiveStream {
  const doFetch = opts.fetchImpl ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const idleMs = opts.idleTimeoutMs ?? 35_000;
  const minBackoff = opts.minBackoffMs ?? 500;
  const maxBackoff = opts.maxBackoffMs ?? 15_000;
  let closed = false;
  let lastId = opts.lastEventId ?? '';
  let abort: AbortController | undefined;
  let attempt = 0;
  let refreshNext = false;

  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  async function connectOnce(): Promise<void> {
    const token = await opts.token(refreshNext);
    refreshNext = false;
    if (!token) throw new Error('not signed in');
    abort = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    if (lastId) headers['last-event-id'] = lastId;
    const res = await doFetch(opts.url, { headers, signal: abort.signal, cache: 'no-store' });
    if (res.status === 401) {
      refreshNext = true;
      throw new Error('HTTP 401');
    }
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    opts.onState('open');
    attempt = 0;
    const parser = new SseParser(lastId);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let idle: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => abort?.abort(), idleMs);
    };
    arm();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        arm();
        for (const m of parser.push(decoder.decode(value, { stream: true }))) {
          lastId = m.id;
          opts.onMessage(m);
        }
        if (parser.retryMs !== undefined) attempt = 0;
      }
    } finally {
      if (idle) clearTimeout(idle);
      lastId = parser.lastEventId;
    }
  }

  void (async () => {
    opts.onState('connecting');
    while (!closed) {
      let detail = 'stream ended';
      try {
        await connectOnce();
      } catch (err) {
        detail = err instanceof Error ? err.message : String(err);
      }
      if (closed) break;
      opts.onState('reconnecting', detail);
      const backoff = Math.min(maxBackoff, minBackoff * 2 ** attempt);
      attempt = Math.min(attempt + 1, 10);
      // jitter, so that many dashboards do not reconnect in lockstep after a server restart
      await sleep(backoff * (0.75 + Math.random() * 0.5));
    }
    opts.onState('closed');
  })();

  return {
    close() {
      closed = true;
      abort?.abort();
    },
    lastEventId: () => lastId,
  };
}
