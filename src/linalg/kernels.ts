/**
 * The three dense products that all training time goes into, on
 * feature-major panels (a k × n panel holds one row of n samples per
 * feature). Everything that trains — the network's forward and backward pass,
 * the candidate NCF of all PGA restarts — is built on these, so a faster
 * implementation (WebAssembly, threads) would replace this file alone.
 *
 * Exactness contract: every output entry is a sum whose terms are added one
 * by one, in ascending order of the summed index, starting from 0 (or from
 * the entry's value, for `addProductAtB`). That is the order of the plain
 * per-sample loops, so results are bit for bit those of the textbook code.
 * The speed comes from blocking (several independent sums in registers at
 * once), never from reassociating a sum.
 */

/**
 * out[j·n + i] = Σ_c A[a0 + j·aStride + c] · B[c·n + i]   (j < rows, c < inner, i < n).
 * A is row-major with row stride aStride; B and out are feature-major panels.
 */
export function productAB(out: Float64Array, A: Float64Array, a0: number, aStride: number, rows: number, inner: number, B: Float64Array, n: number): void {
  const n4 = n - (n % 4), rows2 = rows - (rows % 2);
  // Two rows × four samples per block: each B entry loaded once serves two sums.
  for (let j = 0; j < rows2; j += 2) {
    const aj = a0 + j * aStride, ak = aj + aStride, oj = j * n, ok = oj + n;
    for (let i = 0; i < n4; i += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let c = 0; c < inner; c++) {
        const a = A[aj + c], e = A[ak + c], b = c * n + i;
        const b0 = B[b], b1 = B[b + 1], b2 = B[b + 2], b3 = B[b + 3];
        s0 += a * b0;
        s1 += a * b1;
        s2 += a * b2;
        s3 += a * b3;
        t0 += e * b0;
        t1 += e * b1;
        t2 += e * b2;
        t3 += e * b3;
      }
      out[oj + i] = s0;
      out[oj + i + 1] = s1;
      out[oj + i + 2] = s2;
      out[oj + i + 3] = s3;
      out[ok + i] = t0;
      out[ok + i + 1] = t1;
      out[ok + i + 2] = t2;
      out[ok + i + 3] = t3;
    }
    for (let i = n4; i < n; i++) {
      let s = 0, t = 0;
      for (let c = 0; c < inner; c++) {
        s += A[aj + c] * B[c * n + i];
        t += A[ak + c] * B[c * n + i];
      }
      out[oj + i] = s;
      out[ok + i] = t;
    }
  }
  for (let j = rows2; j < rows; j++) {
    const aj = a0 + j * aStride, oj = j * n;
    for (let i = 0; i < n4; i += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let c = 0; c < inner; c++) {
        const a = A[aj + c], b = c * n + i;
        s0 += a * B[b];
        s1 += a * B[b + 1];
        s2 += a * B[b + 2];
        s3 += a * B[b + 3];
      }
      out[oj + i] = s0;
      out[oj + i + 1] = s1;
      out[oj + i + 2] = s2;
      out[oj + i + 3] = s3;
    }
    for (let i = n4; i < n; i++) {
      let s = 0;
      for (let c = 0; c < inner; c++) s += A[aj + c] * B[c * n + i];
      out[oj + i] = s;
    }
  }
}

/**
 * out[c·n + i] = Σ_j B[j·n + i] · A[a0 + j·aStride + c]   (c < cols, j < rows, i < n):
 * the transposed product, back-propagating B through A.
 */
