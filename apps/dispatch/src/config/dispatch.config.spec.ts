import { ConfigError } from '@gridwerk/shared/util-config';
import { loadDispatchConfig, plannerSettingsOf } from './dispatch.config';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/gridwerk' };

function problems(env: Record<string, string>): string[] {
  try {
    loadDispatchConfig({ ...base, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('dispatch config', () => {
  it('defaults to grid-serving every quarter hour over 96 steps without prices', () => {
    const c = loadDispatchConfig(base);
    expect(c).toMatchObject({
      mode: 'grid-serving',
      cycleMinutes: 15,
      horizonSteps: 96,
      priceSource: 'none',
    });
    const s = plannerSettingsOf(c);
    expect(s.parameters.mode).toBe('grid-serving');
    expect(s.parameters.powerFactor).toBeCloseTo(0.95);
    expect(s.minHorizonSteps).toBe(96);
    expect(s.injectInfeasibleBeforeMs).toBeUndefined();
    // the better mode of bench:dispatch: station-flow limits (grid.battery.commands.v2)
    expect(s.commandMode).toBe('limit');
    expect(s.historyFallback).toBe(true);
    expect(
      plannerSettingsOf(loadDispatchConfig({ ...base, DISPATCH_HISTORY_FALLBACK: 'false' })).historyFallback,
    ).toBe(false);
    expect(c.commandsV2Topic).toBe('grid.battery.commands.v2');
    expect(
      plannerSettingsOf(loadDispatchConfig({ ...base, DISPATCH_COMMAND_MODE: 'setpoint' })).commandMode,
    ).toBe('setpoint');
    expect(problems({ DISPATCH_COMMAND_MODE: 'power' }).join('\n')).toMatch(/DISPATCH_COMMAND_MODE/);
  });

  it('names every bad variable at once', () => {
    const p = problems({
      DISPATCH_MODE: 'market',
      DISPATCH_CYCLE_MINUTES: '20',
      DISPATCH_HORIZON_STEPS: '48',
      DISPATCH_MIN_SOC_PCT: '90',
      DISPATCH_MAX_SOC_PCT: '80',
    });
    expect(p.join('\n')).toMatch(/DISPATCH_HORIZON_STEPS must be >= 96/);
    const q = problems({
      DISPATCH_MODE: 'market',
      DISPATCH_CYCLE_MINUTES: '20',
      DISPATCH_MIN_SOC_PCT: '90',
      DISPATCH_MAX_SOC_PCT: '80',
    });
    expect(q).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/DISPATCH_CYCLE_MINUTES must be a multiple of 15/),
        expect.stringMatching(/DISPATCH_MIN_SOC_PCT \(90\) must be below/),
        expect.stringMatching(/DISPATCH_PRICE_SOURCE must not be none with DISPATCH_MODE=market/),
      ]),
    );
  });

  it('needs the file or URL of the price source it names, and a UTC instant for the drill', () => {
    expect(problems({ DISPATCH_PRICE_SOURCE: 'csv-file' })).toEqual([
      expect.stringMatching(/DISPATCH_PRICE_CSV_FILE is missing/),
    ]);
    expect(problems({ DISPATCH_PRICE_SOURCE: 'http-csv' })).toEqual([
      expect.stringMatching(/DISPATCH_PRICE_URL is missing/),
    ]);
    expect(problems({ DISPATCH_FAULT_INFEASIBLE_UNTIL: '2026-01-14 18:00' })).toEqual([
      expect.stringMatching(/DISPATCH_FAULT_INFEASIBLE_UNTIL must be a UTC instant/),
    ]);
    const c = loadDispatchConfig({ ...base, DISPATCH_FAULT_INFEASIBLE_UNTIL: '2026-01-14T18:00:00Z' });
    expect(plannerSettingsOf(c).injectInfeasibleBeforeMs).toBe(Date.parse('2026-01-14T18:00:00Z'));
  });
});
