import type { DispatchPlan } from '../../api/types';
import { type Binding, costTerms, planSteps, summariseStations } from './plan-view';

const step = (h: number, load: number, planned: number, binding: Binding) => ({
  intervalStart: new Date(Date.UTC(2026, 0, 14, 16, h * 15)).toISOString(),
  loadP50W: load,
  loadP90W: load * 1.1,
  loadP10W: load * 0.9,
  plannedW: planned,
  ratingW: 152_000,
  binding,
});

const plan: DispatchPlan = {
  planId: 'UW-01-F03/2026-01-14T16:00:00.000Z',
  feederId: 'UW-01-F03',
  cycleStart: '2026-01-14T16:00:00.000Z',
  status: 'optimal',
  reason: 'optimal over 96 quarter hours (grid-serving)',
  horizonSteps: 3,
  solveMs: 42,
  objectiveCt: 1234,
  costBreakdownCt: { peak: 1000.4, degradation: 233.2, overRating: 0, energy: 0.2 },
  stations: [
    {
      secondarySubstationId: 'ONS-0003',
      steps: [
        step(0, 150_000, 150_000, 'idle'),
        step(1, 182_000, 148_000, 'over-rating'),
        step(2, 160_000, 151_000, 'peak'),
      ],
    },
  ],
  batteries: [
    {
      assetId: 'BAT-0003',
      setpoints: [0, 1, 2].map((h) => ({
        intervalStart: new Date(Date.UTC(2026, 0, 14, 16, h * 15)).toISOString(),
        setpointW: [0, 34_000, 9_000][h] ?? 0,
        socPct: [80, 62.04, 57][h] ?? 0,
      })),
    },
    { assetId: 'BAT-0009', setpoints: [] },
  ],
  fallback: [],
  observedAt: '2026-01-14T16:00:20.000Z',
  ageS: 3,
};

describe('dispatch plan view', () => {
  it('shows the peak without and with the batteries and the steps over the rating', () => {
    const [s] = summariseStations(plan, 2);
    expect(s).toMatchObject({
      secondarySubstationId: 'ONS-0003',
      ratingKW: 152,
      peakLoadKW: 182,
      peakPlannedKW: 151,
      overWithout: 2,
      overPlanned: 0,
    });
    expect(s?.next.map((n) => n.binding)).toEqual(['idle', 'over-rating']);
    expect(summariseStations(plan, 3)[0]?.next[2]?.binding).toBe('peak');
  });

  it('lists the cost terms that shaped the plan, largest first', () => {
    expect(costTerms(plan)).toEqual([
      { term: 'peak', ct: 1000 },
      { term: 'degradation', ct: 233 },
    ]);
  });

  it("lists every step of a station with its reason and its own batteries' setpoints and SoC", () => {
    const rows = planSteps(plan, 'ONS-0003', ['BAT-0003']);
    expect(rows.map((r) => [r.withoutKW, r.plannedKW, r.ratingKW, r.binding])).toEqual([
      [150, 150, 152, 'idle'],
      [182, 148, 152, 'over-rating'],
      [160, 151, 152, 'peak'],
    ]);
    expect(rows[1]?.batteries).toEqual([{ assetId: 'BAT-0003', setpointKW: 34, socPct: 62 }]);
    expect(rows[1]?.startMs).toBe(Date.UTC(2026, 0, 14, 16, 15));
    // another station's battery is not this station's; an unknown station has no plan
    expect(planSteps(plan, 'ONS-0003', ['BAT-0009'])[0]?.batteries).toEqual([]);
    expect(planSteps(plan, 'ONS-0404', ['BAT-0003'])).toEqual([]);
  });
});
