/**
 * The NCF of NP's first iteration (spec §4): the whole one-neuron-per-layer
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
import { KernelArena } from '../linalg/kernels.js';
import type { NcfObjective } from './objective.js';

/** The kernel arena: X (sample-major) and Xᵀ, copied in once, and the panels of up to R restarts. */
interface Panels {
  restarts: number;
  arena: KernelArena;
  X: Float64Array;
  XT: Float64Array;
  /** z_1 and ∂N/∂z_1 of every restart (rows of n). */
  Z1: Float64Array;
  D1: Float64Array;
  /** Points and gradients of the restarts. */
  w: Float64Array;
  g: Float64Array;
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

  evaluate(points: Matrix, values: Float64Array, grads: Matrix): void {
    const R = points.rows, dim = this.dim, d = this.X.cols, m = this.Y.cols, L = this.depth;
    const n = this.X.rows, y = this.Y.data, w = points.data, g = grads.data;
    const act = this.activation, inv = 1 / n;
    // p = 1 inline, with activation.ts's arithmetic (the same bits, no call).
    const piecewise = act.p === 1, alpha = act.alpha;
    const value = (v: number): number => (piecewise ? (v > 0 ? v : alpha * v) : act.value(v));
    const derivative = (v: number): number => (piecewise ? (v > 0 ? 1 : alpha) : act.derivative(v));
    const cOff = d + (L - 2); // start of the output weights W_L
    const z = new Float64Array(L); // z_1 … z_{L−1} of one (sample, restart)
    const h = new Float64Array(L); // h_0 … h_{L−1}, h_0 unused (the input is a vector)
    const { arena, X, XT, Z1, D1, w: wa, g: ga } = this.buffers(R);
    g.fill(0, 0, R * dim);
    // z_1 = W_1 x_i of every restart and sample in one product; the scalar chain per entry.
    wa.set(w.subarray(0, R * dim));
    arena.productAB(Z1, wa, 0, dim, R, d, XT, n);
    for (let r = 0; r < R; r++) {
      const wr = r * dim;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const yi = i * m, s = Z1[r * n + i];
        z[1] = s;
        h[1] = value(s);
        for (let l = 2; l < L; l++) {
          z[l] = w[wr + d + l - 2] * h[l - 1];
          h[l] = value(z[l]);
        }
        const top = h[L - 1];
        let u = 0; // y_i · W_L
        for (let c = 0; c < m; c++) u += y[yi + c] * w[wr + cOff + c];
        total += u * top;
        if (top !== 0) for (let c = 0; c < m; c++) g[wr + cOff + c] += top * inv * y[yi + c];
        // back through the scalar chain
        let dh = u * inv;
        for (let l = L - 1; l >= 2; l--) {
          const dz = dh * derivative(z[l]);
          g[wr + d + l - 2] += dz * h[l - 1];
          dh = dz * w[wr + d + l - 2];
        }
        D1[r * n + i] = dh * derivative(z[1]);
      }
      values[r] = total * inv;
    }
    // ∇W_1 = Σ_i dz_1 x_i, summed over the samples in order.
    ga.set(g.subarray(0, R * dim));
    arena.addProductABt(ga, 0, dim, R, d, D1, X, d, n);
    g.set(ga.subarray(0, R * dim));
  }

  private buffers(R: number): Panels {
    if (this.panels && this.panels.restarts >= R) return this.panels;
    const n = this.X.rows, d = this.X.cols, dim = this.dim;
    const arena = new KernelArena(KernelArena.sizeFor([n * d, n * d, R * n, R * n, R * dim, R * dim]));
    const X = arena.alloc(n * d), XT = arena.alloc(n * d);
    X.set(this.X.data);
    arena.toFeatureMajor(XT, X, n, d);
    const Z1 = arena.alloc(R * n), D1 = arena.alloc(R * n), w = arena.alloc(R * dim), g = arena.alloc(R * dim);
    this.panels = { restarts: R, arena, X, XT, Z1, D1, w, g };
    return this.panels;
  }
}
