/**
 * GradMax (Evci et al., ICLR 2022) as a growth rule (docs/algorithm.md §15): the new neuron starts with a zero
 * fan-in, so the network's function does not change when it is added, and with the fan-out b (‖b‖ = δ, NP's scale)
 * that maximizes the norm of the gradient the loss then has with respect to the fan-in:
 *   ∇_a Loss = −σ′(0) M b,   M = Pᵀ G / n,
 * so b is δ times M's top right singular vector and the gradient norm is δ σ′(0) s₁(M). The layer is the one with
 * the largest s₁ (the largest gradient per unit of fan-out). Under the network's own σ′(0) (α: 0 for relu) a zero
 * fan-in would never move; GradMax takes σ′(0) = 1 (option `gradmaxTie`), and the fan-in is given the first GD step
 * it would take from zero, a = η σ′(0) M b: what gradient descent with that σ′(0) makes of the zero fan-in. Of the
 * two signs of the singular vector, the one whose first step lowers the loss more.
 */
import { Matrix as MlMatrix, SVD } from 'ml-matrix';
import { norm } from '../../linalg/matrix.js';
import type { Network } from '../../model/network.js';
import { type Growth, type GrowthContext, type GrowthRule, spread } from '../growth-rule.js';
import { crossMoment, layerStatistics, signedColumn } from './layer-statistics.js';

/** GradMax's choice in one hidden layer: the unit fan-out, the fan-in's gradient direction M b, and s₁(M). */
export interface GradMaxDirection {
  layer: number;
  /** Unit fan-out (M's top right singular vector). */
  b: Float64Array;
  /** M b (‖M b‖ = s₁): the fan-in's descent direction per unit σ′(0). */
  Mb: Float64Array;
  /** s₁(M): the gradient norm per unit fan-out and unit σ′(0). */
  singularValue: number;
}

/** GradMax's direction of every hidden layer of `net` for the residual R. */
export function gradMaxDirections(
  context: Pick<GrowthContext, 'net' | 'X' | 'residual' | 'options'>,
): GradMaxDirection[] {
  const { net, X, residual, options } = context;
  return layerStatistics(net, X, residual, options).map(({ layer, P, G }) => {
    const M = crossMoment(P, G); // k_{l−1} × k_{l+1}
    const svd = new SVD(M, { autoTranspose: true });
    const b = signedColumn(svd.rightSingularVectors, 0);
    const Mb = Float64Array.from(M.mmul(MlMatrix.columnVector(Array.from(b))).getColumn(0));
    return { layer, b, Mb, singularValue: svd.diagonal[0] ?? 0 };
  });
}

/** σ′(0) GradMax uses. */
export function gradMaxSlope(context: Pick<GrowthContext, 'net' | 'options'>): number {
  return (context.options.gradmaxTie ?? 'one') === 'one' ? 1 : context.net.activation.derivative(0);
}

/** The network with GradMax's neuron at zero fan-in and fan-out δ b: the same function as `net`. */
export function zeroFanIn(net: Network, d: GradMaxDirection, delta: number): Network {
  return net.addNeuron(
    d.layer,
    new Float64Array(net.widths[d.layer - 1]!),
    Array.from(d.b, (v) => delta * v),
  );
}

export const gradmaxRule: GrowthRule = {
  name: 'gradmax',
  grow(context: GrowthContext): Growth | string {
    const { iteration: k, net, X, Y, lossBefore, options: o } = context;
    const slope = gradMaxSlope(context);
    const directions = gradMaxDirections(context);
    const scores = directions.map((d) => slope * d.singularValue);
    const best = scores.indexOf(Math.max(...scores));
    const d = directions[best]!;
    if (!(scores[best]! > 0))
      return `GradMax: every fan-out gives the new fan-in a zero gradient at iteration ${k} (σ′(0) = ${slope})`;
    const delta = o.deltaScale * norm(net.params);
    // A singular vector's sign is free; under relu the two signs of (a, b) are not the same neuron, so the one whose
    // first step lowers the loss more is taken.
    const [plus, minus] = [1, -1].map((sign) => {
      const a = Array.from(d.Mb, (v) => sign * o.lr * slope * delta * v);
      const b = Array.from(d.b, (v) => sign * delta * v);
      const grown = net.addNeuron(d.layer, a, b);
      return { a, b, grown, loss: grown.loss(X, Y) };
    });
    const { a, b, grown, loss: lossAfterAdd } = minus!.loss < plus!.loss ? minus! : plus!;
    const unit = norm([...a, ...b]);
    return {
      network: grown,
      fields: {
        layers: [d.layer],
        ncfValue: scores[best]!,
        kktResidual: 0,
        restartsAtBest: 1,
        restartValues: spread([scores[best]!]),
        layerValues: scores,
        delta,
        deltaShrinks: 0,
        deltaWarning: !(lossAfterAdd <= lossBefore),
        lossBefore,
        lossAfterAdd,
        ...(o.recordWeights ? { kktPoint: [...a, ...b].map((v) => v / unit) } : {}),
      },
    };
  },
};
