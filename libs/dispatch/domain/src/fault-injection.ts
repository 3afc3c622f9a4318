import { LpModel, withExtraRows } from './lp-model';

/**
 * Makes a model infeasible on purpose (`x0 ≥ 1` and `x0 ≤ 0`): the drill for the solver-failure path.
 * The dispatch service applies it only when its fault-injection setting asks for it.
 */
export function injectInfeasibility(model: LpModel): LpModel {
  if (model.numCols === 0) return model;
  return withExtraRows(model, [
    { name: 'fault_injection_at_least_one', terms: [[0, 1]], lower: 1, upper: Number.POSITIVE_INFINITY },
    { name: 'fault_injection_at_most_zero', terms: [[0, 1]], lower: Number.NEGATIVE_INFINITY, upper: 0 },
  ]);
}
