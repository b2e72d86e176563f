/**
 * One grid point of a sweep: draw the task's data, fit NP or the small-init
 * GD baseline, and return what the store keeps. Pure algorithm code (no Node),
 * so a worker thread, a test or a browser can run it alike.
 */
import { Rng } from '../linalg/rng.js';
import { smallInitGd } from '../baselines/small-init-gd.js';
import { NeuronPursuit } from '../pursuit/neuron-pursuit.js';
import type { NeuronPursuitOptions } from '../pursuit/options.js';
import type { IterationRecord } from '../pursuit/history.js';
import type { NetworkJSON } from '../model/network.js';
import { getTask } from '../tasks/tasks.js';

export type Algorithm = 'np' | 'gd';

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
  const options: NeuronPursuitOptions = { ...task.defaults, ...point.options, lr: point.lr, seed: point.seed };
  // The demo's walk-through figure needs every iteration's KKT vector and weights (small: widths of a few neurons).
  if (task.name === 'demo' && point.algorithm === 'np') options.recordWeights = true;
  const seconds = () => (performance.now() - start) / 1000;
  if (point.algorithm === 'np') {
    const fitted = new NeuronPursuit(options).fit(train.X, train.Y, { testX: test.X, testY: test.Y });
    const last = fitted.history.at(-1);
    return {
      trainError: last?.trainError ?? 1,
      testError: last?.testError ?? 1,
      ...(last?.trainClassError !== undefined ? { trainClassError: last.trainClassError, testClassError: last.testClassError } : {}),
      iterations: fitted.iterations,
      stopReason: fitted.stopReason,
      widths: fitted.network.hiddenWidths,
      history: fitted.history,
      gdSteps: fitted.history.reduce((s, r) => s + r.gdSteps, 0),
      model: fitted.network.toJSON(),
      seconds: seconds(),
    };
  }
  const gd = point.gd ?? { width: 50, maxSteps: 300_000 };
  const result = smallInitGd(
    train.X,
    train.Y,
    {
      depth: options.depth ?? 3,
      activation: options.activation ?? 'relu',
      alpha: options.alpha,
      p: options.p,
      width: gd.width,
      radius: gd.radius,
      lrs: [point.lr],
      maxSteps: gd.maxSteps,
      targetError: options.targetError ?? 1e-3,
      classification: options.classification ?? false,
      seed: point.seed,
    },
    test,
  );
  const a = result.best;
  return {
    trainError: a.trainError,
    testError: a.testError ?? NaN,
    ...(a.trainClassError !== undefined ? { trainClassError: a.trainClassError, testClassError: a.testClassError } : {}),
    iterations: 1,
    stopReason: a.gd.stopReason,
    widths: result.network.hiddenWidths,
    history: a.trace,
    gdSteps: a.gd.steps,
    model: result.network.toJSON(),
    seconds: seconds(),
  };
}
