/**
 * The kernel interface: the dense products and elementwise maps that all
 * training time goes into, on a `KernelArena` (a fixed block of float64 panels
 * with the kernels bound to it and to one activation). Two backends implement
 * it, like tfjs's: WebAssembly SIMD (src/linalg/kernels-wasm.ts) and a plain
 * TypeScript reference (src/linalg/kernels-ts.ts); src/linalg/kernels.ts picks one.
 *
 * Panels are feature-major (a k × n panel holds one row of n samples per
 * feature) unless called sample-major (n × k, one row per sample).
 *
 * Exactness contract: every output entry is a sum whose terms are added one
 * by one, in ascending order of the summed index, starting from 0 (or from
 * the entry's value, for `addProductABt`), and σ, σ' are those of
 * src/model/activation.ts. So both backends give the textbook per-sample
 * loops' results bit for bit (test/kernels.test.ts checks that).
 */

/** The activation σ(z) = max(z, αz)^p the kernels apply (src/model/activation.ts's `Activation` is one). */
export interface KernelActivation {
  readonly p: number;
  readonly alpha: number;
  value(z: number): number;
  derivative(z: number): number;
}

/** Any activation, for arenas whose kernels never apply one. */
export const IDENTITY: KernelActivation = { p: 1, alpha: 1, value: (z) => z, derivative: () => 1 };

/** The output seed of a backward pass: the loss residual, or the correlation's target. */
export const Seed = { Loss: 0, Correlation: 1 } as const;
export type Seed = (typeof Seed)[keyof typeof Seed];

/**
 * A fixed-size block of float64 memory, carved into panels by `alloc`, with
 * the kernels bound to it and to one activation. It never grows, so the views
 * it hands out stay valid, and it is freed with its owner by the garbage
 * collector. Every kernel argument must be a panel of the same arena.
 */
export abstract class KernelArena {
  /** Doubles handed out; the first two stay unused, so that offset 0 is never a panel. */
  private used = 2;

  protected constructor(
    /** The memory every panel views. */
    protected readonly buffer: ArrayBuffer,
    readonly activation: KernelActivation,
  ) {}

  /** Doubles the arena holds (its panels and their padding can use all but the first two). */
  get capacity(): number {
    return this.buffer.byteLength / 8;
  }

  /** Doubles needed for panels of these lengths (each rounded up to 16-byte alignment). */
  static sizeFor(lengths: readonly number[]): number {
    return lengths.reduce((s, len) => s + len + (len & 1), 0);
  }

  /** A zeroed panel of `length` doubles. */
  alloc(length: number): Float64Array {
    if (this.used + length > this.capacity) {
      throw new RangeError(`kernel arena full: ${length} doubles asked, ${this.capacity - this.used} left`);
    }
    const view = new Float64Array(this.buffer, this.used * 8, length);
    this.used += length + (length & 1);
    return view;
  }

  /** Throws unless `view` is a panel of this arena. */
  protected own(view: Float64Array): void {
    if (view.buffer !== this.buffer) throw new Error('kernel argument is not a panel of this arena');
  }

  /** The byte offset of `view[offset]` in the arena's buffer: what compiled kernels (wasm, native) take. */
  protected ptr(view: Float64Array, offset = 0): number {
    this.own(view);
    return view.byteOffset + offset * 8;
  }

  /**
   * out[j·n + i] = Σ_c A[a0 + j·aStride + c] · B[c·n + i]   (j < rows, c < inner, i < n).
   * A is row-major with row stride aStride; B and out are feature-major panels.
   */
  abstract productAB(
    out: Float64Array,
    A: Float64Array,
    a0: number,
    aStride: number,
    rows: number,
    inner: number,
    B: Float64Array,
    n: number,
  ): void;

