/**
 * The dense products and elementwise maps that all training time goes into,
 * in WebAssembly SIMD (source: assembly/kernels.ts). Everything that trains —
 * the network's forward and backward pass, the NCFs of all PGA restarts — runs
 * on a `KernelArena`: a block of WebAssembly memory holding its float64 panels,
 * with the kernels bound to it. Nothing outside this file knows which code runs.
 *
 * Panels are feature-major (a k × n panel holds one row of n samples per
 * feature) unless called sample-major (n × k, one row per sample).
 *
 * Exactness contract: every output entry is a sum whose terms are added one
 * by one, in ascending order of the summed index, starting from 0 (or from
 * the entry's value, for `addProductABt`). SIMD lanes carry different sums,
 * never parts of one, so results are bit for bit those of the textbook
 * per-sample loops (test/kernels.test.ts checks that).
 */
import { KERNELS_WASM_BASE64 } from './kernels-wasm.generated.js';

interface KernelExports {
  setActivation(p: number, alpha: number): void;
  productAB(out: number, A: number, aStride: number, rows: number, inner: number, B: number, n: number): void;
  forwardLayer(out: number, A: number, aStride: number, rows: number, inner: number, B: number, n: number, H: number, Hs: number): void;
  productAtB(out: number, A: number, aStride: number, rows: number, cols: number, B: number, n: number): void;
  backwardLayer(out: number, A: number, aStride: number, rows: number, cols: number, B: number, n: number, Zp: number): void;
  addProductABt(out: number, oStride: number, rows: number, cols: number, D: number, H: number, hStride: number, n: number): void;
  toSampleMajor(out: number, M: number, k: number, n: number): void;
  toFeatureMajor(out: number, M: number, n: number, k: number): void;
  outputSeed(dZ: number, Z: number, T: number, n: number, m: number, mode: number, scale: number, out: number): void;
  candidatePointwise(values: number, Z: number, U: number, R: number, n: number, inv: number): void;
  originChain(values: number, Z1: number, D1: number, W: number, G: number, Y: number, scratch: number, R: number, n: number, d: number, L: number, m: number, inv: number): void;
}

/** The activation σ(z) = max(z, αz)^p the kernels apply (src/model/activation.ts's `Activation` is one). */
export interface KernelActivation {
  readonly p: number;
  readonly alpha: number;
  value(z: number): number;
  derivative(z: number): number;
}

/** Any activation, for arenas whose kernels never apply one. */
const IDENTITY: KernelActivation = { p: 1, alpha: 1, value: (z) => z, derivative: () => 1 };

const PAGE_BYTES = 65_536;
let compiled: WebAssembly.Module | null = null;

