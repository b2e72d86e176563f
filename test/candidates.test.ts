/**
 * Candidates of an NP iteration (src/ncf/candidates.ts): the tie rule of the
 * back-propagated residual, composed activations, and single and path
 * candidates checked against the network they would be added to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matrix, zeros } from '../src/linalg/matrix.js';
import { Rng } from '../src/linalg/rng.js';
import { makeActivation } from '../src/model/activation.js';
import { Network } from '../src/model/network.js';
import { TIE_RULES, addCandidate, candidateFamilies, composeActivation, tieSlope } from '../src/ncf/candidates.js';
import { gaussianMatrix, numericGradient, relVecDiff } from './helpers.js';

function evaluateOne(
  ncf: { dim: number; evaluate: (p: ReturnType<typeof matrix>, v: Float64Array, g: ReturnType<typeof matrix>) => void },
  w: Float64Array,
  grad?: Float64Array,
): number {
  const values = new Float64Array(1),
    grads = zeros(1, ncf.dim);
  ncf.evaluate(matrix(1, ncf.dim, w), values, grads);
  grad?.set(grads.data);
  return values[0]!;
}

describe('ties in the back-propagated residual', () => {
  // x = 0 leaves both layer-1 neurons at 0, so the layer-2 neuron's pre-activation is exactly 0 (a tie);
  // x = (1, 1) puts it at 2.
  const X = matrix(2, 2, [0, 0, 1, 1]);
  const R = matrix(2, 1, [1, 1]);
  for (const name of ['relu', 'leaky-relu'] as const) {
    it(`${name}: a tied sample reaches layer-1 candidates with slope α, (1 + α)/2 or 1; others as before`, () => {
      const net = new Network([2, 2, 1, 1], makeActivation({ name }), [1, 0, 0, 1, 1, 1, 2]);
      const alpha = net.activation.alpha;
      for (const rule of TIE_RULES) {
        const { residuals } = net.backpropagateResidual(X, R, tieSlope(rule, alpha));
        // G_1 = W_3ᵀ r ⊙ σ′(z_2): 2 × slope at the tie, 2 × 1 where z_2 = 2 > 0.
        assert.equal(residuals[0]!.data[0], 2 * tieSlope(rule, alpha), `${rule}: tied sample`);
        assert.equal(residuals[0]!.data[1], 2, `${rule}: untied sample`);
        assert.deepEqual(Array.from(residuals[1]!.data), [1, 1], `${rule}: G_2 is the residual itself`);
      }
      assert.equal(tieSlope('low', alpha), alpha);
      assert.equal(tieSlope('high', alpha), 1);
      // Without a rule the activation's own Clarke choice applies: the same as 'low'.
      assert.equal(net.backpropagateResidual(X, R).residuals[0]!.data[0], 2 * alpha);
    });
  }

  it('p = 2: σ′(0) = 0 from both sides, so the rule changes nothing', () => {
    const net = new Network([2, 2, 1, 1], makeActivation({ name: 'squared-relu' }), [1, 0, 0, 1, 1, 1, 2]);
    for (const rule of TIE_RULES) {
      assert.equal(net.backpropagateResidual(X, R, tieSlope(rule, 0)).residuals[0]!.data[0], 0);
    }
  });
});

describe('composed activations', () => {
  const cases = [
    { name: 'relu' },
    { name: 'leaky-relu', alpha: 0.1 },
    { name: 'square' },
    { name: 'squared-relu' },
    { name: 'linear' },
    { name: 'custom', p: 3, alpha: 0.5 },
    { name: 'custom', p: 1.5, alpha: -0.4 },
  ];
  for (const spec of cases) {
    it(`σ∘σ and σ∘σ∘σ are activations of the same family (${spec.name}${spec.p ? ` p = ${spec.p}` : ''})`, () => {
      const act = makeActivation(spec);
      const twice = composeActivation(act, 2),
        thrice = composeActivation(act, 3);
      assert.equal(twice.p, act.p ** 2);
      assert.equal(thrice.p, act.p ** 3);
      for (const z of [-2.5, -1, -0.3, 0, 0.4, 1, 3]) {
        const s2 = act.value(act.value(z)),
          s3 = act.value(s2);
        assert.ok(
          Math.abs(twice.value(z) - s2) <= 1e-12 * Math.max(1, Math.abs(s2)),
          `σσ(${z}) = ${s2}, composed ${twice.value(z)}`,
        );
        assert.ok(
          Math.abs(thrice.value(z) - s3) <= 1e-12 * Math.max(1, Math.abs(s3)),
          `σσσ(${z}) = ${s3}, composed ${thrice.value(z)}`,
        );
      }
    });
  }
});

describe('single and path candidates', () => {
  // No ties anywhere: layer 1 holds u·x and −u·x (one of them is active on every x), and the hidden
  // layers above take positive weights, so no pre-activation is 0 and every ReLU above layer 1 is active.
  for (const name of ['relu', 'leaky-relu', 'square'] as const) {
    const title =
      `${name}, depth 4: each family's NCF is the lowest-order change of the correlation with the residual ` +
      'when it is added (paths: p = 1), and its gradient matches central differences';
    it(title, () => {
      const rng = new Rng(7, name);
      const act = makeActivation({ name });
      const X = gaussianMatrix(40, 3, rng);
      const net = new Network([3, 3, 2, 2, 2], act);
      for (let c = 0; c < net.size; c++) net.params[c] = 0.8 * rng.normal();
      const W1 = net.layer(1).data;
      for (let c = 0; c < 3; c++) W1[3 + c] = -W1[c]!;
      for (const l of [2, 3]) {
        const W = net.layer(l).data;
        for (let c = 0; c < W.length; c++) W[c] = Math.abs(W[c]!) + 0.1;
      }
      const Y = gaussianMatrix(40, 2, rng);
      const H = net.forward(X);
      const R = matrix(
        Y.rows,
        Y.cols,
        Y.data.map((y, i) => y - H.data[i]!),
      );
      const families = candidateFamilies(net, X, R, { tieRule: 'high', maxPath: 3 });
      assert.deepEqual(
        families.map((f) => `${f.layer}/${f.neurons}`),
        ['1/1', '2/1', '3/1', '1/2', '2/2', '1/3'],
      );
      const correlation = (n: Network) => {
        const out = n.forward(X);
        let s = 0;
        for (let i = 0; i < out.data.length; i++) s += R.data[i]! * out.data[i]!;
        return s / X.rows;
      };
      const base = correlation(net);
      for (const family of families) {
        const u = rng.onSphere(family.ncf.dim);
        const grad = new Float64Array(family.ncf.dim);
        const value = evaluateOne(family.ncf, u, grad);
        assert.ok(
          relVecDiff(
            grad,
            numericGradient(() => evaluateOne(family.ncf, u), u),
          ) < 1e-6,
          `${family.layer}/${family.neurons}: gradient`,
        );
        // Added at scale δ, the family's weights change the correlation by δ^D · (value on the unit sphere of all
        // its weights). For p = 2 a path's degree (7, 15) puts that change below rounding: singles only.
        const D = pathDegree(act.p, family.neurons);
        if (act.p > 1 && family.neurons > 1) continue;
        // δ^D ≈ 1e-6 keeps the change above rounding; p = 1 is piecewise linear, so no higher-order terms either.
        const delta = act.p === 1 ? 10 ** (-6 / D) : 1e-3;
        const grown = addCandidate(net, family, u.subarray(0, family.ncf.inDim), u.subarray(family.ncf.inDim), delta);
        assert.equal(grown.size - net.size, expectedNewWeights(net, family));
        const change = (correlation(grown) - base) / delta ** D;
        const predicted = family.sphereFactor * value;
        assert.ok(
          Math.abs(change - predicted) <= 1e-3 * Math.abs(predicted) + 1e-9,
          `${family.layer}/${family.neurons}: ${change} vs ${predicted}`,
        );
      }
    });
  }
});

/** Degree of a chain of `neurons` new neurons in all its weights: 1 + p + … + p^neurons. */
function pathDegree(p: number, neurons: number): number {
  let d = 0;
  for (let k = 0; k <= neurons; k++) d += p ** k;
  return d;
}

/** New entries of params when a family is added: each new neuron's full row and column. */
function expectedNewWeights(net: Network, family: { layer: number; neurons: number }): number {
  const grownWidths = [...net.widths];
  for (let t = 0; t < family.neurons; t++) grownWidths[family.layer + t]! += 1;
  let before = 0,
    after = 0;
  for (let l = 1; l < net.widths.length; l++) {
    before += net.widths[l]! * net.widths[l - 1]!;
    after += grownWidths[l]! * grownWidths[l - 1]!;
  }
  return after - before;
}