  /**
   * A layer's forward pass: Z = W H_in as `productAB` (W = A from a0, H_in = B), then H = σ(Z),
   * and, when Hs is given, H's sample-major copy Hs[i·rows + j] for the weight gradient.
   */
  abstract forwardLayer(
    Z: Float64Array,
    H: Float64Array,
    Hs: Float64Array | null,
    A: Float64Array,
    a0: number,
    aStride: number,
    rows: number,
    inner: number,
    B: Float64Array,
    n: number,
  ): void;

  /**
   * out[c·n + i] = Σ_j A[a0 + j·aStride + c] · B[j·n + i]   (c < cols, j < rows, i < n):
   * the transposed product, back-propagating B through A.
   */
  abstract productAtB(
    out: Float64Array,
    A: Float64Array,
    a0: number,
    aStride: number,
    rows: number,
    cols: number,
    B: Float64Array,
    n: number,
  ): void;

  /**
   * A layer's backward pass: D = (Aᵀ B) ⊙ σ'(Zp) with `productAtB`'s sums, Zp the pre-activations
   * of the layer below (cols × n).
   */
  abstract backwardLayer(
    D: Float64Array,
    A: Float64Array,
    a0: number,
    aStride: number,
    rows: number,
    cols: number,
    B: Float64Array,
    n: number,
    Zp: Float64Array,
  ): void;

  /**
   * out[o0 + j·oStride + c] += Σ_i D[j·n + i] · H[i·hStride + c]   (j < rows, c < cols), summed over
   * the samples i in order: the gradient of a weight matrix from a batch. D is feature-major, H sample-major.
   */
  abstract addProductABt(
    out: Float64Array,
    o0: number,
    oStride: number,
    rows: number,
    cols: number,
    D: Float64Array,
    H: Float64Array,
    hStride: number,
    n: number,
  ): void;

  /** out[i·k + c] = M[c·n + i]: a feature-major k × n panel as a sample-major copy. */
  abstract toSampleMajor(out: Float64Array, M: Float64Array, k: number, n: number): void;

  /** out[c·n + i] = M[i·k + c]: a sample-major n × k matrix as a feature-major copy. */
  abstract toFeatureMajor(out: Float64Array, M: Float64Array, n: number, k: number): void;

  /**
   * The backward pass's output seed from Z (feature-major m × n) and targets T (sample-major n × m):
   * Loss: dZ = (z − t)·scale, out[0] = Σ (z − t)²;  Correlation: dZ = t·scale, out[0] = Σ t·z.
   * Summed sample by sample, output by output. (The value goes to memory, not back as a JavaScript
   * number, which V8 would box on every call.)
   */
  abstract outputSeed(
    dZ: Float64Array,
    Z: Float64Array,
    T: Float64Array,
    n: number,
    m: number,
    seed: Seed,
    scale: number,
    out: Float64Array,
  ): void;

  /**
   * The candidate NCF's pointwise step for R restarts (rows of n): with z = a·p_i in Z and u = b·g_i in U,
   * values[r] = (Σ_i u σ(z))·inv, then Z ← u σ'(z)·inv and U ← σ(z)·inv.
   */
  abstract candidatePointwise(
    values: Float64Array,
    Z: Float64Array,
    U: Float64Array,
    R: number,
    n: number,
    inv: number,
  ): void;

  /**
   * The origin NCF's scalar chain (one neuron per layer, depth L) for R restarts: points W and gradients
   * G are rows of d + (L − 2) + m weights, Z1 holds z_1 = w_1·x_i (rows of n), Y the labels (n × m).
   * Writes values[r] = (Σ_i (y_i·w_L) h_{L−1})·inv, adds the gradient of the middle and output weights
   * into G, and writes ∂N/∂z_1 into D1. `scratch` holds 4L doubles.
   */
  abstract originChain(
    values: Float64Array,
    Z1: Float64Array,
    D1: Float64Array,
    W: Float64Array,
    G: Float64Array,
    Y: Float64Array,
    scratch: Float64Array,
    R: number,
    n: number,
    d: number,
    L: number,
    m: number,
    inv: number,
  ): void;
}
