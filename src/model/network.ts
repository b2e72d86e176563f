/**
 * The homogeneous feed-forward network of docs/algorithm.md §1:
 *   h_0 = x,  z_l = W_l h_{l−1},  h_l = σ(z_l)  (l < L),  H(x; W) = z_L.
 *
 * All weights live in one flat Float64Array (layer after layer, each row-major
 * k_l × k_{l−1}), so gradient descent, norms and snapshots are single loops
 * over one vector. Layers are views into it.
 *
 * One batched kernel (`pass`, on the kernel interface of src/linalg/kernel-arena.ts) does forward and
 * backward for every purpose: loss + gradient, NCF correlation + gradient, prediction, and recording the
 * back-propagated residual that Neuron Pursuit needs. The network knows no file format: src/io/model-format.ts
 * saves and loads networks, src/export/onnx.ts writes them as ONNX models.
 */
import { type KernelArena, Seed } from '../linalg/kernel-arena.js';
import { allocatePanels } from '../linalg/panel-layout.js';
import { type Matrix, type MatrixLike, toMatrix, zeros } from '../linalg/matrix.js';
import { type Activation, type ActivationSpec, makeActivation, networkDegree } from './activation.js';

/** Per hidden layer l = 1..L−1: P_l (rows h_{l−1}(x_i)) and G_l (rows J_{l+1}(x_i)ᵀ r_i). */
export interface BackpropagatedResidual {
  inputs: Matrix[];
  residuals: Matrix[];
}

const Mode = { Loss: 0, Correlation: 1, Predict: 2 } as const;
type Mode = (typeof Mode)[keyof typeof Mode];

interface PassOptions {
  mode: Mode;
  grad?: Float64Array;
  out?: Matrix;
  record?: BackpropagatedResidual;
  /** Factor on the output seed of the backward pass. */
  seedScale: number;
  /** Identity of a bound batch whose X and T may already sit in the arena. */
  inputs?: object;
  /** With `record`: σ′ used where a pre-activation is exactly 0 (see `backpropagateResidual`). */
  tieSlope?: number;
}

/** The kernel arena of one batch size and its panels (see `Network.buffers`). */
interface Workspace {
  n: number;
  arena: KernelArena;
  W: Float64Array;
  G: Float64Array;
  xs: Float64Array;
  ts: Float64Array;
  zs: Float64Array[];
  dzs: Float64Array[];
  hs: Float64Array[];
  hsm: Float64Array[];
  scratch: Float64Array;
  /** The summed loss or correlation of the last pass. */
  value: Float64Array;
  /** The bound batch whose X and T the arena holds (null: copied in by an unbound call). */
  inputs: object | null;
}

/** A batch fixed for many passes: see `Network.bind`. */
export interface BoundBatch {
  /** Loss(W) at the network's current weights; writes ∇Loss into `grad` when given. */
  loss(grad?: Float64Array): number;
}

export class Network {
  readonly activation: Activation;
  /** [d, k_1, …, k_{L−1}, m]; depth L = widths.length − 1. */
  readonly widths: readonly number[];
  /** All weights, layer 1 first. */
  params: Float64Array;
  /** offsets[l] = start of W_l in params (l = 1..L); offsets[0] unused. See `layerOffset`. */
  private readonly offsets: number[];
  /** Kernel arenas of the last two batch sizes (the training set, and the test set NP scores after each iteration). */
  private workspaces: Workspace[] = [];

  constructor(widths: readonly number[], activation: Activation | ActivationSpec, params?: ArrayLike<number>) {
    if (widths.length < 3) throw new RangeError(`a network needs depth L ≥ 2 (got L = ${widths.length - 1})`);
    for (const k of widths) {
      if (!Number.isInteger(k) || k < 1)
        throw new RangeError(`layer widths must be positive integers, got [${widths.join(', ')}]`);
    }
    this.widths = Object.freeze([...widths]);
    this.activation = 'value' in activation ? activation : makeActivation(activation);
    this.offsets = [0];
    let total = 0;
    for (let l = 1; l < widths.length; l++) {
      this.offsets.push(total);
      total += widths[l]! * widths[l - 1]!;
    }
    if (params !== undefined && params.length !== total) {
      throw new RangeError(`a network of widths [${widths.join(', ')}] has ${total} weights, got ${params.length}`);
    }
    this.params = params === undefined ? new Float64Array(total) : Float64Array.from(params);
  }

