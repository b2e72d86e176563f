/**
 * The optional native backend of the kernel interface: native/kernels.c (AVX2 without FMA, so the same bits as
 * the WebAssembly and TypeScript kernels) behind an N-API addon that scripts/build-native.mjs builds at install.
 * Importing this module loads the addon and registers it with src/linalg/kernels.ts; where it is missing (no
 * compiler at install, no AVX2, a browser) nothing is registered and the WebAssembly kernels run. Node only.
 *
 * Threads: the addon keeps a pool per Node thread, and splits a large product's samples (or the NCF's
 * restarts) into tasks; every sum stays inside one task, so the history does not depend on the thread count.
 * One thread by default: on a shared machine (the benchmark's) a second thread the system does not schedule
 * holds up every product it took a task of, and cost up to 2× (docs/speed.md). NEURON_PURSUIT_THREADS or
 * `setKernelThreads` asks for more; a sweep's workers keep one (the sweep already runs one fit per core).
 */
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { type KernelActivation, KernelArena, type Seed } from '../linalg/kernel-arena.js';
import { registerNativeKernels } from '../linalg/kernels.js';

/** The addon's functions: the arena's ArrayBuffer first, then byte offsets into it and sizes. */
interface Addon {
  supported: boolean;
  productAB(
    buf: ArrayBuffer,
    out: number,
    A: number,
    aStride: number,
    rows: number,
    inner: number,
    B: number,
    n: number,
  ): void;
  forwardLayer(
    buf: ArrayBuffer,
    out: number,
    A: number,
    aStride: number,
    rows: number,
    inner: number,
    B: number,
    n: number,
    H: number,
    Hs: number,
    p: number,
    alpha: number,
  ): void;
  productAtB(
    buf: ArrayBuffer,
    out: number,
    A: number,
    aStride: number,
    rows: number,
    cols: number,
    B: number,
    n: number,
  ): void;
  backwardLayer(
    buf: ArrayBuffer,
    out: number,
    A: number,
    aStride: number,
    rows: number,
    cols: number,
    B: number,
    n: number,
    Zp: number,
    p: number,
    alpha: number,
  ): void;
  addProductABt(
    buf: ArrayBuffer,
    out: number,
    oStride: number,
    rows: number,
    cols: number,
    D: number,
    H: number,
    hStride: number,
    n: number,
  ): void;
  toSampleMajor(buf: ArrayBuffer, out: number, M: number, k: number, n: number): void;
  toFeatureMajor(buf: ArrayBuffer, out: number, M: number, n: number, k: number): void;
  outputSeed(
    buf: ArrayBuffer,
    dZ: number,
    Z: number,
    T: number,
    n: number,
    m: number,
    mode: number,
    scale: number,
    out: number,
  ): void;
  candidatePointwise(
    buf: ArrayBuffer,
    values: number,
    Z: number,
    U: number,
    R: number,
    n: number,
    inv: number,
    p: number,
    alpha: number,
  ): void;
  originChain(
    buf: ArrayBuffer,
    values: number,
    Z1: number,
    D1: number,
    W: number,
    G: number,
    Y: number,
    R: number,
    n: number,
    d: number,
    L: number,
    m: number,
    inv: number,
    p: number,
    alpha: number,
  ): void;
  setThreads(threads: number): void;
  threads(): number;
  /** Seconds to run the 48-flop peak loop `rounds` times in each of `tasks` tasks on the pool. */
  peak(rounds: number, tasks: number): number;
}

/** Where node-gyp puts the addon, from dist/src/native/. */
const ADDON_PATH = '../../../build/Release/neuron_pursuit_kernels.node';
/** The environment variable that sets the threads of the native kernels. */
export const KERNEL_THREADS_VARIABLE = 'NEURON_PURSUIT_THREADS';

function loadAddon(): { addon: Addon | null; reason: string } {
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
    return addon.supported ? { addon, reason: '' } : { addon: null, reason: 'this CPU lacks AVX2' };
  } catch (error) {
    return { addon: null, reason: `the addon is not built (${(error as Error).message.split('\n')[0]})` };
  }
}

const { addon, reason } = loadAddon();

/** Why the native backend is not available ('' when it is). */
export const nativeUnavailableReason = reason;

/** The activations the native kernels run: degree 1 or 2. */
function nativeDegree(activation: KernelActivation): boolean {
  return activation.p === 1 || activation.p === 2;
}

export class NativeArena extends KernelArena {
  private readonly p: number;
  private readonly alpha: number;

