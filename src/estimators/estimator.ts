/**
 * The shape every algorithm shares, after scikit-learn's estimators: options
 * go to the constructor, validated at once (a bad one throws naming the field);
 * `fit(X, Y, extras)` returns a fitted object that holds everything learned,
 * with `predict`, `history`, `summary()` and `toJSON()`. src/estimators/registry.ts
 * lists the algorithms.
 */
import type { z } from 'zod';
import { type Matrix, type MatrixLike, allFinite, toMatrix } from '../linalg/matrix.js';
import { type Preprocessing, fitPreprocessing, transformInputs, transformTargets } from '../model/preprocessing.js';
import type { PursuitEvent } from '../pursuit/history.js';

/** Targets: a Matrix, rows of numbers, or one column as a flat array. */
export type TargetsLike = MatrixLike | readonly number[];

export interface FitExtras {
  /** A held-out set: its error is recorded (every iteration, where the algorithm has iterations). */
  testX?: MatrixLike;
  testY?: TargetsLike;
  /** Called as the fit progresses (Neuron Pursuit: iteration start and end, NCF, GD checks). */
  onEvent?: (event: PursuitEvent) => void;
}

/** Raised when the data cannot be fitted at all (empty, non-finite, nothing to learn). */
export class DataError extends Error {
  override name = 'DataError';
}

/**
 * What every fitted estimator reports; `summary()` adds the algorithm's own fields, in the order `train`
 * prints them.
 */
export interface FitSummary {
  stopReason: string;
  /** One line saying why the fit stopped, where the algorithm has one. */
  stopMessage?: string;
  /** Relative squared errors Σ‖ŷ − y‖² / Σ‖y‖² (docs/algorithm.md §2). */
  trainError: number;
  testError?: number;
  /** Argmax classification errors, when the options ask for them. */
  trainClassError?: number;
  testClassError?: number;
  /** Hidden widths of the learned network (a linear model: the number of atoms it uses). */
  widths: number[];
}

/** A fitted model as JSON: the algorithm, its options, its summary and history, and the model itself. */
export interface FittedJSON {
  algorithm: string;
  options: object;
  summary: FitSummary;
  history: readonly object[];
  model: unknown;
}

export interface Fitted {
  /** The registry name of the algorithm that fitted it. */
  readonly algorithm: string;
  /** The estimator's resolved options. */
  readonly options: object;
  /** One record per iteration (or per check, for plain gradient descent). */
  readonly history: readonly object[];
  readonly iterations: number;
  /** Gradient descent steps taken in all. */
  readonly gdSteps: number;
  /** Predictions for raw inputs (a Matrix or rows of numbers), in the units of the targets fitted. */
  predict(X: MatrixLike): Matrix;
  summary(): FitSummary;
  toJSON(): FittedJSON;
}

export interface Estimator<F extends Fitted = Fitted> {
  readonly options: object;
  fit(X: MatrixLike, Y: TargetsLike, extras?: FitExtras): F;
}

/** Validate options against a schema; a bad option throws one line naming the field ("option depth: …"). */
export function parseOptions<S extends z.ZodType>(schema: S, options: unknown): z.output<S> {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `option ${issue.path.join('.')}: ` : '';
    throw new RangeError(`${where}${issue.message}`);
  }
  return parsed.data;
}

/** The training and test sets as matrices (rows of numbers are copied), each named in the error a bad one gets. */
export function asMatrices(
  X: MatrixLike,
  Y: TargetsLike,
  extras: FitExtras = {},
): { X: Matrix; Y: Matrix; testX?: Matrix; testY?: Matrix } {
  const matrices = <T>(what: () => T): T => {
    try {
      return what();
    } catch (err) {
      throw new DataError((err as Error).message);
    }
  };
  return matrices(() => ({
    X: toMatrix(X, 'X'),
    Y: toMatrix(Y, 'Y', true),
    ...(extras.testX !== undefined ? { testX: toMatrix(extras.testX, 'testX') } : {}),
    ...(extras.testY !== undefined ? { testY: toMatrix(extras.testY, 'testY', true) } : {}),
  }));
}

/** Throws a DataError unless X, Y (and the test set, when given) can be fitted. */
export function checkFitData(X: Matrix, Y: Matrix, test: { testX?: Matrix; testY?: Matrix } = {}): void {
  checkData(X, Y, 'training');
  const { testX, testY } = test;
  if ((testX === undefined) !== (testY === undefined)) throw new DataError('give both testX and testY, or neither');
  if (testX && testY) {
    checkData(testX, testY, 'test');
    if (testX.cols !== X.cols)
      throw new DataError(`test inputs have ${testX.cols} features, training inputs ${X.cols}`);
    if (testY.cols !== Y.cols)
      throw new DataError(`test targets have ${testY.cols} outputs, training targets ${Y.cols}`);
  }
}

/** What a network estimator trains on: the checked data, through the preprocessing its options ask for. */
export interface PreparedData {
  X: Matrix;
  Y: Matrix;
  testX?: Matrix;
  testY?: Matrix;
  preprocessing?: Preprocessing;
}

/**
 * Check the data, then fit the preprocessing that `intercept` and `standardize` ask for on the training set and
 * apply it to both sets (src/model/preprocessing.ts): the network trains, and its errors are measured, on the result.
 */
export function prepareData(
  X: MatrixLike,
  Y: TargetsLike,
  extras: FitExtras,
  options: { intercept: boolean; standardize: boolean },
): PreparedData {
  const raw = asMatrices(X, Y, extras);
  checkFitData(raw.X, raw.Y, raw);
  const p = fitPreprocessing(raw.X, raw.Y, options);
  return {
    X: transformInputs(p, raw.X),
    Y: transformTargets(p, raw.Y),
    ...(raw.testX && raw.testY ? { testX: transformInputs(p, raw.testX), testY: transformTargets(p, raw.testY) } : {}),
    ...(p ? { preprocessing: p } : {}),
  };
}

function checkData(X: Matrix, Y: Matrix, which: string): void {
  if (X.rows === 0) throw new DataError(`the ${which} set is empty`);
  if (X.cols === 0) throw new DataError(`the ${which} set has no feature columns`);
  if (Y.cols === 0) throw new DataError(`the ${which} set has no target column`);
  if (Y.rows !== X.rows) throw new DataError(`the ${which} set has ${X.rows} inputs but ${Y.rows} targets`);
  if (!allFinite(X.data)) throw new DataError(`the ${which} inputs contain NaN or infinite values`);
  if (!allFinite(Y.data)) throw new DataError(`the ${which} targets contain NaN or infinite values`);
}
