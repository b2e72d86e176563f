/**
 * The NCF of a candidate neuron for hidden layer l (spec §4, step 3):
 *   N_l(a, b) = (1/n) Σ_i (g_i · b) σ(a · p_i),
 * with p_i = h_{l−1}(x_i) (rows of P) and g_i the residual back-propagated to
 * layer l + 1 (rows of G). A point is w = [a, b]; N is homogeneous of degree p + 1.
 */
import type { Matrix } from '../linalg/matrix.js';
import type { Activation } from '../model/activation.js';
import type { NcfObjective } from './objective.js';

export class CandidateNcf implements NcfObjective {
  readonly dim: number;
  readonly degree: number;
  readonly inDim: number;
  readonly outDim: number;

  constructor(
    readonly inputs: Matrix,
    readonly residuals: Matrix,
    readonly activation: Activation,
  ) {
    if (inputs.rows !== residuals.rows) throw new RangeError('candidate NCF: P and G need the same number of rows');
    this.inDim = inputs.cols;
    this.outDim = residuals.cols;
    this.dim = this.inDim + this.outDim;
    this.degree = activation.p + 1;
  }

  evaluate(points: Matrix, values: Float64Array, grads: Matrix): void {
    const R = points.rows, dim = this.dim, kin = this.inDim, kout = this.outDim;
    const n = this.inputs.rows, P = this.inputs.data, G = this.residuals.data, w = points.data, g = grads.data;
    const act = this.activation, inv = 1 / n;
    // p = 1 and p = 2 inline, with activation.ts's arithmetic (the same bits, no call).
    const p = act.p, alpha = act.alpha, twoAlphaSq = 2 * alpha * alpha;
    values.fill(0, 0, R);
    g.fill(0, 0, R * dim);
    // One sample at a time, all restarts together: p_i and g_i stay in cache.
    for (let i = 0; i < n; i++) {
      const pi = i * kin, gi = i * kout;
      for (let r = 0; r < R; r++) {
        const wr = r * dim, wb = wr + kin;
        let z = 0;
        for (let c = 0; c < kin; c++) z += w[wr + c] * P[pi + c];
        let u = 0;
        for (let c = 0; c < kout; c++) u += w[wb + c] * G[gi + c];
        let s: number, ds: number;
        if (p === 1) {
          s = z > 0 ? z : alpha * z;
          ds = z > 0 ? 1 : alpha;
        } else if (p === 2) {
          const q = z > 0 ? z : alpha * z;
          s = q * q;
          ds = z > 0 ? 2 * z : twoAlphaSq * z;
        } else {
          s = act.value(z);
          ds = act.derivative(z);
        }
        values[r] += u * s;
        const ca = u * ds * inv;
        if (ca !== 0) for (let c = 0; c < kin; c++) g[wr + c] += ca * P[pi + c];
        const cb = s * inv;
        if (cb !== 0) for (let c = 0; c < kout; c++) g[wb + c] += cb * G[gi + c];
      }
    }
    for (let r = 0; r < R; r++) values[r] *= inv;
  }
}
