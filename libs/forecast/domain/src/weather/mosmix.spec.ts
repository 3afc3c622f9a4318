import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { MosmixKmlParser, parseMosmixKmz } from './mosmix';

/** The real MOSMIX_L sample lives beside the repository (../shared/data/dwd), never inside it. */
function sampleFile(): string {
  const name = 'shared/data/dwd/MOSMIX_L_2023100809_5stations.kmz';
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found above ${__dirname}`);
}

describe('MOSMIX KMZ (real MOSMIX_L file of the DWD, run 2023-10-08 09 UTC)', () => {
  const read = (stations?: string[]) =>
    parseMosmixKmz(
      createReadStream(sampleFile(), { highWaterMark: 4096 }),
      stations === undefined ? {} : { stations },
    );

  it('reads the issue time, the 247 hourly steps and the five stations with their coordinates', async () => {
    const f = await read();
    expect(new Date(f.issueTimeMs).toISOString()).toBe('2023-10-08T09:00:00.000Z');
    expect(f.stepsMs).toHaveLength(247);
    expect(new Date(f.stepsMs[0] ?? 0).toISOString()).toBe('2023-10-08T10:00:00.000Z');
    expect((f.stepsMs[246] ?? 0) - (f.stepsMs[0] ?? 0)).toBe(246 * 3_600_000);
    expect(f.stations.map((s) => s.id)).toEqual(['L130', 'L299', 'L511', 'L678', 'L821']);
    const l821 = f.stations[4];
    expect(l821).toMatchObject({ name: 'WIESBADEN-AURINGEN', lonDeg: 8.32, latDeg: 50.13, heightM: 263 });
  });

  it('converts units: Rad1h kJ/m² per hour → W/m², TTT K → °C; Neff % and FF m/s kept', async () => {
    const [l299] = (await read(['L299'])).stations;
    expect(l299?.values.irradianceWm2[0]).toBeCloseTo(450 / 3.6, 6); // 125 W/m²
    expect(l299?.values.temperatureC[0]).toBeCloseTo(284.95 - 273.15, 6);
    expect(l299?.values.cloudCoverPct[0]).toBe(94);
    expect(l299?.values.windSpeedMs[0]).toBe(1.54);
    // Night steps (10–12 h after issue, 20–22 UTC) have no sun.
    expect(l299?.values.irradianceWm2[10]).toBe(0);
  });

  it('keeps missing values missing ("-" → NaN): L130 publishes no irradiance', async () => {
    const f = await read(['L130', 'L821']);
    expect(f.stations.map((s) => s.id)).toEqual(['L130', 'L821']);
    const l130 = f.stations[0];
    expect(Array.from(l130?.values.irradianceWm2 ?? []).every((v) => Number.isNaN(v))).toBe(true);
    expect(Array.from(l130?.values.temperatureC ?? []).some((v) => Number.isNaN(v))).toBe(false);
    const l821 = f.stations[1];
    expect(Math.max(...Array.from(l821?.values.irradianceWm2 ?? []))).toBeGreaterThan(100);
  });

  it('rejects what is not a MOSMIX KMZ, with a stable code', async () => {
    await expect(parseMosmixKmz([strToU8('not a zip at all')])).rejects.toMatchObject({
      code: 'WEATHER.BAD_MOSMIX',
    });
    const wrong = zipSync({ 'a.kml': strToU8('<kml><Document></Document></kml>') });
    await expect(parseMosmixKmz([wrong])).rejects.toThrow(/WEATHER.BAD_MOSMIX: no dwd:IssueTime/);
    const p = new MosmixKmlParser();
    const write = (): void =>
      p.write(
        '<kml:kml xmlns:kml="k" xmlns:dwd="d"><dwd:IssueTime>2023-10-08T09:00:00.000Z</dwd:IssueTime>' +
          '<dwd:TimeStep>2023-10-08T10:00:00.000Z</dwd:TimeStep><dwd:TimeStep>2023-10-08T11:00:00.000Z</dwd:TimeStep>' +
          '<kml:Placemark><kml:name>X</kml:name><dwd:Forecast dwd:elementName="TTT"><dwd:value> 280.0 </dwd:value></dwd:Forecast>' +
          '<kml:coordinates>1,2,3</kml:coordinates></kml:Placemark></kml:kml>',
      );
    expect(write).toThrow(/station X, TTT: 1 values for 2 time steps/);
  });
});
