/**
 * Orthogonal Matching Pursuit (docs/algorithm.md §9): pick the atom (column of X) most
 * correlated with the residual, refit least squares on the chosen atoms, repeat
 * until the residual vanishes or `maxAtoms` are chosen. The least squares go
 * through ml-matrix's QR solver.
 */
import { Matrix as MlMatrix, solve } from 'ml-matrix';
import { z } from 'zod';
import { type Matrix, norm } from '../linalg/matrix.js';
import { parseOptions } from '../estimators/estimator.js';
import { SparseEstimator, type SparseSolution, type SparseStopReason } from './sparse-fit.js';

export const ompOptionsSchema = z
  .object({
    /** Stop after this many atoms (default: min(n, d)). */
    maxAtoms: z.number().int().positive().optional(),
    /** Stop once ‖r‖ ≤ tol·‖y‖. */
    tol: z.number().nonnegative().finite().default(1e-10),
  })
  .strict();

export type OmpOptions = z.input<typeof ompOptionsSchema>;

export function orthogonalMatchingPursuit(X: Matrix, y: ArrayLike<number>, options: OmpOptions = {}): SparseSolution {
  const n = X.rows,
    d = X.cols;
  if (y.length !== n) throw new RangeError(`y has ${y.length} entries, X has ${n} rows`);
  const o = parseOptions(ompOptionsSchema, options);
  const maxAtoms = Math.min(o.maxAtoms ?? Math.min(n, d), d);
  const yNorm = norm(y);
  const support: number[] = [];
  let coef: number[] = [];
  let r: Float64Array = Float64Array.from(y);
  for (;;) {
    if (support.length >= maxAtoms) return solution(X, y, support, coef, 'max-atoms');
    if (norm(r) <= o.tol * yNorm) return solution(X, y, support, coef, 'tolerance');
    const j = mostCorrelated(X, r, support);
    if (j < 0) return solution(X, y, support, coef, 'no-correlation');
    support.push(j);
    coef = leastSquares(X, y, support);
    r = residualOf(X, y, support, coef);
  }
}

/** OMP as an estimator (one target column): `new OrthogonalMatchingPursuit({ maxAtoms: 5 }).fit(X, Y)`. */
export class OrthogonalMatchingPursuit extends SparseEstimator<z.output<typeof ompOptionsSchema>> {
  readonly algorithm = 'omp';

  constructor(options: OmpOptions = {}) {
    super(parseOptions(ompOptionsSchema, options));
  }

  protected solve(X: Matrix, y: Float64Array): SparseSolution {
    return orthogonalMatchingPursuit(X, y, this.options);
  }
}

/** Column j of X not yet in `exclude` maximizing |X_jᵀ r| (−1 when none correlates). */
export function mostCorrelated(X: Matrix, r: ArrayLike<number>, exclude: number[]): number {
  let best = -1,
    bestValue = 0;
  const c = correlations(X, r);
  for (let j = 0; j < X.cols; j++) {
    if (exclude.includes(j)) continue;
    if (Math.abs(c[j]!) > bestValue) {
      bestValue = Math.abs(c[j]!);
      best = j;
    }
  }
  return best;
}

/** Xᵀ r. */
export function correlations(X: Matrix, r: ArrayLike<number>): Float64Array {
  const c = new Float64Array(X.cols);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) c[j]! += X.data[i * X.cols + j]! * r[i]!;
  return c;
}

/** argmin_β ‖y − X_S β‖ by QR. */
export function leastSquares(X: Matrix, y: ArrayLike<number>, support: number[]): number[] {
  const A = new MlMatrix(X.rows, support.length);
  for (let i = 0; i < X.rows; i++) for (const [k, j] of support.entries()) A.set(i, k, X.data[i * X.cols + j]!);
  return solve(A, MlMatrix.columnVector(Array.from(y))).to1DArray();
}

export function residualOf(X: Matrix, y: ArrayLike<number>, support: number[], coef: ArrayLike<number>): Float64Array {
  const r = Float64Array.from(y);
  for (let i = 0; i < X.rows; i++) for (const [k, j] of support.entries()) r[i]! -= X.data[i * X.cols + j]! * coef[k]!;
  return r;
}

/** Package a support and its coefficients as a full solution. */
export function solution(
  X: Matrix,
  y: ArrayLike<number>,
  support: number[],
  coef: ArrayLike<number>,
  stopReason: SparseStopReason,
): SparseSolution {
  const coefficients = new Array<number>(X.cols).fill(0);
  for (const [k, j] of support.entries()) coefficients[j] = coef[k]!;
  const r = residualOf(X, y, support, coef);
  const yNorm = norm(y);
  return {
    stopReason,
    support: [...support],
    coefficients,
    l1: coefficients.reduce((s, v) => s + Math.abs(v), 0),
    residual: yNorm > 0 ? norm(r) / yNorm : norm(r),
  };
}