  constructor(
    private readonly k: Addon,
    doubles: number,
    activation: KernelActivation,
  ) {
    super(new ArrayBuffer((doubles + 2) * 8), activation);
    this.p = activation.p;
    this.alpha = activation.alpha;
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
    this.k.productAB(this.buffer, this.ptr(out), this.ptr(A, a0), aStride, rows, inner, this.ptr(B), n);
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
    const { buffer, p, alpha } = this;
    this.k.forwardLayer(
      buffer,
      this.ptr(Z),
      this.ptr(A, a0),
      aStride,
      rows,
      inner,
      this.ptr(B),
      n,
      this.ptr(H),
      hs,
      p,
      alpha,
    );
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
    this.k.productAtB(this.buffer, this.ptr(out), this.ptr(A, a0), aStride, rows, cols, this.ptr(B), n);
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
    const { buffer, p, alpha } = this;
    this.k.backwardLayer(
      buffer,
      this.ptr(D),
      this.ptr(A, a0),
      aStride,
      rows,
      cols,
      this.ptr(B),
      n,
      this.ptr(Zp),
      p,
      alpha,
    );
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
    this.k.addProductABt(this.buffer, this.ptr(out, o0), oStride, rows, cols, this.ptr(D), this.ptr(H), hStride, n);
  }

  toSampleMajor(out: Float64Array, M: Float64Array, k: number, n: number): void {
    this.k.toSampleMajor(this.buffer, this.ptr(out), this.ptr(M), k, n);
  }

  toFeatureMajor(out: Float64Array, M: Float64Array, n: number, k: number): void {
    this.k.toFeatureMajor(this.buffer, this.ptr(out), this.ptr(M), n, k);
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
    this.k.outputSeed(this.buffer, this.ptr(dZ), this.ptr(Z), this.ptr(T), n, m, seed, scale, this.ptr(out));
  }

  candidatePointwise(values: Float64Array, Z: Float64Array, U: Float64Array, R: number, n: number, inv: number): void {
    const { buffer, p, alpha } = this;
    this.k.candidatePointwise(buffer, this.ptr(values), this.ptr(Z), this.ptr(U), R, n, inv, p, alpha);
  }

  /** `scratch` is the WebAssembly kernel's; the native one keeps its chain on the stack. */
  originChain(
    values: Float64Array,
    Z1: Float64Array,
    D1: Float64Array,
    W: Float64Array,
    G: Float64Array,
    Y: Float64Array,
    _scratch: Float64Array,
    R: number,
    n: number,
    d: number,
    L: number,
    m: number,
    inv: number,
  ): void {
    const { buffer, p, alpha } = this;
    this.k.originChain(
      buffer,
      this.ptr(values),
      this.ptr(Z1),
      this.ptr(D1),
      this.ptr(W),
      this.ptr(G),
      this.ptr(Y),
      R,
      n,
      d,
      L,
      m,
      inv,
      p,
      alpha,
    );
  }
}

/** The threads the native kernels of this Node thread use, the calling one included. */
export function setKernelThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`kernel threads must be an integer from 1 to 64, not ${threads}`);
  }
  addon?.setThreads(threads);
}

/** The threads the native kernels of this Node thread use (1 without the addon). */
export function kernelThreads(): number {
  return addon ? addon.threads() : 1;
}

/**
 * This machine's peak float64 GFLOP/s for AVX2 without FMA on `threads` threads: independent 4-lane multiplies
 * and adds, 48 flops a round; the best of five runs over about `seconds` in all (the best, since a shared
 * machine only ever takes time away).
 */
export function nativePeakGflops(threads: number, seconds = 0.5): number | null {
  if (!addon) return null;
  const before = addon.threads();
  addon.setThreads(threads);
  try {
    let rounds = 1 << 16;
    while (addon.peak(rounds, threads) < seconds / 10) rounds *= 2;
    let best = 0;
    for (let trial = 0; trial < 5; trial++) {
      best = Math.max(best, (rounds * 48 * threads) / addon.peak(rounds, threads) / 1e9);
    }
    return best;
  } finally {
    addon.setThreads(before);
  }
}

function defaultThreads(): number {
  const env = (process.env[KERNEL_THREADS_VARIABLE] ?? '').trim();
  if (env === '' || !isMainThread) return 1; // worker threads: a sweep already runs one fit per core
  const threads = Number(env);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`${KERNEL_THREADS_VARIABLE}: expected an integer from 1 to 64, not '${env}'`);
  }
  return threads;
}

if (addon) {
  const k = addon;
  // A bad NEURON_PURSUIT_THREADS surfaces at the first arena, where the CLI reports errors in one line.
  let threadsError: Error | null = null;
  try {
    k.setThreads(defaultThreads());
  } catch (error) {
    threadsError = error as Error;
  }
  registerNativeKernels({
    create: (doubles, activation) => {
      if (threadsError) throw threadsError;
      return nativeDegree(activation) ? new NativeArena(k, doubles, activation) : null;
    },
  });
}
