import { createHash } from 'node:crypto';
import { parseEvent } from '@gridwerk/contracts';
import { buildDeadLetter, FailedMessage } from './dead-letter';

const reason = { code: 'JSON.PARSE', message: 'not valid JSON' };

function letterOf(value: string) {
  const r = parseEvent(value, 'de.gridwerk.dead-letter.v1');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value.data;
}

describe('buildDeadLetter', () => {
  it('keeps every value of a repeated header, in order, and the first one in headers', () => {
    const msg: FailedMessage = {
      topic: 't',
      partition: 1,
      offset: '7',
      key: 'k',
      value: 'x',
      headers: { trace: [Buffer.from('a'), Buffer.from('b')], one: 'c' },
    };
    const dl = letterOf(buildDeadLetter(msg, 'g', reason, '/test').value);
    expect(dl.headerList).toEqual([
      { key: 'trace', valueBase64: Buffer.from('a').toString('base64') },
      { key: 'trace', valueBase64: Buffer.from('b').toString('base64') },
      { key: 'one', valueBase64: Buffer.from('c').toString('base64') },
    ]);
    expect(dl.headers).toEqual({
      trace: Buffer.from('a').toString('base64'),
      one: Buffer.from('c').toString('base64'),
    });
    expect(dl.truncated).toBeUndefined();
  });

  it('truncates a letter above the limit to fit, recording the original size and sha256', () => {
    const value = Buffer.alloc(300_000, 0x41);
    const msg: FailedMessage = { topic: 't', partition: 0, offset: '1', key: 'k', value };
    const built = buildDeadLetter(msg, 'g', reason, '/test', new Date(), 100_000);
    expect(built.truncated).toBe(true);
    expect(Buffer.byteLength(built.value)).toBeLessThanOrEqual(100_000 - 1024);
    const dl = letterOf(built.value);
    expect(dl.truncated).toMatchObject({
      originalValueBytes: 300_000,
      originalValueSha256: createHash('sha256').update(value).digest('hex'),
      headersDropped: false,
    });
    const kept = Buffer.from(dl.valueBase64, 'base64');
    expect(kept.length).toBe(dl.truncated?.keptValueBytes);
    expect(kept.length).toBeGreaterThan(50_000);
    expect(kept.equals(value.subarray(0, kept.length))).toBe(true);
  });

  it('drops the headers when they alone exceed the limit', () => {
    const msg: FailedMessage = {
      topic: 't',
      partition: 0,
      offset: '1',
      key: null,
      value: 'v',
      headers: { big: Buffer.alloc(50_000, 1) },
    };
    const built = buildDeadLetter(msg, 'g', reason, '/test', new Date(), 20_000);
    const dl = letterOf(built.value);
    expect(dl.truncated?.headersDropped).toBe(true);
    expect(dl.headers).toBeUndefined();
    expect(Buffer.from(dl.valueBase64, 'base64').toString()).toBe('v');
  });
});
