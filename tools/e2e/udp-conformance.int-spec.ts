import { randomUUID } from 'node:crypto';
import mqtt, { MqttClient } from 'mqtt';
import { Parser } from 'n3';
import {
  createIngestTestDb,
  IngestTestDb,
  MeterReadingWriter,
  meterId,
  quarterHourReadings,
  refreshRollupsNow,
  smallTopology,
  TopologyRepository,
} from '@gridwerk/ingest/data-access';
import { FORECAST_MIGRATIONS } from '@gridwerk/forecast/data-access';
import { SETTLEMENT_MIGRATIONS } from '@gridwerk/settlement/data-access';
import { postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import { DCAT_AP_DE_SHAPES, METERING_POINT_ID } from '@gridwerk/udp/domain';
import { DataSource } from 'typeorm';
import { freePort } from './free-port';
import { ensureMqttBroker, MqttBroker } from './mqtt-broker';
import { ServiceProcess } from './service-process';
import { validateShacl } from './shacl';

/**
 * OGC SensorThings conformance of the running udp-gateway process on real PostgreSQL (ingest's schema and
 * rollups) and a real Mosquitto: every claimed class (datamodel, resource paths, request data with each
 * query option, receive updates via MQTT), the spec's errors, the privacy walk and the DCAT-AP.de entry.
 */
const QH = 900_000;
const K = 5;
// what a rated station publishes: measured, loading, and the forecast quantiles (sorted)
const STATION_KINDS =
  'active-power energy-exported energy-imported forecast-p10 forecast-p50 forecast-p90 loading'.split(' ');
const STA_ENTITY_SETS =
  'Things Locations HistoricalLocations Datastreams Sensors ObservedProperties Observations FeaturesOfInterest'.split(
    ' ',
  );
// metering points per secondary substation, in smallTopology's order: UW-01-F01-ONS1, -ONS2, UW-01-F02-ONS1,
// -ONS2, UW-02-F01-ONS1, -ONS2, UW-02-F02-ONS1, -ONS2
const METERS = [12, 3, 8, 7, 4, 2, 1, 1];
// k = 5: UW-01-F01-ONS2 (3) withheld, so UW-01-F01-ONS1 (12) too (F01 minus ONS1 would reveal ONS2);
// UW-02-F02 (2) withheld, so UW-02-F01 (6) too; every station of UW-02 is below k
const GRID = ['UW-01', 'UW-01-F01', 'UW-01-F02', 'UW-01-F02-ONS1', 'UW-01-F02-ONS2', 'UW-02'];
// the fleet battery at UW-01-F01-ONS1 (the utility's asset) and community EG-0001 (10 members ≥ k);
// EG-0002 (2 members) is withheld
const PUBLISHED = [...GRID, 'BAT-0001', 'EG-0001'];
const BATTERY_METER = meterId(900);

// the topology's coordinates (as the GIS export or the simulator gives them): the gateway serves these
const at = (i: number): { longitude: number; latitude: number } => ({
  longitude: Math.round((12.3 + i * 0.005) * 1e6) / 1e6,
  latitude: Math.round((51.3 + i * 0.003) * 1e6) / 1e6,
});
const small = smallTopology(0);
const topology = {
  substations: (small.substations ?? []).map((s, i) => ({ ...s, ...at(i) })),
  feeders: (small.feeders ?? []).map((f, i) => ({ ...f, ...at(10 + i) })),
  secondarySubstations: (small.secondarySubstations ?? []).map((s, i) => ({ ...s, ...at(20 + i) })),
  batteries: (small.batteries ?? []).map((b) => ({ ...b, meterPointId: BATTERY_METER, ...at(40) })),
  communities: [
    ...(small.communities ?? []),
    { communityId: 'EG-0002', name: 'Energiegemeinschaft Klein', feederId: 'UW-02-F02' },
  ],
};
const position = new Map<string, number[]>(
  [
    ...topology.substations.map((s) => [s.substationId, s] as const),
    ...topology.feeders.map((f) => [f.feederId, f] as const),
    ...topology.secondarySubstations.map((s) => [s.secondarySubstationId, s] as const),
    ...topology.batteries.map((b) => [b.assetId, b] as const),
  ].map(([id, s]) => [id, [s.longitude, s.latitude]]),
);
position.set('EG-0001', position.get('UW-01-F01') ?? []);
const stations = topology.secondarySubstations;
let next = 0;
const meterStation: string[] = [];
const meterPoints = stations.flatMap((s, i) =>
  Array.from({ length: METERS[i] ?? 0 }, () => {
    const n = next++;
    meterStation[n] = s.secondarySubstationId;
    return {
      meterPointId: meterId(n),
      secondarySubstationId: s.secondarySubstationId,
      customerType: 'household',
      profile: 'H25',
      annualConsumptionWh: 3_000_000,
      communityId: n % 4 === 0 ? 'EG-0001' : n === 1 || n === 2 ? 'EG-0002' : null,
    };
  }),
);
const metersBehind = (nodeId: string): number =>
  nodeId.startsWith('EG-')
    ? meterPoints.filter((m) => m.communityId === nodeId).length
    : meterStation.filter((s) => s.startsWith(nodeId)).length;

const now = Math.floor(Date.now() / QH) * QH;
const dayStart = new Date(now - 97 * QH);
const liveStart = new Date(now - QH);
const prefix = `test-${randomUUID().slice(0, 8)}/`;

let broker: MqttBroker;
let db: IngestTestDb;
let gateway: ServiceProcess;
let base: string;
let sub: MqttClient;
const messages: { topic: string; payload: string; at: number }[] = [];

async function get(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: unknown; text: string; headers: Headers }> {
  const r = await fetch(path.startsWith('http') ? path : `${base}${path}`, init);
  const text = await r.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: r.status, body, text, headers: r.headers };
}
type Obj = Record<string, unknown>;
const json = async (path: string): Promise<Obj> => {
  const r = await get(path);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
  return r.body as Obj;
};
const values = (o: Obj): Obj[] => o['value'] as Obj[];
const q = (s: string): string => encodeURIComponent(s);

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; ${messages.length} messages; health ${(await gateway.health()).body}; gateway log:\n${gateway.logs().slice(-3000)}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

