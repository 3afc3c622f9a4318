export { HighsLpSolver } from './lib/highs-lp-solver';
