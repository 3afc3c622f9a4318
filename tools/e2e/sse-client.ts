/** One Server-Sent Event as grid-api frames it (id, event, one data line), with when it arrived. */
export interface ReceivedEvent {
  id: string;
  event: string;
  data: Record<string, unknown>;
  receivedAtMs: number;
}

/**
 * Reads grid-api's `GET /api/v1/stream` with fetch and the bearer header, as the dashboard does, calling
 * `onEvent` for every event until `close()`. `lastEventId` resumes after that id (the Last-Event-ID header).
 */
export async function openStream(
  url: string,
  bearer: string,
  onEvent: (e: ReceivedEvent) => void,
  lastEventId?: string,
): Promise<{ close(): Promise<void> }> {
  const abort = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${bearer}`, accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const res = await fetch(url, { headers, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`stream answered ${res.status}`);
  const decoder = new TextDecoder();
  let buffered = '';
  const reading = (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const receivedAtMs = performance.now();
        buffered += decoder.decode(chunk, { stream: true });
        const frames = buffered.split('\n\n');
        buffered = frames.pop() ?? '';
        for (const frame of frames) {
          const field = (name: string) => new RegExp(`^${name}: ?(.*)$`, 'm').exec(frame)?.[1];
          const data = field('data');
          if (data === undefined) continue;
          onEvent({
            id: field('id') ?? '',
            event: field('event') ?? 'message',
            data: JSON.parse(data) as Record<string, unknown>,
            receivedAtMs,
          });
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return {
    async close() {
      abort.abort();
      await reading;
    },
  };
}
