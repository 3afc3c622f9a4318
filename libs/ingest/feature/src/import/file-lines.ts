import fs from 'node:fs';

/** One line of a file, without its line break (LF or CRLF), with its number and the offset after it. */
export interface FileLine {
  /** 1-based line number in the file. */
  line: number;
  text: string;
  /** Byte offset just after this line's break: where reading resumes after it. */
  endByte: number;
}

/**
 * The lines of a file from byte `fromByte` (a line start) on, in slices of at most one read chunk, so
 * memory stays bounded by the chunk size plus the longest line whatever the file size. `firstLine` is the
 * number of the line at `fromByte`. A last line without a line break is a line too.
 */
export async function* fileLines(
  path: string,
  fromByte = 0,
  firstLine = 1,
  chunkBytes = 1 << 20,
): AsyncGenerator<FileLine[]> {
  const stream = fs.createReadStream(path, { start: fromByte, highWaterMark: chunkBytes });
  let carry: Buffer = Buffer.alloc(0);
  let offset = fromByte; // file offset of carry[0]
  let line = firstLine;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    const out: FileLine[] = [];
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      out.push({ line: line++, text: buf.toString('utf8', start, end), endByte: offset + nl + 1 });
      start = nl + 1;
    }
    carry = buf.subarray(start);
    offset += start;
    if (out.length > 0) yield out;
  }
  if (carry.length > 0) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    yield [{ line, text: carry.toString('utf8', 0, end), endByte: offset + carry.length }];
  }
}

/** The first line of a file (the CSV header), read alone; '' for an empty file. */
export async function firstLineOf(path: string): Promise<string> {
  for await (const lines of fileLines(path, 0, 1, 64 * 1024)) return lines[0]?.text ?? '';
  return '';
}
