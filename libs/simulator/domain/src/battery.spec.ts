import {
  BatteryCommandSchedule,
  BatteryState,
  initialBatteryState,
  localRuleThresholds,
  SOH_FADE_PCT_PER_EFC,
  stepBattery,
} from './battery';
import { FleetBattery } from './topology';

const spec: FleetBattery = {
  assetId: 'BAT-0001',
  meterPointId: 'DE0000000000000000000000000000001',
  secondarySubstationId: 'ONS-0001',
  nominalCapacityWh: 200_000,
  stateOfHealthPct: 80,
  usableCapacityWh: 160_000,
  maxChargeW: 80_000,
  maxDischargeW: 80_000,
  roundTripEfficiency: 0.88,
  minSocPct: 10,
  maxSocPct: 95,
};

const T0 = Date.parse('2026-06-14T00:00:00Z');
// 400 kVA station: shave above 342 kW, recharge below 190 kW
const thresholds = localRuleThresholds(400);

function run(
  state: BatteryState,
  steps: number,
  input: (k: number) => { surplus: number; load: number; minute: number },
): number[] {
  const powers: number[] = [];
  for (let k = 0; k < steps; k++) {
    const i = input(k);
    const r = stepBattery(spec, state, {
      intervalStartMs: T0 + k * 900_000,
      minutes: 15,
      localSurplusW: i.surplus,
      localLoadW: i.load,
      localMinuteOfDay: i.minute,
      ambientC: 20,
      thresholds,
    });
    powers.push(r.powerW);
  }
  return powers;
}

