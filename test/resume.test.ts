/** A Neuron Pursuit fit resumed from any completed iteration ends exactly as the uninterrupted fit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelFromJson, modelToJson } from '../src/io/model-format.js';
import { Rng } from '../src/linalg/rng.js';
import { NeuronPursuit, type PursuitState } from '../src/pursuit/neuron-pursuit.js';
import { getTask } from '../src/tasks/tasks.js';
import { withoutTimes } from './helpers.js';

const task = getTask('hypercube-f1');
const { train, test } = task.generate(200, 200, new Rng(0, 'data/hypercube-f1'));
const options = { ...task.defaults, maxIterations: 4, restarts: 6, pgaSteps: 300, gdSteps: 3000, seed: 2 };
const extras = { testX: test.X, testY: test.Y };

/** A state as a checkpoint file keeps it: through JSON. */
function throughJson(state: PursuitState): PursuitState {
  const json = JSON.parse(JSON.stringify({ model: modelToJson(state.network), history: state.history }));
  return { network: modelFromJson(json.model).network, history: json.history };
}

describe('resuming a fit', () => {
  const states: PursuitState[] = [];
  const whole = new NeuronPursuit(options).fit(train.X, train.Y, { ...extras, onIteration: (s) => states.push(s) });

  it('hands out a state after every iteration, a copy the fit does not change afterwards', () => {
    assert.equal(states.length, whole.history.length);
    assert.ok(whole.history.length >= 3, `${whole.history.length} iterations`);
    for (const [k, s] of states.entries()) {
      assert.equal(s.history.length, k + 1);
      assert.deepEqual(s.network.hiddenWidths, whole.history[k]!.widths);
    }
    assert.deepEqual(Array.from(states.at(-1)!.network.params), Array.from(whole.network.params));
    assert.notEqual(states.at(-1)!.network, whole.network);
  });

  it('continues from any iteration, through JSON, to the same history and weights bit for bit', () => {
    for (const state of states.slice(0, -1)) {
      const resumed = new NeuronPursuit(options).fit(train.X, train.Y, { ...extras, resume: throughJson(state) });
      assert.deepEqual(
        withoutTimes(resumed.history),
        withoutTimes(whole.history),
        `from iteration ${state.history.length}`,
      );
      assert.deepEqual(Array.from(resumed.network.params), Array.from(whole.network.params));
      assert.deepEqual([resumed.stopReason, resumed.stopMessage], [whole.stopReason, whole.stopMessage]);
    }
    // a state that already met the stopping rule stops again, with nothing more to do
    const done = new NeuronPursuit(options).fit(train.X, train.Y, { ...extras, resume: throughJson(states.at(-1)!) });
    assert.deepEqual([done.stopReason, done.iterations], [whole.stopReason, whole.iterations]);
  });

  it('refuses a state that does not fit the data or the options', () => {
    const state = throughJson(states[1]!);
    const other = task.generate(50, 0, new Rng(1, 'data/x')).train;
    assert.throws(
      () => new NeuronPursuit({ ...options, depth: 4 }).fit(train.X, train.Y, { resume: state }),
      /^DataError: cannot resume: the network has depth 3, the options 4$/,
    );
    assert.throws(
      () => new NeuronPursuit(options).fit(sliceColumns(other.X), other.Y, { resume: state }),
      /cannot resume: the network takes 20 inputs, the data has 19/,
    );
    assert.throws(
      () => new NeuronPursuit({ ...options, maxIterations: 1 }).fit(train.X, train.Y, { resume: state }),
      /the history has 2 iterations, more than maxIterations = 1/,
    );
  });
});

/** All but the last column. */
function sliceColumns(X: { rows: number; cols: number; data: Float64Array }) {
  const cols = X.cols - 1;
  const data = new Float64Array(X.rows * cols);
  for (let i = 0; i < X.rows; i++) data.set(X.data.subarray(i * X.cols, i * X.cols + cols), i * cols);
  return { rows: X.rows, cols, data };
}