const FORECAST_TARGET = new Date(now + 4 * QH);
const SOC_BUCKET = new Date(now - 4 * QH);
const SETTLED = new Date(now - 8 * QH);

/** A forecast issued twice for a station, a battery's telemetry, two settled versions of a quarter hour. */
async function seedOtherServices(): Promise<void> {
  const series = 'secondary-substation:UW-01-F02-ONS1';
  for (const [issue, p] of [
    [new Date(now - 8 * QH), [100, 200, 300]],
    [new Date(now - 2 * QH), [110, 220, 330]],
  ] as const) {
    await db.pool.query(
      `INSERT INTO forecast_run (series_id, horizon, issue_time, model_version, status, points)
       VALUES ($1, 'intraday', $2, 'm1', 'issued', 1)`,
      [series, issue],
    );
    await db.pool.query(
      `INSERT INTO forecast_value (series_id, horizon, issue_time, target_start, p10_wh, p50_wh, p90_wh, model_version)
       VALUES ($1, 'intraday', $2, $3, $4, $5, $6, 'm1')`,
      [series, issue, FORECAST_TARGET, ...p],
    );
  }
  for (const [minute, soc] of [
    [1, 40],
    [6, 50],
    [11, 60],
  ] as const)
    await db.pool.query(
      `INSERT INTO battery_telemetry (asset_id, time, soc_pct, power_w, usable_capacity_wh, soh_pct, temperature_c, mode, event_id)
       VALUES ('BAT-0001', $1, $2, 1000, 160000, 80, 21, 'auto', $3)`,
      [new Date(SOC_BUCKET.getTime() + minute * 60_000), soc, randomUUID()],
    );
  for (const c of ['EG-0001', 'EG-0002'])
    await db.pool.query(
      `INSERT INTO settlement_community (community_id, name, party_salt, created_by) VALUES ($1, $1, $2, 'test')`,
      [c, `0x${'ab'.repeat(32)}`],
    );
  await db.pool.query(
    `INSERT INTO settlement_interval (community_id, interval_start, state, version) VALUES
       ('EG-0001', $1, 'closed', 2), ('EG-0002', $1, 'closed', 1)`,
    [SETTLED],
  );
  for (const [c, version, gen] of [
    ['EG-0001', 1, 5000],
    ['EG-0001', 2, 5200],
    ['EG-0002', 1, 700],
  ] as const)
    await db.pool.query(
      `INSERT INTO settlement_interval_version (community_id, interval_start, version, reason, rule,
         price_milli_ct_per_kwh, generation_wh, consumption_wh, allocated_wh, rounding_remainder_micro_ct)
       VALUES ($1, $2, $3, $4, 'pro-rata', 20000, $5, 9000, $6, 0)`,
      [c, SETTLED, version, version === 1 ? 'close' : 'correction', gen, gen - 100],
    );
}

