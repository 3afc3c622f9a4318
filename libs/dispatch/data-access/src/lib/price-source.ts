import { readFile } from 'node:fs/promises';

/** Day-ahead prices (SDAC quarter hours) as the planner reads them: ct/kWh per quarter-hour start. */
export interface PriceSource {
  /** Prices known for [fromMs, toMs); quarter hours without a price are absent. */
  prices(fromMs: number, toMs: number): Promise<Map<number, number>>;
}

export class PriceSourceError extends Error {
  constructor(
    readonly code: 'PRICES.BAD_CSV' | 'PRICES.UNREACHABLE',
    message: string,
  ) {
    super(message);
    this.name = 'PriceSourceError';
  }
}

const QH = 15 * 60 * 1000;

/**
 * Parses a price CSV: a header with `intervalStart` and either `priceMilliCtPerKWh` (integer, the
 * Gridwerk unit) or `priceEurPerMWh` (decimal, as exchanges publish it; 1 €/MWh = 0.1 ct/kWh). Every row
 * is validated; the first bad one is reported with its line number.
 */
export function parsePriceCsv(text: string, origin: string): Map<number, number> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const t = header.indexOf('intervalStart');
  const milli = header.indexOf('priceMilliCtPerKWh');
  const eur = header.indexOf('priceEurPerMWh');
  if (t < 0 || (milli < 0 && eur < 0))
    throw new PriceSourceError(
      'PRICES.BAD_CSV',
      `${origin}: header must have intervalStart and priceMilliCtPerKWh or priceEurPerMWh, got "${lines[0] ?? ''}"`,
    );
  const out = new Map<number, number>();
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',').map((c) => c.trim());
    const ms = Date.parse(cells[t] ?? '');
    if (!Number.isFinite(ms) || ms % QH !== 0)
      throw new PriceSourceError(
        'PRICES.BAD_CSV',
        `${origin}:${i + 1}: intervalStart "${cells[t]}" is not a UTC quarter hour`,
      );
    const raw = Number(cells[milli >= 0 ? milli : eur]);
    if (!Number.isFinite(raw) || (milli >= 0 && !Number.isInteger(raw)))
      throw new PriceSourceError(
        'PRICES.BAD_CSV',
        `${origin}:${i + 1}: price "${cells[milli >= 0 ? milli : eur]}" is not a number`,
      );
    out.set(ms, milli >= 0 ? raw / 1000 : raw / 10);
  }
  return out;
}

function window(all: Map<number, number>, fromMs: number, toMs: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const [ms, p] of all) if (ms >= fromMs && ms < toMs) out.set(ms, p);
  return out;
}

/** Prices from a CSV file (re-read when it changes: the day-ahead auction adds a day at a time). */
export class CsvFilePriceSource implements PriceSource {
  constructor(private readonly file: string) {}
  async prices(fromMs: number, toMs: number): Promise<Map<number, number>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      throw new PriceSourceError(
        'PRICES.UNREACHABLE',
        `${this.file}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return window(parsePriceCsv(text, this.file), fromMs, toMs);
  }
}

/** Prices from an HTTP endpoint serving the same CSV (`?from=&to=` ISO instants are appended). */
export class HttpCsvPriceSource implements PriceSource {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}
  async prices(fromMs: number, toMs: number): Promise<Map<number, number>> {
    const u = new URL(this.url);
    u.searchParams.set('from', new Date(fromMs).toISOString());
    u.searchParams.set('to', new Date(toMs).toISOString());
    let text: string;
    try {
      const res = await fetch(u, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      text = await res.text();
    } catch (err) {
      throw new PriceSourceError(
        'PRICES.UNREACHABLE',
        `${u.origin}${u.pathname}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return window(parsePriceCsv(text, u.pathname), fromMs, toMs);
  }
}

/** No market prices (grid-serving operation under §11b EnWG needs none). */
export class NoPriceSource implements PriceSource {
  prices(): Promise<Map<number, number>> {
    return Promise.resolve(new Map<number, number>());
  }
}

/**
 * Synthetic day-ahead prices for development and demos (no exchange feed): the shape of a German SDAC
 * day in quarter hours — cheap at night, a morning and a higher evening peak, a midday solar dip that
 * deepens (down to negative prices) in summer — plus a deterministic wobble per quarter hour. The same
 * instant always gets the same price, so a dev run is reproducible.
 */
export class SyntheticPriceSource implements PriceSource {
  prices(fromMs: number, toMs: number): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (let t = Math.ceil(fromMs / QH) * QH; t < toMs; t += QH) out.set(t, syntheticPriceCtPerKWh(t));
    return Promise.resolve(out);
  }
}

/** ct/kWh of the synthetic day-ahead curve at a quarter-hour start (see {@link SyntheticPriceSource}). */
export function syntheticPriceCtPerKWh(ms: number): number {
  const d = new Date(ms);
  // hour of the day in CET (the market's day), good enough for a synthetic shape
  const h = (d.getUTCHours() + 1 + d.getUTCMinutes() / 60) % 24;
  const dayOfYear = Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000);
  const summer = 0.5 - 0.5 * Math.cos(((dayOfYear - 10) / 365) * 2 * Math.PI); // 0 in January, 1 in July
  const bump = (centre: number, width: number) => Math.exp(-(((h - centre) / width) ** 2));
  const base = 8 + 1.5 * (1 - summer);
  const shape =
    base + 4 * bump(8, 1.5) + 7 * bump(19, 2) - (2 + 9 * summer) * bump(13, 2.5) - 2 * bump(3, 2.5);
  const wobble = 0.6 * Math.sin(ms / 900_000 / 7.3) + 0.4 * Math.sin(ms / 900_000 / 2.1);
  return Math.round((shape + wobble) * 1000) / 1000;
}
