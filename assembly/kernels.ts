// The training kernels in WebAssembly SIMD (AssemblyScript; built into src/linalg/kernels-wasm.generated.ts
// by scripts/build-wasm.mjs, driven from src/linalg/kernels.ts).
//
// Pointers are byte offsets into the imported memory; panels are float64, feature-major (k × n: one row
// of n samples per feature) unless named sample-major. Exactness contract: every sum adds its terms one
// by one, in ascending order of the summed index, starting from 0 (or from the entry's value, for
// addProductABt). SIMD lanes hold *different* sums, never parts of one, so results are bit for bit those
// of the textbook per-sample loops. WebAssembly never fuses a multiply and an add.

// out[j·n + i] = Σ_c A[j·aStride + c] · B[c·n + i]; lanes over samples i.
export function productAB(out: usize, A: usize, aStride: i32, rows: i32, inner: i32, B: usize, n: i32): void {
  const n4 = n & ~3;
  const rowBytes = <usize>n << 3, aRow = <usize>aStride << 3;
  let j = 0;
  for (; j + 4 <= rows; j += 4) {
    const a0 = A + <usize>j * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
    const o0 = out + <usize>j * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
    for (let i = 0; i < n4; i += 4) {
      let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s10 = f64x2.splat(0), s11 = f64x2.splat(0);
      let s20 = f64x2.splat(0), s21 = f64x2.splat(0), s30 = f64x2.splat(0), s31 = f64x2.splat(0);
      let b = B + (<usize>i << 3);
      for (let c = 0; c < inner; c++) {
        const b0 = v128.load(b), b1 = v128.load(b, 16);
        const off = <usize>c << 3;
        const x0 = f64x2.splat(load<f64>(a0 + off)), x1 = f64x2.splat(load<f64>(a1 + off));
        const x2 = f64x2.splat(load<f64>(a2 + off)), x3 = f64x2.splat(load<f64>(a3 + off));
        s00 = f64x2.add(s00, f64x2.mul(x0, b0));
        s01 = f64x2.add(s01, f64x2.mul(x0, b1));
        s10 = f64x2.add(s10, f64x2.mul(x1, b0));
        s11 = f64x2.add(s11, f64x2.mul(x1, b1));
        s20 = f64x2.add(s20, f64x2.mul(x2, b0));
        s21 = f64x2.add(s21, f64x2.mul(x2, b1));
        s30 = f64x2.add(s30, f64x2.mul(x3, b0));
        s31 = f64x2.add(s31, f64x2.mul(x3, b1));
        b += rowBytes;
      }
      const io = <usize>i << 3;
      v128.store(o0 + io, s00); v128.store(o0 + io, s01, 16);
      v128.store(o1 + io, s10); v128.store(o1 + io, s11, 16);
      v128.store(o2 + io, s20); v128.store(o2 + io, s21, 16);
      v128.store(o3 + io, s30); v128.store(o3 + io, s31, 16);
    }
    for (let i = n4; i < n; i++) {
      let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
      for (let c = 0; c < inner; c++) {
        const v = load<f64>(B + ((<usize>c * <usize>n + <usize>i) << 3)), off = <usize>c << 3;
        s0 += load<f64>(a0 + off) * v;
        s1 += load<f64>(a1 + off) * v;
        s2 += load<f64>(a2 + off) * v;
        s3 += load<f64>(a3 + off) * v;
      }
      const io = <usize>i << 3;
      store<f64>(o0 + io, s0); store<f64>(o1 + io, s1); store<f64>(o2 + io, s2); store<f64>(o3 + io, s3);
    }
  }
  for (; j < rows; j++) {
    const a0 = A + <usize>j * aRow, o0 = out + <usize>j * rowBytes;
    for (let i = 0; i < n4; i += 4) {
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
      let b = B + (<usize>i << 3);
      for (let c = 0; c < inner; c++) {
        const x = f64x2.splat(load<f64>(a0 + (<usize>c << 3)));
        s0 = f64x2.add(s0, f64x2.mul(x, v128.load(b)));
        s1 = f64x2.add(s1, f64x2.mul(x, v128.load(b, 16)));
        b += rowBytes;
      }
      const io = <usize>i << 3;
      v128.store(o0 + io, s0); v128.store(o0 + io, s1, 16);
    }
    for (let i = n4; i < n; i++) {
      let s = 0.0;
      for (let c = 0; c < inner; c++) s += load<f64>(a0 + (<usize>c << 3)) * load<f64>(B + ((<usize>c * <usize>n + <usize>i) << 3));
      store<f64>(o0 + (<usize>i << 3), s);
    }
  }
}

