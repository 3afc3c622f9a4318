import { parsePriceCsv, PriceSourceError, SyntheticPriceSource } from './price-source';

const QH = 15 * 60_000;

describe('price sources', () => {
  it('reads milli-cent and €/MWh CSVs and names the first bad line', () => {
    const a = parsePriceCsv('intervalStart,priceMilliCtPerKWh\n2026-01-14T00:00:00Z,8500\n', 'a.csv');
    expect([...a]).toEqual([[Date.parse('2026-01-14T00:00:00Z'), 8.5]]);
    const b = parsePriceCsv('intervalStart,priceEurPerMWh\n2026-01-14T00:15:00Z,-12.5\n', 'b.csv');
    expect([...b.values()]).toEqual([-1.25]);
    expect(() =>
      parsePriceCsv('intervalStart,priceMilliCtPerKWh\n2026-01-14T00:07:00Z,1\n', 'c.csv'),
    ).toThrow(/c\.csv:2: intervalStart .* is not a UTC quarter hour/);
    expect(() => parsePriceCsv('time,price\n', 'd.csv')).toThrow(PriceSourceError);
  });

  it('synthetic prices: every quarter hour of the window, reproducible, evening dearer than the night', async () => {
    const from = Date.parse('2026-01-13T23:00:00Z'); // 00:00 CET
    const p = await new SyntheticPriceSource().prices(from, from + 96 * QH);
    expect(p.size).toBe(96);
    const again = await new SyntheticPriceSource().prices(from, from + 96 * QH);
    expect([...again]).toEqual([...p]);
    const at = (h: number) => p.get(from + h * 4 * QH) ?? NaN;
    expect(at(19)).toBeGreaterThan(at(3) + 5);
    // summer middays fall below the winter ones (solar dip)
    const july = Date.parse('2026-07-14T11:00:00Z');
    const summer = await new SyntheticPriceSource().prices(july, july + QH);
    expect(summer.get(july) ?? NaN).toBeLessThan(at(13));
  });
});
