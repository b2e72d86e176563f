/**
 * The growth rules' defining properties (docs/algorithm.md §15): GradMax's fan-out maximizes the fan-in's gradient
 * (checked against the network's own backward pass) and leaves the function unchanged; TINY's neuron shrinks the
 * expressivity bottleneck by exactly λ₁², no rank-one neuron does better, and its line search lowers the loss;
 * random draws a seeded unit direction; every rule fits every task, deterministic for a seed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../src/linalg/rng.js';
import { type Matrix, matrix, norm } from '../src/linalg/matrix.js';
import type { Network } from '../src/model/network.js';
import { FittedNeuronPursuit, NeuronPursuit } from '../src/pursuit/neuron-pursuit.js';
import type { GrowthContext } from '../src/pursuit/growth-rule.js';
import { GROWTH_RULES, growthRule } from '../src/pursuit/growth-rules.js';
import { resolveOptions } from '../src/pursuit/options.js';
import { gradMaxDirections, gradmaxRule, zeroFanIn } from '../src/pursuit/rules/gradmax.js';
import { layerOutputs, layerStatistics } from '../src/pursuit/rules/layer-statistics.js';
import { randomDirection } from '../src/pursuit/rules/random.js';
import { bottleneck, tinyNeuron, tinyRule } from '../src/pursuit/rules/tiny.js';
import { taskByName } from '../src/experiments/data-tasks.js';
import { TASK_NAMES, getTask } from '../src/tasks/tasks.js';
import { gaussianMatrix, randomNetwork, relDiff, withoutTimes } from './helpers.js';

const rng = new Rng(7, 'growth-rules-test');
const X = gaussianMatrix(150, 6, rng);
const Y = matrix(
  150,
  1,
  Array.from({ length: 150 }, (_, i) => Math.max(0, X.data[6 * i]! * X.data[6 * i + 1]!) - 0.3 * X.data[6 * i + 2]!),
);

function contextFor(net: Network, options: object, iteration = 2): GrowthContext {
  const out = net.forward(X);
  const residual = matrix(
    Y.rows,
    Y.cols,
    Y.data.map((y, i) => y - out.data[i]!),
  );
  return {
    iteration,
    net,
    X,
    Y,
    residual,
    lossBefore: net.loss(X, Y),
    options: resolveOptions({ depth: net.depth, ...options }),
    rng: new Rng(11, 'neuron-pursuit'),
  };
}

/** The network's own gradient of the loss w.r.t. the fan-in of a new neuron added to layer l with a = 0, fan-out b. */
function fanInGradientNorm(net: Network, l: number, b: ArrayLike<number>): number {
  const grown = net.addNeuron(l, new Float64Array(net.widths[l - 1]!), Array.from(b));
  const grad = new Float64Array(grown.size);
  grown.loss(X, Y, grad);
  const kin = grown.widths[l - 1]!;
  const start = grown.layerOffset(l) + (grown.widths[l]! - 1) * kin;
  return norm(grad.subarray(start, start + kin));
}

