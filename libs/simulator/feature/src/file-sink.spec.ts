import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileEventSink } from './file-sink';

describe('FileEventSink', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridwerk-file-sink-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes one NDJSON file per topic, one message value per line, in order', async () => {
    const sink = new FileEventSink(path.join(dir, 'out'));
    await sink.connect(['a.v1', 'b.v1']);
    await sink.send('a.v1', [{ value: '{"n":1}' }, { value: Buffer.from('{"n":2}') }]);
    await sink.send('b.v1', [{ value: '{"t":1}' }]);
    await sink.send('a.v1', [{ value: '{"n":3}' }]);
    await sink.close();
    expect(fs.readFileSync(sink.fileOf('a.v1'), 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
    expect(fs.readFileSync(sink.fileOf('b.v1'), 'utf8')).toBe('{"t":1}\n');
    expect(sink.written()).toEqual({ 'a.v1': 3, 'b.v1': 1 });
  });

  it('keeps a value with a line break on one line (escaped), so lines = messages', async () => {
    const sink = new FileEventSink(dir);
    await sink.connect(['a.v1']);
    await sink.send('a.v1', [{ value: 'not\njson' }, { value: null }, { value: '{}' }]);
    await sink.close();
    expect(fs.readFileSync(sink.fileOf('a.v1'), 'utf8')).toBe('not\\njson\n\n{}\n');
  });

  it('fails clearly when the directory cannot be written', async () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    const sink = new FileEventSink(file);
    await expect(sink.connect(['a.v1'])).rejects.toThrow(/EEXIST|ENOTDIR/);
  });
});