// out[c·n + i] = Σ_j A[j·aStride + c] · B[j·n + i]   (c < cols): Aᵀ B, lanes over samples i.
export function productAtB(out: usize, A: usize, aStride: i32, rows: i32, cols: i32, B: usize, n: i32): void {
  const n4 = n & ~3;
  const rowBytes = <usize>n << 3, aRow = <usize>aStride << 3;
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    const ac = A + (<usize>c << 3);
    const o0 = out + <usize>c * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
    for (let i = 0; i < n4; i += 4) {
      let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s10 = f64x2.splat(0), s11 = f64x2.splat(0);
      let s20 = f64x2.splat(0), s21 = f64x2.splat(0), s30 = f64x2.splat(0), s31 = f64x2.splat(0);
      let b = B + (<usize>i << 3), a = ac;
      for (let j = 0; j < rows; j++) {
        const b0 = v128.load(b), b1 = v128.load(b, 16);
        const x0 = f64x2.splat(load<f64>(a)), x1 = f64x2.splat(load<f64>(a, 8));
        const x2 = f64x2.splat(load<f64>(a, 16)), x3 = f64x2.splat(load<f64>(a, 24));
        s00 = f64x2.add(s00, f64x2.mul(b0, x0));
        s01 = f64x2.add(s01, f64x2.mul(b1, x0));
        s10 = f64x2.add(s10, f64x2.mul(b0, x1));
        s11 = f64x2.add(s11, f64x2.mul(b1, x1));
        s20 = f64x2.add(s20, f64x2.mul(b0, x2));
        s21 = f64x2.add(s21, f64x2.mul(b1, x2));
        s30 = f64x2.add(s30, f64x2.mul(b0, x3));
        s31 = f64x2.add(s31, f64x2.mul(b1, x3));
        b += rowBytes;
        a += aRow;
      }
      const io = <usize>i << 3;
      v128.store(o0 + io, s00); v128.store(o0 + io, s01, 16);
      v128.store(o1 + io, s10); v128.store(o1 + io, s11, 16);
      v128.store(o2 + io, s20); v128.store(o2 + io, s21, 16);
      v128.store(o3 + io, s30); v128.store(o3 + io, s31, 16);
    }
    for (let i = n4; i < n; i++) {
      let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
      let a = ac;
      for (let j = 0; j < rows; j++) {
        const v = load<f64>(B + ((<usize>j * <usize>n + <usize>i) << 3));
        s0 += v * load<f64>(a);
        s1 += v * load<f64>(a, 8);
        s2 += v * load<f64>(a, 16);
        s3 += v * load<f64>(a, 24);
        a += aRow;
      }
      const io = <usize>i << 3;
      store<f64>(o0 + io, s0); store<f64>(o1 + io, s1); store<f64>(o2 + io, s2); store<f64>(o3 + io, s3);
    }
  }
  for (; c < cols; c++) {
    const ac = A + (<usize>c << 3), o0 = out + <usize>c * rowBytes;
    for (let i = 0; i < n4; i += 4) {
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
      let b = B + (<usize>i << 3), a = ac;
      for (let j = 0; j < rows; j++) {
        const x = f64x2.splat(load<f64>(a));
        s0 = f64x2.add(s0, f64x2.mul(v128.load(b), x));
        s1 = f64x2.add(s1, f64x2.mul(v128.load(b, 16), x));
        b += rowBytes;
        a += aRow;
      }
      const io = <usize>i << 3;
      v128.store(o0 + io, s0); v128.store(o0 + io, s1, 16);
    }
    for (let i = n4; i < n; i++) {
      let s = 0.0, a = ac;
      for (let j = 0; j < rows; j++) {
        s += load<f64>(B + ((<usize>j * <usize>n + <usize>i) << 3)) * load<f64>(a);
        a += aRow;
      }
      store<f64>(o0 + (<usize>i << 3), s);
    }
  }
}

