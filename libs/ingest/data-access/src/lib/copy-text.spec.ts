import { copyTextChunks, copyTextLine, copyTextValue } from './copy-text';

describe('COPY text encoding', () => {
  it('encodes values, NULL and dates', () => {
    expect(copyTextValue(null)).toBe('\\N');
    expect(copyTextValue(undefined)).toBe('\\N');
    expect(copyTextValue(42)).toBe('42');
    expect(copyTextValue(-1.5)).toBe('-1.5');
    expect(copyTextValue(new Date('2025-03-30T01:00:00Z'))).toBe('2025-03-30T01:00:00.000Z');
    expect(copyTextValue('2025-03-30T01:00:00Z')).toBe('2025-03-30T01:00:00Z');
  });

  it('escapes the characters COPY treats specially', () => {
    expect(copyTextValue('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyTextLine(['x', 1, null])).toBe('x\t1\t\\N\n');
  });

  it('refuses non-finite numbers instead of storing NaN', () => {
    expect(() => copyTextValue(Number.NaN)).toThrow(/NON_FINITE/);
  });

  it('chunks rows without losing or reordering any', () => {
    const rows = Array.from({ length: 5 }, (_, i) => i);
    const chunks = [...copyTextChunks(rows, (r) => [r], 2)];
    expect(chunks).toEqual(['0\n1\n', '2\n3\n', '4\n']);
  });
});
