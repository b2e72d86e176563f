/**
 * TINY (Verbockhaven et al., TMLR 2024) as a growth rule (docs/algorithm.md §15). At hidden layer l the desired
 * update of the pre-activations the new neuron feeds is G (the back-propagated residual; −G/n is the loss's
 * gradient there). What the layer's present weights can do about it (the least-squares fit of G on the layer's
 * outputs H) is taken away: V = G − H (HᵀH)⁺HᵀG is the *expressivity bottleneck*. A new neuron with fan-in α and
 * fan-out ω, linearized at 0 (σ(z) ≈ z, σ′(0) = 1), adds P α ωᵀ, and the best one solves
 *   min ‖V − P α ωᵀ‖²/n:   with S = PᵀP/n, N = PᵀV/n and S^{−1/2} N = Σ λ_k u_k v_kᵀ,
 *   α = S^{−1/2} u₁ √λ₁,  ω = v₁ √λ₁,  and the bottleneck shrinks by exactly λ₁² (the first-order gain).
 * The layer is the one with the largest λ₁²; the amplitude γ of (γα, γω), and the sign, come from a line search on
 * the loss itself (γ = √2 · 2^(−j/2), j = 0 … 2·maxShrinks). The existing weights are left to the GD stage.
 */
import { EVD, Matrix as MlMatrix, SVD, solve } from 'ml-matrix';
import { type Matrix, norm } from '../../linalg/matrix.js';
import { type Growth, type GrowthContext, type GrowthRule, spread } from '../growth-rule.js';
import { crossMoment, layerOutputs, layerStatistics, signedColumn, toMl } from './layer-statistics.js';

/** TINY's neuron for one layer: fan-in α, fan-out ω and λ₁ (the bottleneck drops by λ₁²). */
export interface TinyDirection {
  layer: number;
  alpha: Float64Array;
  omega: Float64Array;
  lambda: number;
}

/** The bottleneck V = G − H (least-squares fit of G on H). */
export function bottleneck(G: Matrix, H: Matrix): MlMatrix {
  const g = toMl(G);
  const fit = toMl(H).mmul(solve(toMl(H), g, true));
  return g.sub(fit);
}

/** The best linearized new neuron for inputs P and bottleneck V (see the file's comment). */
export function tinyNeuron(P: Matrix, V: MlMatrix): { alpha: Float64Array; omega: Float64Array; lambda: number } {
  const S = crossMoment(P, P);
  const N = toMl(P).transpose().mmul(V).div(P.rows);
  const evd = new EVD(S, { assumeSymmetric: true });
  const values = evd.realEigenvalues,
    Q = evd.eigenvectorMatrix;
  const top = Math.max(0, ...values);
  // S^{−1/2} on S's range (directions P never spans get no weight).
  const inv = values.map((v) => (v > 1e-12 * top ? 1 / Math.sqrt(v) : 0));
  const invSqrt = Q.mmul(MlMatrix.diag(inv)).mmul(Q.transpose());
  const svd = new SVD(invSqrt.mmul(N), { autoTranspose: true });
  const lambda = svd.diagonal[0] ?? 0;
  const u = signedColumn(svd.leftSingularVectors, 0),
    v = signedColumn(svd.rightSingularVectors, 0);
  // Keep u·S^{−1/2} and v paired: the sign fixed on u decides v's through u σ vᵀ.
  const back = invSqrt
    .mmul(N)
    .transpose()
    .mmul(MlMatrix.columnVector(Array.from(u)))
    .getColumn(0);
  const sign = back.reduce((s, x, i) => s + x * v[i]!, 0) < 0 ? -1 : 1;
  const alpha = Float64Array.from(
    invSqrt.mmul(MlMatrix.columnVector(Array.from(u))).getColumn(0),
    (x) => x * Math.sqrt(lambda),
  );
  const omega = Float64Array.from(v, (x) => sign * x * Math.sqrt(lambda));
  return { alpha, omega, lambda };
}

/** TINY's neuron of every hidden layer. */
export function tinyDirections(context: Pick<GrowthContext, 'net' | 'X' | 'residual' | 'options'>): TinyDirection[] {
  const { net, X, residual, options } = context;
  return layerStatistics(net, X, residual, options).map(({ layer, P, G }) => ({
    layer,
    ...tinyNeuron(P, bottleneck(G, layerOutputs(net, layer, P))),
  }));
}

export const tinyRule: GrowthRule = {
  name: 'tiny',
  grow(context: GrowthContext): Growth | string {
    const { iteration: k, net, X, Y, lossBefore, options: o } = context;
    const directions = tinyDirections(context);
    const gains = directions.map((d) => d.lambda * d.lambda);
    const best = gains.indexOf(Math.max(...gains));
    const d = directions[best]!;
    if (!(gains[best]! > 0)) return `TINY: no new neuron reduces the expressivity bottleneck at iteration ${k}`;
    // Line search on the amplitude (and the sign, which the linearization cannot see but σ can).
    let choice: { net: typeof net; loss: number; gamma: number; j: number } | undefined;
    for (let j = 0; j <= 2 * o.maxShrinks; j++) {
      for (const sign of [1, -1]) {
        const gamma = sign * Math.SQRT2 * Math.pow(2, -j / 2);
        const grown = net.addNeuron(
          d.layer,
          Array.from(d.alpha, (v) => gamma * v),
          Array.from(d.omega, (v) => gamma * v),
        );
        const loss = grown.loss(X, Y);
        if (choice === undefined || loss < choice.loss) choice = { net: grown, loss, gamma, j };
      }
    }
    const { gamma, j, loss } = choice!;
    const weights = [...d.alpha, ...d.omega].map((v) => gamma * v);
    const size = norm(weights);
    return {
      network: choice!.net,
      fields: {
        layers: [d.layer],
        ncfValue: gains[best]!,
        kktResidual: 0,
        restartsAtBest: 1,
        restartValues: spread([gains[best]!]),
        layerValues: gains,
        delta: size,
        deltaShrinks: j,
        deltaWarning: !(loss < lossBefore),
        lossBefore,
        lossAfterAdd: loss,
        ...(o.recordWeights ? { kktPoint: weights.map((v) => v / size) } : {}),
      },
    };
  },
};