// out[j·oStride + c] += Σ_i D[j·n + i] · H[i·hStride + c]   (j < rows, c < cols), over samples i in order.
// D is feature-major, H sample-major: lanes over columns c.
export function addProductABt(out: usize, oStride: i32, rows: i32, cols: i32, D: usize, H: usize, hStride: i32, n: i32): void {
  const rowBytes = <usize>n << 3, oRow = <usize>oStride << 3, hRow = <usize>hStride << 3;
  let j = 0;
  for (; j + 2 <= rows; j += 2) {
    const d0 = D + <usize>j * rowBytes, d1 = d0 + rowBytes;
    const o0 = out + <usize>j * oRow, o1 = o0 + oRow;
    let c = 0;
    for (; c + 8 <= cols; c += 8) {
      const co = <usize>c << 3;
      let s0 = v128.load(o0 + co), s1 = v128.load(o0 + co, 16), s2 = v128.load(o0 + co, 32), s3 = v128.load(o0 + co, 48);
      let t0 = v128.load(o1 + co), t1 = v128.load(o1 + co, 16), t2 = v128.load(o1 + co, 32), t3 = v128.load(o1 + co, 48);
      let h = H + co;
      for (let i = 0; i < n; i++) {
        const io = <usize>i << 3;
        const x = f64x2.splat(load<f64>(d0 + io)), y = f64x2.splat(load<f64>(d1 + io));
        const h0 = v128.load(h), h1 = v128.load(h, 16), h2 = v128.load(h, 32), h3 = v128.load(h, 48);
        s0 = f64x2.add(s0, f64x2.mul(x, h0));
        s1 = f64x2.add(s1, f64x2.mul(x, h1));
        s2 = f64x2.add(s2, f64x2.mul(x, h2));
        s3 = f64x2.add(s3, f64x2.mul(x, h3));
        t0 = f64x2.add(t0, f64x2.mul(y, h0));
        t1 = f64x2.add(t1, f64x2.mul(y, h1));
        t2 = f64x2.add(t2, f64x2.mul(y, h2));
        t3 = f64x2.add(t3, f64x2.mul(y, h3));
        h += hRow;
      }
      v128.store(o0 + co, s0); v128.store(o0 + co, s1, 16); v128.store(o0 + co, s2, 32); v128.store(o0 + co, s3, 48);
      v128.store(o1 + co, t0); v128.store(o1 + co, t1, 16); v128.store(o1 + co, t2, 32); v128.store(o1 + co, t3, 48);
    }
    for (; c + 2 <= cols; c += 2) {
      const co = <usize>c << 3;
      let s = v128.load(o0 + co), t = v128.load(o1 + co);
      let h = H + co;
      for (let i = 0; i < n; i++) {
        const io = <usize>i << 3, hv = v128.load(h);
        s = f64x2.add(s, f64x2.mul(f64x2.splat(load<f64>(d0 + io)), hv));
        t = f64x2.add(t, f64x2.mul(f64x2.splat(load<f64>(d1 + io)), hv));
        h += hRow;
      }
      v128.store(o0 + co, s); v128.store(o1 + co, t);
    }
    for (; c < cols; c++) {
      const co = <usize>c << 3;
      let s = load<f64>(o0 + co), t = load<f64>(o1 + co);
      let h = H + co;
      for (let i = 0; i < n; i++) {
        const io = <usize>i << 3, hv = load<f64>(h);
        s += load<f64>(d0 + io) * hv;
        t += load<f64>(d1 + io) * hv;
        h += hRow;
      }
      store<f64>(o0 + co, s); store<f64>(o1 + co, t);
    }
  }
  for (; j < rows; j++) {
    const d0 = D + <usize>j * rowBytes, o0 = out + <usize>j * oRow;
    let c = 0;
    for (; c + 8 <= cols; c += 8) {
      const co = <usize>c << 3;
      let s0 = v128.load(o0 + co), s1 = v128.load(o0 + co, 16), s2 = v128.load(o0 + co, 32), s3 = v128.load(o0 + co, 48);
      let h = H + co;
      for (let i = 0; i < n; i++) {
        const x = f64x2.splat(load<f64>(d0 + (<usize>i << 3)));
        s0 = f64x2.add(s0, f64x2.mul(x, v128.load(h)));
        s1 = f64x2.add(s1, f64x2.mul(x, v128.load(h, 16)));
        s2 = f64x2.add(s2, f64x2.mul(x, v128.load(h, 32)));
        s3 = f64x2.add(s3, f64x2.mul(x, v128.load(h, 48)));
        h += hRow;
      }
      v128.store(o0 + co, s0); v128.store(o0 + co, s1, 16); v128.store(o0 + co, s2, 32); v128.store(o0 + co, s3, 48);
    }
    for (; c + 2 <= cols; c += 2) {
      const co = <usize>c << 3;
      let s = v128.load(o0 + co);
      let h = H + co;
      for (let i = 0; i < n; i++) {
        s = f64x2.add(s, f64x2.mul(f64x2.splat(load<f64>(d0 + (<usize>i << 3))), v128.load(h)));
        h += hRow;
      }
      v128.store(o0 + co, s);
    }
    for (; c < cols; c++) {
      const co = <usize>c << 3;
      let s = load<f64>(o0 + co);
      let h = H + co;
      for (let i = 0; i < n; i++) {
        s += load<f64>(d0 + (<usize>i << 3)) * load<f64>(h);
        h += hRow;
      }
      store<f64>(o0 + co, s);
    }
  }
}

