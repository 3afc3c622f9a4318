import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openLiveStream, StreamState } from './live-stream';
import type { SseMessage } from './sse-parser';

/** A real HTTP server speaking SSE: drops the first connection mid-stream and checks the resume. */
describe('openLiveStream against a real HTTP server', () => {
  let server: http.Server;
  let url: string;
  const seenHeaders: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    let connection = 0;
    server = http.createServer((req, res) => {
      seenHeaders.push(req.headers);
      if (req.headers.authorization === 'Bearer stale') {
        res.writeHead(401).end();
        return;
      }
      connection += 1;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const from = Number(req.headers['last-event-id'] ?? 0);
      if (connection === 1) {
        res.write('id: 1\nevent: load\ndata: {"v":1}\n\nid: 2\nevent: load\ndata: {"v":2}\n\n');
        setTimeout(() => res.destroy(), 50);
      } else {
        for (let i = from + 1; i <= 4; i++) res.write(`id: ${i}\nevent: load\ndata: {"v":${i}}\n\n`);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/stream`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the bearer token, resumes with Last-Event-ID after a drop and refreshes after 401', async () => {
    const messages: SseMessage[] = [];
    const states: StreamState[] = [];
    let calls = 0;
    const stream = openLiveStream({
      url,
      token: async (refresh) => {
        calls += 1;
        // first a stale token (401), then a refreshed one
        return calls === 1 ? 'stale' : refresh || calls > 2 ? 'fresh' : 'stale';
      },
      onMessage: (m) => messages.push(m),
      onState: (s) => states.push(s),
      minBackoffMs: 20,
    });
    const deadline = Date.now() + 10_000;
    while (messages.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stream.close();
    expect(messages.map((m) => m.data)).toEqual(['{"v":1}', '{"v":2}', '{"v":3}', '{"v":4}']);
    expect(stream.lastEventId()).toBe('4');
    const authed = seenHeaders.filter((h) => h.authorization === 'Bearer fresh');
    expect(authed[0]?.['last-event-id']).toBeUndefined();
    expect(authed[1]?.['last-event-id']).toBe('2');
    expect(seenHeaders.some((h) => h.authorization === 'Bearer stale')).toBe(true);
    expect(states.slice(0, 2)).toEqual(['connecting', 'reconnecting']);
    expect(states).toContain('open');
  });
});
