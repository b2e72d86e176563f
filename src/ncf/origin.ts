/**
 * The NCF of NP's first iteration (docs/algorithm.md §4): the whole one-neuron-per-layer
 * network H(x; w) correlated with the labels, N_{Y,H}(w) = (1/n) Σ y_i · H(x_i; w).
 * A point is the network's flat weight vector [W_1 (d), W_2 … W_{L−1} (scalars), W_L (m)],
 * the same layout as `Network.params` of the one-wide network.
 *
 * With one neuron per layer the network is a scalar chain, so this evaluates
 * all restarts sample by sample directly instead of going through `Network`
 * (which gives the same numbers, as the tests check, but much slower at width 1).
 */
import type { Matrix } from '../linalg/matrix.js';
import type { Activation } from '../model/activation.js';
import { networkDegree } from '../model/activation.js';
import type { KernelArena } from '../linalg/kernel-arena.js';
import { allocatePanels } from '../linalg/panel-layout.js';
import type { NcfObjective } from './objective.js';
import { ncfBound } from './candidate.js';

interface Panels {
  restarts: number;
  arena: KernelArena;
  X: Float64Array;
  XT: Float64Array;
  Y: Float64Array;
  /** z_1 and ∂N/∂z_1 of every restart (rows of n). */
  Z1: Float64Array;
  D1: Float64Array;
  /** Points, gradients and values of the restarts. */
  w: Float64Array;
  g: Float64Array;
  v: Float64Array;
  /** z_l and h_l of two samples of one restart. */
  scratch: Float64Array;
}

export class OriginNcf implements NcfObjective {
  readonly dim: number;
  readonly degree: number;
  private readonly depth: number;
  /** Built on first use: X is treated as fixed once the NCF exists. */
  private panels: Panels | null = null;

  constructor(
    readonly X: Matrix,
    readonly Y: Matrix,
    depth: number,
    readonly activation: Activation,
  ) {
    if (X.rows !== Y.rows) throw new RangeError('origin NCF: X and Y need the same number of rows');
    this.depth = depth;
    this.dim = X.cols + (depth - 2) + Y.cols;
    this.degree = networkDegree(activation.p, depth);
  }

  /** (1/n) Σ_i ‖y_i‖ ‖x_i‖^{p^{L−1}}: no unit-sphere point has a larger |N| (see `CandidateNcf.bound`). */
  get bound(): number {
    return ncfBound(this.X, this.Y, Math.pow(this.activation.p, this.depth - 1));
  }

  evaluate(points: Matrix, values: Float64Array, grads: Matrix): void {
    const R = points.rows,
      dim = this.dim,
      d = this.X.cols,
      m = this.Y.cols,
      L = this.depth;
    const n = this.X.rows,
      inv = 1 / n;
    const { arena, X, XT, Y, Z1, D1, w, g, v, scratch } = this.buffers(R);
    w.set(points.data.subarray(0, R * dim));
    g.fill(0, 0, R * dim);
    // z_1 = W_1 x_i of every restart and sample in one product; then the scalar chain per entry.
    arena.productAB(Z1, w, 0, dim, R, d, XT, n);
    arena.originChain(v, Z1, D1, w, g, Y, scratch, R, n, d, L, m, inv);
    // ∇W_1 = Σ_i dz_1 x_i, summed over the samples in order.
    arena.addProductABt(g, 0, dim, R, d, D1, X, d, n);
    values.set(v.subarray(0, R));
    grads.data.set(g.subarray(0, R * dim));
  }

  /** The kernel arena: X (sample-major), Xᵀ and Y, copied in once, and the panels of up to R restarts. */
  private buffers(R: number): Panels {
    if (this.panels && this.panels.restarts >= R) return this.panels;
    const n = this.X.rows,
      d = this.X.cols,
      m = this.Y.cols,
      dim = this.dim;
    const { arena, panels } = allocatePanels(
      { X: n * d, XT: n * d, Y: n * m, Z1: R * n, D1: R * n, w: R * dim, g: R * dim, v: R, scratch: 4 * this.depth },
      this.activation,
    );
    panels.X.set(this.X.data);
    panels.Y.set(this.Y.data);
    arena.toFeatureMajor(panels.XT, panels.X, n, d);
    this.panels = { restarts: R, arena, ...panels };
    return this.panels;
  }
}
