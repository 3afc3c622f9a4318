/**
 * A solver-neutral linear program with named variables and named constraints (FlexMeasures / EMHASS
 * style): the dispatch model is built into this shape by a pure function and any LP solver behind the
 * {@link LpSolver} port can solve it. Minimisation; rows are `lower <= Σ coef·x <= upper`.
 */
export interface LpModel {
  readonly name: string;
  readonly numCols: number;
  readonly numRows: number;
  readonly colNames: readonly string[];
  readonly colCost: Float64Array;
  readonly colLower: Float64Array;
  readonly colUpper: Float64Array;
  readonly rowNames: readonly string[];
  readonly rowLower: Float64Array;
  readonly rowUpper: Float64Array;
  /** Compressed sparse rows: row i has entries rowStarts[i] .. rowStarts[i+1]-1. */
  readonly rowStarts: Int32Array;
  readonly colIndices: Int32Array;
  readonly values: Float64Array;
  /** Constant added to the objective. */
  readonly offset: number;
}

export type LpStatus = 'optimal' | 'infeasible' | 'unbounded' | 'time-limit' | 'error';

export interface LpSolution {
  readonly status: LpStatus;
  readonly objective: number;
  /** Primal values in column order (empty unless optimal). */
  readonly colValues: Float64Array;
  readonly solveMs: number;
  /** Simplex iterations the solver took, when it reports them: a load-independent measure of the work. */
  readonly iterations?: number;
  readonly detail?: string;
}

/** The solver port: HiGHS in a worker thread in production, anything else in principle. */
export interface LpSolver {
  solve(model: LpModel, options?: { timeLimitS?: number }): Promise<LpSolution>;
}

/** Incremental builder; variables and constraints are referenced by index and carry unique names. */
export class LpBuilder {
  private readonly names: string[] = [];
  private readonly cost: number[] = [];
  private readonly lower: number[] = [];
  private readonly upper: number[] = [];
  private readonly rowNames: string[] = [];
  private readonly rowLower: number[] = [];
  private readonly rowUpper: number[] = [];
  private readonly starts: number[] = [0];
  private readonly cols: number[] = [];
  private readonly vals: number[] = [];
  private offset = 0;

  constructor(private readonly modelName: string) {}

  variable(name: string, lower: number, upper: number, cost = 0): number {
    if (!(lower <= upper)) throw new RangeError(`variable ${name}: lower ${lower} > upper ${upper}`);
    this.names.push(name);
    this.lower.push(lower);
    this.upper.push(upper);
    this.cost.push(cost);
    return this.names.length - 1;
  }

  addCost(col: number, cost: number): void {
    this.cost[col] = (this.cost[col] ?? 0) + cost;
  }

  addOffset(value: number): void {
    this.offset += value;
  }

  /** `lower <= Σ coef·x <= upper`; terms on the same variable are summed. */
  constraint(
    name: string,
    terms: readonly (readonly [number, number])[],
    lower: number,
    upper: number,
  ): number {
    // rows are short (a battery's few terms, a station's batteries): a scan of the row so far merges repeated
    // variables without the Map per row that made this the hottest line of building the 50 x 96 LP
    const start = this.cols.length;
    for (const [col, coef] of terms) {
      if (coef === 0) continue;
      let k = start;
      const end = this.cols.length;
      while (k < end && this.cols[k] !== col) k++;
      if (k < end) this.vals[k] += coef;
      else {
        this.cols.push(col);
        this.vals.push(coef);
      }
    }
    this.starts.push(this.cols.length);
    this.rowNames.push(name);
    this.rowLower.push(lower);
    this.rowUpper.push(upper);
    return this.rowNames.length - 1;
  }

  build(): LpModel {
    return {
      name: this.modelName,
      numCols: this.names.length,
      numRows: this.rowNames.length,
      colNames: this.names,
      colCost: Float64Array.from(this.cost),
      colLower: Float64Array.from(this.lower),
      colUpper: Float64Array.from(this.upper),
      rowNames: this.rowNames,
      rowLower: Float64Array.from(this.rowLower),
      rowUpper: Float64Array.from(this.rowUpper),
      rowStarts: Int32Array.from(this.starts),
      colIndices: Int32Array.from(this.cols),
      values: Float64Array.from(this.vals),
      offset: this.offset,
    };
  }
}

/** Row activities of a solution (for explaining a plan and for checking constraints in tests). */
export function rowActivity(model: LpModel, x: Float64Array, row: number): number {
  let s = 0;
  for (let k = model.rowStarts[row]; k < model.rowStarts[row + 1]; k++)
    s += model.values[k] * x[model.colIndices[k]];
  return s;
}

/**
 * Adds rows to a copy of a model: used to inject faults (an infeasible pair of rows) in tests and drills,
 * and by callers that tighten a model without rebuilding it.
 */
export function withExtraRows(
  model: LpModel,
  rows: readonly {
    name: string;
    terms: readonly (readonly [number, number])[];
    lower: number;
    upper: number;
  }[],
): LpModel {
  const starts = Array.from(model.rowStarts);
  const cols = Array.from(model.colIndices);
  const vals = Array.from(model.values);
  for (const r of rows) {
    for (const [c, v] of r.terms) {
      cols.push(c);
      vals.push(v);
    }
    starts.push(cols.length);
  }
  return {
    ...model,
    numRows: model.numRows + rows.length,
    rowNames: [...model.rowNames, ...rows.map((r) => r.name)],
    rowLower: Float64Array.from([...model.rowLower, ...rows.map((r) => r.lower)]),
    rowUpper: Float64Array.from([...model.rowUpper, ...rows.map((r) => r.upper)]),
    rowStarts: Int32Array.from(starts),
    colIndices: Int32Array.from(cols),
    values: Float64Array.from(vals),
  };
}
