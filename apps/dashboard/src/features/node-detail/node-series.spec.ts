import { chunkRange, mergeSeries, rangeFor, withLivePoint } from './node-series';

describe('node series', () => {
  it('splits a year into 30-day chunks at 15-minute resolution, without gaps or overlaps', () => {
    const { fromMs, toMs } = rangeFor('365d', Date.UTC(2026, 11, 1, 17, 7));
    expect(toMs).toBe(Date.UTC(2026, 11, 1, 17, 15));
    const chunks = chunkRange(fromMs, toMs);
    expect(chunks).toHaveLength(13);
    expect(chunks[0].fromMs).toBe(fromMs);
    expect(chunks[12].toMs).toBe(toMs);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].fromMs).toBe(chunks[i - 1].toMs);
    for (const c of chunks) expect(c.toMs - c.fromMs).toBeLessThanOrEqual(30 * 86_400_000);
  });

  it('aligns load and forecast on one axis in kW, null where a series has no value', () => {
    const d = mergeSeries(
      [
        {
          nodeId: 'F',
          resolution: '15m',
          observedAt: null,
          ageS: null,
          points: [
            { t: '2026-12-01T10:15:00Z', powerW: 2000 },
            { t: '2026-12-01T10:00:00Z', powerW: 1000 },
          ],
        },
      ],
      {
        nodeId: 'F',
        modelVersion: 'v1',
        issuedAt: null,
        points: [{ t: '2026-12-01T10:30:00Z', p10W: 500, p50W: 1500, p90W: 2500, actualW: null }],
      },
    );
    expect(d.x).toEqual([
      Date.UTC(2026, 11, 1, 10) / 1000,
      Date.UTC(2026, 11, 1, 10, 15) / 1000,
      Date.UTC(2026, 11, 1, 10, 30) / 1000,
    ]);
    expect(d.actualKw).toEqual([1, 2, null]);
    expect(d.p50Kw).toEqual([null, null, 1.5]);
    expect(d.p90Kw).toEqual([null, null, 2.5]);
  });

  it('adds the live value at its quarter hour, updating the current one', () => {
    const base = { x: [900], actualKw: [1], p10Kw: [null], p50Kw: [null], p90Kw: [null] };
    expect(withLivePoint(base, 900_000 + 60_000, 3000).actualKw).toEqual([3]);
    const next = withLivePoint(base, 1_800_000, 4000);
    expect(next.x).toEqual([900, 1800]);
    expect(next.actualKw).toEqual([1, 4]);
    expect(withLivePoint(base, 0, 5)).toBe(base);
  });
});
