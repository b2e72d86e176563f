/**
 * The small-initialization GD baseline (docs/algorithm.md §9): a wide network (50 neurons
 * per hidden layer) whose whole weight vector starts uniform on a tiny sphere,
 * trained by full-batch GD until the error target or the step cap. With several
 * step sizes, the one with the lowest test error is reported.
 *
 *   const fitted = new SmallInitGd({ depth: 3, lrs: [0.05, 0.1] }).fit(X, Y, { testX, testY });
 */
import { z } from 'zod';
import {
  type Estimator,
  type FitExtras,
  type Fitted,
  type FitSummary,
  type FittedJSON,
  type TargetsLike,
  parseOptions,
  prepareData,
} from '../estimators/estimator.js';
import type { Matrix, MatrixLike } from '../linalg/matrix.js';
import { Rng } from '../linalg/rng.js';
import { makeActivation } from '../model/activation.js';
import { classificationError, relativeError } from '../model/metrics.js';
import { modelToJson } from '../io/model-format.js';
import { Network } from '../model/network.js';
import { type OnnxExportOptions, networkToOnnx } from '../export/onnx.js';
import { checkActivationOptions, networkShapeOptions } from '../model/network-options.js';
import { type Preprocessing, predictRaw, preprocessingOptions } from '../model/preprocessing.js';
import { GD_DEFAULTS, type GdResult, gradientDescent } from '../optim/gradient-descent.js';

/** The baseline's own defaults: neurons per hidden layer and the GD step cap (docs/algorithm.md §9). */
export const SMALL_INIT_GD_DEFAULTS = { width: 50, maxSteps: 300_000 } as const;

const positive = z.number().positive().finite();

export const smallInitGdOptionsSchema = z
  .object({
    ...networkShapeOptions,
    ...preprocessingOptions,
    /** Step sizes to try. */
    lrs: z.array(positive).min(1).default([GD_DEFAULTS.lr]),
    /** Neurons per hidden layer. */
    width: z.number().int().positive().default(SMALL_INIT_GD_DEFAULTS.width),
    /** Neurons of each hidden layer (depth − 1 of them), over `width`: e.g. the widths a growing network ended at. */
    widths: z.array(z.number().int().positive()).min(1).optional(),
    /** Radius of the initial weight sphere; default `smallInitRadius(depth)`. */
    radius: z.number().positive({ error: 'must be > 0' }).finite().optional(),
    maxSteps: z.number().int().nonnegative().default(SMALL_INIT_GD_DEFAULTS.maxSteps),
    targetError: z.number().nonnegative().finite().default(GD_DEFAULTS.targetError),
    checkEvery: z.number().int().positive().default(GD_DEFAULTS.checkEvery),
    /** Also report classification error (argmax of the outputs); the best step size is then chosen by it. */
    classification: z.boolean().default(false),
    /** Seed of the initial weights. */
    seed: z.number().int().default(0),
  })
  .strict()
  .superRefine(checkActivationOptions)
  // The radius resolved, in the order of the fields above (the order summary.json lists them in).
  .transform(
    ({
      depth,
      activation,
      alpha,
      p,
      intercept,
      standardize,
      lrs,
      width,
      widths,
      radius,
      maxSteps,
      targetError,
      checkEvery,
      classification,
      seed,
    }) => {
      radius ??= smallInitRadius(depth);
      if (widths !== undefined && widths.length !== depth - 1)
        throw new RangeError(
          `option widths: a depth-${depth} network has ${depth - 1} hidden layers, got ${widths.length}`,
        );
      return {
        depth,
        activation,
        alpha,
        p,
        intercept,
        standardize,
        lrs,
        width,
        ...(widths !== undefined ? { widths } : {}),
        radius,
        maxSteps,
        targetError,
        checkEvery,
        classification,
        seed,
      };
    },
  );

export type SmallInitGdOptions = z.input<typeof smallInitGdOptionsSchema>;
export type ResolvedSmallInitGdOptions = z.output<typeof smallInitGdOptionsSchema>;

export interface SmallInitGdAttempt {
  lr: number;
  gd: Omit<GdResult, 'trace'>;
  trainError: number;
  testError?: number;
  trainClassError?: number;
  testClassError?: number;
  /** Loss at every GD check. */
  trace: { step: number; loss: number }[];
}

export interface SmallInitGdResult {
  /** The attempt reported: lowest test error (training error without a test set). */
  best: SmallInitGdAttempt;
  attempts: SmallInitGdAttempt[];
  network: Network;
}

/** The initial radius the paper uses: 0.01, or 0.1 for depth ≥ 4. */
export function smallInitRadius(depth: number): number {
  return depth >= 4 ? 0.1 : 0.01;
}

