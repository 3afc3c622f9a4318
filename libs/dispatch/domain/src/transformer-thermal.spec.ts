import {
  ONAN_DISTRIBUTION_TRANSFORMER,
  ThermalModelError,
  TransformerThermalParameters,
  relativeAgeingRate,
  simulateTransformerThermal,
  steadyThermalState,
} from './transformer-thermal';

/**
 * The loading guide's worked example (IEC 60076-7, the ONAF transformer of the annex on calculating and
 * presenting overload data): Δθor 38.3 K, H·gr 1.4 × 14.5 K, R 1000, x 0.8, y 1.3, k11 0.5, k21 2.0,
 * k22 2.0, τo 150 min, τw 7 min, ambient 25.6 °C, initial top oil 38.3 °C; load factor 1.0 until 190 min,
 * 0.6 until 365, 1.5 until 500, 0.3 until 705, 2.1 until 730, 0 until 745.
 */
const IEC_EXAMPLE: TransformerThermalParameters = {
  topOilRiseK: 38.3,
  hotSpotFactor: 1.4,
  windingGradientK: 14.5,
  lossRatio: 1000,
  oilExponent: 0.8,
  windingExponent: 1.3,
  k11: 0.5,
  k21: 2.0,
  k22: 2.0,
  oilTimeConstantMin: 150,
  windingTimeConstantMin: 7,
  paper: 'normal',
};
const AMBIENT = 25.6;
const PERIODS: readonly [number, number][] = [
  [190, 1.0],
  [365, 0.6],
  [500, 1.5],
  [705, 0.3],
  [730, 2.1],
  [745, 0],
];
/** The standard's table: minutes, top oil °C, hot spot °C at the end of each period. */
const TABLE: readonly [number, number, number][] = [
  [190, 61.9, 83.8],
  [365, 44.4, 54.0],
  [500, 89.2, 127.0],
  [705, 35.0, 37.5],
  [730, 67.9, 138.6],
  [745, 60.3, 75.3],
];

describe('IEC 60076-7 thermal model', () => {
  it('reproduces the worked example of the loading guide (top oil within 1 K, hot spot within 1.5 K)', () => {
    // a steady state at K = 0.5 is the example's initial 38.3 °C top oil (12.7 K over ambient)
    const initial = steadyThermalState(IEC_EXAMPLE, 0.5, AMBIENT);
    expect(initial.topOilC).toBeCloseTo(38.3, 0);
    let from = 0;
    const steps = PERIODS.map(([until, k]) => {
      const step = { loadFactor: k, ambientC: AMBIENT, minutes: until - from };
      from = until;
      return step;
    });
    const result = simulateTransformerThermal(IEC_EXAMPLE, steps, initial);
    result.samples.forEach((sample, i) => {
      const [minutes, topOil, hotSpot] = TABLE[i];
      expect(sample.atMin).toBe(minutes);
      expect(Math.abs(sample.topOilC - topOil)).toBeLessThan(1);
      // the table is printed to 0.1 K from the standard's own (coarser) time step; ours is ≤ 1 minute
      expect(Math.abs(sample.hotSpotC - hotSpot)).toBeLessThan(1.5);
    });
    expect(result.maxHotSpotC).toBeGreaterThan(138);
  });

  it('ages at rate 1 at the 98 °C reference, doubling every 6 K (normal paper)', () => {
    expect(relativeAgeingRate(98, 'normal')).toBeCloseTo(1, 10);
    expect(relativeAgeingRate(104, 'normal')).toBeCloseTo(2, 10);
    expect(relativeAgeingRate(86, 'normal')).toBeCloseTo(0.25, 10);
    // the loading guide's table of V for thermally upgraded paper: 0.282 at 98 °C, 1.0 at 110 °C, 3.29 at 122 °C
    expect(relativeAgeingRate(110, 'upgraded')).toBeCloseTo(1, 10);
    expect(relativeAgeingRate(98, 'upgraded')).toBeCloseTo(0.282, 3);
    expect(relativeAgeingRate(122, 'upgraded')).toBeCloseTo(3.29, 2);
  });

  it('ONAN distribution defaults: rated load at 20 °C settles at the 98 °C reference, one hour of life per hour', () => {
    const p = ONAN_DISTRIBUTION_TRANSFORMER;
    const steady = steadyThermalState(p, 1, 20);
    expect(steady.topOilC + steady.hotSpotRise1K - steady.hotSpotRise2K).toBeCloseTo(98.1, 5);
    const day = simulateTransformerThermal(
      p,
      Array.from({ length: 96 }, () => ({ loadFactor: 1, ambientC: 20, minutes: 15 })),
      steady,
    );
    expect(day.lossOfLifeHours).toBeCloseTo(24 * relativeAgeingRate(98.1, 'normal'), 6);
  });

  it('an overload ages more, and a shaved peak less, than the same energy spread out', () => {
    const p = ONAN_DISTRIBUTION_TRANSFORMER;
    const base = Array.from({ length: 96 }, (_, i) => ({
      loadFactor: i >= 68 && i < 80 ? 1.4 : 0.6,
      ambientC: 5,
      minutes: 15,
    }));
    const shaved = base.map((s) => ({ ...s, loadFactor: Math.min(s.loadFactor, 1.0) }));
    const start = steadyThermalState(p, 0.6, 5);
    const a = simulateTransformerThermal(p, base, start);
    const b = simulateTransformerThermal(p, shaved, start);
    expect(a.maxHotSpotC).toBeGreaterThan(b.maxHotSpotC + 10);
    expect(a.lossOfLifeHours).toBeGreaterThan(b.lossOfLifeHours);
    expect(a.meanAgeingRate).toBeCloseTo(a.lossOfLifeHours / 24, 10);
  });

  it('refuses a negative load factor or a non-positive interval with a stable code', () => {
    const start = steadyThermalState(ONAN_DISTRIBUTION_TRANSFORMER, 0, 10);
    expect(() =>
      simulateTransformerThermal(
        ONAN_DISTRIBUTION_TRANSFORMER,
        [{ loadFactor: -1, ambientC: 10, minutes: 15 }],
        start,
      ),
    ).toThrow(ThermalModelError);
    try {
      simulateTransformerThermal(
        ONAN_DISTRIBUTION_TRANSFORMER,
        [{ loadFactor: 1, ambientC: 10, minutes: 0 }],
        start,
      );
    } catch (e) {
      expect((e as ThermalModelError).code).toBe('DISPATCH.THERMAL_INPUT');
    }
  });
});