describe('GradMax', () => {
  // σ′(0) = α = 0.2 in the network's own backward pass, and GradMax told to use it: the two must agree.
  const net = randomNetwork([6, 3, 2, 1], { name: 'leaky-relu', p: 1, alpha: 0.2 }, rng);
  const context = contextFor(net, { activation: 'leaky-relu', alpha: 0.2, gradmaxTie: 'activation' });

  it('its fan-out gives the fan-in the gradient norm σ′(0)·s₁, and no 1,000 random unit fan-outs give more', () => {
    for (const d of gradMaxDirections(context)) {
      assert.ok(Math.abs(norm(d.b) - 1) < 1e-12);
      const chosen = fanInGradientNorm(net, d.layer, d.b);
      assert.ok(
        relDiff(chosen, 0.2 * d.singularValue) < 1e-9,
        `layer ${d.layer}: ${chosen} vs ${0.2 * d.singularValue}`,
      );
      const draws = rng.fork(`b/${d.layer}`);
      let best = 0;
      for (let t = 0; t < 1000; t++) best = Math.max(best, fanInGradientNorm(net, d.layer, draws.onSphere(d.b.length)));
      assert.ok(best <= chosen * (1 + 1e-12), `a random fan-out gave ${best} > ${chosen}`);
      assert.ok(best > 0.5 * chosen, 'the random fan-outs should come near the best in 2 or 3 dimensions');
    }
  });

  it('adds its neuron without changing the function (zero fan-in)', () => {
    for (const d of gradMaxDirections(context)) {
      const grown = zeroFanIn(net, d, 0.7);
      assert.deepEqual(grown.forward(X).data, net.forward(X).data);
      assert.equal(grown.loss(X, Y), context.lossBefore);
    }
  });

  it("under relu's own σ′(0) = 0 no fan-out gives a gradient; under σ′(0) = 1 its first step lowers the loss", () => {
    const relu = randomNetwork([6, 3, 2, 1], { name: 'relu', p: 1, alpha: 0 }, rng);
    const own = gradmaxRule.grow(contextFor(relu, { activation: 'relu', gradmaxTie: 'activation' }));
    assert.equal(typeof own, 'string');
    assert.match(own as string, /zero gradient .*σ′\(0\) = 0/);
    const one = contextFor(relu, { activation: 'relu' });
    const growth = gradmaxRule.grow(one);
    assert.ok(typeof growth !== 'string');
    assert.ok(growth.fields.lossAfterAdd < one.lossBefore, `${growth.fields.lossAfterAdd} ≥ ${one.lossBefore}`);
    assert.equal(growth.network.size, relu.size + 6 + 2 + (growth.fields.layers[0] === 1 ? 0 : 3 + 1 - 8));
  });
});

describe('TINY', () => {
  const net = randomNetwork([6, 3, 2, 1], { name: 'relu', p: 1, alpha: 0 }, rng);
  const context = contextFor(net, { activation: 'relu' });
  const stats = layerStatistics(net, X, context.residual, context.options);

  it("takes out what the layer's present weights can do: the bottleneck is orthogonal to the layer's outputs", () => {
    // layer 1's outputs are the inputs the backward pass recorded for layer 2
    assert.ok(
      Math.max(...layerOutputs(net, 1, stats[0]!.P).data.map((v, i) => Math.abs(v - stats[1]!.P.data[i]!))) < 1e-12,
    );
    const { P, G } = stats[0]!;
    const H = layerOutputs(net, 1, P);
    const V = bottleneck(G, H);
    for (let j = 0; j < H.cols; j++)
      for (let c = 0; c < V.columns; c++) {
        let s = 0;
        for (let i = 0; i < H.rows; i++) s += H.data[i * H.cols + j]! * V.get(i, c);
        assert.ok(Math.abs(s) < 1e-9 * H.rows, `Hᵀ V [${j}, ${c}] = ${s}`);
      }
  });

  it('shrinks the bottleneck by exactly λ₁², and no rank-one neuron of 1,000 random directions does better', () => {
    const { P, G } = stats[0]!;
    const V = bottleneck(G, layerOutputs(net, 1, P));
    const { alpha, omega, lambda } = tinyNeuron(P, V);
    const gain = (a: ArrayLike<number>, w: ArrayLike<number>) => {
      let before = 0,
        after = 0;
      for (let i = 0; i < P.rows; i++) {
        let pa = 0;
        for (let j = 0; j < P.cols; j++) pa += P.data[i * P.cols + j]! * a[j]!;
        for (let c = 0; c < V.columns; c++) {
          before += V.get(i, c) ** 2;
          after += (V.get(i, c) - pa * w[c]!) ** 2;
        }
      }
      return (before - after) / P.rows;
    };
    assert.ok(lambda > 0);
    assert.ok(relDiff(gain(alpha, omega), lambda * lambda) < 1e-9, `${gain(alpha, omega)} vs λ² = ${lambda ** 2}`);
    const draws = rng.fork('tiny');
    for (let t = 0; t < 1000; t++) {
      const a = draws.onSphere(P.cols),
        w = draws.onSphere(V.columns);
      // the best scale t of (a, w): gain 2t·c − t²·q peaks at c²/q
      const c = gain(a, w) / 2 + scaledQuadratic(P, a, w) / 2;
      const q = scaledQuadratic(P, a, w);
      assert.ok((c * c) / q <= lambda * lambda * (1 + 1e-9), `a random neuron gains ${(c * c) / q} > ${lambda ** 2}`);
    }
  });

  it('its line search lowers the loss at a trained saddle', () => {
    const fitted = new NeuronPursuit({ depth: 3, maxIterations: 1, restarts: 5, pgaSteps: 200 }).fit(X, Y);
    const saddle = contextFor(fitted.network, {});
    const growth = tinyRule.grow(saddle);
    assert.ok(typeof growth !== 'string');
    assert.ok(growth.fields.lossAfterAdd < saddle.lossBefore, `${growth.fields.lossAfterAdd} ≥ ${saddle.lossBefore}`);
    assert.equal(growth.fields.deltaWarning, false);
  });
});