function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    const text = atob(KERNELS_WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** The output seed of a backward pass: the loss residual, or the correlation's target. */
export const enum Seed {
  Loss = 0,
  Correlation = 1,
}

/**
 * A fixed-size block of WebAssembly memory, carved into float64 panels by
 * `alloc`, with the kernels bound to it and to one activation. It never
 * grows, so the views it hands out stay valid, and it is freed with its owner
 * by the garbage collector. Every kernel argument must be a view from the
 * same arena. Degrees p = 1 and 2 run inside the kernels; any other degree
 * calls the activation's own `value` and `derivative`, so results are always
 * those of src/model/activation.ts.
 */
export class KernelArena {
  private readonly memory: WebAssembly.Memory;
  private readonly k: KernelExports;
  /** Doubles handed out; the first two stay unused, so that address 0 means "no panel" to the kernels. */
  private used = 2;
  readonly capacity: number;

  /** Room for `doubles` float64 values (`sizeFor` adds the alignment padding). */
  constructor(doubles: number, activation: KernelActivation = IDENTITY) {
    const pages = Math.max(1, Math.ceil(((doubles + 2) * 8) / PAGE_BYTES));
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.capacity = (pages * PAGE_BYTES) / 8;
    const env = { memory: this.memory, sigmaOf: (z: number) => activation.value(z), sigmaPrimeOf: (z: number) => activation.derivative(z) };
    this.k = new WebAssembly.Instance(kernelModule(), { env }).exports as unknown as KernelExports;
    this.k.setActivation(activation.p === 1 ? 1 : activation.p === 2 ? 2 : 0, activation.alpha);
  }

  /** Doubles needed for panels of these lengths (each rounded up to 16-byte alignment). */
  static sizeFor(lengths: number[]): number {
    return lengths.reduce((s, len) => s + len + (len & 1), 0);
  }

  /** A zeroed panel of `length` doubles. */
  alloc(length: number): Float64Array {
    if (this.used + length > this.capacity) throw new RangeError(`kernel arena full: ${length} doubles asked, ${this.capacity - this.used} left`);
    const view = new Float64Array(this.memory.buffer, this.used * 8, length);
    this.used += length + (length & 1);
    return view;
  }

  private ptr(view: Float64Array, offset = 0): number {
    if (view.buffer !== this.memory.buffer) throw new Error('kernel argument is not a panel of this arena');
    return view.byteOffset + offset * 8;
  }

  /**
   * out[j·n + i] = Σ_c A[a0 + j·aStride + c] · B[c·n + i]   (j < rows, c < inner, i < n).
   * A is row-major with row stride aStride; B and out are feature-major panels.
   */
  productAB(out: Float64Array, A: Float64Array, a0: number, aStride: number, rows: number, inner: number, B: Float64Array, n: number): void {
    this.k.productAB(this.ptr(out), this.ptr(A, a0), aStride, rows, inner, this.ptr(B), n);
  }

  /**
   * A layer's forward pass: Z = W H_in as `productAB` (W = A from a0, H_in = B), then H = σ(Z),
   * and, when Hs is given, H's sample-major copy Hs[i·rows + j] for the weight gradient.
   */
  forwardLayer(Z: Float64Array, H: Float64Array, Hs: Float64Array | null, A: Float64Array, a0: number, aStride: number, rows: number, inner: number, B: Float64Array, n: number): void {
    this.k.forwardLayer(this.ptr(Z), this.ptr(A, a0), aStride, rows, inner, this.ptr(B), n, this.ptr(H), Hs ? this.ptr(Hs) : 0);
  }

  /**
   * out[c·n + i] = Σ_j A[a0 + j·aStride + c] · B[j·n + i]   (c < cols, j < rows, i < n):
   * the transposed product, back-propagating B through A.
   */
  productAtB(out: Float64Array, A: Float64Array, a0: number, aStride: number, rows: number, cols: number, B: Float64Array, n: number): void {
    this.k.productAtB(this.ptr(out), this.ptr(A, a0), aStride, rows, cols, this.ptr(B), n);
  }

  /**
   * A layer's backward pass: D = (Aᵀ B) ⊙ σ'(Zp) with `productAtB`'s sums, Zp the pre-activations
   * of the layer below (cols × n).
   */
  backwardLayer(D: Float64Array, A: Float64Array, a0: number, aStride: number, rows: number, cols: number, B: Float64Array, n: number, Zp: Float64Array): void {
    this.k.backwardLayer(this.ptr(D), this.ptr(A, a0), aStride, rows, cols, this.ptr(B), n, this.ptr(Zp));
  }

  /**
   * out[o0 + j·oStride + c] += Σ_i D[j·n + i] · H[i·hStride + c]   (j < rows, c < cols), summed over
   * the samples i in order: the gradient of a weight matrix from a batch. D is feature-major, H sample-major.
   */
  addProductABt(out: Float64Array, o0: number, oStride: number, rows: number, cols: number, D: Float64Array, H: Float64Array, hStride: number, n: number): void {
    this.k.addProductABt(this.ptr(out, o0), oStride, rows, cols, this.ptr(D), this.ptr(H), hStride, n);
  }

  /** out[i·k + c] = M[c·n + i]: a feature-major k × n panel as a sample-major copy. */
  toSampleMajor(out: Float64Array, M: Float64Array, k: number, n: number): void {
    this.k.toSampleMajor(this.ptr(out), this.ptr(M), k, n);
  }

  /** out[c·n + i] = M[i·k + c]: a sample-major n × k matrix as a feature-major copy. */
  toFeatureMajor(out: Float64Array, M: Float64Array, n: number, k: number): void {
    this.k.toFeatureMajor(this.ptr(out), this.ptr(M), n, k);
  }

  /**
   * The backward pass's output seed from Z (feature-major m × n) and targets T (sample-major n × m):
   * Loss: dZ = (z − t)·scale, out[0] = Σ (z − t)²;  Correlation: dZ = t·scale, out[0] = Σ t·z.
   * Summed sample by sample, output by output. (The value goes to memory, not back as a JavaScript
   * number, which V8 would box on every call.)
   */
  outputSeed(dZ: Float64Array, Z: Float64Array, T: Float64Array, n: number, m: number, seed: Seed, scale: number, out: Float64Array): void {
    this.k.outputSeed(this.ptr(dZ), this.ptr(Z), this.ptr(T), n, m, seed, scale, this.ptr(out));
  }

  /**
   * The candidate NCF's pointwise step for R restarts (rows of n): with z = a·p_i in Z and u = b·g_i in U,
   * values[r] = (Σ_i u σ(z))·inv, then Z ← u σ'(z)·inv and U ← σ(z)·inv.
   */
  candidatePointwise(values: Float64Array, Z: Float64Array, U: Float64Array, R: number, n: number, inv: number): void {
    this.k.candidatePointwise(this.ptr(values), this.ptr(Z), this.ptr(U), R, n, inv);
  }

  /**
   * The origin NCF's scalar chain (one neuron per layer, depth L) for R restarts: points W and gradients
   * G are rows of d + (L − 2) + m weights, Z1 holds z_1 = w_1·x_i (rows of n), Y the labels (n × m).
   * Writes values[r] = (Σ_i (y_i·w_L) h_{L−1})·inv, adds the gradient of the middle and output weights
   * into G, and writes ∂N/∂z_1 into D1. `scratch` holds 4L doubles.
   */
  originChain(values: Float64Array, Z1: Float64Array, D1: Float64Array, W: Float64Array, G: Float64Array, Y: Float64Array, scratch: Float64Array, R: number, n: number, d: number, L: number, m: number, inv: number): void {
    this.k.originChain(this.ptr(values), this.ptr(Z1), this.ptr(D1), this.ptr(W), this.ptr(G), this.ptr(Y), this.ptr(scratch), R, n, d, L, m, inv);
  }
}
