/**
 * The plain TypeScript backend of the kernel interface: the readable scalar
 * reference. Each kernel is the textbook loop of its definition in
 * src/linalg/kernel-arena.ts, one sum at a time in the order the contract
 * fixes, with σ and σ' taken from the activation itself. It gives the same bits
 * as the WebAssembly SIMD kernels (test/kernels.test.ts), and runs wherever
 * WebAssembly SIMD does not.
 */
import { type KernelActivation, KernelArena, Seed } from './kernel-arena.js';

export class TsArena extends KernelArena {
  /** Room for `doubles` float64 values (`KernelArena.sizeFor` adds the alignment padding). */
  constructor(doubles: number, activation: KernelActivation) {
    super(new ArrayBuffer((doubles + 2) * 8), activation);
  }

  private ownAll(...views: Float64Array[]): void {
    for (const view of views) this.own(view);
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
    this.ownAll(out, A, B);
    // Row j of out accumulates a·(row c of B) for c = 0, 1, …: each entry still adds its terms in order of c.
    for (let j = 0; j < rows; j++) {
      out.fill(0, j * n, (j + 1) * n);
      for (let c = 0; c < inner; c++) {
        const a = A[a0 + j * aStride + c]!;
        for (let i = 0; i < n; i++) out[j * n + i]! += a * B[c * n + i]!;
      }
    }
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
    this.own(H);
    if (Hs) this.own(Hs);
    this.productAB(Z, A, a0, aStride, rows, inner, B, n);
    const sigma = this.activation;
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < n; i++) {
        const h = sigma.value(Z[j * n + i]!);
        H[j * n + i] = h;
        if (Hs) Hs[i * rows + j] = h;
      }
    }
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
    this.ownAll(out, A, B);
    // Row c of out accumulates (row j of B)·a for j = 0, 1, …, in order of j.
    for (let c = 0; c < cols; c++) {
      out.fill(0, c * n, (c + 1) * n);
      for (let j = 0; j < rows; j++) {
        const a = A[a0 + j * aStride + c]!;
        for (let i = 0; i < n; i++) out[c * n + i]! += B[j * n + i]! * a;
      }
    }
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
    this.own(Zp);
    this.productAtB(D, A, a0, aStride, rows, cols, B, n);
    const sigma = this.activation;
    for (let k = 0; k < cols * n; k++) D[k] = D[k]! * sigma.derivative(Zp[k]!);
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
    this.ownAll(out, D, H);
    // Row j of out accumulates d_i·(row i of H) for i = 0, 1, …, in order of the samples.
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < n; i++) {
        const d = D[j * n + i]!;
        for (let c = 0; c < cols; c++) out[o0 + j * oStride + c]! += d * H[i * hStride + c]!;
      }
    }
  }

  toSampleMajor(out: Float64Array, M: Float64Array, k: number, n: number): void {
    this.ownAll(out, M);
    for (let c = 0; c < k; c++) for (let i = 0; i < n; i++) out[i * k + c] = M[c * n + i]!;
  }

  toFeatureMajor(out: Float64Array, M: Float64Array, n: number, k: number): void {
    this.ownAll(out, M);
    for (let c = 0; c < k; c++) for (let i = 0; i < n; i++) out[c * n + i] = M[i * k + c]!;
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
    this.ownAll(dZ, Z, T, out);
    let value = 0;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < m; c++) {
        const z = Z[c * n + i]!,
          t = T[i * m + c]!;
        if (seed === Seed.Loss) {
          const e = z - t;
          value += e * e;
          dZ[c * n + i] = e * scale;
        } else {
          value += t * z;
          dZ[c * n + i] = t * scale;
        }
      }
    }
    out[0] = value;
  }

  candidatePointwise(values: Float64Array, Z: Float64Array, U: Float64Array, R: number, n: number, inv: number): void {
    this.ownAll(values, Z, U);
    const sigma = this.activation;
    for (let r = 0; r < R; r++) {
      let value = 0;
      for (let k = r * n; k < (r + 1) * n; k++) {
        const z = Z[k]!,
          u = U[k]!;
        const s = sigma.value(z),
          ds = sigma.derivative(z);
        value += u * s;
        Z[k] = u * ds * inv;
        U[k] = s * inv;
      }
      values[r] = value * inv;
    }
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
    this.ownAll(values, Z1, D1, W, G, Y, scratch);
    const sigma = this.activation;
    const dim = d + (L - 2) + m;
    const mid = d,
      top = d + L - 2; // offsets of w_2 and w_L in a row
    const z = scratch.subarray(0, L),
      h = scratch.subarray(L, 2 * L); // z_l, h_l of one sample at index l
    for (let r = 0; r < R; r++) {
      const w = r * dim;
      let total = 0;
      for (let i = 0; i < n; i++) {
        // forward through the scalar chain
        z[1] = Z1[r * n + i]!;
        h[1] = sigma.value(z[1]);
        for (let l = 2; l < L; l++) {
          z[l] = W[w + mid + l - 2]! * h[l - 1]!;
          h[l] = sigma.value(z[l]!);
        }
        const last = h[L - 1]!;
        let u = 0; // y_i · w_L
        for (let c = 0; c < m; c++) u += Y[i * m + c]! * W[w + top + c]!;
        total += u * last;
        // ∂N/∂w_L, then back through the chain
        if (last !== 0) for (let c = 0; c < m; c++) G[w + top + c] = G[w + top + c]! + last * inv * Y[i * m + c]!;
        let dh = u * inv;
        for (let l = L - 1; l >= 2; l--) {
          const dz = dh * sigma.derivative(z[l]!);
          G[w + mid + l - 2] = G[w + mid + l - 2]! + dz * h[l - 1]!;
          dh = dz * W[w + mid + l - 2]!;
        }
        D1[r * n + i] = dh * sigma.derivative(z[1]);
      }
      values[r] = total * inv;
    }
  }
}
