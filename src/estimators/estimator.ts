/**
 * The shape every algorithm shares, after scikit-learn's estimators: options
 * go to the constructor, validated at once (a bad one throws naming the field);
 * `fit(X, Y, extras)` returns a fitted object that holds everything learned,
 * with `predict`, `history`, `summary()` and `toJSON()`. src/estimators/registry.ts
 * lists the algorithms.
 */
import type { z } from 'zod';
import { type Matrix, allFinite } from '../linalg/matrix.js';
import type { PursuitEvent } from '../pursuit/history.js';

export interface FitExtras {
  /** A held-out set: its error is recorded (every iteration, where the algorithm has iterations). */
  testX?: Matrix;
  testY?: Matrix;
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
  predict(X: Matrix): Matrix;
  summary(): FitSummary;
  toJSON(): FittedJSON;
}

export interface Estimator<F extends Fitted = Fitted> {
  readonly options: object;
  fit(X: Matrix, Y: Matrix, extras?: FitExtras): F;
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

/** Throws a DataError unless X, Y (and the test set, when given) can be fitted. */
export function checkFitData(X: Matrix, Y: Matrix, extras: FitExtras = {}): void {
  checkData(X, Y, 'training');
  const { testX, testY } = extras;
  if ((testX === undefined) !== (testY === undefined)) throw new DataError('give both testX and testY, or neither');
  if (testX && testY) {
    checkData(testX, testY, 'test');
    if (testX.cols !== X.cols)
      throw new DataError(`test inputs have ${testX.cols} features, training inputs ${X.cols}`);
    if (testY.cols !== Y.cols)
      throw new DataError(`test targets have ${testY.cols} outputs, training targets ${Y.cols}`);
  }
}

function checkData(X: Matrix, Y: Matrix, which: string): void {
  if (X.rows === 0) throw new DataError(`the ${which} set is empty`);
  if (X.cols === 0) throw new DataError(`the ${which} set has no feature columns`);
  if (Y.cols === 0) throw new DataError(`the ${which} set has no target column`);
  if (Y.rows !== X.rows) throw new DataError(`the ${which} set has ${X.rows} inputs but ${Y.rows} targets`);
  if (!allFinite(X.data)) throw new DataError(`the ${which} inputs contain NaN or infinite values`);
  if (!allFinite(Y.data)) throw new DataError(`the ${which} targets contain NaN or infinite values`);
}
