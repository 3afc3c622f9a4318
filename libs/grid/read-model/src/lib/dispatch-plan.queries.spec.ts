import { aboveRatingDay } from './dispatch-plan.queries';

const T0 = Date.UTC(2026, 0, 14, 16, 0);
const q = (i: number, loadP50W: number, plannedW: number, ratingW = 100_000) => ({
  intervalStartMs: T0 + i * 900_000,
  loadP50W,
  plannedW,
  ratingW,
});

describe('energy above the rating avoided by the batteries', () => {
  it('sums, per quarter hour, what the plan took off above the rating, in Wh', () => {
    // 20 kW over for ¼ h = 5,000 Wh without; planned 4 kW over = 1,000 Wh; below the rating counts nothing
    const day = aboveRatingDay([q(0, 120_000, 104_000), q(1, 90_000, 95_000), q(2, 110_000, 100_000)]);
    expect(day).toEqual({
      quarterHours: 3,
      withoutBatteriesWh: 5_000 + 2_500,
      plannedWh: 1_000,
      avoidedWh: 6_500,
    });
  });

  it('counts each quarter hour once and ignores steps off the quarter-hour grid', () => {
    const day = aboveRatingDay([
      q(0, 120_000, 100_000),
      q(0, 500_000, 100_000),
      { ...q(1, 200_000, 0), intervalStartMs: T0 + 60_000 },
    ]);
    expect(day).toEqual({ quarterHours: 1, withoutBatteriesWh: 5_000, plannedWh: 0, avoidedWh: 5_000 });
  });

  it('never reports a negative saving when the plan is above the forecast', () => {
    expect(aboveRatingDay([q(0, 100_000, 120_000)]).avoidedWh).toBe(0);
    expect(aboveRatingDay([])).toEqual({
      quarterHours: 0,
      withoutBatteriesWh: 0,
      plannedWh: 0,
      avoidedWh: 0,
    });
  });
});