// ------------------------------------------------------------------ elementwise

// Layouts: out[i·k + c] = M[c·n + i] (feature-major k × n → sample-major n × k) and back.
export function toSampleMajor(out: usize, M: usize, k: i32, n: i32): void {
  for (let c = 0; c < k; c++) {
    const row = M + ((<usize>c * <usize>n) << 3);
    let o = out + (<usize>c << 3);
    const step = <usize>k << 3;
    for (let i = 0; i < n; i++) {
      store<f64>(o, load<f64>(row + (<usize>i << 3)));
      o += step;
    }
  }
}

export function toFeatureMajor(out: usize, M: usize, n: i32, k: i32): void {
  for (let c = 0; c < k; c++) {
    const row = out + ((<usize>c * <usize>n) << 3);
    let m = M + (<usize>c << 3);
    const step = <usize>k << 3;
    for (let i = 0; i < n; i++) {
      store<f64>(row + (<usize>i << 3), load<f64>(m));
      m += step;
    }
  }
}

// H = max(Z, αZ)^p for p = 1 (piecewise linear) or p = 2 (its square): activation.ts's
// `v > 0 ? v : α·v`, two lanes at a time.
export function activate(H: usize, Z: usize, size: i32, p: i32, alpha: f64): void {
  const zero = f64x2.splat(0), a = f64x2.splat(alpha);
  const pairs = <usize>(size & ~1) << 3;
  for (let k: usize = 0; k < pairs; k += 16) {
    const v = v128.load(Z + k);
    let q = v128.bitselect(v, f64x2.mul(a, v), f64x2.gt(v, zero));
    if (p == 2) q = f64x2.mul(q, q);
    v128.store(H + k, q);
  }
  if (size & 1) {
    const v = load<f64>(Z + pairs);
    let q = v > 0 ? v : alpha * v;
    if (p == 2) q = q * q;
    store<f64>(H + pairs, q);
  }
}

