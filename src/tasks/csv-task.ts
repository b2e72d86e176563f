/**
 * A data set as a task (a table of features and targets, e.g. a shipped CSV file): each seed draws its own split
 * of the rows into a training set of `samples` rows and a test set of `testSamples` of the rest (stream
 * `data/TASK`), so sweeps and `compare` run it like the built-in tasks. Its network defaults standardize inputs
 * and targets (a data set's columns have their own units and offsets). Browser-safe: the caller reads the file.
 */
import { type Matrix, selectRows } from '../linalg/matrix.js';
import type { Rng } from '../linalg/rng.js';
import type { Task } from './tasks.js';

export function tableTask(name: string, description: string, X: Matrix, Y: Matrix): Task {
  return {
    name,
    description,
    inputDim: X.cols,
    outputDim: Y.cols,
    metric: 'relative',
    defaultSamples: Math.floor(0.8 * X.rows),
    defaultTestSamples: X.rows - Math.floor(0.8 * X.rows),
    defaults: { depth: 3, activation: 'relu', standardize: true },
    paperSchedule: {},
    generate(samples: number, testSamples: number, rng: Rng) {
      if (samples + testSamples > X.rows)
        throw new RangeError(
          `${name} has ${X.rows} rows: ${samples} training and ${testSamples} test rows do not fit in it`,
        );
      const order = rng.permutation(X.rows);
      const part = (from: number, to: number) => {
        const rows = order.slice(from, to);
        return { X: selectRows(X, rows), Y: selectRows(Y, rows) };
      };
      return { train: part(0, samples), test: part(samples, samples + testSamples) };
    },
    views: [],
  };
}
