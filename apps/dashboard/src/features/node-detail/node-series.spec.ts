import type { LoadDto } from '../../api/types';
import { chunkRange, mergeSeries, rangeFor, windowMoved, withLivePoint } from './node-series';

const load = (points: { t: string; avgPowerW: number }[]): LoadDto => ({
  nodeId: 'F',
  nodeKind: 'feeder',
  from: '',
  to: '',
  resolution: '15m',
  bucketS: 900,
  points: points.map((p) => ({ ...p, importWh: 0, exportWh: 0, netWh: 0, metersReporting: 1 })),
  live: null,
  observedAt: null,
  ageS: null,
});

describe('node series', () => {
  it('splits a year into 34-day chunks at 15-minute resolution, without gaps or overlaps', () => {
    const { fromMs, toMs } = rangeFor('365d', Date.UTC(2026, 11, 1, 17, 7));
    expect(toMs).toBe(Date.UTC(2026, 11, 1, 17, 15));
    const chunks = chunkRange(fromMs, toMs);
    expect(chunks).toHaveLength(11);
    expect(chunks[0].fromMs).toBe(fromMs);
    expect(chunks[10].toMs).toBe(toMs);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].fromMs).toBe(chunks[i - 1].toMs);
    for (const c of chunks) expect(c.toMs - c.fromMs).toBeLessThanOrEqual(34 * 86_400_000);
  });

  it("asks again only when the control room's clock moves the window to another quarter hour", () => {
    const chosenAt = Date.UTC(2026, 11, 7, 23, 31);
    const { toMs } = rangeFor('1d', chosenAt); // the browser's clock: the first read had not answered
    // a live grid: the data clock a few seconds behind, the same quarter hour
    expect(windowMoved('1d', toMs, chosenAt, -20_000)).toBe(false);
    expect(windowMoved('1d', toMs, chosenAt, 0)).toBe(false);
    // a replayed day (the demo's --start): another window altogether
    expect(windowMoved('1d', toMs, chosenAt, Date.UTC(2026, 0, 14, 15) - chosenAt)).toBe(true);
    // a clock a quarter hour ahead ends the window a quarter hour later
    expect(windowMoved('365d', rangeFor('365d', chosenAt).toMs, chosenAt, 15 * 60_000)).toBe(true);
  });

  it('aligns load and forecast on one axis in kW, forecast energy per step turned into power', () => {
    const d = mergeSeries(
      [
        load([
          { t: '2026-12-01T10:15:00Z', avgPowerW: 2000 },
          { t: '2026-12-01T10:00:00Z', avgPowerW: 1000 },
        ]),
      ],
      {
        nodeId: 'F',
        seriesId: 'feeder:F',
        horizon: 'day-ahead',
        modelVersion: 'v1',
        issuedAt: null,
        stepMinutes: 15,
        observedAt: null,
        ageS: null,
        points: [
          {
            t: '2026-12-01T10:30:00Z',
            p10Wh: 125,
            p50Wh: 375,
            p90Wh: 625,
            actualWh: null,
            issuedAt: '2026-12-01T09:00:00Z',
            modelVersion: 'v1',
          },
        ],
      },
    );
    const s = (h: number, m: number) => Date.UTC(2026, 11, 1, h, m) / 1000;
    expect(d.x).toEqual([s(10, 0), s(10, 15), s(10, 30)]);
    expect(d.actualKw).toEqual([1, 2, null]);
    expect(d.p10Kw).toEqual([null, null, 0.5]);
    expect(d.p50Kw).toEqual([null, null, 1.5]);
    expect(d.p90Kw).toEqual([null, null, 2.5]);
  });

  it('adds the live value at the quarter hour it ends, updating the current one', () => {
    const base = { x: [900], actualKw: [1], p10Kw: [null], p50Kw: [null], p90Kw: [null] };
    expect(withLivePoint(base, 1_800_000, 3000).actualKw).toEqual([3]);
    const next = withLivePoint(base, 2_700_000, 4000);
    expect(next.x).toEqual([900, 1800]);
    expect(next.actualKw).toEqual([1, 4]);
    expect(withLivePoint(base, 900_000, 5)).toBe(base);
  });
});