// D ⊙= σ'(Z): p = 1 → (z > 0 ? 1 : α); p = 2 → (z > 0 ? 2z : 2α²z).
export function scaleByDerivative(D: usize, Z: usize, size: i32, p: i32, alpha: f64): void {
  const twoAlphaSq = 2 * alpha * alpha;
  const zero = f64x2.splat(0), one = f64x2.splat(1), a = f64x2.splat(alpha), two = f64x2.splat(2), b = f64x2.splat(twoAlphaSq);
  const pairs = <usize>(size & ~1) << 3;
  for (let k: usize = 0; k < pairs; k += 16) {
    const v = v128.load(Z + k), positive = f64x2.gt(v, zero);
    const s = p == 1 ? v128.bitselect(one, a, positive) : v128.bitselect(f64x2.mul(two, v), f64x2.mul(b, v), positive);
    v128.store(D + k, f64x2.mul(v128.load(D + k), s));
  }
  if (size & 1) {
    const v = load<f64>(Z + pairs);
    const s = p == 1 ? (v > 0 ? 1 : alpha) : v > 0 ? 2 * v : twoAlphaSq * v;
    store<f64>(D + pairs, load<f64>(D + pairs) * s);
  }
}

// The output seed of the backward pass, returning the summed value (sample by sample, then output by output):
//   mode 0 (loss):        value = Σ_i Σ_c (z − t)²,  dZ = (z − t)·scale
//   mode 1 (correlation): value = Σ_i Σ_c t·z,        dZ = t·scale
// Z, dZ feature-major m × n; T sample-major n × m.
export function outputSeed(dZ: usize, Z: usize, T: usize, n: i32, m: i32, mode: i32, scale: f64): f64 {
  let value = 0.0;
  const rowBytes = <usize>n << 3;
  let t = T;
  for (let i = 0; i < n; i++) {
    let k = <usize>i << 3;
    for (let c = 0; c < m; c++) {
      const target = load<f64>(t), z = load<f64>(Z + k);
      if (mode == 0) {
        const e = z - target;
        value += e * e;
        store<f64>(dZ + k, e * scale);
      } else {
        value += target * z;
        store<f64>(dZ + k, target * scale);
      }
      t += 8;
      k += rowBytes;
    }
  }
  return value;
}

// The candidate NCF's pointwise step for R restarts (rows of n): with z = a·p_i in Z and u = b·g_i in U,
//   values[r] = (Σ_i u σ(z)) · inv,   Z ← u σ'(z) inv,   U ← σ(z) inv.
export function candidatePointwise(values: usize, Z: usize, U: usize, R: i32, n: i32, p: i32, alpha: f64, inv: f64): void {
  const twoAlphaSq = 2 * alpha * alpha;
  let k = <usize>0;
  for (let r = 0; r < R; r++) {
    let value = 0.0;
    for (let i = 0; i < n; i++) {
      const z = load<f64>(Z + k), u = load<f64>(U + k);
      let s: f64, ds: f64;
      if (p == 1) {
        s = z > 0 ? z : alpha * z;
        ds = z > 0 ? 1 : alpha;
      } else {
        const q = z > 0 ? z : alpha * z;
        s = q * q;
        ds = z > 0 ? 2 * z : twoAlphaSq * z;
      }
      value += u * s;
      store<f64>(Z + k, u * ds * inv);
      store<f64>(U + k, s * inv);
      k += 8;
    }
    store<f64>(values + (<usize>r << 3), value * inv);
  }
}