describe('fleet battery', () => {
  it('local threshold rule: charges below the recharge level up to 95 % SoC, shaves above the threshold down to 10 %', () => {
    const s = initialBatteryState(spec, 20);
    const p1 = run(s, 40, () => ({ surplus: 200_000, load: 0, minute: 12 * 60 }));
    expect(Math.min(...p1)).toBeGreaterThanOrEqual(-80_000);
    expect(p1[0]).toBe(-80_000);
    expect(Math.abs(s.storedWh - 0.95 * s.usableCapacityWh)).toBeLessThan(1); // integer-W rounding leaves < 1 Wh
    expect(p1.at(-1)).toBe(0);
    // 30 kW above the threshold: discharges exactly the excess
    expect(run(s, 1, () => ({ surplus: 0, load: 372_000, minute: 18 * 60 }))).toEqual([30_000]);
    const p2 = run(s, 60, () => ({ surplus: 0, load: 500_000, minute: 18 * 60 }));
    expect(Math.max(...p2)).toBeLessThanOrEqual(80_000);
    expect(s.storedWh).toBeGreaterThanOrEqual(0.1 * s.usableCapacityWh - 1e-6);
    expect(s.storedWh).toBeLessThan(0.1 * s.usableCapacityWh + 100);
    // between the recharge level and the threshold it rests
    expect(run(s, 4, () => ({ surplus: 0, load: 300_000, minute: 10 * 60 }))).toEqual([0, 0, 0, 0]);
    // energy balance with sqrt(eta) on each side
    const eta = Math.sqrt(spec.roundTripEfficiency);
    // (capacity that fades while the pack is full takes its energy with it: well below 1 Wh here)
    expect(Math.abs(s.storedWh - 80_000 - (s.chargedWh * eta - s.dischargedWh / eta))).toBeLessThan(1);
  });

  it('obeys a setpoint or idle command while valid, then returns to auto', () => {
    const s = initialBatteryState(spec, 20);
    const command = {
      mode: 'setpoint' as const,
      setpointW: -30_000,
      validFrom: '2026-06-14T00:00:00Z',
      validUntil: '2026-06-14T01:00:00Z',
    };
    const out = [];
    for (let k = 0; k < 6; k++) {
      out.push(
        stepBattery(spec, s, {
          intervalStartMs: T0 + k * 900_000,
          minutes: 15,
          localSurplusW: 0,
          localLoadW: 50_000,
          localMinuteOfDay: 18 * 60,
          ambientC: 20,
          thresholds,
          command,
        }),
      );
    }
    expect(out.map((r) => r.mode)).toEqual(['remote', 'remote', 'remote', 'remote', 'auto', 'auto']);
    // back in auto: 50 kW load is below the 190 kW recharge level → charges the gap, up to 80 kW
    expect(out.map((r) => r.powerW)).toEqual([-30_000, -30_000, -30_000, -30_000, -80_000, -80_000]);
    const idle = stepBattery(spec, s, {
      intervalStartMs: T0,
      minutes: 15,
      localSurplusW: 100_000,
      localLoadW: 0,
      localMinuteOfDay: 720,
      ambientC: 20,
      thresholds,
      command: { mode: 'idle', validFrom: T0, validUntil: T0 + 900_000 },
    });
    expect(idle).toEqual({ powerW: 0, mode: 'idle', control: 'idle' });
    // a huge setpoint is clipped to the power limit
    const clipped = stepBattery(spec, s, {
      intervalStartMs: T0,
      minutes: 15,
      localSurplusW: 0,
      localLoadW: 0,
      localMinuteOfDay: 720,
      ambientC: 20,
      thresholds,
      command: { mode: 'setpoint', setpointW: 1e9, validFrom: T0, validUntil: T0 + 900_000 },
    });
    expect(clipped.powerW).toBe(80_000);
  });

  it('limit mode holds the station flow at the limit minute by minute, keeps the SoC reserve, recharges below it', () => {
    const s = initialBatteryState(spec, 20); // 50 % of 160 kWh
    const limit = {
      mode: 'limit' as const,
      stationLimitW: 300_000,
      socReservePct: 40,
      validFrom: T0,
      validUntil: T0 + 900_000,
    };
    // a noisy quarter hour measured per minute: the unit follows each minute's excess over the limit
    const loads = [310_000, 350_000, 295_000, 420_000, 300_000];
    const out = loads.map((load, k) =>
      stepBattery(spec, s, {
        intervalStartMs: T0 + k * 60_000,
        minutes: 1,
        localSurplusW: 0,
        localLoadW: load,
        localMinuteOfDay: 18 * 60,
        ambientC: 5,
        thresholds,
        command: limit,
      }),
    );
    // the flow with the battery (load − power): at the limit while it discharges, below it when it recharges
    expect(out.map((r) => r.powerW)).toEqual([10_000, 50_000, -5_000, 80_000, 0]);
    expect(out.every((r) => r.control === 'planned-limit' && r.mode === 'remote')).toBe(true);
    expect(loads[3] - out[3].powerW).toBe(340_000); // beyond the power limit the flow exceeds the limit
    // the reserve: from 41 % of usable, only 1 % (1.6 kWh) may go, then it stops
    s.storedWh = 0.41 * s.usableCapacityWh;
    const q = stepBattery(spec, s, {
      intervalStartMs: T0,
      minutes: 15,
      localSurplusW: 0,
      localLoadW: 380_000,
      localMinuteOfDay: 18 * 60,
      ambientC: 5,
      thresholds,
      command: limit,
    });
    expect(q.powerW).toBeGreaterThan(0);
    expect(Math.abs(s.storedWh - 0.4 * s.usableCapacityWh)).toBeLessThan(1);
    const r = stepBattery(spec, s, {
      intervalStartMs: T0 + 900_000 - 60_000,
      minutes: 1,
      localSurplusW: 0,
      localLoadW: 380_000,
      localMinuteOfDay: 18 * 60,
      ambientC: 5,
      thresholds,
      command: limit,
    });
    // what integer-W rounding left above the reserve (< 1 Wh), no more
    expect(r.powerW).toBeLessThan(60);
    expect(s.storedWh).toBeGreaterThanOrEqual(0.4 * s.usableCapacityWh - 1e-9);
    // outside the window: the local rule again (reported as such)
    const after = stepBattery(spec, s, {
      intervalStartMs: T0 + 900_000,
      minutes: 15,
      localSurplusW: 0,
      localLoadW: 250_000,
      localMinuteOfDay: 18 * 60,
      ambientC: 5,
      thresholds,
      command: limit,
    });
    expect(after.control).toBe('local-rule');
    expect(after.mode).toBe('auto');
  });

  it('reports the control in effect: planned setpoint, idle, local rule', () => {
    const s = initialBatteryState(spec, 20);
    const at = (command?: Parameters<typeof stepBattery>[2]['command']) =>
      stepBattery(spec, s, {
        intervalStartMs: T0,
        minutes: 15,
        localSurplusW: 0,
        localLoadW: 100_000,
        localMinuteOfDay: 600,
        ambientC: 5,
        thresholds,
        ...(command ? { command } : {}),
      }).control;
    expect(at({ mode: 'setpoint', setpointW: 1_000, validFrom: T0, validUntil: T0 + 900_000 })).toBe(
      'planned-setpoint',
    );
    expect(at({ mode: 'idle', validFrom: T0, validUntil: T0 + 900_000 })).toBe('idle');
    expect(at({ mode: 'auto', validFrom: T0, validUntil: T0 + 900_000 })).toBe('local-rule');
    expect(at()).toBe('local-rule');
  });

  it('of several valid commands the latest issued rules; expired ones are dropped', () => {
    const sched = new BatteryCommandSchedule();
    sched.add({
      mode: 'setpoint',
      setpointW: 1,
      validFrom: T0,
      validUntil: T0 + 1_800_000,
      issuedAt: T0 - 900_000,
    });
    sched.add({ mode: 'setpoint', setpointW: 2, validFrom: T0, validUntil: T0 + 900_000, issuedAt: T0 });
    expect(sched.activeAt(T0)?.setpointW).toBe(2);
    expect(sched.activeAt(T0 + 900_000)?.setpointW).toBe(1);
    expect(sched.activeAt(T0 + 1_800_000)).toBeUndefined();
    sched.prune(T0 + 900_000);
    expect(sched.size).toBe(1);
  });

  it('state of health fades with throughput, and the usable capacity with it', () => {
    const s = initialBatteryState(spec, 20);
    // 80 kW × 2 h charge + discharge ≈ 320 kWh AC = 0.8 EFC of the 200 kWh nominal pack
    run(s, 8, () => ({ surplus: 80_000, load: 0, minute: 720 }));
    run(s, 8, () => ({ surplus: 0, load: 422_000, minute: 18 * 60 }));
    const efc = (s.chargedWh + s.dischargedWh) / (2 * spec.nominalCapacityWh);
    expect(efc).toBeGreaterThan(0.5);
    expect(s.stateOfHealthPct).toBeCloseTo(80 - efc * SOH_FADE_PCT_PER_EFC, 6);
    expect(s.usableCapacityWh).toBeCloseTo((spec.nominalCapacityWh * s.stateOfHealthPct) / 100, 6);
  });

  it('warms up under load', () => {
    const s = initialBatteryState(spec, 20);
    run(s, 8, () => ({ surplus: 80_000, load: 0, minute: 720 }));
    expect(s.temperatureC).toBeGreaterThan(22);
    expect(s.temperatureC).toBeLessThan(20 + 0.12 * 80);
  });
});