  /** One neuron per hidden layer (NP's starting shape). */
  static oneWide(inputDim: number, outputDim: number, depth: number, activation: Activation | ActivationSpec): Network {
    const widths = [inputDim, ...Array<number>(depth - 1).fill(1), outputDim];
    return new Network(widths, activation);
  }

  get depth(): number {
    return this.widths.length - 1;
  }
  get inputDim(): number {
    return this.widths[0]!;
  }
  get outputDim(): number {
    return this.widths[this.widths.length - 1]!;
  }
  get hiddenWidths(): number[] {
    return this.widths.slice(1, -1);
  }
  get size(): number {
    return this.params.length;
  }
  /** Degree D of H in all the weights together. */
  get degree(): number {
    return networkDegree(this.activation.p, this.depth);
  }

  /** Start of W_l (1-based) in params: W_l[i][j] is params[layerOffset(l) + i·k_{l−1} + j]. */
  layerOffset(l: number): number {
    this.checkLayer(l, 1, this.depth);
    return this.offsets[l]!;
  }

  /** W_l (1-based) as a view into params. */
  layer(l: number): Matrix {
    this.checkLayer(l, 1, this.depth);
    const rows = this.widths[l]!,
      cols = this.widths[l - 1]!;
    return { rows, cols, data: this.params.subarray(this.offsets[l], this.offsets[l]! + rows * cols) };
  }

  clone(): Network {
    return new Network(this.widths, this.activation, this.params);
  }

  /**
   * H on the inputs as the network sees them (a Matrix or rows of numbers). A saved model's preprocessing is not
   * the network's: a loaded model's `predict` (src/io/model-format.ts) applies it.
   */
  predict(X: MatrixLike): Matrix {
    return this.forward(toMatrix(X));
  }

  /** H(x_i; W) for every row of X. */
  forward(X: Matrix): Matrix {
    this.checkInputs(X);
    const out = zeros(X.rows, this.outputDim);
    this.pass(X, null, { mode: Mode.Predict, out, seedScale: 0 });
    return out;
  }

  /** Loss(W) = (1/2n) Σ ‖H(x_i) − y_i‖²; adds ∇Loss into `grad` when given (grad is overwritten). */
  loss(X: Matrix, Y: Matrix, grad?: Float64Array): number {
    this.checkPair(X, Y);
    return this.pass(X, Y, { mode: Mode.Loss, grad, seedScale: 1 / X.rows })[0]! / (2 * X.rows);
  }

  /**
   * `loss` for a batch that stays fixed over many calls (gradient descent's
   * step loop): X and Y are copied into the kernel arena once instead of on
   * every call. They must not be modified while the batch is in use; the
   * weights may change freely.
   */
  bind(X: Matrix, Y: Matrix): BoundBatch {
    this.checkPair(X, Y);
    // One options object for every call: the step loop allocates no objects.
    const options: PassOptions = { mode: Mode.Loss, grad: undefined, seedScale: 1 / X.rows, inputs: {} };
    return {
      loss: (grad?: Float64Array): number => {
        options.grad = grad;
        return this.pass(X, Y, options)[0]! / (2 * X.rows);
      },
    };
  }

  /** NCF N_{R,H}(W) = (1/n) Σ r_i · H(x_i; W); writes its gradient into `grad` when given. */
  correlation(X: Matrix, R: Matrix, grad?: Float64Array): number {
    this.checkPair(X, R);
    return this.pass(X, R, { mode: Mode.Correlation, grad, seedScale: 1 / X.rows })[0]! / X.rows;
  }

