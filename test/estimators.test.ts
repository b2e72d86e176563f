import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagonalNeuronPursuit, sparseInstance } from '../src/baselines/diagonal.js';
import { orthogonalMatchingPursuit } from '../src/baselines/omp.js';
import { SMALL_INIT_GD_DEFAULTS } from '../src/baselines/small-init-gd.js';
import { DataError } from '../src/estimators/estimator.js';
import { ALGORITHMS, NETWORK_ALGORITHMS, networkAlgorithm } from '../src/estimators/registry.js';
import { column } from '../src/linalg/matrix.js';
import { Rng } from '../src/linalg/rng.js';
import { relativeError } from '../src/model/metrics.js';
import { getTask } from '../src/tasks/tasks.js';

const demo = getTask('demo');
const { train, test } = demo.generate(120, 60, new Rng(0, 'data/demo'));
/** Cheap options for each network algorithm, in the run vocabulary. */
const QUICK = { maxIterations: 2, gdSteps: 1000, restarts: 4, pgaSteps: 200, width: 6, seed: 1 };

describe('the estimator shape', () => {
  for (const name of NETWORK_ALGORITHMS) {
    const algorithm = networkAlgorithm(name);
    it(`${name}: options checked in the constructor; fit gives predict, history, summary and toJSON`, () => {
      assert.throws(() => algorithm.create({ depth: 1 }), /^RangeError: option depth: /);
      assert.throws(() => algorithm.create({ bogus: 1 }), /bogus/);
      const estimator = algorithm.create(algorithm.optionsFor(demo.defaults, QUICK));
      assert.throws(() => estimator.fit(train.X, column(new Float64Array(5))), DataError);
      const fitted = estimator.fit(train.X, train.Y, { testX: test.X, testY: test.Y });
      assert.equal(fitted.algorithm, name);
      const summary = fitted.summary();
      // The summary's errors are those of `predict` on the same data.
      assert.ok(
        Math.abs(relativeError(fitted.predict(train.X), train.Y) - summary.trainError) <= 1e-9 * summary.trainError,
      );
      assert.ok(
        Math.abs(relativeError(fitted.predict(test.X), test.Y) - summary.testError!) <= 1e-9 * summary.testError!,
      );
      assert.deepEqual(summary.widths, fitted.network.hiddenWidths);
      assert.ok(fitted.history.length >= 1 && fitted.iterations >= 1 && fitted.gdSteps >= 1);
      const json = JSON.parse(JSON.stringify(fitted));
      assert.equal(json.algorithm, name);
      assert.deepEqual(json.summary, JSON.parse(JSON.stringify(summary)));
      assert.deepEqual(json.options, JSON.parse(JSON.stringify(fitted.options)));
      assert.equal(json.history.length, fitted.history.length);
      assert.deepEqual(json.model.widths, [20, ...fitted.network.hiddenWidths, 1]);
    });
  }

  it("np takes a task's defaults and the run's options; gd its shape and step size but its own step cap", () => {
    const task = getTask('gaussian-f1'); // depth 4, relu, η = 0.05, NP's cap 100,000 steps per stage
    const np = networkAlgorithm('np').optionsFor(task.defaults, { seed: 3, lr: 0.2, width: 9 });
    assert.deepEqual(np, { ...task.defaults, seed: 3, lr: 0.2 });
    const gd = networkAlgorithm('gd').create(networkAlgorithm('gd').optionsFor(task.defaults, { seed: 3 })).options;
    assert.deepEqual(
      { ...gd },
      {
        depth: 4,
        activation: 'relu',
        alpha: undefined,
        p: undefined,
        intercept: false,
        standardize: false,
        lrs: [0.05],
        width: SMALL_INIT_GD_DEFAULTS.width,
        radius: 0.1,
        maxSteps: SMALL_INIT_GD_DEFAULTS.maxSteps,
        targetError: 1e-3,
        checkEvery: 500,
        classification: false,
        seed: 3,
      },
    );
    // where NP stops by classification, GD reports (and picks its step size by) classification errors too
    const modular = networkAlgorithm('gd').optionsFor(getTask('modular-addition').defaults, {});
    assert.equal((modular as { classification: boolean }).classification, true);
    const capped = networkAlgorithm('gd').optionsFor(task.defaults, { gdSteps: 700, lrs: [0.1, 0.2] });
    assert.deepEqual([(capped as { maxSteps: number }).maxSteps, (capped as { lrs: number[] }).lrs], [700, [0.1, 0.2]]);
    assert.throws(() => networkAlgorithm('sgd'), /'sgd' is not one of np, gradmax, tiny, random, gd/);
  });

  it("the sparse estimators give their solvers' solutions and predict Xβ", () => {
    const { X, y } = sparseInstance(15, 30, 5, new Rng(0, 'diagonal'));
    const omp = ALGORITHMS.omp.create({}).fit(X, column(y));
    assert.deepEqual(omp.solution, orthogonalMatchingPursuit(X, y));
    assert.equal(omp.summary().stopReason, 'tolerance');
    assert.ok(omp.summary().trainError < 1e-20);
    const predicted = omp.predict(X);
    for (let i = 0; i < X.rows; i++) assert.ok(Math.abs(predicted.data[i]! - y[i]!) < 1e-9);
    const np = ALGORITHMS['diagonal-np'].create({ maxAtoms: 3 }).fit(X, column(y));
    assert.deepEqual(np.solution, diagonalNeuronPursuit(X, y, { maxAtoms: 3 }));
    assert.equal(np.summary().stopReason, 'max-atoms');
    assert.deepEqual(
      np.history.map((h) => h.atom),
      np.solution.support,
    );
    assert.ok(np.gdSteps > 0);
    assert.throws(() => ALGORITHMS['diagonal-gd'].create({ scale: -1 }), /option scale/);
    assert.throws(
      () => ALGORITHMS.omp.create({}).fit(X, { rows: 15, cols: 2, data: new Float64Array(30) }),
      /one target column/,
    );
  });
});