/** (1/n)‖P a‖²‖w‖²: the quadratic term of the bottleneck's change for the neuron (a, w). */
function scaledQuadratic(P: Matrix, a: ArrayLike<number>, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < P.rows; i++) {
    let pa = 0;
    for (let j = 0; j < P.cols; j++) pa += P.data[i * P.cols + j]! * a[j]!;
    s += pa * pa;
  }
  return (s / P.rows) * norm(w) ** 2;
}

describe('random growth', () => {
  const net = randomNetwork([6, 3, 2, 1], { name: 'relu', p: 1, alpha: 0 }, rng);

  it('draws a unit direction in a hidden layer from the seed and iteration alone', () => {
    const at = (iteration: number, seed = 11) =>
      randomDirection({ net, iteration, rng: new Rng(seed, 'neuron-pursuit') });
    const d = at(2);
    assert.ok(d.layer === 1 || d.layer === 2);
    assert.equal(d.a.length, net.widths[d.layer - 1]);
    assert.equal(d.b.length, net.widths[d.layer + 1]);
    assert.ok(Math.abs(Math.hypot(...d.a, ...d.b) - 1) < 1e-12);
    assert.deepEqual(at(2), d);
    assert.notDeepEqual(at(3).a, d.a);
    assert.notDeepEqual(at(2, 12).a, d.a);
  });
});

describe('every growth rule fits every task', () => {
  const tasks = [...TASK_NAMES.map(getTask), taskByName('csv:diabetes')];
  for (const rule of GROWTH_RULES.filter((r) => r !== 'np')) {
    it(`${rule}: every task, the same history for the same seed, and a model that round-trips`, () => {
      for (const task of tasks) {
        const samples = task.name.startsWith('modular') ? 150 : task.name === 'pvr' ? 200 : 80;
        const { train, test } = task.generate(samples, 40, new Rng(3, `data/${task.name}`));
        const estimator = new NeuronPursuit({
          ...task.defaults,
          maxIterations: 3,
          gdSteps: 300,
          restarts: 20,
          pgaSteps: 300,
          // the shared first iteration needs the default PGA budget on the depth-4 tasks at n = 80
          firstPgaSteps: 2500,
          seed: 5,
          growthRule: rule,
        });
        const fit = () => estimator.fit(train.X, train.Y, { testX: test.X, testY: test.Y });
        const first = fit(),
          second = fit();
        assert.equal(first.algorithm, rule);
        assert.ok(first.history.length >= 1, `${task.name}: no iteration`);
        assert.deepEqual(withoutTimes(second.history), withoutTimes(first.history), `${task.name}: not deterministic`);
        if (first.history.length >= 2) assert.equal(first.history[1]!.layers.length, 1, `${task.name}: one neuron`);
        const back = FittedNeuronPursuit.fromJSON(JSON.parse(JSON.stringify(first.toJSON())));
        assert.equal(back.algorithm, rule);
        assert.deepEqual(back.predict(test.X).data, first.predict(test.X).data);
      }
    });
  }

  it('the registry names each rule once', () => {
    for (const rule of GROWTH_RULES) assert.equal(growthRule(rule).name, rule);
  });
});
