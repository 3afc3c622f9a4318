import type { LpModel, LpSolution, LpSolver } from '@gridwerk/dispatch/domain';
import { HighsLpSolver } from './highs-lp-solver';

export interface SolverPoolOptions {
  /** Worker threads, each one HiGHS instance solving one model at a time (at least 1). */
  size: number;
  /** HiGHS's own time limit per solve, seconds (HiGHS stops and reports `time-limit`). */
  timeLimitS: number;
  /**
   * Wall-clock limit per solve, ms, from the moment a worker takes it: a solve that does not answer by
   * then (a hung worker, or HiGHS not checking its time limit) is abandoned, its worker terminated and
   * replaced. Default: the time limit plus 10 s.
   */
  solveTimeoutMs?: number;
  /** Called when a solve is abandoned (the worker was terminated). */
  onTimeout?: (model: string, timeoutMs: number) => void;
}

const WARM_UP: LpModel = {
  name: 'warm-up',
  numCols: 1,
  numRows: 0,
  colNames: ['x'],
  colCost: new Float64Array([1]),
  colLower: new Float64Array([0]),
  colUpper: new Float64Array([1]),
  rowNames: [],
  rowLower: new Float64Array(0),
  rowUpper: new Float64Array(0),
  rowStarts: new Int32Array([0]),
  colIndices: new Int32Array(0),
  values: new Float64Array(0),
  offset: 0,
};

/** A solve abandoned after its wall-clock limit; its worker was terminated. */
export class SolveTimeoutError extends Error {
  readonly code = 'DISPATCH.SOLVE_TIMEOUT';
  constructor(
    readonly model: string,
    readonly timeoutMs: number,
  ) {
    super(`solve of ${model} did not finish within ${timeoutMs} ms: its worker was terminated`);
    this.name = 'SolveTimeoutError';
  }
}

/**
 * A pool of HiGHS worker threads behind the {@link LpSolver} port: as many feeders solve at once as there
 * are workers, the rest queue. A solve that throws fails alone (its outcome is the caller's); a solve that
 * hangs is cut off by the wall-clock limit and its worker replaced, so one feeder never holds the others.
 */
export class HighsSolverPool implements LpSolver {
  private readonly idle: HighsLpSolver[] = [];
  private readonly waiting: ((s: HighsLpSolver) => void)[] = [];
  private readonly all = new Set<HighsLpSolver>();
  private readonly ready = new Map<HighsLpSolver, Promise<void>>();
  private closed = false;
  readonly size: number;
  readonly solveTimeoutMs: number;

  constructor(private readonly options: SolverPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new RangeError(`solver pool size must be a positive integer, got ${options.size}`);
    this.size = options.size;
    this.solveTimeoutMs = options.solveTimeoutMs ?? options.timeLimitS * 1000 + 10_000;
    for (let i = 0; i < options.size; i++) this.idle.push(this.spawn());
  }

  /** Solves waiting for a free worker. */
  get queued(): number {
    return this.waiting.length;
  }

  async solve(model: LpModel, options: { timeLimitS?: number } = {}): Promise<LpSolution> {
    if (this.closed) throw new Error('solver pool is closed');
    let solver = await this.acquire();
    let timer: NodeJS.Timeout | undefined;
    try {
      // the clock starts once the worker has loaded HiGHS (seconds on a loaded machine), not before
      await this.ready.get(solver);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new SolveTimeoutError(model.name, this.solveTimeoutMs)),
          this.solveTimeoutMs,
        );
      });
      return await Promise.race([
        solver.solve(model, { timeLimitS: options.timeLimitS ?? this.options.timeLimitS }),
        timeout,
      ]);
    } catch (err) {
      if (err instanceof SolveTimeoutError) {
        // the worker may be spinning in WebAssembly: only terminating the thread frees its core
        this.all.delete(solver);
        this.ready.delete(solver);
        void solver.close();
        solver = this.spawn();
        this.options.onTimeout?.(model.name, this.solveTimeoutMs);
      }
      throw err;
    } finally {
      clearTimeout(timer);
      this.release(solver);
    }
  }

  private spawn(): HighsLpSolver {
    const s = new HighsLpSolver({ timeLimitS: this.options.timeLimitS });
    this.all.add(s);
    // load the WebAssembly module now: a trivial model (min x, 0 ≤ x ≤ 1)
    this.ready.set(
      s,
      s.solve(WARM_UP).then(
        () => undefined,
        () => undefined,
      ),
    );
    return s;
  }

  private acquire(): Promise<HighsLpSolver> {
    const s = this.idle.pop();
    if (s) return Promise.resolve(s);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(s: HighsLpSolver): void {
    if (this.closed) {
      void s.close();
      return;
    }
    const next = this.waiting.shift();
    if (next) next(s);
    else this.idle.push(s);
  }

  async close(): Promise<void> {
    this.closed = true;
    const solvers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(solvers.map((s) => s.close()));
  }
}
