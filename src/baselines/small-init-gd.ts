/**
 * The small-initialization GD baseline (spec §7): a wide network (50 neurons
 * per hidden layer) whose whole weight vector starts uniform on a tiny sphere,
 * trained by full-batch GD until the error target or the step cap. With several
 * step sizes, the one with the lowest test error is reported.
 */
import type { Matrix } from '../linalg/matrix.js';
import { Rng } from '../linalg/rng.js';
import { makeActivation } from '../model/activation.js';
import { classificationError, relativeError } from '../model/metrics.js';
import { Network } from '../model/network.js';
import { gradientDescent, type GdResult } from '../optim/gradient-descent.js';

export interface SmallInitGdOptions {
  depth: number;
  activation: string;
  alpha?: number;
  p?: number;
  /** Neurons per hidden layer. */
  width: number;
  /** Radius of the initial weight sphere; default 0.01, or 0.1 for depth ≥ 4. */
  radius?: number;
  /** Step sizes to try. */
  lrs: number[];
  maxSteps: number;
  targetError: number;
  checkEvery: number;
  classification: boolean;
  seed: number;
}

export const SMALL_INIT_GD_DEFAULTS = { width: 50, maxSteps: 300_000, targetError: 1e-3, checkEvery: 500, classification: false, seed: 0 } as const;

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

export function smallInitRadius(depth: number): number {
  return depth >= 4 ? 0.1 : 0.01;
}

/** Train one small-init network per step size; return all and the best. */
export function smallInitGd(
  X: Matrix,
  Y: Matrix,
  options: Partial<SmallInitGdOptions> & Pick<SmallInitGdOptions, 'depth' | 'activation' | 'lrs'>,
  test?: { X: Matrix; Y: Matrix },
): SmallInitGdResult {
  const o = { ...SMALL_INIT_GD_DEFAULTS, ...options };
  if (o.lrs.length === 0 || o.lrs.some((lr) => !(lr > 0))) throw new RangeError('small-init GD needs at least one step size, all > 0');
  const activation = makeActivation({ name: o.activation, alpha: o.alpha, p: o.p });
  const widths = [X.cols, ...Array<number>(o.depth - 1).fill(o.width), Y.cols];
  const radius = o.radius ?? smallInitRadius(o.depth);
  const score = (net: Network, A: Matrix, B: Matrix) => {
    const out = net.forward(A);
    return { error: relativeError(out, B), classError: o.classification ? classificationError(out, B) : undefined };
  };
  let best: { attempt: SmallInitGdAttempt; network: Network } | undefined;
  const attempts: SmallInitGdAttempt[] = [];
  for (const lr of o.lrs) {
    // Same initial weights for every step size: only η differs.
    const net = new Network(widths, activation);
    net.params.set(new Rng(o.seed, 'small-init-gd').onSphere(net.size, radius));
    const { trace, ...gd } = gradientDescent(net, X, Y, { lr, maxSteps: o.maxSteps, targetError: o.targetError, checkEvery: o.checkEvery, tol: 0 });
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
    const key = (a: SmallInitGdAttempt) => (o.classification ? (a.testClassError ?? a.trainClassError!) : (a.testError ?? a.trainError));
    if (!best || key(attempt) < key(best.attempt) || !Number.isFinite(key(best.attempt))) best = { attempt, network: net };
  }
  return { best: best!.attempt, attempts, network: best!.network };
}
