/** Intercept and standardization: the math, the estimators that fit with them, and models that keep them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataError } from '../src/estimators/estimator.js';
import { networkAlgorithm, NETWORK_ALGORITHMS } from '../src/estimators/registry.js';
import { modelFromJson, modelToJson } from '../src/io/model-format.js';
import { type Matrix, fromRows, toRows } from '../src/linalg/matrix.js';
import { relativeError } from '../src/model/metrics.js';
import {
  fitPreprocessing,
  offsetTargets,
  restoreTargets,
  transformInputs,
  transformTargets,
} from '../src/model/preprocessing.js';
import { NeuronPursuit } from '../src/pursuit/neuron-pursuit.js';

/** y = relu(x1 + x2) + 5: a ReLU network without biases cannot produce the offset. */
function offsetData(n: number, start = 0): { X: number[][]; y: number[] } {
  const X: number[][] = [],
    y: number[] = [];
  for (let i = start; i < start + n; i++) {
    const x = [Math.sin(i), Math.cos(3 * i), Math.sin(7 * i + 1)];
    X.push(x);
    y.push(Math.max(0, x[0]! + x[1]!) + 5);
  }
  return { X, y };
}

const QUICK = { restarts: 5, pgaSteps: 300, gdSteps: 4000, seed: 0 };

describe('preprocessing', () => {
  it('centres and scales by the training columns, appends the constant input, and restores the targets', () => {
    const X = fromRows([
      [1, 10, 7],
      [3, 20, 7],
    ]);
    const Y = fromRows([[4], [8]]);
    const p = fitPreprocessing(X, Y, { intercept: true, standardize: true })!;
    assert.deepEqual(p, {
      intercept: true,
      featureMean: [2, 15, 7],
      featureScale: [1, 5, 1], // a constant column keeps scale 1: it becomes 0, not NaN
      targetMean: [6],
      targetScale: [2],
    });
    assert.deepEqual(toRows(transformInputs(p, X)), [
      [-1, -1, 0, 1],
      [1, 1, 0, 1],
    ]);
    assert.deepEqual(toRows(transformTargets(p, Y)), [[-1], [1]]);
    assert.deepEqual(toRows(restoreTargets(p, fromRows([[0.5], [-3]]))), [[7], [0]]);
    assert.deepEqual(fitPreprocessing(X, Y, { intercept: true, standardize: false }), { intercept: true });
    assert.equal(fitPreprocessing(X, Y, { intercept: false, standardize: false }), undefined);
    assert.deepEqual(offsetTargets(Y), [{ column: 0, mean: 6, spread: 2 }]);
    assert.deepEqual(offsetTargets(fromRows([[-1], [1.5]])), []);
  });

  it('lets NP fit an offset target it cannot fit without, and predicts in the raw units', () => {
    const train = offsetData(150),
      test = offsetData(60, 1000);
    const plain = new NeuronPursuit({ ...QUICK, maxIterations: 3 }).fit(train.X, train.y);
    const fitted = new NeuronPursuit({ ...QUICK, maxIterations: 3, intercept: true, standardize: true }).fit(
      train.X,
      train.y,
      { testX: test.X, testY: test.y },
    );
    assert.equal(fitted.network.inputDim, 4, 'three features and the constant input');
    // Errors are those of the standardized targets; without the offset NP stalls far above the target.
    assert.ok(fitted.summary().trainError < 1e-3, `with: ${fitted.summary().trainError}`);
    const yMean = train.y.reduce((s, v) => s + v, 0) / train.y.length;
    const centred = fromRows(train.y.map((v) => [v - yMean]));
    const plainUnexplained = relativeError(
      fromRows(toRows(plain.predict(train.X)).map(([v]) => [v! - yMean])),
      centred,
    );
    assert.ok(plainUnexplained > 1e-2, `without: ${plainUnexplained} of the variance unexplained`);
    // predict takes raw rows and answers in the targets' units: its standardized error is the recorded one.
    const p = fitted.preprocessing!;
    const predicted = fitted.predict(test.X);
    const scaled = (M: Matrix) => transformTargets(p, M);
    const testError = relativeError(scaled(predicted), scaled(fromRows(test.y.map((v) => [v]))));
    assert.ok(Math.abs(testError - fitted.summary().testError!) <= 1e-12 * testError);
    // the same model saved and loaded predicts the same bits, from rows or a Matrix
    const loaded = modelFromJson(JSON.parse(JSON.stringify(modelToJson(fitted.network, undefined, p))));
    assert.deepEqual(loaded.preprocessing, p);
    assert.deepEqual(Array.from(loaded.predict(test.X).data), Array.from(predicted.data));
    assert.deepEqual(Array.from(loaded.predict(fromRows(test.X)).data), Array.from(predicted.data));
    assert.throws(() => loaded.predict([[1, 2]]), /the model takes 3 feature columns, got 2/);
    // the network alone predicts on the inputs it sees (the constant column included)
    const inputs = transformInputs(p, fromRows(test.X));
    assert.deepEqual(
      Array.from(fitted.network.predict(toRows(inputs)).data),
      Array.from(fitted.network.forward(inputs).data),
    );
  });

  for (const name of NETWORK_ALGORITHMS) {
    it(`${name}: fit and predict take rows of numbers as well as matrices, with the same result`, () => {
      const { X, y } = offsetData(60);
      const algorithm = networkAlgorithm(name);
      const options = algorithm.optionsFor(
        {},
        { ...QUICK, maxIterations: 2, gdSteps: 1000, width: 5, intercept: true, standardize: true },
      );
      const fromArrays = algorithm.create(options).fit(X, y);
      const fromMatrices = algorithm.create(options).fit(fromRows(X), fromRows(y.map((v) => [v])));
      assert.deepEqual(Array.from(fromArrays.network.params), Array.from(fromMatrices.network.params));
      assert.deepEqual(Array.from(fromArrays.predict(X).data), Array.from(fromMatrices.predict(fromRows(X)).data));
      assert.throws(() => algorithm.create(options).fit([[1, 2], [3]], [1, 2]), /^DataError: X row 1 has 1 entries/);
      assert.throws(() => algorithm.create(options).fit(X, 'y' as unknown as number[]), DataError);
    });
  }

  it('refuses a constant target with standardization, naming it', () => {
    const { X } = offsetData(20);
    assert.throws(
      () => new NeuronPursuit({ ...QUICK, standardize: true }).fit(X, Array(20).fill(3)),
      /^DataError: the target is constant: there is nothing to learn$/,
    );
  });
});