  /**
   * For every hidden layer l: P_l (n × k_{l−1}, rows h_{l−1}(x_i)) and G_l
   * (n × k_{l+1}, rows J_{l+1}(x_i)ᵀ r_i, the residual back-propagated to the
   * pre-activations of layer l + 1). Index l − 1 holds layer l.
   *
   * `tieSlope` is the σ′ used where a hidden pre-activation is exactly 0 (a
   * tie: the neuron's inputs are all inactive on that sample), for p = 1
   * activations; by default the activation's own Clarke choice (α). For p > 1
   * σ′(0) = 0 from both sides and ties change nothing.
   */
  backpropagateResidual(X: Matrix, R: Matrix, tieSlope?: number): BackpropagatedResidual {
    this.checkPair(X, R);
    const record: BackpropagatedResidual = { inputs: [], residuals: [] };
    for (let l = 1; l < this.depth; l++) {
      record.inputs.push(zeros(X.rows, this.widths[l - 1]!));
      record.residuals.push(zeros(X.rows, this.widths[l + 1]!));
    }
    const custom = tieSlope !== undefined && this.activation.p === 1 && tieSlope !== this.activation.derivative(0);
    this.pass(X, R, { mode: Mode.Correlation, record, seedScale: 1, tieSlope: custom ? tieSlope : undefined });
    return record;
  }

  /**
   * Append neuron to hidden layer l with incoming weights a (row of W_l) and
   * outgoing weights b (column of W_{l+1}). Shorter vectors are padded with
   * zeros, so neurons added to adjacent layers at once start unconnected.
   */
  addNeuron(l: number, a: ArrayLike<number>, b: ArrayLike<number>): Network {
    this.checkLayer(l, 1, this.depth - 1);
    const kin = this.widths[l - 1]!,
      kout = this.widths[l + 1]!;
    if (a.length > kin) throw new RangeError(`incoming weights have ${a.length} entries, layer ${l} takes ${kin}`);
    if (b.length > kout)
      throw new RangeError(`outgoing weights have ${b.length} entries, layer ${l + 1} has ${kout} neurons`);
    const widths = [...this.widths];
    widths[l]! += 1;
    const grown = new Network(widths, this.activation);
    for (let t = 1; t <= this.depth; t++) {
      const src = this.layer(t),
        dst = grown.layer(t);
      if (t === l + 1) {
        for (let i = 0; i < src.rows; i++) {
          dst.data.set(src.data.subarray(i * src.cols, (i + 1) * src.cols), i * dst.cols);
          dst.data[i * dst.cols + src.cols] = i < b.length ? b[i]! : 0;
        }
      } else {
        dst.data.set(src.data);
        if (t === l) for (let i = 0; i < a.length; i++) dst.data[src.rows * src.cols + i] = a[i]!;
      }
    }
    return grown;
  }

  /** Incoming (row of W_l) and outgoing (column of W_{l+1}) squared norms of hidden neuron j of layer l. */
  neuronNorms(l: number, j: number): { inSq: number; outSq: number } {
    const W = this.layer(l),
      V = this.layer(l + 1);
    let inSq = 0,
      outSq = 0;
    for (let t = 0; t < W.cols; t++) inSq += W.data[j * W.cols + t]! ** 2;
    for (let t = 0; t < V.rows; t++) outSq += V.data[t * V.cols + j]! ** 2;
    return { inSq, outSq };
  }

  /** Balancedness ‖in_j‖² / (p ‖out_j‖²) for every hidden neuron, per layer (1 = balanced). */
  balancedness(): number[][] {
    const p = this.activation.p;
    const result: number[][] = [];
    for (let l = 1; l < this.depth; l++) {
      const row: number[] = [];
      for (let j = 0; j < this.widths[l]!; j++) {
        const { inSq, outSq } = this.neuronNorms(l, j);
        row.push(outSq === 0 ? (inSq === 0 ? 1 : Infinity) : inSq / (p * outSq));
      }
      result.push(row);
    }
    return result;
  }

