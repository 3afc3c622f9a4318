import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('parses named events with ids and multi-line data', () => {
    const p = new SseParser();
    const out = p.push(
      'id: 7\nevent: load\ndata: {"a":1,\ndata: "b":2}\n\n: comment\n\nevent: heartbeat\ndata: {}\n\n',
    );
    expect(out).toEqual([
      { event: 'load', data: '{"a":1,\n"b":2}', id: '7' },
      { event: 'heartbeat', data: '{}', id: '7' },
    ]);
    expect(p.lastEventId).toBe('7');
  });

  it('handles chunks split anywhere, including inside CRLF', () => {
    const text = 'id: 1\r\nevent: alarm\r\ndata: x\r\n\r\nid: 2\rdata: y\r\r';
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      const out = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(out).toEqual([
        { event: 'alarm', data: 'x', id: '1' },
        { event: 'message', data: 'y', id: '2' },
      ]);
    }
  });

  it('ignores blocks without data, keeps the id for resuming, and reads retry', () => {
    const p = new SseParser('41');
    expect(p.push('retry: 2500\nevent: x\n\n')).toEqual([]);
    expect(p.retryMs).toBe(2500);
    expect(p.lastEventId).toBe('41');
    expect(p.push('data:no-space\n\n')).toEqual([{ event: 'message', data: 'no-space', id: '41' }]);
    expect(p.push('data: partial')).toEqual([]);
  });
});
