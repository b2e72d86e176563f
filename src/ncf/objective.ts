/**
 * A constrained neural correlation function, evaluated for many points at
 * once (one per PGA restart). Points are the rows of a matrix so that all
 * restarts advance together.
 */
import type { Matrix } from '../linalg/matrix.js';

export interface NcfObjective {
  /** Dimension of one point w. */
  readonly dim: number;
  /** Degree of homogeneity of N (so ∇N(w)·w = degree · N(w)). */
  readonly degree: number;
  /** values[r] = N(w_r) and row r of grads = ∇N(w_r), for every row w_r of points. */
  evaluate(points: Matrix, values: Float64Array, grads: Matrix): void;
}