  /**
   * Rescale hidden neurons (incoming × c, outgoing × c^{−p}) until
   * ‖in_j‖² = p ‖out_j‖² for all of them (docs/algorithm.md §7). H does not change.
   * Returns the number of sweeps made.
   */
  balance(tolerance = 1e-12, maxSweeps = 100_000): number {
    const p = this.activation.p;
    for (let sweep = 1; sweep <= maxSweeps; sweep++) {
      let largestChange = 0;
      for (let l = 1; l < this.depth; l++) {
        const W = this.layer(l),
          V = this.layer(l + 1);
        for (let j = 0; j < this.widths[l]!; j++) {
          const { inSq, outSq } = this.neuronNorms(l, j);
          if (inSq === 0 || outSq === 0) continue;
          const c = Math.pow((p * outSq) / inSq, 1 / (2 * (p + 1)));
          if (c === 1) continue;
          largestChange = Math.max(largestChange, Math.abs(c - 1));
          const cOut = Math.pow(c, -p);
          for (let t = 0; t < W.cols; t++) W.data[j * W.cols + t]! *= c;
          for (let t = 0; t < V.rows; t++) V.data[t * V.cols + j]! *= cOut;
        }
      }
      if (largestChange < tolerance) return sweep;
    }
    return maxSweeps;
  }

  // ------------------------------------------------------------------ kernel

