import { translator } from '../../i18n/i18n';
import type { Battery } from '../../api/types';
import { batteriesAt, controlOf, describeCommand } from './battery-view';

const t = translator('en');
const cmd = { mode: 'setpoint' as const, setpointW: 12_500, stationLimitW: null, socReservePct: null };

describe('battery view', () => {
  it('names the control the telemetry reports, unknown where none is reported', () => {
    expect(controlOf({ control: 'planned-limit' })).toBe('planned-limit');
    expect(controlOf({ control: 'local-rule' })).toBe('local-rule');
    expect(controlOf({ control: null })).toBe('unknown');
    expect(controlOf({ control: 'something-new' })).toBe('unknown');
  });

  it('describes a setpoint, a v2 station-flow limit with its reserve, and the local rule', () => {
    expect(describeCommand(cmd, t)).toBe('setpoint 12.5 kW');
    expect(
      describeCommand(
        { mode: 'limit' as const, setpointW: null, stationLimitW: 136_800, socReservePct: 35 },
        t,
      ),
    ).toBe('station limit 136.8 kW, reserve 35 %');
    expect(describeCommand({ ...cmd, mode: 'auto' as const, setpointW: null }, t)).toBe('local rule');
    expect(describeCommand({ ...cmd, mode: 'idle' as const, setpointW: null }, t)).toBe('idle');
  });

  it('finds the batteries of a station', () => {
    const b = (assetId: string, secondarySubstationId: string | null) =>
      ({ assetId, secondarySubstationId }) as Battery;
    const all = { x: b('BAT-2', 'ONS-0001'), y: b('BAT-1', 'ONS-0001'), z: b('BAT-3', 'ONS-0002') };
    expect(batteriesAt(all, 'ONS-0001').map((x) => x.assetId)).toEqual(['BAT-1', 'BAT-2']);
    expect(batteriesAt(all, 'ONS-0009')).toEqual([]);
  });
});
