/**
 * The estimator shape for the sparse linear models of the diagonal-network
 * experiment (OMP, and NP and small-init GD on H(x) = Σ u_j v_j x_j): each
 * learns coefficients β on a support of atoms (columns of X) from one target
 * column, and predicts Xβ.
 */
import {
  DataError,
  type Estimator,
  type FitExtras,
  type Fitted,
  type FitSummary,
  type FittedJSON,
  type TargetsLike,
  asMatrices,
  checkFitData,
} from '../estimators/estimator.js';
import { type Matrix, type MatrixLike, toMatrix, zeros } from '../linalg/matrix.js';
import { relativeError } from '../model/metrics.js';

/** Why a pursuit stopped choosing atoms: the residual is small, the atom cap is reached, or no atom correlates. */
export type SparseStopReason = 'tolerance' | 'max-atoms' | 'no-correlation' | 'converged' | 'max-steps';

export interface SparseSolution {
  stopReason: SparseStopReason;
  /** Chosen columns, in the order they were selected. */
  support: number[];
  /** One coefficient per column of X (zero off the support). */
  coefficients: number[];
  l1: number;
  /** ‖y − Xβ‖ / ‖y‖. */
  residual: number;
}

/** A solver's answer: the solution, with NP's NCF value per atom and the GD steps taken where it has them. */
export type SparseFit = SparseSolution & { ncfValues?: number[]; steps?: number };

export abstract class SparseEstimator<O extends object> implements Estimator<FittedSparseLinear> {
  abstract readonly algorithm: string;

  constructor(readonly options: O) {}

  /** The solver on the checked data (y is the single target column). */
  protected abstract solve(X: Matrix, y: Float64Array): SparseFit;

  fit(X: MatrixLike, Y: TargetsLike, extras: FitExtras = {}): FittedSparseLinear {
    const data = asMatrices(X, Y, extras);
    checkFitData(data.X, data.Y, data);
    if (data.Y.cols !== 1) throw new DataError(`${this.algorithm} fits one target column, got ${data.Y.cols}`);
    const fitted = new FittedSparseLinear(this.algorithm, this.options, this.solve(data.X, data.Y.data));
    if (data.testX && data.testY) fitted.testError = relativeError(fitted.predict(data.testX), data.testY);
    return fitted;
  }
}

/** The sparse model's summary: `FitSummary` with the solution (`widths` is [number of atoms]). */
export interface SparseSummary extends FitSummary, Omit<SparseSolution, 'stopReason'> {}

export class FittedSparseLinear implements Fitted {
  /** Relative squared error on the test set given to `fit`. */
  testError?: number;

  constructor(
    readonly algorithm: string,
    readonly options: object,
    readonly solution: SparseFit,
  ) {}

  /** The atoms in the order they were chosen (NP: with the NCF value that chose each). */
  get history(): { iteration: number; atom: number; ncfValue?: number }[] {
    const { support, ncfValues } = this.solution;
    return support.map((atom, k) => ({ iteration: k + 1, atom, ...(ncfValues ? { ncfValue: ncfValues[k] } : {}) }));
  }

  get iterations(): number {
    return this.solution.support.length;
  }

  get gdSteps(): number {
    return this.solution.steps ?? 0;
  }

  /** Xβ, one column. */
  predict(inputs: MatrixLike): Matrix {
    const X = toMatrix(inputs);
    const { coefficients } = this.solution;
    if (X.cols !== coefficients.length)
      throw new RangeError(`inputs have ${X.cols} features, the model takes ${coefficients.length}`);
    const out = zeros(X.rows, 1);
    for (let i = 0; i < X.rows; i++) {
      let s = 0;
      for (const j of this.solution.support) s += X.data[i * X.cols + j]! * coefficients[j]!;
      out.data[i] = s;
    }
    return out;
  }

  summary(): SparseSummary {
    const { stopReason, support, coefficients, l1, residual } = this.solution;
    return {
      stopReason,
      trainError: residual * residual,
      ...(this.testError !== undefined ? { testError: this.testError } : {}),
      widths: [support.length],
      support,
      coefficients,
      l1,
      residual,
    };
  }

  toJSON(): FittedJSON {
    const { support, coefficients } = this.solution;
    return {
      algorithm: this.algorithm,
      options: this.options,
      summary: this.summary(),
      history: this.history,
      model: { support, coefficients },
    };
  }
}