  /**
   * The whole batch, layer by layer, on the network's kernel arena, with
   * activations stored feature-major (k_l × n): every inner loop runs over the
   * n samples, long and contiguous. Each sum still adds its terms in the
   * per-sample order (over c for z, over j for dz, over i for the gradient),
   * so results are the same bits as a sample-by-sample pass. Returns a
   * one-entry array holding the summed loss or correlation (an array, not a
   * number, which V8 would box on every call).
   */
  private pass(X: Matrix, T: Matrix | null, o: PassOptions): Float64Array {
    const L = this.depth,
      widths = this.widths,
      offsets = this.offsets;
    const n = X.rows,
      d = X.cols,
      m = this.outputDim;
    const ws = this.buffers(n);
    const { arena, W, G, xs, ts, zs, hs, hsm, dzs } = ws;
    const grad = o.grad,
      out = o.out,
      record = o.record;
    const backward = grad !== undefined || record !== undefined;
    const mode = o.mode,
      seedScale = o.seedScale;

    W.set(this.params);
    if (o.inputs === undefined || ws.inputs !== o.inputs) {
      xs.set(X.data);
      arena.toFeatureMajor(hs[0]!, xs, n, d);
      if (T) ts.set(T.data);
      ws.inputs = o.inputs ?? null;
    }
    // forward: Z_l = W_l H_{l−1}, H_l = σ(Z_l)
    for (let l = 1; l <= L; l++) {
      const rows = widths[l]!,
        cols = widths[l - 1]!;
      if (l < L)
        arena.forwardLayer(zs[l]!, hs[l]!, grad ? hsm[l]! : null, W, offsets[l]!, cols, rows, cols, hs[l - 1]!, n);
      else arena.productAB(zs[l]!, W, offsets[l]!, cols, rows, cols, hs[l - 1]!, n);
    }
    const ZL = zs[L]!,
      dZL = dzs[L]!;
    if (mode === Mode.Predict) {
      for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) out!.data[i * m + c] = ZL[c * n + i]!;
      return ws.value;
    }
    // output seed of the backward pass, and the value (summed sample by sample)
    arena.outputSeed(dZL, ZL, ts, n, m, mode === Mode.Loss ? Seed.Loss : Seed.Correlation, seedScale, ws.value);
    if (!backward) return ws.value;
    // backward
    if (grad) G.fill(0);
    for (let l = L; l >= 1; l--) {
      const rows = widths[l]!,
        cols = widths[l - 1]!,
        dZ = dzs[l]!;
      if (record && l >= 2) {
        // layer l − 1 is hidden: P_{l−1} = h_{l−2}, G_{l−1} = dz_l (both sample-major)
        arena.toSampleMajor(ws.scratch, dZ, rows, n);
        record.residuals[l - 2]!.data.set(ws.scratch.subarray(0, n * rows));
        const P = record.inputs[l - 2]!.data,
          pc = widths[l - 2]!,
          Hp = hs[l - 2]!;
        for (let i = 0; i < n; i++) for (let c = 0; c < pc; c++) P[i * pc + c] = Hp[c * n + i]!;
      }
      if (grad) arena.addProductABt(G, offsets[l]!, cols, rows, cols, dZ, hsm[l - 1]!, cols, n);
      if (l > 1) {
        // dZ_{l−1} = (W_lᵀ dZ_l) ⊙ σ'(Z_{l−1})
        if (o.tieSlope === undefined)
          arena.backwardLayer(dzs[l - 1]!, W, offsets[l]!, cols, rows, cols, dZ, n, zs[l - 1]!);
        else this.backwardWithTieSlope(arena, dzs[l - 1]!, W, offsets[l]!, cols, rows, dZ, n, zs[l - 1]!, o.tieSlope);
      }
    }
    if (grad) grad.set(G);
    return ws.value;
  }

  /** `backwardLayer` with σ′ = tieSlope where the pre-activation is exactly 0 (once per NP iteration: no hot path). */
  private backwardWithTieSlope(
    arena: KernelArena,
    D: Float64Array,
    W: Float64Array,
    a0: number,
    cols: number,
    rows: number,
    dZ: Float64Array,
    n: number,
    Z: Float64Array,
    tieSlope: number,
  ): void {
    arena.productAtB(D, W, a0, cols, rows, cols, dZ, n);
    const derivative = this.activation.derivative;
    for (let e = 0; e < cols * n; e++) D[e]! *= Z[e] === 0 ? tieSlope : derivative(Z[e]!);
  }

  /**
   * The kernel arena for a batch of n, reused between calls: weights W and gradient G,
   * the batch (X sample-major, T), and per layer Z_l, dZ_l (l = 1..L) and H_l (l = 0..L−1),
   * feature-major, with a sample-major copy of each H_l for the weight gradients.
   */
  private buffers(n: number): Workspace {
    for (const cached of this.workspaces) if (cached.n === n) return cached;
    const L = this.depth,
      widths = this.widths;
    const d = widths[0]!,
      m = this.outputDim;
    /** n doubles per neuron of layers from..to, none for the others (index l holds layer l). */
    const layers = (from: number, to: number) => widths.map((k, l) => (l >= from && l <= to ? k * n : 0));
    const { arena, panels } = allocatePanels(
      {
        W: this.size,
        G: this.size,
        xs: n * d,
        ts: n * m,
        zs: layers(1, L),
        dzs: layers(1, L),
        hs: layers(0, L - 1),
        hsm: layers(1, L - 1),
        // the back-propagated residual of the widest layer, on its way out of `pass`
        scratch: Math.max(...widths.slice(1)) * n,
        value: 1,
      },
      this.activation,
    );
    panels.hsm[0] = panels.xs;
    const workspace: Workspace = { n, arena, ...panels, inputs: null };
    this.workspaces = [workspace, ...this.workspaces.slice(0, 1)];
    return workspace;
  }

  private checkLayer(l: number, lo: number, hi: number): void {
    if (!Number.isInteger(l) || l < lo || l > hi)
      throw new RangeError(`layer must be an integer in ${lo}..${hi}, got ${l}`);
  }

  private checkInputs(X: Matrix): void {
    if (X.cols !== this.inputDim) {
      throw new RangeError(`inputs have ${X.cols} features, the network takes ${this.inputDim}`);
    }
  }

  private checkPair(X: Matrix, Y: Matrix): void {
    this.checkInputs(X);
    if (Y.rows !== X.rows) throw new RangeError(`${X.rows} inputs but ${Y.rows} targets`);
    if (Y.cols !== this.outputDim)
      throw new RangeError(`targets have ${Y.cols} outputs, the network gives ${this.outputDim}`);
    if (X.rows === 0) throw new RangeError('empty data set');
  }
}