/** Train one small-init network per step size; return all and the best. */
export function smallInitGd(
  X: Matrix,
  Y: Matrix,
  options: SmallInitGdOptions,
  test?: { X: Matrix; Y: Matrix },
): SmallInitGdResult {
  const o = parseOptions(smallInitGdOptionsSchema, options);
  const activation = makeActivation({ name: o.activation, alpha: o.alpha, p: o.p });
  const widths = [X.cols, ...(o.widths ?? Array<number>(o.depth - 1).fill(o.width)), Y.cols];
  const score = (net: Network, A: Matrix, B: Matrix) => {
    const out = net.forward(A);
    return { error: relativeError(out, B), classError: o.classification ? classificationError(out, B) : undefined };
  };
  let best: { attempt: SmallInitGdAttempt; network: Network } | undefined;
  const attempts: SmallInitGdAttempt[] = [];
  for (const lr of o.lrs) {
    // Same initial weights for every step size: only η differs.
    const net = new Network(widths, activation);
    net.params.set(new Rng(o.seed, 'small-init-gd').onSphere(net.size, o.radius));
    const { trace, ...gd } = gradientDescent(net, X, Y, {
      lr,
      maxSteps: o.maxSteps,
      targetError: o.targetError,
      checkEvery: o.checkEvery,
      tol: 0,
    });
    const train = score(net, X, Y);
    const t = test ? score(net, test.X, test.Y) : undefined;
    const attempt: SmallInitGdAttempt = {
      lr,
      gd,
      trainError: train.error,
      ...(t ? { testError: t.error } : {}),
      ...(train.classError !== undefined ? { trainClassError: train.classError } : {}),
      ...(t?.classError !== undefined ? { testClassError: t.classError } : {}),
      trace,
    };
    attempts.push(attempt);
    const key = (a: SmallInitGdAttempt) =>
      o.classification ? (a.testClassError ?? a.trainClassError!) : (a.testError ?? a.trainError);
    if (!best || key(attempt) < key(best.attempt) || !Number.isFinite(key(best.attempt)))
      best = { attempt, network: net };
  }
  return { best: best!.attempt, attempts, network: best!.network };
}

/** The estimator: options checked now, `fit` runs `smallInitGd`. */
export class SmallInitGd implements Estimator<FittedSmallInitGd> {
  readonly options: ResolvedSmallInitGdOptions;

  constructor(options: SmallInitGdOptions = {}) {
    this.options = parseOptions(smallInitGdOptionsSchema, options);
    makeActivation({ name: this.options.activation, alpha: this.options.alpha, p: this.options.p });
  }

  fit(X: MatrixLike, Y: TargetsLike, extras: FitExtras = {}): FittedSmallInitGd {
    const data = prepareData(X, Y, extras, this.options);
    const test = data.testX && data.testY ? { X: data.testX, Y: data.testY } : undefined;
    return new FittedSmallInitGd(smallInitGd(data.X, data.Y, this.options, test), this.options, data.preprocessing);
  }
}

/** The GD summary: `FitSummary` with the seed, the step size reported, GD's steps and every attempt. */
export interface SmallInitGdSummary extends FitSummary {
  algorithm: 'gd';
  seed: number;
  lr: number;
  gdSteps: number;
  attempts: Omit<SmallInitGdAttempt, 'trace'>[];
}

export class FittedSmallInitGd implements Fitted {
  readonly algorithm = 'gd';
  readonly network: Network;
  /** The attempt reported (see `SmallInitGdResult`) and all of them. */
  readonly best: SmallInitGdAttempt;
  readonly attempts: SmallInitGdAttempt[];

  constructor(
    result: SmallInitGdResult,
    readonly options: ResolvedSmallInitGdOptions,
    /** What raw inputs and the network's outputs go through (options `intercept`, `standardize`). */
    readonly preprocessing?: Preprocessing,
  ) {
    this.network = result.network;
    this.best = result.best;
    this.attempts = result.attempts;
  }

  /** The reported attempt's loss at every GD check. */
  get history(): { step: number; loss: number }[] {
    return this.best.trace;
  }

  /** One GD run: no iterations in NP's sense. */
  get iterations(): number {
    return 1;
  }

  get gdSteps(): number {
    return this.best.gd.steps;
  }

  /** Predictions for raw inputs, in the units of the targets fitted. */
  predict(X: MatrixLike): Matrix {
    return predictRaw((x) => this.network.forward(x), this.network.inputDim, this.preprocessing, X);
  }

  /** The learned network, with its preprocessing, as the bytes of an ONNX model (src/export/onnx.ts). */
  toOnnx(options?: OnnxExportOptions): Uint8Array {
    return networkToOnnx(this.network, {
      ...(this.preprocessing ? { preprocessing: this.preprocessing } : {}),
      ...options,
    });
  }

  summary(): SmallInitGdSummary {
    const best = this.best;
    return {
      algorithm: this.algorithm,
      seed: this.options.seed,
      lr: best.lr,
      stopReason: best.gd.stopReason,
      gdSteps: best.gd.steps,
      trainError: best.trainError,
      ...(best.testError !== undefined ? { testError: best.testError } : {}),
      ...(best.trainClassError !== undefined ? { trainClassError: best.trainClassError } : {}),
      ...(best.testClassError !== undefined ? { testClassError: best.testClassError } : {}),
      widths: this.network.hiddenWidths,
      attempts: this.attempts.map(({ trace: _trace, ...attempt }) => attempt),
    };
  }

  toJSON(): FittedJSON {
    return {
      algorithm: this.algorithm,
      options: this.options,
      summary: this.summary(),
      history: this.history,
      model: modelToJson(this.network, undefined, this.preprocessing),
    };
  }
}
