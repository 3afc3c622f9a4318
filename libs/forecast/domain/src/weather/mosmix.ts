import { Unzip, UnzipInflate } from 'fflate';
import { SaxesParser } from 'saxes';
import { ForecastError } from '../errors';

/*
 * DWD MOSMIX point forecasts (KML zipped as KMZ, https://opendata.dwd.de/weather/local_forecasts/mos/):
 * `dwd:IssueTime`, `dwd:ForecastTimeSteps/dwd:TimeStep` (hourly, UTC), then one `kml:Placemark` per
 * station (`kml:name` = station id, `kml:description` = name, `kml:coordinates` = lon,lat,height) with
 * `dwd:Forecast dwd:elementName="…"` whose `dwd:value` holds one whitespace-separated value per time step,
 * `-` = missing. A full MOSMIX_L file is large (all ~5,400 stations): the zip is inflated and the XML parsed
 * as streams (fflate, saxes), and only the requested stations and elements are kept.
 *
 * Units converted to the weather port's units:
 *  - Rad1h  global irradiance, kJ/m² over the hour ending at the step → mean W/m² over that hour (÷ 3.6)
 *  - TTT    2 m temperature, K → °C
 *  - Neff   effective cloud cover, % (kept)
 *  - FF     10 m wind speed, m/s (kept)
 */

export const MOSMIX_ELEMENTS = {
  Rad1h: 'irradianceWm2',
  TTT: 'temperatureC',
  Neff: 'cloudCoverPct',
  FF: 'windSpeedMs',
} as const;

export type MosmixElement = keyof typeof MOSMIX_ELEMENTS;
export type WeatherVariable = (typeof MOSMIX_ELEMENTS)[MosmixElement];
export const WEATHER_VARIABLES: readonly WeatherVariable[] = Object.values(MOSMIX_ELEMENTS);

export interface MosmixStation {
  id: string;
  name: string;
  lonDeg: number;
  latDeg: number;
  heightM: number;
  /** One value per time step in the port's unit; NaN = missing. */
  values: Record<WeatherVariable, Float64Array>;
}

export interface MosmixForecast {
  issueTimeMs: number;
  /** Valid times of the steps (UTC ms); a step's value refers to the hour ending there (Rad1h) or the instant. */
  stepsMs: number[];
  stations: MosmixStation[];
}

function convert(element: MosmixElement, v: number): number {
  switch (element) {
    case 'Rad1h':
      return v / 3.6;
    case 'TTT':
      return Math.round((v - 273.15) * 100) / 100;
    default:
      return v;
  }
}

function isElement(name: string): name is MosmixElement {
  return Object.prototype.hasOwnProperty.call(MOSMIX_ELEMENTS, name);
}

function parseInstant(text: string, what: string): number {
  const ms = Date.parse(text.trim());
  if (!/Z$|[+-]\d{2}:?\d{2}$/.test(text.trim()) || Number.isNaN(ms))
    throw new ForecastError('WEATHER.BAD_MOSMIX', `${what} "${text.trim()}" is not a UTC instant`);
  return ms;
}

/**
 * Streaming MOSMIX KML parser: feed the XML text in chunks (`write`), then `close()` for the result.
 * `stations` restricts the stations kept (ids as in `kml:name`, e.g. "10469"); default all.
 */
export class MosmixKmlParser {
  private readonly sax = new SaxesParser();
  private readonly path: string[] = [];
  private text = '';
  private issueTimeMs: number | undefined;
  private readonly stepsMs: number[] = [];
  private readonly stations: MosmixStation[] = [];
  private current:
    { id: string; name: string; coords: string; raw: Partial<Record<MosmixElement, string>> } | undefined;
  private element: MosmixElement | undefined;

  constructor(private readonly wanted?: ReadonlySet<string>) {
    this.sax.on('opentag', (tag) => {
      this.path.push(tag.name);
      this.text = '';
      if (tag.name === 'kml:Placemark') this.current = { id: '', name: '', coords: '', raw: {} };
      if (tag.name === 'dwd:Forecast') {
        const attr = tag.attributes['dwd:elementName'];
        const name = typeof attr === 'string' ? attr : '';
        this.element = isElement(name) ? name : undefined;
      }
    });
    this.sax.on('text', (t) => {
      this.text += t;
    });
    this.sax.on('closetag', (tag) => {
      this.path.pop();
      const t = this.text;
      this.text = '';
      switch (tag.name) {
        case 'dwd:IssueTime':
          this.issueTimeMs = parseInstant(t, 'dwd:IssueTime');
          break;
        case 'dwd:TimeStep':
          this.stepsMs.push(parseInstant(t, 'dwd:TimeStep'));
          break;
        case 'kml:name':
          if (this.current !== undefined) this.current.id = t.trim();
          break;
        case 'kml:description':
          if (this.current !== undefined) this.current.name = t.trim();
          break;
        case 'kml:coordinates':
          if (this.current !== undefined) this.current.coords = t.trim();
          break;
        case 'dwd:value':
          if (this.current !== undefined && this.element !== undefined) this.current.raw[this.element] = t;
          break;
        case 'dwd:Forecast':
          this.element = undefined;
          break;
        case 'kml:Placemark':
          if (this.current !== undefined) this.finishStation(this.current);
          this.current = undefined;
          break;
        default:
          break;
      }
    });
  }

