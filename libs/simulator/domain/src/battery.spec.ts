import { BatteryState, initialBatteryState, stepBattery } from './battery';
import { FleetBattery } from './topology';

const spec: FleetBattery = {
  assetId: 'BAT-0001',
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
    });
    powers.push(r.powerW);
  }
  return powers;
}

describe('fleet battery', () => {
  it('charges from surplus up to 95 % SoC, discharges in the evening down to 10 %, within power limits', () => {
    const s = initialBatteryState(spec, 20);
    const p1 = run(s, 40, () => ({ surplus: 200_000, load: 0, minute: 12 * 60 }));
    expect(Math.min(...p1)).toBeGreaterThanOrEqual(-80_000);
    expect(Math.abs(s.storedWh - 0.95 * 160_000)).toBeLessThan(1); // integer-W rounding leaves < 1 Wh
    expect(p1.at(-1)).toBe(0);
    const p2 = run(s, 60, (k) => ({ surplus: 0, load: 300_000, minute: 17 * 60 + (k % 16) * 15 }));
    expect(Math.max(...p2)).toBeLessThanOrEqual(80_000);
    expect(s.storedWh).toBeGreaterThanOrEqual(0.1 * 160_000 - 1e-6);
    expect(s.storedWh).toBeLessThan(0.1 * 160_000 + 100);
    // outside the evening window and without surplus it rests
    expect(run(s, 4, () => ({ surplus: 0, load: 300_000, minute: 10 * 60 }))).toEqual([0, 0, 0, 0]);
    // energy balance with sqrt(eta) on each side
    const eta = Math.sqrt(spec.roundTripEfficiency);
    expect(s.storedWh - 80_000).toBeCloseTo(s.chargedWh * eta - s.dischargedWh / eta, 3);
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
          command,
        }),
      );
    }
    expect(out.map((r) => r.mode)).toEqual(['remote', 'remote', 'remote', 'remote', 'auto', 'auto']);
    expect(out.map((r) => r.powerW)).toEqual([-30_000, -30_000, -30_000, -30_000, 50_000, 50_000]);
    const idle = stepBattery(spec, s, {
      intervalStartMs: T0,
      minutes: 15,
      localSurplusW: 100_000,
      localLoadW: 0,
      localMinuteOfDay: 720,
      ambientC: 20,
      command: { mode: 'idle', validFrom: T0, validUntil: T0 + 900_000 },
    });
    expect(idle).toEqual({ powerW: 0, mode: 'idle' });
    // a huge setpoint is clipped to the power limit
    const clipped = stepBattery(spec, s, {
      intervalStartMs: T0,
      minutes: 15,
      localSurplusW: 0,
      localLoadW: 0,
      localMinuteOfDay: 720,
      ambientC: 20,
      command: { mode: 'setpoint', setpointW: 1e9, validFrom: T0, validUntil: T0 + 900_000 },
    });
    expect(clipped.powerW).toBe(80_000);
  });

  it('warms up under load', () => {
    const s = initialBatteryState(spec, 20);
    run(s, 8, () => ({ surplus: 80_000, load: 0, minute: 720 }));
    expect(s.temperatureC).toBeGreaterThan(22);
    expect(s.temperatureC).toBeLessThan(20 + 0.12 * 80);
  });
});
