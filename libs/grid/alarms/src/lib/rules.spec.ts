import { reconcile } from './reconcile';
import { AlarmCodes, AlarmRules, EvaluationInput, RulesTopology } from './rules';
import { DEFAULT_THRESHOLDS } from './thresholds';

const T0 = Date.parse('2026-01-05T17:00:00.000Z');
const iso = (min: number) => new Date(T0 + min * 60_000).toISOString();

const topology: RulesTopology = {
  secondarySubstations: [
    { id: 'S1', feederId: 'F1', ratedKva: 400 },
    { id: 'S2', feederId: 'F1', ratedKva: 630 },
    { id: 'S3', feederId: 'F2', ratedKva: 250 },
  ],
  feeders: [
    { id: 'F1', substationId: 'UW' },
    { id: 'F2', substationId: 'UW' },
  ],
  meters: [
    { id: 'M1', secondarySubstationId: 'S1' },
    { id: 'M2', secondarySubstationId: 'S2' },
    { id: 'M3', secondarySubstationId: 'S3' },
    { id: 'M4', secondarySubstationId: 'S3' },
  ],
};

const input = (min: number, over: Partial<EvaluationInput> = {}): EvaluationInput => ({
  now: iso(min),
  loads: [],
  meterLastSeen: new Map(),
  batteries: [],
  forecasts: [],
  ...over,
});

// 400 kVA at cos φ 0.95: 100 % loading = 380 kW
const kwForPct = (pct: number, kva = 400) => (pct / 100) * kva * 0.95 * 1000;

function find(conds: ReturnType<AlarmRules['evaluate']>, code: string, nodeId: string) {
  return conds.find((c) => c.code === code && c.nodeId === nodeId);
}

