/**
 * The WebAssembly SIMD backend of the kernel interface (source: assembly/kernels.ts,
 * embedded as base64 by scripts/build-wasm.mjs so that a browser loads it without
 * file access). An arena is a block of WebAssembly memory of fixed size; the
 * kernels take byte offsets into it. p = 1 and p = 2 run inside the kernels; any
 * other degree calls the activation's own `value` and `derivative`.
 */
import { type KernelActivation, KernelArena, type Seed } from './kernel-arena.js';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.generated.js';

interface KernelExports {
  setActivation(p: number, alpha: number): void;
  productAB(out: number, A: number, aStride: number, rows: number, inner: number, B: number, n: number): void;
  forwardLayer(
    out: number,
    A: number,
    aStride: number,
    rows: number,
    inner: number,
    B: number,
    n: number,
    H: number,
    Hs: number,
  ): void;
  productAtB(out: number, A: number, aStride: number, rows: number, cols: number, B: number, n: number): void;
  backwardLayer(
    out: number,
    A: number,
    aStride: number,
    rows: number,
    cols: number,
    B: number,
    n: number,
    Zp: number,
  ): void;
  addProductABt(
    out: number,
    oStride: number,
    rows: number,
    cols: number,
    D: number,
    H: number,
    hStride: number,
    n: number,
  ): void;
  toSampleMajor(out: number, M: number, k: number, n: number): void;
  toFeatureMajor(out: number, M: number, n: number, k: number): void;
  outputSeed(dZ: number, Z: number, T: number, n: number, m: number, mode: number, scale: number, out: number): void;
  candidatePointwise(values: number, Z: number, U: number, R: number, n: number, inv: number): void;
  originChain(
    values: number,
    Z1: number,
    D1: number,
    W: number,
    G: number,
    Y: number,
    scratch: number,
    R: number,
    n: number,
    d: number,
    L: number,
    m: number,
    inv: number,
  ): void;
}

const PAGE_BYTES = 65_536;

function kernelBytes(): Uint8Array<ArrayBuffer> {
  const text = atob(KERNELS_WASM_BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

let compiled: WebAssembly.Module | null = null;
let available: boolean | null = null;

/** True when this runtime has WebAssembly with SIMD: it validates the kernels' own module. */
export function wasmSimdAvailable(): boolean {
  if (available === null) {
    available = typeof WebAssembly === 'object' && WebAssembly.validate(kernelBytes());
  }
  return available;
}

function kernelModule(): WebAssembly.Module {
  if (!compiled) compiled = new WebAssembly.Module(kernelBytes());
  return compiled;
}

export class WasmArena extends KernelArena {
  private readonly k: KernelExports;

  /** Room for `doubles` float64 values (`KernelArena.sizeFor` adds the alignment padding). */
  constructor(doubles: number, activation: KernelActivation) {
    const pages = Math.max(1, Math.ceil(((doubles + 2) * 8) / PAGE_BYTES));
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    super(memory.buffer, activation);
    const env = {
      memory,
      sigmaOf: (z: number) => activation.value(z),
      sigmaPrimeOf: (z: number) => activation.derivative(z),
    };
    this.k = new WebAssembly.Instance(kernelModule(), { env }).exports as unknown as KernelExports;
    this.k.setActivation(activation.p === 1 ? 1 : activation.p === 2 ? 2 : 0, activation.alpha);
  }

  productAB(
    out: Float64Array,
    A: Float64Array,
    a0: number,
    aStride: number,
    rows: number,
    inner: number,
    B: Float64Array,
    n: number,
  ): void {
    this.k.productAB(this.ptr(out), this.ptr(A, a0), aStride, rows, inner, this.ptr(B), n);
  }

  forwardLayer(
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
  ): void {
    const hs = Hs ? this.ptr(Hs) : 0;
    this.k.forwardLayer(this.ptr(Z), this.ptr(A, a0), aStride, rows, inner, this.ptr(B), n, this.ptr(H), hs);
  }

  productAtB(
    out: Float64Array,
    A: Float64Array,
    a0: number,
    aStride: number,
    rows: number,
    cols: number,
    B: Float64Array,
    n: number,
  ): void {
    this.k.productAtB(this.ptr(out), this.ptr(A, a0), aStride, rows, cols, this.ptr(B), n);
  }

  backwardLayer(
    D: Float64Array,
    A: Float64Array,
    a0: number,
    aStride: number,
    rows: number,
    cols: number,
    B: Float64Array,
    n: number,
    Zp: Float64Array,
  ): void {
    this.k.backwardLayer(this.ptr(D), this.ptr(A, a0), aStride, rows, cols, this.ptr(B), n, this.ptr(Zp));
  }

  addProductABt(
    out: Float64Array,
    o0: number,
    oStride: number,
    rows: number,
    cols: number,
    D: Float64Array,
    H: Float64Array,
    hStride: number,
    n: number,
  ): void {
    this.k.addProductABt(this.ptr(out, o0), oStride, rows, cols, this.ptr(D), this.ptr(H), hStride, n);
  }

  toSampleMajor(out: Float64Array, M: Float64Array, k: number, n: number): void {
    this.k.toSampleMajor(this.ptr(out), this.ptr(M), k, n);
  }

  toFeatureMajor(out: Float64Array, M: Float64Array, n: number, k: number): void {
    this.k.toFeatureMajor(this.ptr(out), this.ptr(M), n, k);
  }

  outputSeed(
    dZ: Float64Array,
    Z: Float64Array,
    T: Float64Array,
    n: number,
    m: number,
    seed: Seed,
    scale: number,
    out: Float64Array,
  ): void {
    this.k.outputSeed(this.ptr(dZ), this.ptr(Z), this.ptr(T), n, m, seed, scale, this.ptr(out));
  }

  candidatePointwise(values: Float64Array, Z: Float64Array, U: Float64Array, R: number, n: number, inv: number): void {
    this.k.candidatePointwise(this.ptr(values), this.ptr(Z), this.ptr(U), R, n, inv);
  }

  originChain(
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
  ): void {
    this.k.originChain(
      this.ptr(values),
      this.ptr(Z1),
      this.ptr(D1),
      this.ptr(W),
      this.ptr(G),
      this.ptr(Y),
      this.ptr(scratch),
      R,
      n,
      d,
      L,
      m,
      inv,
    );
  }
}
