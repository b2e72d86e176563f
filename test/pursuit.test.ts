import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../src/linalg/rng.js';
import { matrix, zeros } from '../src/linalg/matrix.js';
import { DataError } from '../src/estimators/estimator.js';
import { NeuronPursuit } from '../src/pursuit/neuron-pursuit.js';
import type { PursuitEvent } from '../src/pursuit/history.js';
import { getTask } from '../src/tasks/tasks.js';
import { Network } from '../src/model/network.js';
import { relativeError } from '../src/model/metrics.js';
import { gaussianMatrix, withoutTimes } from './helpers.js';

const demo = getTask('demo');
const demoData = demo.generate(500, 10_000, new Rng(0, 'data/demo'));

describe('NeuronPursuit', () => {
  it('recovers the demo target: test error < 1e-2 within 4 iterations, iteration 2 grows layer 1', () => {
    const fitted = new NeuronPursuit({ ...demo.defaults, seed: 0 }).fit(demoData.train.X, demoData.train.Y, {
      testX: demoData.test.X,
      testY: demoData.test.Y,
    });
    const h = fitted.history;
    assert.ok(h.length <= 4, `${h.length} iterations`);
    assert.ok(h.at(-1)!.testError! < 1e-2, `test error ${h.at(-1)!.testError}`);
    assert.deepEqual(h[1]!.layers, [1]);
    assert.equal(fitted.stopReason, 'target');
    // predict() is the fitted network
    const p = fitted.predict(demoData.test.X);
    assert.equal(p.rows, 10_000);
  });

  it('adds each neuron with a back-tracked δ that lowers the loss', () => {
    const fitted = new NeuronPursuit({ ...demo.defaults, targetError: 0, maxIterations: 3, gdSteps: 3000 }).fit(
      demoData.train.X,
      demoData.train.Y,
    );
    assert.ok(fitted.history.length >= 3);
    const lossAtZero = demoData.train.Y.data.reduce((s, y) => s + y * y, 0) / (2 * 500);
    assert.equal(fitted.history[0]!.lossBefore, lossAtZero);
    assert.ok(fitted.history[0]!.lossAfterAdd <= lossAtZero);
    for (const row of fitted.history.slice(1)) {
      assert.ok(
        row.lossAfterAdd < row.lossBefore,
        `iteration ${row.iteration}: ${row.lossAfterAdd} ≥ ${row.lossBefore}`,
      );
      assert.equal(row.deltaWarning, false);
      assert.ok(row.loss <= row.lossAfterAdd);
      assert.ok(row.ncfValue > 0);
    }
  });

  it('records the loss at every GD check of each stage, from the loss after the addition to the final loss', () => {
    const checkEvery = 250;
    const fitted = new NeuronPursuit({ ...demo.defaults, maxIterations: 3, gdSteps: 3000, checkEvery }).fit(
      demoData.train.X,
      demoData.train.Y,
    );
    for (const h of fitted.history) {
      const trace = h.gdTrace!;
      assert.deepEqual(trace[0], { step: 0, loss: h.lossAfterAdd }, `iteration ${h.iteration}`);
      assert.ok(trace.every((c, i) => i === 0 || c.step - trace[i - 1]!.step === checkEvery || c.step === h.gdSteps));
      if (h.gdStopReason !== 'diverged') assert.deepEqual(trace.at(-1), { step: h.gdSteps, loss: h.loss });
      assert.equal(h.gdHalvings, Math.round(Math.log2(demo.defaults.lr! / h.gdLr)));
    }
  });

  it('gives the same history bit for bit from the same seed', () => {
    const options = { ...demo.defaults, seed: 3, maxIterations: 3, gdSteps: 2000, targetError: 1e-6 };
    const a = new NeuronPursuit(options).fit(demoData.train.X, demoData.train.Y);
    const b = new NeuronPursuit(options).fit(demoData.train.X, demoData.train.Y);
    assert.deepEqual(withoutTimes(a.history), withoutTimes(b.history));
    assert.deepEqual(Array.from(a.network.params), Array.from(b.network.params));
    const c = new NeuronPursuit({ ...options, seed: 4 }).fit(demoData.train.X, demoData.train.Y);
    assert.notDeepEqual(Array.from(a.network.params), Array.from(c.network.params));
  });

  it('runs one event at a time from start(): the same events and history as fit, the state readable in between', () => {
    const options = { ...demo.defaults, seed: 1, maxIterations: 3, gdSteps: 2000, targetError: 1e-6 };
    const events: PursuitEvent[] = [];
    const fitted = new NeuronPursuit(options).fit(demoData.train.X, demoData.train.Y, {
      onEvent: (e) => events.push(e),
    });
    const run = new NeuronPursuit(options).start(demoData.train.X, demoData.train.Y);
    const stepped: PursuitEvent[] = [];
    let result = run.next();
    for (; !result.done; result = run.next()) {
      const e = result.value;
      stepped.push(e);
      // between events the run holds still: the network is the one being trained, the history the rows so far
      if (e.type === 'gd') {
        assert.equal(run.history.length, e.iteration - 1);
        assert.equal(run.network.loss(demoData.train.X, demoData.train.Y), e.loss);
      }
      if (e.type === 'iteration-end') assert.deepEqual(run.network.hiddenWidths, e.record.widths);
    }
    assert.deepEqual(
      stepped.map((e) => (e.type === 'iteration-end' ? { ...e, record: { ...e.record, seconds: 0 } } : e)),
      events.map((e) => (e.type === 'iteration-end' ? { ...e, record: { ...e.record, seconds: 0 } } : e)),
    );
    assert.ok(events.filter((e) => e.type === 'gd').length > 3);
    assert.deepEqual(withoutTimes(result.value.history), withoutTimes(fitted.history));
    assert.deepEqual(Array.from(result.value.network.params), Array.from(fitted.network.params));
    assert.deepEqual(run.next(), { done: true, value: undefined });
  });

  it('joint and per-layer NCF maximization grow the same layer on the demo data', () => {
    const options = { ...demo.defaults, maxIterations: 3, targetError: 1e-9, gdSteps: 5000 };
    const perLayer = new NeuronPursuit(options).fit(demoData.train.X, demoData.train.Y);
    const joint = new NeuronPursuit({ ...options, joint: true }).fit(demoData.train.X, demoData.train.Y);
    assert.deepEqual(
      joint.history.slice(1).map((r) => r.layers),
      perLayer.history.slice(1).map((r) => r.layers),
    );
    assert.deepEqual(joint.history[1]!.layers, [1]);
  });

  it('adds the top-m distinct candidates when asked', () => {
    const fitted = new NeuronPursuit({
      ...demo.defaults,
      candidatesPerIteration: 3,
      maxIterations: 2,
      targetError: 1e-9,
      gdSteps: 1000,
    }).fit(demoData.train.X, demoData.train.Y);
    const row = fitted.history[1]!;
    assert.equal(row.layers.length, 3);
    assert.equal(
      row.widths.reduce((s, w) => s + w, 0),
      2 + 3,
    );
    assert.ok(row.lossAfterAdd < row.lossBefore);
  });

  it('balances the weights after each stage when asked', () => {
    const fitted = new NeuronPursuit({ ...demo.defaults, balance: true, maxIterations: 2, gdSteps: 2000 }).fit(
      demoData.train.X,
      demoData.train.Y,
    );
    for (const layer of fitted.history.at(-1)!.balancedness) for (const b of layer) assert.ok(Math.abs(b - 1) < 1e-8);
  });

  it("records each iteration's unit KKT vector and weights when asked, reproducing the recorded errors", () => {
    const fitted = new NeuronPursuit({
      ...demo.defaults,
      recordWeights: true,
      maxIterations: 3,
      gdSteps: 3000,
      targetError: 0,
    }).fit(demoData.train.X, demoData.train.Y);
    for (const h of fitted.history) {
      const norm = Math.hypot(...h.kktPoint!);
      assert.ok(Math.abs(norm - 1) < 1e-12);
      const net = new Network([20, ...h.widths, 1], fitted.network.activation, h.weights!);
      const err = relativeError(net.forward(demoData.train.X), demoData.train.Y);
      assert.ok(Math.abs(err - h.trainError) <= 1e-9 * h.trainError, `${err} vs ${h.trainError}`);
    }
    assert.equal(fitted.history[0]!.kktPoint!.length, 20 + 1 + 1);
    assert.deepEqual(Array.from(fitted.network.params), fitted.history.at(-1)!.weights);
    const plain = new NeuronPursuit({ ...demo.defaults, maxIterations: 1 }).fit(demoData.train.X, demoData.train.Y);
    assert.equal(plain.history[0]!.weights, undefined);
  });

  it("grows x1 + x2 at depth 4 (ReLU) through dead samples with paths, no spare neuron; the paper's NP stalls", () => {
    const task = getTask('deep-linear');
    const { train, test } = task.generate(300, 2000, new Rng(0, 'data/deep-linear'));
    const grown = new NeuronPursuit({ ...task.defaults, seed: 0 }).fit(train.X, train.Y, {
      testX: test.X,
      testY: test.Y,
    });
    assert.equal(grown.options.growth, 'paths');
    assert.ok(grown.iterations <= 3, `${grown.iterations} iterations`);
    assert.ok(grown.history.at(-1)!.testError! < 1e-3, `test error ${grown.history.at(-1)!.testError}`);
    // the teacher has 2 + 2 + 2 neurons; a path grows layers 1–3 at once
    assert.deepEqual(grown.network.hiddenWidths, [2, 2, 2]);
    assert.ok(
      grown.history.some((r) => r.layers.length === 3),
      'a three-neuron path was added',
    );
    const paper = new NeuronPursuit({ ...task.defaults, seed: 0, growth: 'neurons', maxIterations: 6 }).fit(
      train.X,
      train.Y,
    );
    assert.ok(
      paper.history.at(-1)!.trainError > 0.1,
      `the paper's candidates reached ${paper.history.at(-1)!.trainError}`,
    );
    assert.deepEqual(paper.network.hiddenWidths.slice(1), [1, 1], 'single neurons never grow layers 2 and 3 here');
  });

  it("stops where the training classification error reaches 0 when asked (the paper's modular addition)", () => {
    const task = getTask('modular-addition-7');
    const { train } = task.generate(task.defaultSamples, 0, new Rng(0, 'data/modular-addition-7'));
    const options = { ...task.defaults, gdSteps: 20_000, maxIterations: 20 };
    const byClass = new NeuronPursuit({ ...options, stopOn: 'classification' }).fit(train.X, train.Y);
    assert.equal(byClass.stopReason, 'target');
    assert.equal(byClass.history.at(-1)!.trainClassError, 0);
    assert.ok(
      byClass.history.slice(0, -1).every((r) => r.trainClassError! > 0),
      'it stops at the first iteration with no training mistakes',
    );
    assert.ok(byClass.history.at(-1)!.trainError > byClass.options.targetError, 'before the regression target');
    const byRegression = new NeuronPursuit({ ...options, stopOn: 'regression' }).fit(train.X, train.Y);
    assert.ok(byRegression.iterations > byClass.iterations);
    assert.equal(new NeuronPursuit({ stopOn: 'classification' }).options.classification, true);
  });

  it('stops when no direction reaches the residual, whatever its scale (relative degenerate test)', () => {
    // A linear network fits x1 and leaves x2·x3, which no linear neuron correlates with: every candidate's NCF is
    // rounding noise (about 1e-16 of its bound) at any scale of the target. Without the test, NP adds neurons that
    // no δ makes useful.
    const rng = new Rng(0, 'linear');
    const X = gaussianMatrix(400, 5, rng);
    const Y = zeros(400, 1);
    for (let i = 0; i < 400; i++) Y.data[i] = X.data[i * 5]! + X.data[i * 5 + 1]! * X.data[i * 5 + 2]!;
    const options = { depth: 3, activation: 'linear', targetError: 0, maxIterations: 4, gdSteps: 20_000 } as const;
    const scaled = (scale: number) =>
      matrix(
        400,
        1,
        Y.data.map((y) => scale * y),
      );
    for (const scale of [1, 10]) {
      const fitted = new NeuronPursuit(options).fit(X, scaled(scale));
      assert.equal(fitted.stopReason, 'ncf-degenerate', `scale ${scale}`);
      assert.equal(fitted.iterations, 1);
    }
    const noThreshold = new NeuronPursuit({ ...options, ncfThreshold: 0 }).fit(X, scaled(1));
    assert.equal(noThreshold.iterations, 4);
    // each addition halved δ all 10 times (the loss moves by rounding only)
    assert.ok(noThreshold.history.slice(1).every((r) => r.deltaShrinks === 10 && r.ncfRelative! < 1e-12));
  });

  it('refuses data it cannot learn from, with a clear message', () => {
    const np = new NeuronPursuit();
    assert.throws(
      () => np.fit(demoData.train.X, zeros(500, 1)),
      (e: Error) => e instanceof DataError && /nothing to learn/.test(e.message),
    );
    assert.throws(() => np.fit(zeros(0, 3), zeros(0, 1)), /empty/);
    const X = zeros(3, 2);
    X.data[1] = NaN;
    assert.throws(() => np.fit(X, zeros(3, 1)), /NaN/);
    assert.throws(
      () => np.fit(demoData.train.X, demoData.train.Y, { testX: zeros(5, 3), testY: zeros(5, 1) }),
      /3 features/,
    );
    assert.throws(() => new NeuronPursuit({ depth: 1 }), /depth/);
    assert.throws(() => new NeuronPursuit({ activation: 'leaky-relu', alpha: -2 }), /alpha/);
    assert.throws(() => new NeuronPursuit({ activation: 'custom' }), /custom activation needs/);
    // @ts-expect-error: an option that does not exist is refused at run time too
    assert.throws(() => new NeuronPursuit({ bogus: 1 }), /bogus/);
  });
});