export function productAtB(out: Float64Array, A: Float64Array, a0: number, aStride: number, rows: number, cols: number, B: Float64Array, n: number): void {
  const n4 = n - (n % 4);
  for (let c = 0; c < cols; c += 2) {
    // Two columns × four samples per block (one column when cols is odd).
    const pair = c + 1 < cols, d = pair ? 1 : 0, oc = c * n, od = oc + d * n;
    for (let i = 0; i < n4; i += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let j = 0; j < rows; j++) {
        const aj = a0 + j * aStride + c, a = A[aj], e = A[aj + d], b = j * n + i;
        const b0 = B[b], b1 = B[b + 1], b2 = B[b + 2], b3 = B[b + 3];
        s0 += b0 * a;
        s1 += b1 * a;
        s2 += b2 * a;
        s3 += b3 * a;
        t0 += b0 * e;
        t1 += b1 * e;
        t2 += b2 * e;
        t3 += b3 * e;
      }
      // With one column, od = oc and the copy is written last: the same value.
      out[od + i] = t0;
      out[od + i + 1] = t1;
      out[od + i + 2] = t2;
      out[od + i + 3] = t3;
      out[oc + i] = s0;
      out[oc + i + 1] = s1;
      out[oc + i + 2] = s2;
      out[oc + i + 3] = s3;
    }
    for (let i = n4; i < n; i++) {
      let s = 0, t = 0;
      for (let j = 0; j < rows; j++) {
        const aj = a0 + j * aStride + c;
        s += B[j * n + i] * A[aj];
        t += B[j * n + i] * A[aj + d];
      }
      out[od + i] = t;
      out[oc + i] = s;
    }
  }
}

/**
 * out[o0 + j·oStride + c] += Σ_i D[j·n + i] · H[c·n + i]   (j < rows, c < cols), summed over
 * the samples i in order: the gradient of a weight matrix from a batch.
 */
export function addProductABt(out: Float64Array, o0: number, oStride: number, rows: number, cols: number, D: Float64Array, H: Float64Array, n: number): void {
  const c4 = cols - (cols % 4);
  for (let j = 0; j < rows; j += 2) {
    // Two rows × four columns per block (one row when rows is odd): 8 running sums.
    const pair = j + 1 < rows, dj = j * n, dk = pair ? dj + n : dj, oj = o0 + j * oStride, ok = oj + oStride;
    for (let c = 0; c < c4; c += 4) {
      let s0 = out[oj + c], s1 = out[oj + c + 1], s2 = out[oj + c + 2], s3 = out[oj + c + 3];
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      if (pair) {
        t0 = out[ok + c];
        t1 = out[ok + c + 1];
        t2 = out[ok + c + 2];
        t3 = out[ok + c + 3];
      }
      const h0 = c * n, h1 = h0 + n, h2 = h1 + n, h3 = h2 + n;
      for (let i = 0; i < n; i++) {
        const d = D[dj + i], e = D[dk + i];
        const g0 = H[h0 + i], g1 = H[h1 + i], g2 = H[h2 + i], g3 = H[h3 + i];
        s0 += d * g0;
        s1 += d * g1;
        s2 += d * g2;
        s3 += d * g3;
        t0 += e * g0;
        t1 += e * g1;
        t2 += e * g2;
        t3 += e * g3;
      }
      out[oj + c] = s0;
      out[oj + c + 1] = s1;
      out[oj + c + 2] = s2;
      out[oj + c + 3] = s3;
      if (pair) {
        out[ok + c] = t0;
        out[ok + c + 1] = t1;
        out[ok + c + 2] = t2;
        out[ok + c + 3] = t3;
      }
    }
    for (let c = c4; c < cols; c++) {
      let s = out[oj + c], t = pair ? out[ok + c] : 0;
      const hc = c * n;
      for (let i = 0; i < n; i++) {
        s += D[dj + i] * H[hc + i];
        t += D[dk + i] * H[hc + i];
      }
      out[oj + c] = s;
      if (pair) out[ok + c] = t;
    }
  }
}

/** Feature-major copy of a row-major n × k matrix: out[c·n + i] = M[i·k + c]. */
export function transposeInto(out: Float64Array, M: Float64Array, n: number, k: number): void {
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[c * n + i] = M[i * k + c];
}
