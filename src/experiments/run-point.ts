/**
 * One grid point of a sweep: draw the task's data, fit the point's algorithm
 * (src/estimators/registry.ts), and return what the store keeps (src/io/run-record.ts). Pure
 * algorithm code (no Node), so a worker thread, a test or a browser can run it alike.
 */
import { type FittedNetwork, type RunOptions, networkAlgorithm } from '../estimators/registry.js';
import { modelToJson } from '../io/model-format.js';
import type { GridPoint, PointResult } from '../io/run-record.js';
import { type Task, getTask, recordsWeights, taskData } from '../tasks/tasks.js';

/** `tasks` names the tasks it can run (Node's workers add the shipped data sets: data-tasks.ts). */
export function runPoint(point: GridPoint, tasks: (name: string) => Task = getTask): PointResult {
  const start = performance.now();
  const cpu = processCpu();
  const task = tasks(point.task);
  const { train, test } = taskData(task, point.seed, { samples: point.samples, testSamples: point.testSamples });
  const given: RunOptions = { ...point.options, ...point.gd, lr: point.lr, seed: point.seed };
  if (recordsWeights(task)) given.recordWeights = true;
  const algorithm = networkAlgorithm(point.algorithm);
  const estimator = algorithm.create(algorithm.optionsFor(task.defaults, given));
  const fitted = estimator.fit(train.X, train.Y, { testX: test.X, testY: test.Y });
  const cpuSeconds = cpu === undefined ? undefined : processCpu()! - cpu;
  return pointResult(fitted, (performance.now() - start) / 1000, cpuSeconds);
}

/** The process's CPU seconds so far, in Node; undefined in a browser. */
function processCpu(): number | undefined {
  const usage = globalThis.process?.cpuUsage?.();
  return usage ? (usage.user + usage.system) / 1e6 : undefined;
}

/** What the store keeps of a fit. */
function pointResult(fitted: FittedNetwork, seconds: number, cpuSeconds?: number): PointResult {
  const s = fitted.summary();
  return {
    trainError: s.trainError,
    testError: s.testError ?? NaN,
    ...(s.trainClassError !== undefined
      ? { trainClassError: s.trainClassError, testClassError: s.testClassError }
      : {}),
    iterations: fitted.iterations,
    stopReason: s.stopReason,
    widths: s.widths,
    history: fitted.history,
    gdSteps: fitted.gdSteps,
    model: modelToJson(fitted.network),
    seconds,
    ...(cpuSeconds !== undefined ? { cpuSeconds } : {}),
  };
}
