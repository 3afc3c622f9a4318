import { DEFAULT_PARAMETERS, DispatchPlan } from '@gridwerk/dispatch/domain';
import {
  batteryInputOf,
  commandId,
  fallbackCommands,
  historyForecast,
  horizonSteps,
  mergeStoredForecasts,
  planCommands,
} from './planning-inputs';

const QH = 15 * 60_000;
const T0 = Date.parse('2026-01-14T09:00:00.000Z'); // 10:00 in Leipzig

describe('planning inputs', () => {
  it('plans 96 quarter hours, the whole next local day once forecasts and prices reach its end', () => {
    // next local day ends 2026-01-16 00:00 Berlin = 2026-01-15T23:00Z: 38 h = 152 quarter hours
    const end = Date.parse('2026-01-15T23:00:00.000Z');
    expect(horizonSteps(T0, 96, end - QH)).toBe(96);
    expect(horizonSteps(T0, 96, end)).toBe(152);
  });

  it('fills a forecast beyond its issue from the day before, and finds its coverage', () => {
    const points = Array.from({ length: 96 }, (_, k) => ({
      targetStart: new Date(T0 + k * QH).toISOString(),
      p10Wh: k,
      p50Wh: 2 * k,
      p90Wh: 3 * k,
    }));
    const f = {
      seriesId: 's',
      horizon: 'day-ahead',
      issueTime: '2026-01-14T08:00:00.000Z',
      modelVersion: 'm',
      points,
    };
    expect(mergeStoredForecasts([f], T0, 100).coverageEndMs).toBe(T0 + 96 * QH);
    expect(mergeStoredForecasts([f], T0 - QH, 10).coverageEndMs).toBe(T0 - QH);
    const m = mergeStoredForecasts([f], T0, 100);
    expect(m.series.p50Wh.slice(94, 100)).toEqual([188, 190, 0, 2, 4, 6]);
    expect(m.filledSteps).toBe(4);
    // an intraday issue takes its four hours, the day-ahead issue keeps the rest
    const intraday = {
      ...f,
      horizon: 'intraday',
      issueTime: '2026-01-14T09:00:00.000Z',
      points: points.slice(0, 16).map((p) => ({ ...p, p50Wh: p.p50Wh + 1000 })),
    };
    const both = mergeStoredForecasts([f, intraday], T0, 96);
    expect(both.series.p50Wh[15]).toBe(1030);
    expect(both.series.p50Wh[16]).toBe(32);
    // asked to, the day-ahead rest is brought to the intraday issue's level (here far above: the bound, × 2)
    const aligned = mergeStoredForecasts([f, intraday], T0, 96, { alignment: 'scale' });
    expect(aligned.alignment).toMatchObject({ kind: 'scale', value: 2, overlapSteps: 16 });
    expect(aligned.series.p50Wh[16]).toBe(64);
    expect(both.spans.map((x) => x.horizon)).toEqual(['intraday', 'day-ahead']);
  });

  it('the history forecast: the same day-type mean of the measured load, with its spread as the band', () => {
    // Wednesday 18 February 2026, 10:00; the working days of the two weeks before carry 100 + day index Wh,
    // weekends 5 Wh: the mean of the ten working days, the weekends left out
    const T = Date.parse('2026-02-18T09:00:00.000Z');
    const measured = new Map<number, number>();
    for (let d = 1; d <= 16; d++)
      for (let q = 0; q < 96; q++) {
        const at = T - d * 96 * QH + q * QH;
        const wd = new Date(at + 3_600_000).getUTCDay();
        measured.set(at, wd === 0 || wd === 6 ? 5 : 100 + d);
      }
    const f = historyForecast(measured, T, 8);
    const days = [1, 2, 5, 6, 7, 8, 9, 12, 13, 14];
    const mean = days.reduce((a, d) => a + 100 + d, 0) / days.length;
    expect(f?.p50Wh[0]).toBe(Math.round(mean));
    expect(f?.p90Wh[0]).toBeGreaterThan(f?.p50Wh[0] ?? 0);
    expect(f?.p10Wh[0]).toBeLessThan(f?.p50Wh[0] ?? 0);
    expect(historyForecast(new Map(), T, 8)).toBeUndefined();
  });

  it('takes limits from topology, BMS from telemetry, defaults for what neither has', () => {
    const b = batteryInputOf(
      {
        assetId: 'BAT-1',
        secondarySubstationId: 'ONS-1',
        nominalCapacityWh: 200_000,
        maxChargeW: null,
        maxDischargeW: 90_000,
      },
      {
        assetId: 'BAT-1',
        time: '2026-01-14T09:00:00.000Z',
        stateOfChargePct: 40,
        powerW: 0,
        usableCapacityWh: 160_000,
        stateOfHealthPct: 80,
        temperatureC: 20,
        mode: 'auto',
        maxChargeW: 70_000,
      },
      { roundTripEfficiency: 0.9, minSocPct: 10, maxSocPct: 95 },
    );
    expect(b).toMatchObject({
      ratedChargeW: 70_000,
      ratedDischargeW: 90_000,
      bmsMaxChargeW: 70_000,
      stateOfChargePct: 40,
    });
    expect(b.bmsMaxDischargeW).toBeUndefined();
  });

  it('turns a plan into quarter-hour setpoint commands with stable ids, clamping to the limits', () => {
    const battery = batteryInputOf(
      {
        assetId: 'BAT-1',
        secondarySubstationId: 'ONS-1',
        nominalCapacityWh: 200_000,
        maxChargeW: 50_000,
        maxDischargeW: 50_000,
      },
      {
        assetId: 'BAT-1',
        time: '2026-01-14T09:00:00.000Z',
        stateOfChargePct: 40,
        powerW: 0,
        usableCapacityWh: 160_000,
        stateOfHealthPct: 80,
        temperatureC: 20,
        mode: 'auto',
      },
      { roundTripEfficiency: 0.9, minSocPct: 10, maxSocPct: 95 },
    );
    const plan = {
      batteries: {
        'BAT-1': [
          { intervalStartMs: T0, setpointW: 20_000, socPct: 35 },
          { intervalStartMs: T0 + QH, setpointW: 60_000, socPct: 30 },
          { intervalStartMs: T0 + 2 * QH, setpointW: 0, socPct: 30 },
        ],
      },
      sites: {},
    } as unknown as DispatchPlan;
    const { commands, limitViolations } = planCommands(plan, [battery], DEFAULT_PARAMETERS, T0, 2, 'F/1');
    expect(commands.map((c) => [c.validFrom, c.validUntil, c.setpointW])).toEqual([
      ['2026-01-14T09:00:00.000Z', '2026-01-14T09:15:00.000Z', 20_000],
      ['2026-01-14T09:15:00.000Z', '2026-01-14T09:30:00.000Z', 50_000],
    ]);
    expect(limitViolations).toBe(1);
    expect(commands[0].commandId).toBe(commandId('BAT-1', T0, T0));
    expect(commands[0].commandId).toBe('dispatch/BAT-1/2026-01-14T09:00:00.000Z/2026-01-14T09:00:00.000Z');
  });

  it('in limit mode turns a plan into station-flow limits with SoC reserves (v2), no setpoints', () => {
    const battery = batteryInputOf(
      {
        assetId: 'BAT-1',
        secondarySubstationId: 'ONS-1',
        nominalCapacityWh: 200_000,
        maxChargeW: 50_000,
        maxDischargeW: 50_000,
      },
      {
        assetId: 'BAT-1',
        time: '2026-01-14T09:00:00.000Z',
        stateOfChargePct: 60,
        powerW: 0,
        usableCapacityWh: 160_000,
        stateOfHealthPct: 80,
        temperatureC: 20,
        mode: 'auto',
      },
      { roundTripEfficiency: 0.9, minSocPct: 10, maxSocPct: 95 },
    );
    const step = (t: number, plannedW: number) => ({
      intervalStartMs: T0 + t * QH,
      loadP50W: plannedW,
      loadP90W: plannedW,
      loadP10W: plannedW,
      plannedW,
      ratingW: 152_000,
      binding: 'over-rating',
    });
    const plan = {
      batteries: {
        'BAT-1': [
          { intervalStartMs: T0, setpointW: 20_000, socPct: 45 },
          { intervalStartMs: T0 + QH, setpointW: 30_000, socPct: 25 },
          { intervalStartMs: T0 + 2 * QH, setpointW: 0, socPct: 25 },
        ],
      },
      sites: { 'ONS-1': [step(0, 150_000), step(1, 152_000), step(2, 120_000)] },
    } as unknown as DispatchPlan;
    const { commands } = planCommands(plan, [battery], DEFAULT_PARAMETERS, T0, 2, 'F/1', 'limit');
    // where the plan holds the rating, the unit holds the plan's peak level (152 kW), not the 150 kW below it
    expect(commands.map((c) => [c.mode, c.stationLimitW, c.socReservePct, c.setpointW])).toEqual([
      ['limit', 152_000, 30, undefined],
      ['limit', 152_000, 10, undefined],
    ]);
    expect(commands[0].reason).toMatch(/^plan F\/1: over-rating: .*; hold 152 kW, keep 30 %/);
  });

  it('hands batteries to the local rule with mode auto and the reason', () => {
    const cmds = fallbackCommands(['BAT-1', 'BAT-2'], T0, 2, 'no forecast');
    expect(cmds).toHaveLength(4);
    expect(cmds.every((c) => c.mode === 'auto' && c.setpointW === undefined)).toBe(true);
    expect(cmds[0].reason).toBe('fallback to the local threshold rule: no forecast');
  });
});