beforeAll(async () => {
  broker = await ensureMqttBroker();
  db = await createIngestTestDb('udp_conformance');
  await new TopologyRepository(db.pool).upsertTopology({ ...topology, meterPoints });
  await new MeterReadingWriter(db.pool).writeReadings(
    quarterHourReadings(dayStart, 96, 0, meterPoints.length, 'day'),
  );
  await refreshRollupsNow(db.pool);
  // the forecast and settlement services' tables in the same database, as in the demo
  const other = new DataSource(
    postgresDataSourceOptions({
      url: db.db.url,
      applicationName: 'udp-conformance-migrate',
      migrations: [...FORECAST_MIGRATIONS, ...SETTLEMENT_MIGRATIONS],
      poolMax: 1,
    }),
  );
  await other.initialize();
  await other.runMigrations({ transaction: 'each' });
  await other.destroy();
  await seedOtherServices();
  sub = await mqtt.connectAsync(broker.url, { clientId: `udp-conformance-${randomUUID()}` });
  sub.on('message', (topic, payload) =>
    messages.push({ topic, payload: payload.toString(), at: Date.now() }),
  );
  await sub.subscribeAsync([`${prefix}v1.1/#`, `${prefix}v1.0/#`], { qos: 0 });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  gateway = new ServiceProcess('udp-gateway', port, {
    DATABASE_URL: db.db.url,
    HTTP_HOST: '127.0.0.1',
    UDP_MQTT_URL: broker.url,
    UDP_MQTT_TOPIC_PREFIX: prefix,
    UDP_MQTT_CLIENT_ID: `udp-gateway-${randomUUID()}`,
    UDP_K_ANONYMITY: String(K),
    UDP_POLL_MS: '200',
    UDP_LOOKBACK_MIN: '1600',
    UDP_DEFAULT_TOP: '50',
    UDP_MAX_TOP: '500',
    UDP_RATE_LIMIT_BURST: '100000',
    UDP_RATE_LIMIT_PER_MIN: '1000000',
    LOG_LEVEL: 'warn',
  });
  await gateway.start(90_000);
}, 180_000);

afterAll(async () => {
  await gateway?.stop();
  await sub?.endAsync();
  await db?.close();
  await broker?.stop();
}, 60_000);

