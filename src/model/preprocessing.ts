/**
 * What a model does to raw inputs before its network, and to the network's
 * outputs after it (docs/algorithm.md §13). The network has no biases, so it
 * cannot shift its output: an intercept appends a constant-1 input (the network
 * stays homogeneous in the augmented input), and standardization centres and
 * scales features and targets. One place for the math, which fitted
 * estimators and loaded models (src/io/model-format.ts) both apply:
 *
 *   x' = (x − featureMean) / featureScale,  then [x', 1] with an intercept;
 *   prediction = H(x') · targetScale + targetMean,
 *
 * each of the four applied when present (the model format's contract, which the ONNX export follows too).
 */
import { z } from 'zod';
import { type Matrix, type MatrixLike, toMatrix, zeros } from '../linalg/matrix.js';

export interface Preprocessing {
  /** Append a constant-1 column to the (standardized) features: the network takes features + 1 inputs. */
  intercept: boolean;
  /** Per feature: subtracted, then divided by (standardization). */
  featureMean?: number[];
  featureScale?: number[];
  /** Per target: the network's outputs are multiplied by targetScale, then targetMean is added. */
  targetMean?: number[];
  targetScale?: number[];
}

/** The estimator options that ask for it, shared by every network estimator. */
export const preprocessingOptions = {
  /** Append a constant-1 input, which plays the role of a bias. */
  intercept: z.boolean().default(false),
  /** Centre and scale every feature and target to mean 0 and standard deviation 1 on the training set. */
  standardize: z.boolean().default(false),
};

/** The preprocessing that `intercept` and `standardize` ask for, fitted on the training set (none for neither). */
export function fitPreprocessing(
  X: Matrix,
  Y: Matrix,
  options: { intercept: boolean; standardize: boolean },
): Preprocessing | undefined {
  if (!options.intercept && !options.standardize) return undefined;
  if (!options.standardize) return { intercept: true };
  // A constant column gets scale 1 (as scikit-learn's StandardScaler), so it becomes 0 rather than NaN.
  const scale = (sd: number[]) => sd.map((s) => (s > 0 ? s : 1));
  const features = columnStatistics(X),
    targets = columnStatistics(Y);
  return {
    intercept: options.intercept,
    featureMean: features.mean,
    featureScale: scale(features.sd),
    targetMean: targets.mean,
    targetScale: scale(targets.sd),
  };
}

/** Mean and population standard deviation of each column (two passes, for accuracy). */
export function columnStatistics(M: Matrix): { mean: number[]; sd: number[] } {
  const mean: number[] = [],
    sd: number[] = [];
  for (let j = 0; j < M.cols; j++) {
    let s = 0;
    for (let i = 0; i < M.rows; i++) s += M.data[i * M.cols + j]!;
    const mu = s / M.rows;
    let v = 0;
    for (let i = 0; i < M.rows; i++) v += (M.data[i * M.cols + j]! - mu) ** 2;
    mean.push(mu);
    sd.push(Math.sqrt(v / M.rows));
  }
  return { mean, sd };
}

/** How many raw features a network of `inputDim` inputs reads under `p`. */
export function rawFeatureCount(inputDim: number, p: Preprocessing | undefined): number {
  return p?.intercept ? inputDim - 1 : inputDim;
}

/** Raw features → the network's inputs. */
export function transformInputs(p: Preprocessing | undefined, X: Matrix): Matrix {
  if (!p) return X;
  const { featureMean: mean, featureScale: scale } = p;
  const d = X.cols,
    cols = p.intercept ? d + 1 : d;
  const out = zeros(X.rows, cols);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < d; j++) {
      const x = X.data[i * d + j]!;
      out.data[i * cols + j] = (x - (mean?.[j] ?? 0)) / (scale?.[j] ?? 1);
    }
    if (p.intercept) out.data[i * cols + d] = 1;
  }
  return out;
}

/** Raw targets → what the network is trained to output. */
export function transformTargets(p: Preprocessing | undefined, Y: Matrix): Matrix {
  const { targetMean: mean, targetScale: scale } = p ?? {};
  if (!mean && !scale) return Y;
  return mapColumns(Y, (y, j) => (y - (mean?.[j] ?? 0)) / (scale?.[j] ?? 1));
}

/** The network's outputs → predictions in the units of the raw targets. */
export function restoreTargets(p: Preprocessing | undefined, H: Matrix): Matrix {
  const { targetMean: mean, targetScale: scale } = p ?? {};
  if (!mean && !scale) return H;
  return mapColumns(H, (h, j) => h * (scale?.[j] ?? 1) + (mean?.[j] ?? 0));
}

/** Predictions of `forward` (a network's H) for raw features: the one path every `predict` takes. */
export function predictRaw(
  forward: (X: Matrix) => Matrix,
  inputDim: number,
  p: Preprocessing | undefined,
  X: MatrixLike,
): Matrix {
  const raw = toMatrix(X, 'X');
  const d = rawFeatureCount(inputDim, p);
  if (raw.cols !== d) throw new RangeError(`the model takes ${d} feature columns, got ${raw.cols}`);
  return restoreTargets(p, forward(transformInputs(p, raw)));
}

/**
 * Target columns whose mean is large against their spread (|mean| > standard deviation): a network without
 * biases fits them badly unless an intercept or standardization is on. The hint `train` prints.
 */
export function offsetTargets(Y: Matrix): { column: number; mean: number; spread: number }[] {
  const { mean, sd } = columnStatistics(Y);
  return mean.flatMap((mu, j) => (Math.abs(mu) > sd[j]! ? [{ column: j, mean: mu, spread: sd[j]! }] : []));
}

function mapColumns(M: Matrix, f: (v: number, column: number) => number): Matrix {
  const out = zeros(M.rows, M.cols);
  for (let i = 0; i < M.rows; i++)
    for (let j = 0; j < M.cols; j++) out.data[i * M.cols + j] = f(M.data[i * M.cols + j]!, j);
  return out;
}
