import {
  BatteryInput,
  buildDispatchModel,
  DEFAULT_PARAMETERS,
  DispatchProblem,
  LpModel,
  planDispatch,
} from '@gridwerk/dispatch/domain';
import { HighsSolverPool, SolveTimeoutError } from './highs-solver-pool';
import { testBattery } from './testing/battery.fixture';

// The real HiGHS in real worker threads: a hung solve is cut off and its worker replaced, a failing one fails
// alone, and the other feeders' solves finish.
jest.setTimeout(180_000);

const T0 = Date.parse('2026-01-13T16:00:00.000Z');

function battery(assetId: string, site: string): BatteryInput {
  return testBattery({ assetId, secondarySubstationId: site });
}

/** A feeder's problem: `sites` stations with `perSite` batteries over `steps` quarter hours, evening peak. */
function feeder(id: string, sites: number, perSite: number, steps: number): DispatchProblem {
  const loadWh = Array.from(
    { length: steps },
    (_, t) => 250 * (150 + 120 * Math.sin((t / 96) * 2 * Math.PI)),
  );
  return {
    scopeId: id,
    startMs: T0,
    steps,
    sites: Array.from({ length: sites }, (_, k) => ({
      secondarySubstationId: `${id}-ONS-${k}`,
      ratedKva: 250,
      forecast: { p10Wh: loadWh, p50Wh: loadWh, p90Wh: loadWh.map((x) => x * 1.1) },
    })),
    batteries: Array.from({ length: sites * perSite }, (_, b) =>
      battery(`${id}-BAT-${b}`, `${id}-ONS-${Math.floor(b / perSite)}`),
    ),
    pricesCtPerKWh: new Array<number>(steps).fill(20),
    dimming: [],
    parameters: { ...DEFAULT_PARAMETERS, powerFactor: 1 },
  };
}

describe('HiGHS solver pool', () => {
  it('solves feeders on several workers at once and all of them optimally', async () => {
    const pool = new HighsSolverPool({ size: 2, timeLimitS: 60 });
    try {
      const outcomes = await Promise.all(
        ['F1', 'F2', 'F3', 'F4'].map((id) => planDispatch(feeder(id, 1, 1, 8), pool)),
      );
      expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true]);
    } finally {
      await pool.close();
    }
  });

  it('cuts off a hung solve, replaces its worker, and the other feeders are still planned', async () => {
    const timeouts: string[] = [];
    // HiGHS's own limit far away: only the pool's wall-clock limit can stop the big solve
    const pool = new HighsSolverPool({
      size: 2,
      timeLimitS: 600,
      solveTimeoutMs: 1_500,
      onTimeout: (model) => timeouts.push(model),
    });
    try {
      const big = feeder('BIG', 40, 5, 384); // 200 batteries over 4 days: many seconds of simplex
      const small = ['S1', 'S2', 'S3'].map((id) => feeder(id, 1, 1, 8));
      const started = Date.now();
      const [bigOutcome, ...smallOutcomes] = await Promise.all([
        planDispatch(big, pool),
        ...small.map((p) => planDispatch(p, pool)),
      ]);
      expect(bigOutcome.ok).toBe(false);
      if (!bigOutcome.ok) {
        expect(bigOutcome.code).toBe('DISPATCH.SOLVE_FAILED');
        expect(bigOutcome.reason).toMatch(/did not finish within 1500 ms: its worker was terminated/);
      }
      expect(smallOutcomes.map((o) => o.ok)).toEqual([true, true, true]);
      expect(timeouts).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(60_000);
      // the replacement workers solve again
      const again = await Promise.all([planDispatch(small[0], pool), planDispatch(small[1], pool)]);
      expect(again.map((o) => o.ok)).toEqual([true, true]);
    } finally {
      await pool.close();
    }
  });

  it('rejects with SolveTimeoutError to a direct caller', async () => {
    const pool = new HighsSolverPool({ size: 1, timeLimitS: 600, solveTimeoutMs: 200 });
    try {
      const { model } = buildDispatchModel(feeder('BIG', 40, 5, 384));
      await expect(pool.solve(model)).rejects.toBeInstanceOf(SolveTimeoutError);
    } finally {
      await pool.close();
    }
  });

  it('a model HiGHS cannot take fails alone; the feeders beside it are planned', async () => {
    const pool = new HighsSolverPool({ size: 2, timeLimitS: 60 });
    try {
      const broken: LpModel = {
        name: 'broken',
        numCols: 2,
        numRows: 1,
        colNames: ['a', 'b'],
        colCost: new Float64Array([1, 1]),
        colLower: new Float64Array([0, 0]),
        colUpper: new Float64Array([1, 1]),
        rowNames: ['r'],
        rowLower: new Float64Array([1]),
        rowUpper: new Float64Array([1]),
        // row 0 points at column 7 of 2
        rowStarts: new Int32Array([0, 2]),
        colIndices: new Int32Array([0, 7]),
        values: new Float64Array([1, 1]),
        offset: 0,
      };
      const [b, ...rest] = await Promise.all([
        pool.solve(broken).then(
          (s) => s.status,
          (e: unknown) => (e instanceof Error ? 'threw' : 'unknown'),
        ),
        planDispatch(feeder('S1', 1, 1, 8), pool),
        planDispatch(feeder('S2', 1, 1, 8), pool),
      ]);
      expect(b).not.toBe('optimal');
      expect(rest.map((o) => o.ok)).toEqual([true, true]);
    } finally {
      await pool.close();
    }
  });

  it('refuses a pool without workers', () => {
    expect(() => new HighsSolverPool({ size: 0, timeLimitS: 1 })).toThrow(/positive integer/);
  });
});
