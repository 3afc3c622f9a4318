import fs from 'node:fs';
import path from 'node:path';
import { AlarmCodes, AlarmRules, DEFAULT_THRESHOLDS } from '@gridwerk/grid/alarms';
import { HighsLpSolver } from '@gridwerk/dispatch/data-access';
import { DEFAULT_PARAMETERS, planDispatch } from '@gridwerk/dispatch/domain';
import { generateTopology, resolveProfiles } from '@gridwerk/simulator/domain';
import { localDate } from '@gridwerk/shared/util-calendar';
import {
  aboveRating,
  sizeStoryStation,
  STORY_STATION,
  TRANSFORMER_SIZES_KVA,
  stationDayLoads,
  withStorySizing,
} from './story-station';
import { DEMO_DAYS_SHOWN, DEMO_METERS, DEMO_SEED } from './demo-grid';

// the profiles the demo runs on: the BDEW files of ../shared when present, else the built-in approximation
const shared = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'bdew');
const profiles = resolveProfiles(fs.existsSync(shared) ? shared : undefined);
const solver = new HighsLpSolver({ timeLimitS: 30 });
afterAll(() => solver.close());

/** The demo's start days: winter and summer, spring and autumn, weekdays and weekends (Berlin noon). */
const START_DAYS = [
  ['winter weekday', '2026-01-07T11:00:00Z'],
  ['winter weekend', '2026-01-10T11:00:00Z'],
  ['spring weekday', '2026-04-15T10:00:00Z'],
  ['summer weekday', '2026-07-08T10:00:00Z'],
  ['summer weekend', '2026-07-11T10:00:00Z'],
  ['autumn weekend', '2026-10-18T10:00:00Z'],
  ['December weekday', '2026-12-07T11:00:00Z'],
] as const;

describe(`${STORY_STATION}'s story on any day the demo may start`, () => {
  const base = generateTopology({ seed: DEMO_SEED, meters: DEMO_METERS });

  it.each(START_DAYS)('%s (%s)', async (_label, startIso) => {
    // the demo replays the day before its start and then shows the start day and the next
    const days = stationDayLoads({
      topology: base,
      seed: DEMO_SEED,
      profiles,
      stationId: STORY_STATION,
      fromMs: Date.parse(startIso) - 86_400_000,
      days: DEMO_DAYS_SHOWN,
    });
    const sizing = sizeStoryStation(days);
    expect(TRANSFORMER_SIZES_KVA).toContain(sizing.ratedKva);
    const topology = withStorySizing(base, sizing);
    const ons = topology.secondarySubstations.find((s) => s.secondarySubstationId === STORY_STATION);
    const bat = topology.batteries.find((b) => b.secondarySubstationId === STORY_STATION);
    if (!ons || !bat) throw new Error('no story station');
    expect(ons.ratedKva).toBe(sizing.ratedKva);
    // a second-life pack of a plausible size: at most 2 C, at least 0.25 C
    expect(bat.maxDischargeW / bat.usableCapacityWh).toBeLessThanOrEqual(2);
    expect(bat.maxDischargeW / bat.usableCapacityWh).toBeGreaterThanOrEqual(0.25);

    const rules = new AlarmRules(DEFAULT_THRESHOLDS);
    for (const d of days) {
      // 1. without dispatch the evening peak (16:00 to 22:00) overloads the transformer, by at least 5 %
      const evening = d.loadW.filter((_, k) => {
        const minute = localDate(d.startMs + k * 900_000).minuteOfDay;
        return minute >= 16 * 60 && minute < 22 * 60;
      });
      expect(Math.max(...evening)).toBeGreaterThanOrEqual(sizing.ratingW / 0.95 - 1);
      expect(aboveRating(evening, sizing.ratingW).minutesAbove).toBeGreaterThanOrEqual(30);

      // 2. a forecast that sees the load (P90 8 % above it) raises the predicted-overload alarm at noon
      const noon = d.startMs + 12 * 3_600_000;
      const conditions = rules.evaluate(
        {
          secondarySubstations: topology.secondarySubstations.map((s) => ({
            id: s.secondarySubstationId,
            feederId: s.feederId,
            ratedKva: s.ratedKva,
          })),
          feeders: [],
          meters: [],
        },
        {
          now: new Date(noon).toISOString(),
          loads: [],
          meterLastSeen: new Map(),
          batteries: [],
          forecasts: [
            {
              nodeKind: 'secondary-substation',
              nodeId: STORY_STATION,
              stepMinutes: 15,
              modelVersion: 'test',
              issueTime: new Date(noon).toISOString(),
              points: d.loadW.map((w, k) => ({
                targetStart: new Date(d.startMs + k * 900_000).toISOString(),
                p90Wh: Math.round((w * 1.08) / 4),
              })),
            },
          ],
        },
      );
      const alarm = conditions.find(
        (c) => c.code === AlarmCodes.transformerPredictedOverload && c.nodeId === STORY_STATION,
      );
      expect(alarm?.active).toBe(true);
    }

    // 3. the plan on that forecast, over the days shown from the simulator's initial SoC (50 %), holds the
    // station under its rating through every evening peak
    const loadW = days.flatMap((d) => d.loadW);
    const outcome = await planDispatch(
      {
        scopeId: ons.feederId,
        startMs: days[0]?.startMs ?? 0,
        steps: loadW.length,
        sites: [
          {
            secondarySubstationId: STORY_STATION,
            ratedKva: sizing.ratedKva,
            forecast: {
              p10Wh: loadW.map((w) => Math.round((w * 0.92) / 4)),
              p50Wh: loadW.map((w) => Math.round(w / 4)),
              p90Wh: loadW.map((w) => Math.round((w * 1.08) / 4)),
            },
          },
        ],
        batteries: [
          {
            assetId: bat.assetId,
            secondarySubstationId: STORY_STATION,
            nominalCapacityWh: bat.nominalCapacityWh,
            usableCapacityWh: bat.usableCapacityWh,
            stateOfHealthPct: bat.stateOfHealthPct,
            stateOfChargePct: 50,
            ratedChargeW: bat.maxChargeW,
            ratedDischargeW: bat.maxDischargeW,
            ratedRoundTripEfficiency: bat.roundTripEfficiency,
            minSocPct: bat.minSocPct,
            maxSocPct: bat.maxSocPct,
          },
        ],
        pricesCtPerKWh: loadW.map(() => 0),
        dimming: [],
        parameters: { ...DEFAULT_PARAMETERS, mode: 'grid-serving', powerFactor: 0.95 },
      },
      solver,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    const site = outcome.plan.sites[STORY_STATION] ?? [];
    expect(site).toHaveLength(loadW.length);
    const worst = Math.max(...site.map((s) => s.plannedW - s.ratingW));
    expect(worst).toBeLessThanOrEqual(sizing.ratingW * 0.001);
    expect(site.some((s) => s.binding === 'over-rating')).toBe(true);
  });
});
