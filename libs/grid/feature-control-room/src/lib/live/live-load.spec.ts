import { exampleEventData } from '@gridwerk/contracts';
import { LiveLoad, LiveTopology } from './live-load';

const topology: LiveTopology = {
  stationOfMeter: new Map([
    ['M1', 'S1'],
    ['M2', 'S1'],
    ['M3', 'S2'],
  ]),
  feederOfStation: new Map([
    ['S1', 'F1'],
    ['S2', 'F1'],
  ]),
  substationOfFeeder: new Map([['F1', 'UW']]),
  stationOfBattery: new Map([['B1', 'S2']]),
  ratedKvaOfStation: new Map([
    ['S1', 400],
    ['S2', 630],
  ]),
};

const reading = (meterPointId: string, startMin: number, importWh: number, exportWh = 0, minutes = 15) =>
  ({
    meterPointId,
    intervalStart: new Date(Date.UTC(2026, 0, 5, 17, startMin)).toISOString(),
    intervalEnd: new Date(Date.UTC(2026, 0, 5, 17, startMin + minutes)).toISOString(),
    resolution: minutes === 1 ? 'PT1M' : 'PT15M',
    importWh,
    exportWh,
    registerImportWh: 0,
    registerExportWh: 0,
    quality: 'measured',
  }) as const;

describe('LiveLoad', () => {
  it('sums each meter’s latest power per station, feeder and substation, incrementally', () => {
    const live = new LiveLoad(topology);
    live.addReading(reading('M1', 0, 250), 0); // 250 Wh / 15 min = 1000 W
    live.addReading(reading('M2', 0, 0, 125), 0); // -500 W
    live.addReading(reading('M3', 0, 10, 0, 1), 0); // 10 Wh / 1 min = 600 W
    expect(live.value('S1')).toMatchObject({
      powerW: 500,
      metersReporting: 2,
      ratedKva: 400,
      substationId: 'UW',
    });
    expect(live.value('F1')).toMatchObject({ powerW: 1100, metersReporting: 3, nodeKind: 'feeder' });
    expect(live.value('UW')).toMatchObject({ powerW: 1100, nodeKind: 'substation' });
    expect(
      live
        .drain()
        .map((v) => v.nodeId)
        .sort(),
    ).toEqual(['F1', 'S1', 'S2', 'UW']);
    expect(live.drain()).toEqual([]);
    // a newer reading replaces the meter's contribution; an older one changes nothing
    live.addReading(reading('M1', 15, 500), 0); // 2000 W
    live.addReading(reading('M1', 0, 9999), 0);
    expect(live.value('S1')?.powerW).toBe(1500);
    expect(live.value('S1')?.observedAt).toBe('2026-01-05T17:30:00.000Z');
    expect(
      live
        .drain()
        .map((v) => v.nodeId)
        .sort(),
    ).toEqual(['F1', 'S1', 'UW']);
  });

  it('subtracts battery discharge at the station and follows topology changes', () => {
    const live = new LiveLoad(topology);
    live.addReading(reading('M3', 0, 250), 0); // 1000 W at S2
    live.addBattery({
      ...exampleEventData('de.gridwerk.battery.telemetry.v1'),
      assetId: 'B1',
      powerW: 300,
      time: '2026-01-05T17:16:00Z',
    });
    expect(live.value('S2')?.powerW).toBe(700);
    expect(live.stationSamples()).toEqual([
      { nodeId: 'S2', powerW: 700, observedAt: '2026-01-05T17:16:00.000Z' },
    ]);
    live.addReading(reading('MX', 0, 250), 0);
    expect(live.unknownMeters).toBe(1);
    live.setTopology({ ...topology, stationOfMeter: new Map([...topology.stationOfMeter, ['MX', 'S1']]) });
    expect(live.value('S1')?.powerW).toBe(1000);
    expect(live.value('F1')?.powerW).toBe(1700);
  });

  it('keeps a data clock that advances with wall time when data stops', () => {
    const live = new LiveLoad(topology);
    expect(live.clockMs(1234)).toBe(1234);
    live.addReading(reading('M1', 0, 1), 10_000);
    const end = Date.UTC(2026, 0, 5, 17, 15);
    expect(live.clockMs(10_000)).toBe(end);
    expect(live.clockMs(70_000)).toBe(end + 60_000);
    expect(live.meterLastSeen().get('M1')).toBe(end);
  });
  it('finds the silent meters from the old buckets only, and counts the meters of a quarter', () => {
    const live = new LiveLoad(topology);
    live.addReading(reading('M1', 0, 10), 0);
    live.addReading(reading('M2', 0, 10), 0);
    live.addReading(reading('M3', 0, 10), 0);
    const q1 = Date.UTC(2026, 0, 5, 17, 15);
    const q2 = Date.UTC(2026, 0, 5, 17, 30);
    expect(live.metersEndingAt(q1)).toBe(3);
    live.addReading(reading('M1', 15, 10), 0);
    live.addReading(reading('M3', 15, 10), 0);
    expect([live.metersEndingAt(q1), live.metersEndingAt(q2)]).toEqual([1, 2]);
    expect(live.silentMeters(q2)).toEqual([{ id: 'M2', lastSeenMs: q1 }]);
    expect(live.silentMeters(q1)).toEqual([]);
    expect(live.feederLastSeen()).toEqual(new Map([['F1', q2]]));
    // battery telemetry moves the node's observation time, not its meters' last reading
    live.addBattery({
      ...exampleEventData('de.gridwerk.battery.telemetry.v1'),
      assetId: 'B1',
      time: new Date(q2 + 60_000).toISOString(),
    });
    expect(live.feederLastSeen().get('F1')).toBe(q2);
    expect(live.lastSeen('M2')).toBe(q1);
    expect(live.lastSeen('nope')).toBeUndefined();
  });
});