  private finishStation(p: {
    id: string;
    name: string;
    coords: string;
    raw: Partial<Record<MosmixElement, string>>;
  }): void {
    if (this.wanted !== undefined && !this.wanted.has(p.id)) return;
    const [lon, lat, height] = p.coords.split(',').map(Number);
    if (lon === undefined || lat === undefined || Number.isNaN(lon) || Number.isNaN(lat))
      throw new ForecastError(
        'WEATHER.BAD_MOSMIX',
        `station ${p.id}: coordinates "${p.coords}" are not lon,lat,height`,
      );
    const n = this.stepsMs.length;
    const values = {} as Record<WeatherVariable, Float64Array>;
    for (const element of Object.keys(MOSMIX_ELEMENTS) as MosmixElement[]) {
      const out = new Float64Array(n).fill(Number.NaN);
      const raw = p.raw[element];
      if (raw !== undefined) {
        const tokens = raw.trim().split(/\s+/);
        if (tokens.length !== n)
          throw new ForecastError(
            'WEATHER.BAD_MOSMIX',
            `station ${p.id}, ${element}: ${tokens.length} values for ${n} time steps`,
          );
        tokens.forEach((tok, i) => {
          const v = tok === '-' ? Number.NaN : Number(tok);
          out[i] = Number.isFinite(v) ? convert(element, v) : Number.NaN;
        });
      }
      values[MOSMIX_ELEMENTS[element]] = out;
    }
    this.stations.push({
      id: p.id,
      name: p.name,
      lonDeg: lon,
      latDeg: lat,
      heightM: height ?? Number.NaN,
      values,
    });
  }

  write(xml: string): void {
    this.sax.write(xml);
  }

  close(): MosmixForecast {
    this.sax.close();
    if (this.issueTimeMs === undefined)
      throw new ForecastError('WEATHER.BAD_MOSMIX', 'no dwd:IssueTime: not a MOSMIX KML document');
    if (this.stepsMs.length === 0) throw new ForecastError('WEATHER.BAD_MOSMIX', 'no dwd:ForecastTimeSteps');
    return { issueTimeMs: this.issueTimeMs, stepsMs: [...this.stepsMs], stations: [...this.stations] };
  }
}

/**
 * Parses a MOSMIX KMZ from a stream of byte chunks (e.g. a file read stream): the zip is inflated and the
 * KML parsed chunk by chunk, so memory stays bounded by the stations kept. The KML is ISO-8859-1.
 */
export async function parseMosmixKmz(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: { stations?: readonly string[] } = {},
): Promise<MosmixForecast> {
  const parser = new MosmixKmlParser(options.stations === undefined ? undefined : new Set(options.stations));
  const decoder = new TextDecoder('latin1');
  let kmlFiles = 0;
  let failure: Error | undefined;
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.onfile = (file) => {
    if (!file.name.toLowerCase().endsWith('.kml')) return;
    kmlFiles++;
    file.ondata = (err, data, final) => {
      if (failure !== undefined) return;
      try {
        if (err !== null)
          throw new ForecastError('WEATHER.BAD_MOSMIX', `cannot inflate ${file.name}: ${err.message}`);
        parser.write(decoder.decode(data, { stream: !final }));
      } catch (e) {
        failure = e instanceof Error ? e : new Error(String(e));
      }
    };
    file.start();
  };
  try {
    for await (const chunk of chunks) {
      unzip.push(chunk, false);
      if (failure !== undefined) throw failure;
    }
    unzip.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof ForecastError) throw e;
    throw new ForecastError(
      'WEATHER.BAD_MOSMIX',
      `not a readable KMZ: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (failure !== undefined) {
    if (failure instanceof ForecastError) throw failure;
    throw new ForecastError('WEATHER.BAD_MOSMIX', `bad KML: ${failure.message}`);
  }
  if (kmlFiles !== 1)
    throw new ForecastError(
      'WEATHER.BAD_MOSMIX',
      `a MOSMIX KMZ holds one .kml file, this one holds ${kmlFiles}`,
    );
  return parser.close();
}
