/**
 * The NCF of a candidate neuron for hidden layer l (spec §4, step 3):
 *   N_l(a, b) = (1/n) Σ_i (g_i · b) σ(a · p_i),
 * with p_i = h_{l−1}(x_i) (rows of P) and g_i the residual back-propagated to
 * layer l + 1 (rows of G). A point is w = [a, b]; N is homogeneous of degree p + 1.
 */
import type { Matrix } from '../linalg/matrix.js';
import type { Activation } from '../model/activation.js';
import { addProductABt, productAB, transposeInto } from '../linalg/kernels.js';
import type { NcfObjective } from './objective.js';

export class CandidateNcf implements NcfObjective {
  readonly dim: number;
  readonly degree: number;
  readonly inDim: number;
  readonly outDim: number;
  /** Pᵀ and Gᵀ, built on first use: P and G are treated as fixed once the NCF exists. */
  private panels: { PT: Float64Array; GT: Float64Array; Z: Float64Array; U: Float64Array } | null = null;

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
    const n = this.inputs.rows, w = points.data, g = grads.data;
    const act = this.activation, inv = 1 / n;
    // p = 1 and p = 2 inline, with activation.ts's arithmetic (the same bits, no call).
    const p = act.p, alpha = act.alpha, twoAlphaSq = 2 * alpha * alpha;
    const { PT, GT, Z, U } = this.buffers(R);
    // All restarts at once, as products with the feature-major panels Pᵀ and Gᵀ:
    // Z = A Pᵀ (z = a · p_i), U = B Gᵀ (u = b · g_i); rows are restarts.
    productAB(Z, w, 0, dim, R, kin, PT, n);
    productAB(U, w, kin, dim, R, kout, GT, n);
    for (let r = 0; r < R; r++) {
      let value = 0;
      for (let k = r * n, end = k + n; k < end; k++) {
        const z = Z[k], u = U[k];
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
        value += u * s;
        Z[k] = u * ds * inv; // ∂N/∂z, weighting p_i in ∇_a
        U[k] = s * inv; // weighting g_i in ∇_b
      }
      values[r] = value * inv;
    }
    g.fill(0, 0, R * dim);
    addProductABt(g, 0, dim, R, kin, Z, PT, n);
    addProductABt(g, kin, dim, R, kout, U, GT, n);
  }

  /** Pᵀ, Gᵀ (once) and the R × n work panels (reused while R does not grow). */
  private buffers(R: number): { PT: Float64Array; GT: Float64Array; Z: Float64Array; U: Float64Array } {
    const n = this.inputs.rows;
    if (!this.panels) {
      const PT = new Float64Array(n * this.inDim), GT = new Float64Array(n * this.outDim);
      transposeInto(PT, this.inputs.data, n, this.inDim);
      transposeInto(GT, this.residuals.data, n, this.outDim);
      this.panels = { PT, GT, Z: new Float64Array(0), U: new Float64Array(0) };
    }
    if (this.panels.Z.length < R * n) {
      this.panels.Z = new Float64Array(R * n);
      this.panels.U = new Float64Array(R * n);
    }
    return this.panels;
  }
}
