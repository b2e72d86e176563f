/**
 * One grid point of a sweep: draw the task's data, fit the point's algorithm
 * (src/estimators/registry.ts), and return what the store keeps. Pure
 * algorithm code (no Node), so a worker thread, a test or a browser can run it alike.
 */
import { type FittedNetwork, type NetworkAlgorithmName, type RunOptions, networkAlgorithm } from '../estimators/registry.js';
import { Rng } from '../linalg/rng.js';
import type { NetworkJSON } from '../model/network.js';
import type { IterationRecord } from '../pursuit/history.js';
import type { NeuronPursuitOptions } from '../pursuit/options.js';
import { getTask } from '../tasks/tasks.js';

export type Algorithm = NetworkAlgorithmName;

export interface GridPoint {
  task: string;
  samples: number;
  testSamples: number;
  seed: number;
  algorithm: Algorithm;
  lr: number;
  /** NP options over the task's defaults (for GD: depth, activation, alpha, targetError). */
  options: NeuronPursuitOptions;
  /** GD baseline only. */
  gd?: { width: number; maxSteps: number; radius?: number };
}

export interface PointResult {
  trainError: number;
  testError: number;
  trainClassError?: number;
  testClassError?: number;
  iterations: number;
  /** NP: stop reason; GD: GD's stop reason. */
  stopReason: string;
  widths: number[];
  /** NP: per-iteration records; GD: the loss trace at each check. */
  history: IterationRecord[] | { step: number; loss: number }[];
  gdSteps: number;
  model: NetworkJSON;
  seconds: number;
}

export function runPoint(point: GridPoint): PointResult {
  const start = performance.now();
  const task = getTask(point.task);
  const { train, test } = task.generate(point.samples, point.testSamples, new Rng(point.seed, `data/${task.name}`));
  const given: RunOptions = { ...point.options, ...point.gd, lr: point.lr, seed: point.seed };
  // The demo's walk-through figure needs every iteration's KKT vector and weights (small: widths of a few neurons).
  if (task.name === 'demo') given.recordWeights = true;
  const algorithm = networkAlgorithm(point.algorithm);
  const estimator = algorithm.create(algorithm.optionsFor(task.defaults, given));
  const fitted = estimator.fit(train.X, train.Y, { testX: test.X, testY: test.Y });
  return pointResult(fitted, (performance.now() - start) / 1000);
}

/** What the store keeps of a fit. */
function pointResult(fitted: FittedNetwork, seconds: number): PointResult {
  const s = fitted.summary();
  return {
    trainError: s.trainError,
    testError: s.testError ?? NaN,
    ...(s.trainClassError !== undefined ? { trainClassError: s.trainClassError, testClassError: s.testClassError } : {}),
    iterations: fitted.iterations,
    stopReason: s.stopReason,
    widths: s.widths,
    history: fitted.history,
    gdSteps: fitted.gdSteps,
    model: fitted.network.toJSON(),
    seconds,
  };
}