describe('udp-gateway SensorThings conformance', () => {
  it('serves the service root of 1.1 and 1.0 with every entity set, the conformance list and the MQTT endpoint', async () => {
    for (const v of ['v1.1', 'v1.0']) {
      const root = await json(`/${v}`);
      // SensorThings Part 1 §9.2.1: the eight entity sets of the sensing profile, each with its URL
      expect(new Set(values(root).map((e) => e['name']))).toEqual(new Set(STA_ENTITY_SETS));
      for (const e of values(root)) expect(e['url']).toBe(`${base}/${v}/${String(e['name'])}`);
      const settings = root['serverSettings'] as Obj;
      const n = v === 'v1.0' ? '1.0' : '1.1';
      expect(settings['conformance']).toEqual(
        expect.arrayContaining([
          `http://www.opengis.net/spec/iot_sensing/${n}/req/datamodel`,
          `http://www.opengis.net/spec/iot_sensing/${n}/req/resource-path/resource-path-to-entities`,
          `http://www.opengis.net/spec/iot_sensing/${n}/req/request-data`,
          `http://www.opengis.net/spec/iot_sensing/${n}/req/receive-updates-via-mqtt/receive-updates`,
        ]),
      );
      expect(
        settings[`http://www.opengis.net/spec/iot_sensing/${n}/req/receive-updates-via-mqtt/receive-updates`],
      ).toEqual({
        endpoints: [broker.url],
      });
    }
  });

  it('lists every entity set with self and navigation links (datamodel)', async () => {
    const things = values(await json('/v1.1/Things?$top=500'));
    expect(things.map((t) => t['@iot.id']).sort()).toEqual([...PUBLISHED].sort());
    const ons = things.find((t) => t['@iot.id'] === 'UW-01-F02-ONS1') as Obj;
    expect(ons).toMatchObject({
      '@iot.selfLink': `${base}/v1.1/Things('UW-01-F02-ONS1')`,
      'Datastreams@iot.navigationLink': `${base}/v1.1/Things('UW-01-F02-ONS1')/Datastreams`,
      'Locations@iot.navigationLink': `${base}/v1.1/Things('UW-01-F02-ONS1')/Locations`,
      'HistoricalLocations@iot.navigationLink': `${base}/v1.1/Things('UW-01-F02-ONS1')/HistoricalLocations`,
      properties: { type: 'secondarySubstation', ratedKva: 630, parent: 'UW-01-F02' },
    });
    expect(typeof ons['name']).toBe('string');
    expect(typeof ons['description']).toBe('string');
    const ds = values(await json('/v1.1/Datastreams?$top=500'));
    // stations and substations (rated): 4 measured each, feeders 3; forecasts P10/P50/P90 on every grid
    // node; the battery's state of charge; the community's three totals
    expect(ds).toHaveLength(4 * 4 + 2 * 3 + GRID.length * 3 + 1 + 3);
    for (const d of ds) {
      expect(d['observationType']).toBe(
        'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
      );
      expect(d['unitOfMeasurement']).toEqual(
        expect.objectContaining({
          name: expect.any(String),
          symbol: expect.any(String),
          definition: expect.stringContaining('ucum'),
        }),
      );
    }
    const loc = values(await json('/v1.1/Locations?$top=500'));
    expect(loc).toHaveLength(PUBLISHED.length);
    for (const l of loc) {
      expect(l['encodingType']).toBe('application/geo+json');
      // the topology's coordinates, GeoJSON order (longitude, latitude)
      const thing = values(await json(`/v1.1/Locations('${String(l['@iot.id'])}')/Things`))[0] ?? {};
      expect((l['location'] as { coordinates: number[] }).coordinates).toEqual(
        position.get(thing['@iot.id'] as string),
      );
    }
    const history = values(await json('/v1.1/HistoricalLocations?$top=500'));
    expect(history).toHaveLength(PUBLISHED.length);
    for (const h of history) expect(Date.parse(h['time'] as string)).toBeLessThanOrEqual(Date.now());
    const sensors = values(await json('/v1.1/Sensors'));
    expect(sensors.map((x) => x['@iot.id']).sort()).toEqual([
      'battery-telemetry-15m',
      'forecast-quantiles',
      'rollup-15m',
      'settlement-15m',
    ]);
    for (const x of sensors) expect(x['encodingType']).toBe('text/html');
    expect(
      values(await json('/v1.1/ObservedProperties'))
        .map((o) => o['@iot.id'])
        .sort(),
    ).toEqual(
      [
        ...STATION_KINDS,
        'community-consumption',
        'community-generation',
        'community-shared',
        'state-of-charge',
      ].sort(),
    );
    expect(values(await json('/v1.1/FeaturesOfInterest'))).toHaveLength(PUBLISHED.length);
  });

  it('follows navigation paths and addresses entities, properties, $value and $ref (resource paths)', async () => {
    const thing = await json(`/v1.1/Things('UW-01-F02-ONS1')`);
    expect(thing['@iot.id']).toBe('UW-01-F02-ONS1');
    const ds = values(await json(`/v1.1/Things('UW-01-F02-ONS1')/Datastreams`));
    expect(ds.map((d) => d['@iot.id']).sort()).toEqual(STATION_KINDS.map((k) => `UW-01-F02-ONS1:${k}`));
    expect((await json(`/v1.1/Datastreams('UW-01-F02-ONS1:loading')/Thing`))['@iot.id']).toBe(
      'UW-01-F02-ONS1',
    );
    expect((await json(`/v1.1/Datastreams('UW-01-F02-ONS1:loading')/ObservedProperty`))['@iot.id']).toBe(
      'loading',
    );
    expect(
      (await json(`/v1.1/Things('UW-01-F02-ONS1')/Datastreams('UW-01-F02-ONS1:loading')/Sensor`))['@iot.id'],
    ).toBe('rollup-15m');
    expect(values(await json(`/v1.1/Locations('loc-UW-01')/Things`)).map((t) => t['@iot.id'])).toEqual([
      'UW-01',
    ]);
    expect(values(await json(`/v1.1/HistoricalLocations('hl-UW-01')/Locations`))).toHaveLength(1);
    expect(await json(`/v1.1/Things('UW-01')/name`)).toEqual({ name: 'Umspannwerk UW-01' });
    const raw = await get(`/v1.1/Things('UW-01')/name/$value`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(raw.text).toBe('Umspannwerk UW-01');
    const refs = await json(`/v1.1/Things('UW-01-F02-ONS1')/Datastreams/$ref`);
    expect(values(refs)).toHaveLength(7);
    for (const r of values(refs)) expect(Object.keys(r)).toEqual(['@iot.selfLink']);
    expect(await json(`/v1.1/Datastreams('UW-01-F02-ONS1:loading')/Thing/$ref`)).toEqual({
      '@iot.selfLink': `${base}/v1.1/Things('UW-01-F02-ONS1')`,
    });
    // 1.0 beside 1.1
    expect((await json(`/v1.0/Things('UW-01')`))['@iot.selfLink']).toBe(`${base}/v1.0/Things('UW-01')`);
    // percent-encoded quotes are the same path
    expect((await json(`/v1.1/Things(%27UW-01%27)`))['@iot.id']).toBe('UW-01');
  });

  it('serves observations straight from the rollups with the right values', async () => {
    const bucket = 40;
    const start = new Date(dayStart.getTime() + bucket * QH).toISOString();
    const members = meterStation.flatMap((s, m) => (s === 'UW-01-F02-ONS1' ? [m] : []));
    const expectedImport = members.reduce((sum, m) => sum + ((m * 7 + bucket * 13) % 400), 0);
    const expectedExport = members.reduce(
      (sum, m) => sum + (m % 3 === 0 ? (m * 11 + bucket * 5) % 300 : 0),
      0,
    );
    const imp = values(
      await json(
        `/v1.1/Datastreams('UW-01-F02-ONS1:energy-imported')/Observations?$filter=${q(`phenomenonTime eq ${start}`)}`,
      ),
    );
    expect(imp).toHaveLength(1);
    expect(imp[0]).toMatchObject({
      result: expectedImport,
      phenomenonTime: `${start}/${new Date(dayStart.getTime() + (bucket + 1) * QH).toISOString()}`,
      resultTime: new Date(dayStart.getTime() + (bucket + 1) * QH).toISOString(),
    });
    const power = values(
      await json(
        `/v1.1/Datastreams('UW-01-F02-ONS1:active-power')/Observations?$filter=${q(`phenomenonTime eq ${start}`)}`,
      ),
    );
    expect(power[0]?.['result']).toBe((expectedImport - expectedExport) * 4);
    const loading = values(
      await json(
        `/v1.1/Datastreams('UW-01-F02-ONS1:loading')/Observations?$filter=${q(`phenomenonTime eq ${start}`)}`,
      ),
    );
    expect(loading[0]?.['result']).toBeCloseTo(
      (Math.abs(expectedImport - expectedExport) * 4 * 100) / 630_000,
      2,
    );
    // the entity by its id, and its navigation
    const id = imp[0]?.['@iot.id'] as string;
    const one = await json(`/v1.1/Observations('${q(id)}')`);
    expect(one['result']).toBe(expectedImport);
    expect((await json(`/v1.1/Observations('${q(id)}')/Datastream`))['@iot.id']).toBe(
      'UW-01-F02-ONS1:energy-imported',
    );
    expect((await json(`/v1.1/Observations('${q(id)}')/FeatureOfInterest`))['@iot.id']).toBe(
      'foi-UW-01-F02-ONS1',
    );
    expect(
      values(await json(`/v1.1/FeaturesOfInterest('foi-UW-01-F02-ONS1')/Observations?$top=500`)).length,
    ).toBe(4 * 96 + 3); // the measured day and the one forecast target (P10/P50/P90)
  });

  it('serves the forecast quantiles, a battery’s state of charge and a community’s totals in place', async () => {
    const obs = async (ds: string): Promise<Obj[]> =>
      values(await json(`/v1.1/Datastreams('${ds}')/Observations?$orderby=phenomenonTime%20desc&$top=5`));
    // the latest issue of the forecast, in W (Wh per quarter hour × 4), resultTime = its issue time
    const target = FORECAST_TARGET.toISOString();
    for (const [kind, wh] of [
      ['p10', 110],
      ['p50', 220],
      ['p90', 330],
    ] as const) {
      const f = await obs(`UW-01-F02-ONS1:forecast-${kind}`);
      expect(f).toHaveLength(1);
      expect(f[0]).toMatchObject({
        result: wh * 4,
        phenomenonTime: `${target}/${new Date(FORECAST_TARGET.getTime() + QH).toISOString()}`,
        resultTime: new Date(now - 2 * QH).toISOString(),
      });
    }
    const p50 = await json(`/v1.1/Datastreams('UW-01-F02-ONS1:forecast-p50')`);
    expect(p50['unitOfMeasurement']).toMatchObject({ symbol: 'W' });
    // resultTime is filterable: the issue is two quarter hours old
    expect(
      values(
        await json(
          `/v1.1/Datastreams('UW-01-F02-ONS1:forecast-p50')/Observations?$filter=${q(`resultTime lt ${new Date(now - 3 * QH).toISOString()}`)}`,
        ),
      ),
    ).toHaveLength(0);
    // mean state of charge of the quarter hour's samples (40, 50, 60 %)
    const soc = await obs('BAT-0001:state-of-charge');
    expect(soc).toHaveLength(1);
    expect(soc[0]).toMatchObject({
      result: 50,
      phenomenonTime: expect.stringContaining(SOC_BUCKET.toISOString()),
    });
    expect((await json(`/v1.1/Datastreams('BAT-0001:state-of-charge')`))['unitOfMeasurement']).toMatchObject({
      symbol: '%',
    });
    const battery = await json(`/v1.1/Things('BAT-0001')`);
    expect(battery['properties']).toMatchObject({ type: 'batterySite' });
    // the community's totals of the latest settled version (the correction), never a member
    expect((await obs('EG-0001:community-generation'))[0]?.['result']).toBe(5200);
    expect((await obs('EG-0001:community-consumption'))[0]?.['result']).toBe(9000);
    expect((await obs('EG-0001:community-shared'))[0]?.['result']).toBe(5100);
    const community = await json(`/v1.1/Things('EG-0001')?$expand=Datastreams`);
    expect(community['properties']).toMatchObject({ type: 'energySharingCommunity' });
    expect((community['Datastreams'] as Obj[]).map((d) => d['@iot.id']).sort()).toEqual([
      'EG-0001:community-consumption',
      'EG-0001:community-generation',
      'EG-0001:community-shared',
    ]);
    // a community below k is no Thing at all
    expect((await get(`/v1.1/Things('EG-0002')`)).status).toBe(404);
    expect((await get(`/v1.1/Datastreams('EG-0002:community-generation')`)).status).toBe(404);
  });

  it('applies $select, $orderby, $top, $skip and $count, and pages with @iot.nextLink', async () => {
    const sel = values(await json('/v1.1/Things?$select=id,name'));
    for (const t of sel) expect(Object.keys(t).sort()).toEqual(['@iot.id', 'name']);
    const desc = values(await json('/v1.1/Things?$orderby=name%20desc&$select=name'));
    const names = desc.map((t) => t['name'] as string);
    expect(names).toEqual([...names].sort().reverse());
    const counted = await json('/v1.1/Datastreams?$count=true&$top=3&$skip=2');
    expect(counted['@iot.count']).toBe(4 * 4 + 2 * 3 + GRID.length * 3 + 1 + 3);
    expect(values(counted)).toHaveLength(3);
    // page through a feeder's day of observations with the server's next links
    let url: string | undefined =
      `/v1.1/Datastreams('UW-01-F02:active-power')/Observations?$top=10&$count=true`;
    const seen: string[] = [];
    let pages = 0;
    while (url !== undefined) {
      const page = await json(url);
      if (pages === 0) expect(page['@iot.count']).toBe(96);
      seen.push(...values(page).map((o) => o['phenomenonTime'] as string));
      url = page['@iot.nextLink'] as string | undefined;
      pages++;
    }
    expect(pages).toBe(10);
    expect(seen).toHaveLength(96);
    expect(new Set(seen).size).toBe(96);
    expect(seen).toEqual([...seen].sort());
    const latest = values(
      await json(
        `/v1.1/Datastreams('UW-01-F02:active-power')/Observations?$orderby=phenomenonTime%20desc&$top=1`,
      ),
    );
    expect(latest[0]?.['phenomenonTime']).toBe(seen[seen.length - 1]);
  });

  it('evaluates $filter: comparison, logical, arithmetic, string, date, math and geospatial functions', async () => {
    const ids = async (path: string): Promise<string[]> =>
      values(await json(path))
        .map((e) => e['@iot.id'] as string)
        .sort();
    expect(await ids(`/v1.1/Things?$filter=${q("properties/type eq 'substation'")}`)).toEqual([
      'UW-01',
      'UW-02',
    ]);
    expect(
      await ids(
        `/v1.1/Things?$filter=${q("properties/ratedKva ge 600 and not (properties/type eq 'feeder')")}`,
      ),
    ).toEqual(['UW-01-F02-ONS1', 'UW-01-F02-ONS2']);
    expect(
      await ids(`/v1.1/Things?$filter=${q("startswith(@iot.id, 'UW-02') or endswith(@iot.id, 'F01')")}`),
    ).toEqual(['UW-01-F01', 'UW-02']);
    expect(
      await ids(`/v1.1/Things?$filter=${q("substringof('F02', @iot.id) and length(@iot.id) gt 9")}`),
    ).toEqual(['UW-01-F02-ONS1', 'UW-01-F02-ONS2']);
    expect(await ids(`/v1.1/Things?$filter=${q("tolower(concat(@iot.id, 'X')) eq 'uw-01x'")}`)).toEqual([
      'UW-01',
    ]);
    expect(
      await ids(`/v1.1/Things?$filter=${q('properties/ratedKva div 10 mul 2 sub 1 add 1 eq 126')}`),
    ).toEqual(['UW-01-F02-ONS1', 'UW-01-F02-ONS2']);
    expect(
      await ids(
        `/v1.1/Datastreams?$filter=${q("Thing/properties/type eq 'secondarySubstation' and ObservedProperty/@iot.id eq 'loading'")}`,
      ),
    ).toEqual(['UW-01-F02-ONS1:loading', 'UW-01-F02-ONS2:loading']);
    // geospatial: Leipzig's box contains every location; a point far away is more than 1 degree from all
    const box =
      "geography'POLYGON((12.236 51.238, 12.542 51.238, 12.542 51.449, 12.236 51.449, 12.236 51.238))'";
    expect(await ids(`/v1.1/Locations?$filter=${q(`st_within(location, ${box})`)}`)).toHaveLength(
      PUBLISHED.length,
    );
    expect(await ids(`/v1.1/Locations?$filter=${q(`geo.intersects(location, ${box})`)}`)).toHaveLength(
      PUBLISHED.length,
    );
    expect(
      await ids(`/v1.1/Locations?$filter=${q("geo.distance(location, geography'POINT(13.4 52.5)') lt 1")}`),
    ).toEqual([]);
    // observations: pushed down to SQL (result, time) and evaluated in memory (date functions)
    const ds = `/v1.1/Datastreams('UW-01-F02:energy-imported')/Observations`;
    const all = values(await json(`${ds}?$top=500`));
    const big = all.filter((o) => (o['result'] as number) > 1500).length;
    expect(values(await json(`${ds}?$top=500&$filter=${q('result gt 1500')}`))).toHaveLength(big);
    expect(
      values(await json(`${ds}?$top=500&$filter=${q('result sub 1500 gt 0 and not (result le 1500)')}`)),
    ).toHaveLength(big);
    const hour = new Date(dayStart.getTime() + 8 * QH).getUTCHours();
    const inHour = all.filter(
      (o) => new Date((o['phenomenonTime'] as string).split('/')[0] ?? '').getUTCHours() === hour,
    );
    expect(values(await json(`${ds}?$top=500&$filter=${q(`hour(phenomenonTime) eq ${hour}`)}`))).toHaveLength(
      inHour.length,
    );
    const odd = all.filter((o) => Math.round((o['result'] as number) / 7) % 2 === 1).length;
    expect(values(await json(`${ds}?$top=500&$filter=${q('round(result div 7) mod 2 eq 1')}`))).toHaveLength(
      odd,
    );
    expect(
      values(
        await json(
          `/v1.1/Observations?$top=500&$filter=${q("Datastream/@iot.id eq 'UW-01-F02:energy-imported'")}`,
        ),
      ),
    ).toHaveLength(96);
  });

  it('expands nested with options: one request for the latest observation of every station', async () => {
    const r = await json(
      `/v1.1/Datastreams?$filter=${q("ObservedProperty/@iot.id eq 'active-power' and Thing/properties/type eq 'secondarySubstation'")}` +
        `&$expand=${q('Observations($orderby=phenomenonTime desc;$top=1;$select=result,phenomenonTime),Thing($select=name;$expand=Locations)')}`,
    );
    const ds = values(r);
    expect(ds).toHaveLength(2);
    const lastStart = new Date(dayStart.getTime() + 95 * QH).toISOString();
    for (const d of ds) {
      const obs = d['Observations'] as Obj[];
      expect(obs).toHaveLength(1);
      expect((obs[0]?.['phenomenonTime'] as string).startsWith(lastStart)).toBe(true);
      expect(d['Observations@iot.nextLink']).toEqual(expect.stringContaining('$skip=1'));
      const thing = d['Thing'] as Obj;
      expect(Object.keys(thing)).toEqual(expect.arrayContaining(['name', 'Locations']));
      expect((thing['Locations'] as Obj[])[0]?.['encodingType']).toBe('application/geo+json');
    }
    const things = values(
      await json(
        `/v1.1/Things?$filter=${q("@iot.id eq 'UW-01'")}&$expand=${q('Datastreams($count=true;$top=1)')}`,
      ),
    );
    expect(things[0]?.['Datastreams@iot.count']).toBe(4 + 3);
    expect((things[0]?.['Datastreams'] as Obj[]).length).toBe(1);
  });

  it('answers what it cannot serve with the spec’s errors, never a 500 or a stack trace', async () => {
    const cases: [string, number][] = [
      ['/v1.1/Nothing', 404],
      [`/v1.1/Things('no-such-thing')`, 404],
      [`/v1.1/Things('UW-01-F01-ONS2')`, 404],
      [`/v1.1/Datastreams('UW-01-F01-ONS2:active-power')`, 404],
      [`/v1.1/Observations('${q(`UW-01-F01-ONS2:active-power~${dayStart.toISOString()}`)}')`, 404],
      [`/v1.1/Things('UW-01')/nonsense`, 404],
      ['/v1.1/Things?$filter=name%20eq', 400],
      ['/v1.1/Things?$filter=unknownfn(name)', 400],
      ['/v1.1/Things?$filter=nosuchproperty%20eq%201', 400],
      ['/v1.1/Things?$filter=name%20gt%205', 400],
      ['/v1.1/Things?$top=-1', 400],
      ['/v1.1/Things?$top=501', 400],
      ['/v1.1/Things?$bogus=1', 400],
      ['/v1.1/Things?$expand=Datastreams($expand=Thing($expand=Datastreams($expand=Observations)))', 400],
      ['/v1.1/Things?$expand=Nope', 400],
      ['/v1.1/Things?$orderby=name%20sideways', 400],
      ['/v1.1/Things?$filter=%E0%A4%A', 400],
      [
        `/v1.1/Datastreams('UW-01:active-power')/Observations?$filter=${q('result gt 2020-01-01T00:00:00Z')}`,
        400,
      ],
    ];
    for (const [path, status] of cases) {
      const r = await get(path);
      expect({ path, status: r.status }).toEqual({ path, status });
      expect(r.body).toEqual(
        expect.objectContaining({ code: status, type: 'error', message: expect.any(String) }),
      );
      expect(r.text).not.toMatch(/at \S+ \(|\.ts:\d+/);
    }
    for (const method of ['POST', 'PATCH', 'PUT', 'DELETE']) {
      const r = await get('/v1.1/Things', {
        method,
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(r.status).toBe(405);
    }
  });

  it('is a public API: CORS, preflight, /health covering the broker, /metrics', async () => {
    const r = await get('/v1.1/Things', { headers: { Origin: 'https://example.org' } });
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await get('/v1.1/Things', { method: 'OPTIONS', headers: { Origin: 'https://example.org' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('GET');
    const h = await get('/health');
    expect(h.status).toBe(200);
    expect(h.text).toContain('mqtt');
    const m = await get('/metrics');
    expect(m.text).toContain('udp_observations_published_total');
  });

  it('publishes the DCAT-AP.de entry at a stable URL, valid against its SHACL shapes', async () => {
    const r = await get('/catalog');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/turtle/);
    const quads = new Parser().parse(r.text);
    const has = (p: string, o?: string): boolean =>
      quads.some((x) => x.predicate.value === p && (o === undefined || x.object.value === o));
    expect(has('http://purl.org/dc/terms/license', 'http://dcat-ap.de/def/licenses/dl-by-de/2.0')).toBe(true);
    expect(has('http://purl.org/dc/terms/publisher')).toBe(true);
    expect(has('http://purl.org/dc/terms/accrualPeriodicity')).toBe(true);
    expect(has('http://purl.org/dc/terms/spatial')).toBe(true);
    expect(has('http://purl.org/dc/terms/temporal')).toBe(true);
    expect(has('http://www.w3.org/ns/dcat#accessURL', `${base}/v1.1`)).toBe(true);
    const report = await validateShacl(r.text, DCAT_AP_DE_SHAPES);
    expect(report.results).toEqual([]);
    expect(report.conforms).toBe(true);
    // the shapes do catch a missing mandatory property
    const broken = r.text.replace(/dct:license <[^>]+> ;/g, '');
    expect((await validateShacl(broken, DCAT_AP_DE_SHAPES)).conforms).toBe(false);
  });

  it('publishes the simulated day over MQTT in the SensorThings topic scheme', async () => {
    const topic = `${prefix}v1.1/Datastreams('UW-01-F02-ONS1:active-power')/Observations`;
    const dayMessages = await waitFor('the day on MQTT', () => {
      const got = messages.filter((m) => m.topic === topic);
      return got.length >= 96 ? got : undefined;
    });
    expect(dayMessages).toHaveLength(96);
    const first = JSON.parse(dayMessages[0]?.payload ?? '{}') as Obj;
    expect(first).toMatchObject({ '@iot.selfLink': expect.stringContaining(`${base}/v1.1/Observations(`) });
    expect(
      messages.some(
        (m) => m.topic === `${prefix}v1.0/Datastreams('UW-01-F02-ONS1:active-power')/Observations`,
      ),
    ).toBe(true);
    expect(messages.some((m) => m.topic === `${prefix}v1.1/Observations`)).toBe(true);
    // the message equals what GET returns for that observation
    const id = first['@iot.id'] as string;
    expect((await json(`/v1.1/Observations('${q(id)}')`))['result']).toBe(first['result']);
  });

  it('delivers a newly stored quarter hour to an independent MQTT client within 2 s', async () => {
    const topic = `${prefix}v1.1/Datastreams('UW-01-F02-ONS1:energy-imported')/Observations`;
    await new MeterReadingWriter(db.pool).writeReadings(
      quarterHourReadings(liveStart, 1, 0, meterPoints.length, 'live'),
    );
    await refreshRollupsNow(db.pool);
    const stored = Date.now();
    const msg = await waitFor('the live observation', () =>
      messages.find((m) => m.topic === topic && m.payload.includes(liveStart.toISOString())),
    );
    expect(msg.at - stored).toBeLessThan(2000);
  });

  it('privacy walk: no metering point id and no node below k in any entity or MQTT message', async () => {
    const seen = new Set<string>();
    const bodies: string[] = [];
    const walk = async (url: string, depth: number): Promise<void> => {
      if (seen.has(url) || depth > 3) return;
      seen.add(url);
      const r = await get(url);
      expect(r.status).toBe(200);
      bodies.push(r.text);
      const o = r.body as Obj;
      const entities = Array.isArray(o['value']) ? (o['value'] as Obj[]) : [o];
      if (typeof o['@iot.nextLink'] === 'string') await walk(o['@iot.nextLink'], depth);
      // an observation's Datastream and FeatureOfInterest are walked from their own sets
      if (url.includes('Observations')) return;
      for (const e of entities)
        for (const [k, v] of Object.entries(e))
          if (k.endsWith('@iot.navigationLink') && typeof v === 'string')
            await walk(`${v}?$top=500`, depth + 1);
    };
    // every entity set the service root lists, from the API itself
    for (const e of values(await json('/v1.1'))) await walk(`${String(e['url'])}?$top=500`, 0);
    expect(bodies.length).toBeGreaterThan(40);
    const everything = [...bodies, ...messages.map((m) => `${m.topic} ${m.payload}`)];
    for (const b of everything) expect(b).not.toMatch(METERING_POINT_ID);
    // no member, no customer type, no withheld community; the battery's own grid meter neither
    for (const b of everything) expect(b).not.toMatch(/EG-0002|Klein|household|H25/);
    for (const b of everything) expect(b).not.toContain(BATTERY_METER);
    const things = values(await json('/v1.1/Things?$top=500'));
    expect(things.map((t) => t['@iot.id']).sort()).toEqual([...PUBLISHED].sort());
    // every grid node and community stands for at least k metering points (the battery is the utility's)
    for (const t of things)
      if ((t['properties'] as Obj)['type'] !== 'batterySite')
        expect(metersBehind(t['@iot.id'] as string)).toBeGreaterThanOrEqual(K);
    // every node an observation on MQTT names is published and has at least k metering points
    const nodes = new Set(
      messages
        .map((m) => /Datastreams\('([^':]+):/.exec(m.topic)?.[1])
        .filter((n): n is string => n !== undefined),
    );
    expect(nodes.size).toBeGreaterThan(0);
    for (const n of nodes) {
      expect(PUBLISHED).toContain(n);
      expect(metersBehind(n)).toBeGreaterThanOrEqual(K);
    }
  });
});
