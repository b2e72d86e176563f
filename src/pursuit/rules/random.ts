/**
 * The random growth rule (docs/algorithm.md §15): a hidden layer drawn uniformly and a direction (a, b) drawn
 * uniformly on the unit sphere, both from the run's stream `random/k`, placed as NP places its candidate (scale
 * δ = c_δ‖W̄‖, back-tracking). The ablation that shows what choosing the direction is worth.
 */
import { dot } from '../../linalg/matrix.js';
import { type Growth, type GrowthContext, type GrowthRule, placeWithBacktracking, spread } from '../growth-rule.js';
import { layerStatistics } from './layer-statistics.js';

/** The layer and unit direction the rule draws at iteration k (the same for the same seed). */
export function randomDirection(context: Pick<GrowthContext, 'net' | 'iteration' | 'rng'>): {
  layer: number;
  a: Float64Array;
  b: Float64Array;
} {
  const { net, iteration, rng } = context;
  const draws = rng.fork(`random/${iteration}`);
  const layer = 1 + draws.int(net.depth - 1);
  const kin = net.widths[layer - 1]!,
    kout = net.widths[layer + 1]!;
  const u = draws.onSphere(kin + kout);
  return { layer, a: u.slice(0, kin), b: u.slice(kin) };
}

export const randomRule: GrowthRule = {
  name: 'random',
  grow(context: GrowthContext): Growth | string {
    const { net, X, residual, lossBefore, options: o } = context;
    const { layer, a, b } = randomDirection(context);
    const placed = placeWithBacktracking(context, (delta) =>
      net.addNeuron(
        layer,
        Array.from(a, (v) => delta * v),
        Array.from(b, (v) => delta * v),
      ),
    );
    // The NCF of the direction drawn, (1/n) Σ (g_i·b) σ(a·p_i), for the record.
    const { P, G } = layerStatistics(net, X, residual, o)[layer - 1]!;
    const sigma = net.activation.value;
    let ncf = 0;
    for (let i = 0; i < P.rows; i++) {
      const p = P.data.subarray(i * P.cols, (i + 1) * P.cols),
        g = G.data.subarray(i * G.cols, (i + 1) * G.cols);
      ncf += dot(g, b) * sigma(dot(a, p));
    }
    ncf /= P.rows;
    return {
      network: placed.grown,
      fields: {
        layers: [layer],
        ncfValue: ncf,
        kktResidual: 0,
        restartsAtBest: 1,
        restartValues: spread([ncf]),
        layerValues: [],
        delta: placed.delta,
        deltaShrinks: placed.shrinks,
        deltaWarning: !(placed.loss < lossBefore),
        lossBefore,
        lossAfterAdd: placed.loss,
        ...(o.recordWeights ? { kktPoint: [...a, ...b] } : {}),
      },
    };
  },
};
