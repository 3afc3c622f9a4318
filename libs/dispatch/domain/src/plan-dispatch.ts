import { buildDispatchModel, DispatchModelIndex, readDispatchPlan } from './dispatch-model';
import { LpModel, LpSolver } from './lp-model';
import { DispatchPlan, DispatchProblem } from './types';

export type PlanOutcome =
  | {
      ok: true;
      plan: DispatchPlan;
      solveMs: number;
      /** Simplex iterations, when the solver reports them. */
      iterations?: number;
      model: { cols: number; rows: number };
    }
  | { ok: false; code: 'DISPATCH.SOLVE_FAILED' | 'DISPATCH.BAD_PROBLEM'; reason: string; solveMs: number };

/**
 * Build → solve → read back. `transform` sees the model before it is solved (fault injection in drills and
 * tests, extra operator constraints); a solver that is not optimal yields a failed outcome, never a throw.
 */
export async function planDispatch(
  problem: DispatchProblem,
  solver: LpSolver,
  options: { timeLimitS?: number; transform?: (model: LpModel, index: DispatchModelIndex) => LpModel } = {},
): Promise<PlanOutcome> {
  let built: ReturnType<typeof buildDispatchModel>;
  try {
    built = buildDispatchModel(problem);
  } catch (err) {
    return {
      ok: false,
      code: 'DISPATCH.BAD_PROBLEM',
      reason: err instanceof Error ? err.message : String(err),
      solveMs: 0,
    };
  }
  const model = options.transform ? options.transform(built.model, built.index) : built.model;
  const started = Date.now();
  let solution;
  try {
    solution = await solver.solve(model, { timeLimitS: options.timeLimitS });
  } catch (err) {
    return {
      ok: false,
      code: 'DISPATCH.SOLVE_FAILED',
      reason: `solver error: ${err instanceof Error ? err.message : String(err)}`,
      solveMs: Date.now() - started,
    };
  }
  if (solution.status !== 'optimal')
    return {
      ok: false,
      code: 'DISPATCH.SOLVE_FAILED',
      reason: `solver status ${solution.status}${solution.detail ? `: ${solution.detail}` : ''}`,
      solveMs: solution.solveMs,
    };
  return {
    ok: true,
    plan: readDispatchPlan(problem, built.index, solution),
    solveMs: solution.solveMs,
    ...(solution.iterations !== undefined ? { iterations: solution.iterations } : {}),
    model: { cols: model.numCols, rows: model.numRows },
  };
}
