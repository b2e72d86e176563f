import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../src/linalg/rng.js';
import { matrix, zeros } from '../src/linalg/matrix.js';
import { ACTIVATION_NAMES, makeActivation } from '../src/model/activation.js';
import { modelFromJson, modelToJson } from '../src/io/model-format.js';
import { Network } from '../src/model/network.js';
import { gaussianMatrix, numericGradient, relDiff, relVecDiff } from './helpers.js';

const ACTIVATIONS = [
  ...ACTIVATION_NAMES.map((name) => makeActivation({ name })),
  makeActivation({ name: 'custom', p: 3, alpha: -0.5 }),
];

function randomNetwork(widths: number[], act = ACTIVATIONS[0]!, seed = 1): Network {
  const rng = new Rng(seed);
  const net = new Network(widths, act);
  for (let i = 0; i < net.size; i++) net.params[i] = rng.normal() / Math.sqrt(2);
  return net;
}

describe('Network', () => {
  for (const act of ACTIVATIONS) {
    for (const depth of [2, 3, 4]) {
      it(`loss gradient matches central differences (${act.name} p=${act.p} α=${act.alpha}, L=${depth})`, () => {
        const widths = [5, ...[4, 3, 3].slice(0, depth - 1), 2];
        const net = randomNetwork(widths, act, depth);
        const rng = new Rng(7);
        const X = gaussianMatrix(12, 5, rng),
          Y = gaussianMatrix(12, 2, rng);
        const grad = new Float64Array(net.size);
        net.loss(X, Y, grad);
        const numeric = numericGradient(() => net.loss(X, Y), net.params);
        assert.ok(relVecDiff(grad, numeric) < 1e-6, `relative error ${relVecDiff(grad, numeric)}`);
        const cGrad = new Float64Array(net.size);
        net.correlation(X, Y, cGrad);
        const cNumeric = numericGradient(() => net.correlation(X, Y), net.params);
        assert.ok(relVecDiff(cGrad, cNumeric) < 1e-6, `correlation: relative error ${relVecDiff(cGrad, cNumeric)}`);
      });
    }
    it(`is homogeneous of degree D in the weights (${act.name})`, () => {
      const net = randomNetwork([4, 3, 3, 2], act, 3);
      const X = gaussianMatrix(10, 4, new Rng(3));
      const before = net.forward(X);
      const c = 1.7;
      const scaled = new Network(
        net.widths,
        act,
        net.params.map((w) => c * w),
      );
      const after = scaled.forward(X);
      const D = net.degree;
      for (let i = 0; i < before.data.length; i++)
        assert.ok(relDiff(after.data[i]!, c ** D * before.data[i]!) < 1e-12 || Math.abs(before.data[i]!) < 1e-300);
    });
  }

  it('backpropagates the residual to every hidden layer (G_l = −n ∂Loss/∂z_{l+1})', () => {
    const net = randomNetwork([4, 3, 2, 2], makeActivation({ name: 'leaky-relu' }), 5);
    const rng = new Rng(5);
    const X = gaussianMatrix(6, 4, rng),
      Y = gaussianMatrix(6, 2, rng);
    const H = net.forward(X);
    const R = matrix(
      6,
      2,
      Y.data.map((y, i) => y - H.data[i]!),
    );
    const { inputs, residuals } = net.backpropagateResidual(X, R);
    assert.deepEqual(
      inputs.map((P) => [P.rows, P.cols]),
      [
        [6, 4],
        [6, 3],
      ],
    );
    assert.deepEqual(
      residuals.map((G) => [G.rows, G.cols]),
      [
        [6, 2],
        [6, 2],
      ],
    );
    assert.deepEqual(Array.from(inputs[0]!.data), Array.from(X.data));
    assert.deepEqual(Array.from(residuals[1]!.data), Array.from(R.data)); // last hidden layer: g_i = r_i
    // Layer 1: g_i · b is the first-order change of r_i · H when neuron output of layer 2 moves by b.
    // Check via the gradient of the loss with respect to W_2: ∂Loss/∂W_2 = −(1/n) Σ g_i h_1(x_i)ᵀ.
    const grad = new Float64Array(net.size);
    net.loss(X, Y, grad);
    const W2 = net.layer(2);
    const offset = net.layer(1).data.length;
    const h1 = inputs[1]!;
    for (let j = 0; j < W2.rows; j++) {
      for (let c = 0; c < W2.cols; c++) {
        let s = 0;
        for (let i = 0; i < 6; i++) s += residuals[0]!.data[i * 2 + j]! * h1.data[i * 3 + c]!;
        assert.ok(relDiff(-s / 6, grad[offset + j * W2.cols + c]!) < 1e-10);
      }
    }
  });

  it('adds a neuron without changing the function when its outgoing weights are zero', () => {
    const net = randomNetwork([4, 2, 2, 1], ACTIVATIONS[0], 9);
    const X = gaussianMatrix(8, 4, new Rng(9));
    const grown = net.addNeuron(1, [1, 2, 3, 4], [0, 0]);
    assert.deepEqual(grown.hiddenWidths, [3, 2]);
    assert.deepEqual(Array.from(grown.forward(X).data), Array.from(net.forward(X).data));
    assert.deepEqual(Array.from(grown.layer(1).data.subarray(8)), [1, 2, 3, 4]);
    const two = grown.addNeuron(2, [0.5, 0.5], [1]); // a shorter than k_1 = 3: padded, so the new pair is unconnected
    assert.equal(two.layer(2).data[2 * 3 + 2], 0);
    assert.deepEqual(two.hiddenWidths, [3, 3]);
  });

  for (const act of [
    makeActivation({ name: 'relu' }),
    makeActivation({ name: 'square' }),
    makeActivation({ name: 'custom', p: 3, alpha: 0 }),
  ]) {
    it(`balance() keeps the outputs and gives ‖in‖² = p‖out‖² (${act.name}, p=${act.p})`, () => {
      const net = randomNetwork([5, 4, 3, 2], act, 11);
      for (let i = 0; i < 20; i++) net.params[i]! *= 3; // unbalance layer 1
      const X = gaussianMatrix(15, 5, new Rng(11));
      const before = net.forward(X);
      net.balance();
      const after = net.forward(X);
      assert.ok(relVecDiff(after.data, before.data) < 1e-10);
      for (let l = 1; l < net.depth; l++) {
        for (let j = 0; j < net.widths[l]!; j++) {
          const { inSq, outSq } = net.neuronNorms(l, j);
          assert.ok(
            Math.abs(inSq - act.p * outSq) <= 1e-8 * Math.max(inSq, 1),
            `layer ${l} neuron ${j}: ${inSq} vs ${act.p * outSq}`,
          );
        }
      }
      for (const row of net.balancedness()) for (const b of row) assert.ok(Math.abs(b - 1) < 1e-8);
    });
  }

  it('saves and loads exactly, and rejects corrupt or foreign files', () => {
    const net = randomNetwork([3, 2, 2], makeActivation({ name: 'leaky-relu', alpha: 0.2 }), 13);
    const json = JSON.parse(JSON.stringify(modelToJson(net)));
    const back = modelFromJson(json).network;
    assert.deepEqual(Array.from(back.params), Array.from(net.params));
    assert.equal(back.activation.alpha, 0.2);
    assert.throws(() => modelFromJson({ ...json, version: 99 }), /version 99 is not supported/);
    assert.throws(() => modelFromJson({ ...json, format: 'other' }), /invalid model file/);
    assert.throws(() => modelFromJson({ ...json, layers: [[1, 2], [3]] }), /layer 1 must hold 6 weights/);
    assert.throws(
      () =>
        modelFromJson({
          ...json,
          layers: [
            [1, 2, 3, 4, 5, null],
            [1, 2, 3, 4],
          ],
        }),
      /non-finite/,
    );
    assert.throws(() => modelFromJson(42), /not a JSON object/);
  });

  it('rejects impossible shapes and activations', () => {
    assert.throws(() => new Network([3, 1], makeActivation({ name: 'relu' })), /depth L ≥ 2/);
    assert.throws(() => new Network([3, 0, 1], makeActivation({ name: 'relu' })), /positive integers/);
    assert.throws(() => makeActivation({ name: 'tanh' }), /unknown activation/);
    assert.throws(() => makeActivation({ name: 'leaky-relu', alpha: 1.5 }), /\[-1, 1\]/);
    const net = new Network([3, 2, 1], makeActivation({ name: 'relu' }));
    assert.throws(() => net.forward(zeros(4, 2)), /2 features, the network takes 3/);
    assert.throws(() => net.loss(zeros(4, 3), zeros(5, 1)), /4 inputs but 5 targets/);
  });
});