describe('the model format with preprocessing', () => {
  const net = new NeuronPursuit({ ...QUICK, maxIterations: 1, intercept: true, standardize: true }).fit(
    offsetData(30).X,
    offsetData(30).y,
  );
  const json = JSON.parse(JSON.stringify(modelToJson(net.network, undefined, net.preprocessing)));

  it('writes version 2, reads version 1 without preprocessing, refuses the rest with one line', () => {
    assert.equal(json.version, 2);
    const { preprocessing, ...plain } = json;
    assert.ok(preprocessing);
    // a version-1 file (no preprocessing) reads; its network then takes all its inputs as features
    const v1 = modelFromJson({ ...plain, version: 1 });
    assert.equal(v1.preprocessing, undefined);
    assert.equal(v1.predict([[1, 2, 3, 1]]).rows, 1);
    const bad: [object, RegExp][] = [
      [{ ...json, version: 1 }, /preprocessing needs format version 2/],
      [{ ...json, version: 3 }, /format version 3 is not supported \(this build reads versions 1 and 2\)/],
      [{ ...json, preprocessing: { ...preprocessing, featureMean: [0] } }, /featureMean must hold 3 numbers/],
      [{ ...json, preprocessing: { ...preprocessing, featureScale: [1, 0, 1] } }, /featureScale must not hold a 0/],
      [{ ...json, features: ['a', 'b', 'c', 'd'] }, /features must name 3 columns/],
    ];
    for (const [value, message] of bad) assert.throws(() => modelFromJson(value), message);
  });
});