describe('AlarmRules', () => {
  it('transformer overload only after the sustain time, cleared only below the deadband', () => {
    const rules = new AlarmRules(DEFAULT_THRESHOLDS);
    const load = (min: number, pct: number) =>
      find(
        rules.evaluate(
          topology,
          input(min, { loads: [{ nodeId: 'S1', powerW: kwForPct(pct), observedAt: iso(min) }] }),
        ),
        AlarmCodes.transformerOverload,
        'S1',
      );
    expect(load(0, 95)?.active).toBe(false);
    expect(load(10, 96)?.active).toBe(false);
    expect(load(15, 96)).toMatchObject({
      active: true,
      severity: 'warning',
      value: 96,
      threshold: 90,
      unit: '%',
    });
    expect(load(16, 115)).toMatchObject({ active: true, severity: 'critical' });
    expect(load(17, 87)?.active).toBe(true); // inside the deadband (85..90)
    expect(load(18, 84)?.active).toBe(false);
    // a dip restarts the sustain timer
    expect(load(19, 95)?.active).toBe(false);
    expect(load(25, 80)?.active).toBe(false);
    expect(load(26, 95)?.active).toBe(false);
    expect(load(40, 95)?.active).toBe(false);
    expect(load(41, 95)?.active).toBe(true);
  });

  it('per-node thresholds override the default profile', () => {
    const rules = new AlarmRules(
      DEFAULT_THRESHOLDS,
      new Map([['S1', { loadingWarnPct: 50, loadingSustainS: 0 }]]),
    );
    const conds = rules.evaluate(
      topology,
      input(0, {
        loads: [
          { nodeId: 'S1', powerW: kwForPct(60), observedAt: iso(0) },
          { nodeId: 'S2', powerW: kwForPct(60, 630), observedAt: iso(0) },
        ],
      }),
    );
    expect(find(conds, AlarmCodes.transformerOverload, 'S1')?.active).toBe(true);
    expect(find(conds, AlarmCodes.transformerOverload, 'S2')?.active).toBe(false);
  });

  it('reverse power flow beyond the limit, sustained', () => {
    const rules = new AlarmRules(DEFAULT_THRESHOLDS);
    const rev = (min: number, pct: number) =>
      find(
        rules.evaluate(
          topology,
          input(min, { loads: [{ nodeId: 'S1', powerW: -kwForPct(pct), observedAt: iso(min) }] }),
        ),
        AlarmCodes.reverseFlow,
        'S1',
      );
    expect(rev(0, 70)?.active).toBe(false);
    expect(rev(5, 70)).toMatchObject({ active: true, value: 70, threshold: 60 });
    // feed-in never counts as overload
    const conds = rules.evaluate(
      topology,
      input(6, { loads: [{ nodeId: 'S1', powerW: -kwForPct(150), observedAt: iso(6) }] }),
    );
    expect(find(conds, AlarmCodes.transformerOverload, 'S1')?.active).toBe(false);
    expect(rev(7, 50)?.active).toBe(false);
  });

  it('missing data: a silent meter; a silent feeder replaces its meters’ alarms', () => {
    const rules = new AlarmRules(DEFAULT_THRESHOLDS);
    const seen = new Map([
      ['M1', T0],
      ['M2', T0 + 50 * 60_000],
      ['M3', T0],
      ['M4', T0],
    ]);
    const conds = rules.evaluate(topology, input(61, { meterLastSeen: seen }));
    expect(find(conds, AlarmCodes.meterMissingData, 'M1')).toMatchObject({
      active: true,
      nodeKind: 'meter',
      value: 3660,
    });
    expect(find(conds, AlarmCodes.meterMissingData, 'M2')?.active).toBe(false);
    expect(find(conds, AlarmCodes.feederMissingData, 'F1')?.active).toBe(false);
    // F2's meters are all silent beyond 30 min: one feeder alarm, no meter alarms
    expect(find(conds, AlarmCodes.feederMissingData, 'F2')).toMatchObject({
      active: true,
      severity: 'critical',
    });
    expect(find(conds, AlarmCodes.meterMissingData, 'M3')).toBeUndefined();
    // a meter never heard of is not judged
    const none = rules.evaluate(topology, input(61, { meterLastSeen: new Map([['M2', T0]]) }));
    expect(find(none, AlarmCodes.meterMissingData, 'M1')).toBeUndefined();
    expect(find(none, AlarmCodes.feederMissingData, 'F2')).toBeUndefined();
  });

  it('missing data from the incremental input judges only the candidates, with the same outcome', () => {
    const seen = new Map([
      ['M1', T0],
      ['M2', T0 + 50 * 60_000],
      ['M3', T0],
      ['M4', T0],
    ]);
    const full = new AlarmRules(DEFAULT_THRESHOLDS).evaluate(topology, input(61, { meterLastSeen: seen }));
    const incremental = new AlarmRules(DEFAULT_THRESHOLDS).evaluate(
      topology,
      input(61, {
        meterSilence: {
          feederLastSeen: new Map([
            ['F1', T0 + 50 * 60_000],
            ['F2', T0],
          ]),
          feederMeterCount: new Map([
            ['F1', 2],
            ['F2', 2],
          ]),
          // M1 is silent; M3 too but under a missing feeder; M2 is not a candidate (it reported lately)
          candidates: [
            { id: 'M1', feederId: 'F1', lastSeenMs: T0 },
            { id: 'M3', feederId: 'F2', lastSeenMs: T0 },
          ],
        },
      }),
    );
    const active = (cs: typeof full) =>
      cs
        .filter((c) => c.active)
        .map((c) => `${c.code}|${c.nodeId}|${c.message}`)
        .sort();
    expect(active(incremental)).toEqual(active(full));
    expect(active(incremental)).toEqual([
      `${AlarmCodes.feederMissingData}|F2|No reading from any of 2 meters of feeder F2 for 61 min`,
      `${AlarmCodes.meterMissingData}|M1|No reading from meter M1 for 61 min`,
    ]);
    // a candidate that reported again (its open alarm returns to normal) is judged inactive
    const back = new AlarmRules(DEFAULT_THRESHOLDS).evaluate(
      topology,
      input(62, {
        meterSilence: {
          feederLastSeen: new Map([['F1', T0 + 61 * 60_000]]),
          feederMeterCount: new Map([['F1', 2]]),
          candidates: [{ id: 'M1', feederId: 'F1', lastSeenMs: T0 + 61 * 60_000 }],
        },
      }),
    );
    expect(find(back, AlarmCodes.meterMissingData, 'M1')?.active).toBe(false);
    expect(find(back, AlarmCodes.meterMissingData, 'M2')).toBeUndefined();
  });

  it('battery faults: temperature (with hysteresis), low state of health, fault mode', () => {
    const rules = new AlarmRules(DEFAULT_THRESHOLDS);
    const bat = (temperatureC: number, stateOfHealthPct: number, mode = 'auto') =>
      rules.evaluate(
        topology,
        input(0, {
          batteries: [{ assetId: 'B1', temperatureC, stateOfHealthPct, mode, observedAt: iso(0) }],
        }),
      );
    let c = bat(46, 80);
    expect(find(c, AlarmCodes.batteryOverTemperature, 'B1')).toMatchObject({
      active: true,
      severity: 'critical',
    });
    expect(find(c, AlarmCodes.batteryLowSoh, 'B1')?.active).toBe(false);
    c = bat(44, 69);
    expect(find(c, AlarmCodes.batteryOverTemperature, 'B1')?.active).toBe(true); // above 45 - 2
    expect(find(c, AlarmCodes.batteryLowSoh, 'B1')).toMatchObject({ active: true, severity: 'warning' });
    c = bat(42, 70.5, 'fault');
    expect(find(c, AlarmCodes.batteryOverTemperature, 'B1')?.active).toBe(false);
    expect(find(c, AlarmCodes.batteryLowSoh, 'B1')?.active).toBe(true); // below 70 + 1
    expect(find(c, AlarmCodes.batteryFault, 'B1')?.active).toBe(true);
  });

  it('predicted overload: P90 above the feeder rating within the next 24 h', () => {
    const rules = new AlarmRules(DEFAULT_THRESHOLDS);
    // F1 rating = (400 + 630) kVA * 0.95 = 978.5 kW; 15-minute steps: kW = Wh * 4 / 1000
    const points = (p90Kw: number, offsetMin: number) => [
      { targetStart: iso(offsetMin), p90Wh: Math.round((p90Kw * 1000) / 4) },
      { targetStart: iso(60), p90Wh: 100_000 },
    ];
    const f = (p90Kw: number, offsetMin: number) =>
      find(
        rules.evaluate(
          topology,
          input(0, {
            forecasts: [
              {
                nodeKind: 'feeder',
                nodeId: 'F1',
                stepMinutes: 15,
                modelVersion: 'm1',
                issueTime: iso(-60),
                points: points(p90Kw, offsetMin),
              },
            ],
          }),
        ),
        AlarmCodes.predictedOverload,
        'F1',
      );
    expect(f(1000, 18 * 60)).toMatchObject({
      active: true,
      value: 1000,
      threshold: 978.5,
      unit: 'kW',
      nodeKind: 'feeder',
    });
    expect(f(900, 18 * 60)?.active).toBe(false);
    // beyond the horizon or in the past: not counted (the remaining point is 400 kW)
    expect(f(1200, 25 * 60)?.active).toBe(false);
    expect(f(1200, -30)?.active).toBe(false);
    // a forecast without points in the horizon is not judged
    expect(
      find(
        rules.evaluate(
          topology,
          input(0, {
            forecasts: [
              {
                nodeKind: 'feeder',
                nodeId: 'F1',
                stepMinutes: 15,
                modelVersion: 'm',
                issueTime: iso(0),
                points: [{ targetStart: iso(-600), p90Wh: 1 }],
              },
            ],
          }),
        ),
        AlarmCodes.predictedOverload,
        'F1',
      ),
    ).toBeUndefined();
  });

  it('predicted overload of a secondary substation: P90 above its transformer rating, ahead of the peak', () => {
    const rules = new AlarmRules(DEFAULT_THRESHOLDS);
    // S3 = 250 kVA * 0.95 = 237.5 kW; its feeder F2 has the same rating, S1 (400 kVA) is 380 kW
    const at = (nodeId: string, p90Kw: number, offsetMin: number, now = 0) =>
      rules.evaluate(
        topology,
        input(now, {
          forecasts: [
            {
              nodeKind: 'secondary-substation',
              nodeId,
              stepMinutes: 15,
              modelVersion: 'm2',
              issueTime: iso(now - 15),
              points: [
                { targetStart: iso(offsetMin), p90Wh: Math.round((p90Kw * 1000) / 4) },
                { targetStart: iso(30), p90Wh: 10_000 },
              ],
            },
          ],
        }),
      );
    const conds = at('S3', 250, 3 * 60);
    expect(find(conds, AlarmCodes.transformerPredictedOverload, 'S3')).toMatchObject({
      active: true,
      nodeKind: 'transformer',
      severity: 'warning',
      value: 250,
      threshold: 237.5,
      unit: 'kW',
      observedAt: iso(-15),
    });
    expect(find(conds, AlarmCodes.transformerPredictedOverload, 'S3')?.message).toContain('250 kVA');
    // a station's forecast is judged against its own transformer, not its feeder's sum
    expect(find(conds, AlarmCodes.predictedOverload, 'F2')).toBeUndefined();
    expect(find(at('S1', 250, 3 * 60), AlarmCodes.transformerPredictedOverload, 'S1')?.active).toBe(false);
    expect(find(at('S3', 230, 3 * 60), AlarmCodes.transformerPredictedOverload, 'S3')?.active).toBe(false);
    // the peak 23 h ahead is seen, 25 h ahead not yet
    expect(find(at('S3', 300, 23 * 60), AlarmCodes.transformerPredictedOverload, 'S3')?.active).toBe(true);
    expect(find(at('S3', 300, 25 * 60), AlarmCodes.transformerPredictedOverload, 'S3')?.active).toBe(false);
    // an unknown station is not judged
    expect(at('S9', 1000, 60)).toEqual([]);
    // a per-node rating override wins over the transformer's kVA
    rules.setThresholds(DEFAULT_THRESHOLDS, new Map([['S3', { ratingKw: 300 }]]));
    expect(find(at('S3', 250, 3 * 60), AlarmCodes.transformerPredictedOverload, 'S3')).toMatchObject({
      active: false,
      threshold: 300,
    });
  });

  it('with reconcile: an overload raises once, clears after acknowledgement, a new one gets a new id', () => {
    const rules = new AlarmRules({ ...DEFAULT_THRESHOLDS, loadingSustainS: 0 });
    let n = 0;
    const newId = () => `a-${++n}`;
    const step = (min: number, pct: number, open: Parameters<typeof reconcile>[0]) =>
      reconcile(
        open,
        rules.evaluate(
          topology,
          input(min, { loads: [{ nodeId: 'S1', powerW: kwForPct(pct), observedAt: iso(min) }] }),
        ),
        iso(min),
        newId,
      );
    const c1 = step(0, 100, []);
    expect(c1.map((c) => [c.cause, c.alarm.code, c.to])).toEqual([
      ['raised', AlarmCodes.transformerOverload, 'unacknowledged'],
    ]);
    const a1 = c1[0].alarm;
    expect(step(1, 101, [a1])).toEqual([]); // still active, same severity: nothing
    const c3 = step(2, 50, [a1]);
    expect(c3.map((c) => [c.cause, c.to])).toEqual([['return-to-normal', 'rtn-unacknowledged']]);
    const c4 = step(3, 100, [{ ...c3[0].alarm, state: 'cleared', conditionActive: false }]);
    expect(c4[0]).toMatchObject({ cause: 'raised' });
    expect(c4[0].alarm.id).toBe('a-2');
  });
});
