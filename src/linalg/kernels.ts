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
  productAB(out: number, A: number, aStride: number, rows: number, inner: number, B: number, n: number): void;
  productAtB(out: number, A: number, aStride: number, rows: number, cols: number, B: number, n: number): void;
  addProductABt(out: number, oStride: number, rows: number, cols: number, D: number, H: number, hStride: number, n: number): void;
  toSampleMajor(out: number, M: number, k: number, n: number): void;
  toFeatureMajor(out: number, M: number, n: number, k: number): void;
  activate(H: number, Z: number, size: number, p: number, alpha: number): void;
  scaleByDerivative(D: number, Z: number, size: number, p: number, alpha: number): void;
  outputSeed(dZ: number, Z: number, T: number, n: number, m: number, mode: number, scale: number): number;
  candidatePointwise(values: number, Z: number, U: number, R: number, n: number, p: number, alpha: number, inv: number): void;
}

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
 * `alloc`, with the kernels bound to it. It never grows, so the views it
 * hands out stay valid, and it is freed with its owner by the garbage
 * collector. Every kernel argument must be a view from the same arena.
 */
export class KernelArena {
  private readonly memory: WebAssembly.Memory;
  private readonly k: KernelExports;
  private used = 0;
  readonly capacity: number;

  /** Room for `doubles` float64 values (plus alignment padding of one per panel). */
  constructor(doubles: number) {
    const pages = Math.max(1, Math.ceil((doubles * 8) / PAGE_BYTES));
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.capacity = (pages * PAGE_BYTES) / 8;
    this.k = new WebAssembly.Instance(kernelModule(), { env: { memory: this.memory } }).exports as unknown as KernelExports;
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
   * out[c·n + i] = Σ_j A[a0 + j·aStride + c] · B[j·n + i]   (c < cols, j < rows, i < n):
   * the transposed product, back-propagating B through A.
   */
  productAtB(out: Float64Array, A: Float64Array, a0: number, aStride: number, rows: number, cols: number, B: Float64Array, n: number): void {
    this.k.productAtB(this.ptr(out), this.ptr(A, a0), aStride, rows, cols, this.ptr(B), n);
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

  /** H = max(Z, αZ)^p on the first `size` entries, for p = 1 or 2 (activation.ts's arithmetic). */
  activate(H: Float64Array, Z: Float64Array, size: number, p: 1 | 2, alpha: number): void {
    this.k.activate(this.ptr(H), this.ptr(Z), size, p, alpha);
  }

  /** D ⊙= σ'(Z) on the first `size` entries, for p = 1 or 2 (activation.ts's derivative). */
  scaleByDerivative(D: Float64Array, Z: Float64Array, size: number, p: 1 | 2, alpha: number): void {
    this.k.scaleByDerivative(this.ptr(D), this.ptr(Z), size, p, alpha);
  }

  /**
   * The backward pass's output seed from Z (feature-major m × n) and targets T (sample-major n × m):
   * Loss: dZ = (z − t)·scale, returns Σ (z − t)²;  Correlation: dZ = t·scale, returns Σ t·z.
   * Summed sample by sample, output by output.
   */
  outputSeed(dZ: Float64Array, Z: Float64Array, T: Float64Array, n: number, m: number, seed: Seed, scale: number): number {
    return this.k.outputSeed(this.ptr(dZ), this.ptr(Z), this.ptr(T), n, m, seed, scale);
  }

  /**
   * The candidate NCF's pointwise step for R restarts (rows of n): with z = a·p_i in Z and u = b·g_i in U,
   * values[r] = (Σ_i u σ(z))·inv, then Z ← u σ'(z)·inv and U ← σ(z)·inv. For p = 1 or 2.
   */
  candidatePointwise(values: Float64Array, Z: Float64Array, U: Float64Array, R: number, n: number, p: 1 | 2, alpha: number, inv: number): void {
    this.k.candidatePointwise(this.ptr(values), this.ptr(Z), this.ptr(U), R, n, p, alpha, inv);
  }
}
