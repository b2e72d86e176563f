/**
 * The NCF of a candidate neuron for hidden layer l (docs/algorithm.md §4, step 3):
 *   N_l(a, b) = (1/n) Σ_i (g_i · b) σ(a · p_i),
 * with p_i = h_{l−1}(x_i) (rows of P) and g_i the residual back-propagated to
 * layer l + 1 (rows of G). A point is w = [a, b]; N is homogeneous of degree p + 1.
 */
import type { Matrix } from '../linalg/matrix.js';
import type { Activation } from '../model/activation.js';
import type { KernelArena } from '../linalg/kernel-arena.js';
import { allocatePanels } from '../linalg/panel-layout.js';
import type { NcfObjective } from './objective.js';

interface Panels {
  restarts: number;
  arena: KernelArena;
  P: Float64Array;
  G: Float64Array;
  PT: Float64Array;
  GT: Float64Array;
  /** Per restart (rows of n): a·p_i, then ∂N/∂z. */
  Z: Float64Array;
  /** Per restart (rows of n): b·g_i, then σ(a·p_i)/n. */
  U: Float64Array;
  /** Points, gradients and values of the restarts. */
  w: Float64Array;
  g: Float64Array;
  v: Float64Array;
}

export class CandidateNcf implements NcfObjective {
  readonly dim: number;
  readonly degree: number;
  readonly inDim: number;
  readonly outDim: number;
  /** Built on first use: P and G are treated as fixed once the NCF exists. */
  private panels: Panels | null = null;
  private boundCache: number | null = null;

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

  /**
   * (1/n) Σ_i ‖g_i‖ ‖p_i‖^p: no point of the unit sphere has a larger |N| (Cauchy–Schwarz, |σ(z)| ≤ |z|^p),
   * so N / bound is a scale-free measure of how much of the residual a candidate can reach.
   */
  get bound(): number {
    if (this.boundCache === null) this.boundCache = ncfBound(this.inputs, this.residuals, this.activation.p);
    return this.boundCache;
  }

  evaluate(points: Matrix, values: Float64Array, grads: Matrix): void {
    const R = points.rows,
      dim = this.dim,
      kin = this.inDim,
      kout = this.outDim;
    const n = this.inputs.rows,
      inv = 1 / n;
    const { arena, P, G, PT, GT, Z, U, w, g, v } = this.buffers(R);
    w.set(points.data.subarray(0, R * dim));
    // All restarts at once, as products with the feature-major panels Pᵀ and Gᵀ:
    // Z = A Pᵀ (z = a · p_i), U = B Gᵀ (u = b · g_i); rows are restarts.
    arena.productAB(Z, w, 0, dim, R, kin, PT, n);
    arena.productAB(U, w, kin, dim, R, kout, GT, n);
    // values, then Z ← ∂N/∂z (weighting p_i in ∇_a) and U ← σ(z)/n (weighting g_i in ∇_b)
    arena.candidatePointwise(v, Z, U, R, n, inv);
    values.set(v.subarray(0, R));
    g.fill(0, 0, R * dim);
    arena.addProductABt(g, 0, dim, R, kin, Z, P, kin, n);
    arena.addProductABt(g, kin, dim, R, kout, U, G, kout, n);
    grads.data.set(g.subarray(0, R * dim));
  }

  /** The kernel arena: P, G (sample-major) and Pᵀ, Gᵀ, copied in once, and the work panels of up to R restarts. */
  private buffers(R: number): Panels {
    if (this.panels && this.panels.restarts >= R) return this.panels;
    const n = this.inputs.rows,
      kin = this.inDim,
      kout = this.outDim,
      dim = this.dim;
    const { arena, panels } = allocatePanels(
      { P: n * kin, G: n * kout, PT: n * kin, GT: n * kout, Z: R * n, U: R * n, w: R * dim, g: R * dim, v: R },
      this.activation,
    );
    panels.P.set(this.inputs.data);
    panels.G.set(this.residuals.data);
    arena.toFeatureMajor(panels.PT, panels.P, n, kin);
    arena.toFeatureMajor(panels.GT, panels.G, n, kout);
    this.panels = { restarts: R, arena, ...panels };
    return this.panels;
  }
}

/** (1/n) Σ_i ‖g_i‖ ‖p_i‖^q over the rows of P and G. */
export function ncfBound(P: Matrix, G: Matrix, q: number): number {
  let sum = 0;
  for (let i = 0; i < P.rows; i++) {
    let pp = 0,
      gg = 0;
    for (let c = 0; c < P.cols; c++) pp += P.data[i * P.cols + c]! ** 2;
    for (let c = 0; c < G.cols; c++) gg += G.data[i * G.cols + c]! ** 2;
    sum += Math.sqrt(gg) * Math.pow(pp, q / 2);
  }
  return sum / P.rows;
}
