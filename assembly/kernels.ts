// The training kernels in WebAssembly SIMD (AssemblyScript; built into src/linalg/kernels-wasm.generated.ts
// by scripts/build-wasm.mjs, driven from src/linalg/kernels-wasm.ts).
//
// Pointers are byte offsets into the imported memory; panels are float64, feature-major (k × n: one row
// of n samples per feature) unless named sample-major. Exactness contract: every sum adds its terms one
// by one, in ascending order of the summed index, starting from 0 (or from the entry's value, for
// addProductABt). SIMD lanes hold *different* sums, never parts of one, so results are bit for bit those
// of the textbook per-sample loops. WebAssembly never fuses a multiply and an add.

// ------------------------------------------------------------------ activations

// The arena's activation σ(z) = max(z, αz)^p: p = 1 and p = 2 run here, any other degree (P = 0)
// through activation.ts's value and derivative, imported.
let P: i32 = 1;
let ALPHA: f64 = 0;
@external("env", "sigmaOf") declare function sigmaOf(z: f64): f64;
@external("env", "sigmaPrimeOf") declare function sigmaPrimeOf(z: f64): f64;

export function setActivation(p: i32, alpha: f64): void {
  P = p;
  ALPHA = alpha;
}

// σ(z): activation.ts's `z > 0 ? z : α·z` (squared for p = 2), lane by lane.
@inline function sigma(v: f64, p: i32, alpha: f64): f64 {
  if (p == 0) return sigmaOf(v);
  const q = v > 0 ? v : alpha * v;
  return p == 2 ? q * q : q;
}
@inline function sigma2(v: v128, p: i32, a: v128): v128 {
  if (p == 0) {
    return f64x2.replace_lane(f64x2.splat(sigmaOf(f64x2.extract_lane(v, 0))), 1, sigmaOf(f64x2.extract_lane(v, 1)));
  }
  const q = v128.bitselect(v, f64x2.mul(a, v), f64x2.gt(v, f64x2.splat(0)));
  return p == 2 ? f64x2.mul(q, q) : q;
}
// σ'(z): p = 1 → (z > 0 ? 1 : α); p = 2 → (z > 0 ? 2z : 2α²z), with twoAlphaSq = 2α² precomputed.
@inline function sigmaPrime(v: f64, p: i32, alpha: f64, twoAlphaSq: f64): f64 {
  if (p == 0) return sigmaPrimeOf(v);
  return p == 1 ? (v > 0 ? 1 : alpha) : v > 0 ? 2 * v : twoAlphaSq * v;
}
@inline function sigmaPrime2(v: v128, p: i32, a: v128, twoAlphaSq: v128): v128 {
  if (p == 0) {
    const first = f64x2.splat(sigmaPrimeOf(f64x2.extract_lane(v, 0)));
    return f64x2.replace_lane(first, 1, sigmaPrimeOf(f64x2.extract_lane(v, 1)));
  }
  const positive = f64x2.gt(v, f64x2.splat(0));
  return p == 1
    ? v128.bitselect(f64x2.splat(1), a, positive)
    : v128.bitselect(f64x2.mul(f64x2.splat(2), v), f64x2.mul(twoAlphaSq, v), positive);
}

// The forward epilogue: stores z of samples i, i + 1 of row j, and when fused also h = σ(z)
// feature-major, and when Hs ≠ 0 sample-major (Hs[i·rows + j]).
@inline function emit2(
  out: usize, H: usize, Hs: usize, j: i32, i: i32, n: i32, rows: i32, v: v128, p: i32, a: v128, fused: bool
): void {
  const o = (<usize>j * <usize>n + <usize>i) << 3;
  v128.store(out + o, v);
  if (fused) {
    const h = sigma2(v, p, a);
    v128.store(H + o, h);
    if (Hs) {
      const s = Hs + ((<usize>i * <usize>rows + <usize>j) << 3);
      store<f64>(s, f64x2.extract_lane(h, 0));
      store<f64>(s + (<usize>rows << 3), f64x2.extract_lane(h, 1));
    }
  }
}
@inline function emit(
  out: usize, H: usize, Hs: usize, j: i32, i: i32, n: i32, rows: i32, v: f64, p: i32, alpha: f64, fused: bool
): void {
  const o = (<usize>j * <usize>n + <usize>i) << 3;
  store<f64>(out + o, v);
  if (fused) {
    const h = sigma(v, p, alpha);
    store<f64>(H + o, h);
    if (Hs) store<f64>(Hs + ((<usize>i * <usize>rows + <usize>j) << 3), h);
  }
}

// ------------------------------------------------------------------ products

// out[j·n + i] = Σ_c A[j·aStride + c] · B[c·n + i]; lanes over samples i.
export function productAB(out: usize, A: usize, aStride: i32, rows: i32, inner: i32, B: usize, n: i32): void {
  productABBody(out, A, aStride, rows, inner, B, n, 0, 0, false);
}

// A layer's forward pass: productAB, then H = σ(out), and with Hs ≠ 0 its sample-major copy (rows stride).
export function forwardLayer(
  out: usize, A: usize, aStride: i32, rows: i32, inner: i32, B: usize, n: i32, H: usize, Hs: usize
): void {
  productABBody(out, A, aStride, rows, inner, B, n, H, Hs, true);
}

// (Inlined into both: `fused` is a constant there, so the plain product carries no epilogue code.)
@inline function productABBody(
  out: usize, A: usize, aStride: i32, rows: i32, inner: i32, B: usize, n: i32, H: usize, Hs: usize, fused: bool
): void {
  const p = P, alpha = ALPHA;
  const n4 = n & ~3;
  const rowBytes = <usize>n << 3, aRow = <usize>aStride << 3;
  const al = f64x2.splat(alpha);
  let j = 0;
  for (; j + 4 <= rows; j += 4) {
    const a0 = A + <usize>j * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
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
      emit2(out, H, Hs, j, i, n, rows, s00, p, al, fused);
      emit2(out, H, Hs, j, i + 2, n, rows, s01, p, al, fused);
      emit2(out, H, Hs, j + 1, i, n, rows, s10, p, al, fused);
      emit2(out, H, Hs, j + 1, i + 2, n, rows, s11, p, al, fused);
      emit2(out, H, Hs, j + 2, i, n, rows, s20, p, al, fused);
      emit2(out, H, Hs, j + 2, i + 2, n, rows, s21, p, al, fused);
      emit2(out, H, Hs, j + 3, i, n, rows, s30, p, al, fused);
      emit2(out, H, Hs, j + 3, i + 2, n, rows, s31, p, al, fused);
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
      emit(out, H, Hs, j, i, n, rows, s0, p, alpha, fused);
      emit(out, H, Hs, j + 1, i, n, rows, s1, p, alpha, fused);
      emit(out, H, Hs, j + 2, i, n, rows, s2, p, alpha, fused);
      emit(out, H, Hs, j + 3, i, n, rows, s3, p, alpha, fused);
    }
  }
  for (; j < rows; j++) {
    const a0 = A + <usize>j * aRow;
    for (let i = 0; i < n4; i += 4) {
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
      let b = B + (<usize>i << 3);
      for (let c = 0; c < inner; c++) {
        const x = f64x2.splat(load<f64>(a0 + (<usize>c << 3)));
        s0 = f64x2.add(s0, f64x2.mul(x, v128.load(b)));
        s1 = f64x2.add(s1, f64x2.mul(x, v128.load(b, 16)));
        b += rowBytes;
      }
      emit2(out, H, Hs, j, i, n, rows, s0, p, al, fused);
      emit2(out, H, Hs, j, i + 2, n, rows, s1, p, al, fused);
    }
    for (let i = n4; i < n; i++) {
      let s = 0.0;
      for (let c = 0; c < inner; c++) {
        s += load<f64>(a0 + (<usize>c << 3)) * load<f64>(B + ((<usize>c * <usize>n + <usize>i) << 3));
      }
      emit(out, H, Hs, j, i, n, rows, s, p, alpha, fused);
    }
  }
}

// The backward epilogue: stores d of samples i, i + 1 of row c, times σ'(Zp) when fused.
@inline function emitBack2(out: usize, Zp: usize, o: usize, v: v128, p: i32, a: v128, b: v128, fused: bool): void {
  v128.store(out + o, fused ? f64x2.mul(v, sigmaPrime2(v128.load(Zp + o), p, a, b)) : v);
}
@inline function emitBack(
  out: usize, Zp: usize, o: usize, v: f64, p: i32, alpha: f64, twoAlphaSq: f64, fused: bool
): void {
  store<f64>(out + o, fused ? v * sigmaPrime(load<f64>(Zp + o), p, alpha, twoAlphaSq) : v);
}

// out[c·n + i] = Σ_j A[j·aStride + c] · B[j·n + i]   (c < cols): Aᵀ B, lanes over samples i.
export function productAtB(out: usize, A: usize, aStride: i32, rows: i32, cols: i32, B: usize, n: i32): void {
  productAtBBody(out, A, aStride, rows, cols, B, n, 0, false);
}

// A layer's backward pass: productAtB, each entry then multiplied by σ'(Zp[c·n + i]).
export function backwardLayer(
  out: usize, A: usize, aStride: i32, rows: i32, cols: i32, B: usize, n: i32, Zp: usize
): void {
  productAtBBody(out, A, aStride, rows, cols, B, n, Zp, true);
}

@inline function productAtBBody(
  out: usize, A: usize, aStride: i32, rows: i32, cols: i32, B: usize, n: i32, Zp: usize, fused: bool
): void {
  const p = P, alpha = ALPHA;
  const n4 = n & ~3;
  const rowBytes = <usize>n << 3, aRow = <usize>aStride << 3;
  const twoAlphaSq = 2 * alpha * alpha, al = f64x2.splat(alpha), tw = f64x2.splat(twoAlphaSq);
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    const ac = A + (<usize>c << 3);
    const o0 = <usize>c * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
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
      emitBack2(out, Zp, o0 + io, s00, p, al, tw, fused);
      emitBack2(out, Zp, o0 + io + 16, s01, p, al, tw, fused);
      emitBack2(out, Zp, o1 + io, s10, p, al, tw, fused);
      emitBack2(out, Zp, o1 + io + 16, s11, p, al, tw, fused);
      emitBack2(out, Zp, o2 + io, s20, p, al, tw, fused);
      emitBack2(out, Zp, o2 + io + 16, s21, p, al, tw, fused);
      emitBack2(out, Zp, o3 + io, s30, p, al, tw, fused);
      emitBack2(out, Zp, o3 + io + 16, s31, p, al, tw, fused);
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
      emitBack(out, Zp, o0 + io, s0, p, alpha, twoAlphaSq, fused);
      emitBack(out, Zp, o1 + io, s1, p, alpha, twoAlphaSq, fused);
      emitBack(out, Zp, o2 + io, s2, p, alpha, twoAlphaSq, fused);
      emitBack(out, Zp, o3 + io, s3, p, alpha, twoAlphaSq, fused);
    }
  }
  for (; c < cols; c++) {
    const ac = A + (<usize>c << 3), o0 = <usize>c * rowBytes;
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
      emitBack2(out, Zp, o0 + io, s0, p, al, tw, fused);
      emitBack2(out, Zp, o0 + io + 16, s1, p, al, tw, fused);
    }
    for (let i = n4; i < n; i++) {
      let s = 0.0, a = ac;
      for (let j = 0; j < rows; j++) {
        s += load<f64>(B + ((<usize>j * <usize>n + <usize>i) << 3)) * load<f64>(a);
        a += aRow;
      }
      emitBack(out, Zp, o0 + (<usize>i << 3), s, p, alpha, twoAlphaSq, fused);
    }
  }
}

// out[j·oStride + c] += Σ_i D[j·n + i] · H[i·hStride + c]   (j < rows, c < cols), over samples i in order.
// D is feature-major, H sample-major: lanes over columns c.
export function addProductABt(
  out: usize, oStride: i32, rows: i32, cols: i32, D: usize, H: usize, hStride: i32, n: i32
): void {
  const rowBytes = <usize>n << 3, oRow = <usize>oStride << 3, hRow = <usize>hStride << 3;
  let j = 0;
  for (; j + 2 <= rows; j += 2) {
    const d0 = D + <usize>j * rowBytes, d1 = d0 + rowBytes;
    const o0 = out + <usize>j * oRow, o1 = o0 + oRow;
    let c = 0;
    for (; c + 8 <= cols; c += 8) {
      const co = <usize>c << 3;
      let s0 = v128.load(o0 + co), s1 = v128.load(o0 + co, 16);
      let s2 = v128.load(o0 + co, 32), s3 = v128.load(o0 + co, 48);
      let t0 = v128.load(o1 + co), t1 = v128.load(o1 + co, 16);
      let t2 = v128.load(o1 + co, 32), t3 = v128.load(o1 + co, 48);
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
      let s0 = v128.load(o0 + co), s1 = v128.load(o0 + co, 16);
      let s2 = v128.load(o0 + co, 32), s3 = v128.load(o0 + co, 48);
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

// The output seed of the backward pass, storing the summed value (sample by sample, then output by output) at `out`:
//   mode 0 (loss):        value = Σ_i Σ_c (z − t)²,  dZ = (z − t)·scale
//   mode 1 (correlation): value = Σ_i Σ_c t·z,        dZ = t·scale
// Z, dZ feature-major m × n; T sample-major n × m.
export function outputSeed(dZ: usize, Z: usize, T: usize, n: i32, m: i32, mode: i32, scale: f64, out: usize): void {
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
  store<f64>(out, value);
}

// The candidate NCF's pointwise step for R restarts (rows of n): with z = a·p_i in Z and u = b·g_i in U,
//   values[r] = (Σ_i u σ(z)) · inv,   Z ← u σ'(z) inv,   U ← σ(z) inv.
export function candidatePointwise(values: usize, Z: usize, U: usize, R: i32, n: i32, inv: f64): void {
  const p = P, alpha = ALPHA, twoAlphaSq = 2 * alpha * alpha;
  const al = f64x2.splat(alpha), tw = f64x2.splat(twoAlphaSq), iv = f64x2.splat(inv);
  for (let r = 0; r < R; r++) {
    let value = 0.0;
    let k = (<usize>r * <usize>n) << 3;
    const end = k + (<usize>n << 3);
    // two samples per step; the value still adds sample i before sample i + 1
    for (; k + 16 <= end; k += 16) {
      const z = v128.load(Z + k), u = v128.load(U + k);
      const s = sigma2(z, p, al), ds = sigmaPrime2(z, p, al, tw);
      const us = f64x2.mul(u, s);
      value += f64x2.extract_lane(us, 0);
      value += f64x2.extract_lane(us, 1);
      v128.store(Z + k, f64x2.mul(f64x2.mul(u, ds), iv));
      v128.store(U + k, f64x2.mul(s, iv));
    }
    if (k < end) {
      const z = load<f64>(Z + k), u = load<f64>(U + k);
      const s = sigma(z, p, alpha), ds = sigmaPrime(z, p, alpha, twoAlphaSq);
      value += u * s;
      store<f64>(Z + k, u * ds * inv);
      store<f64>(U + k, s * inv);
    }
    store<f64>(values + (<usize>r << 3), value * inv);
  }
}

// The origin NCF's scalar chain (one neuron per layer, depth L) for R restarts. Points W and gradients G
// are rows of dim = d + (L − 2) + m: [w_1 (d), w_2 … w_{L−1}, w_L (m)]; Z1 holds z_1 = w_1·x_i (rows of n),
// Y the labels sample-major (n × m). Writes values[r] = (Σ_i (y_i·w_L) h_{L−1})·inv, the gradient of the
// middle and output weights into G (added sample by sample), and ∂N/∂z_1 into D1. Two samples run in the
// lanes of one vector; every sum still adds sample i before sample i + 1. Scratch: 4L doubles.
export function originChain(
  values: usize, Z1: usize, D1: usize, W: usize, G: usize, Y: usize, scratch: usize,
  R: i32, n: i32, d: i32, L: i32, m: i32, inv: f64
): void {
  const p = P, alpha = ALPHA, twoAlphaSq = 2 * alpha * alpha;
  const al = f64x2.splat(alpha), tw = f64x2.splat(twoAlphaSq), iv = f64x2.splat(inv);
  const dim = d + (L - 2) + m;
  const z = scratch, h = scratch + (<usize>L << 4); // z_l, h_l of two samples at index l
  const mid = <usize>d << 3, out = <usize>(d + L - 2) << 3; // byte offsets of w_2 and w_L in a row
  for (let r = 0; r < R; r++) {
    const w = W + ((<usize>r * <usize>dim) << 3), g = G + ((<usize>r * <usize>dim) << 3);
    let total = 0.0;
    for (let i = 0; i < n; i += 2) {
      const pair = i + 1 < n; // the last sample of an odd n runs alone, in lane 0
      const k = (<usize>r * <usize>n + <usize>i) << 3, y0 = Y + ((<usize>i * <usize>m) << 3), y1 = y0 + (<usize>m << 3);
      const s = pair ? v128.load(Z1 + k) : f64x2.splat(load<f64>(Z1 + k));
      v128.store(z + 16, s);
      v128.store(h + 16, sigma2(s, p, al));
      for (let l = 2; l < L; l++) {
        const wl = f64x2.splat(load<f64>(w + mid + (<usize>(l - 2) << 3)));
        const zl = f64x2.mul(wl, v128.load(h + (<usize>(l - 1) << 4)));
        v128.store(z + (<usize>l << 4), zl);
        v128.store(h + (<usize>l << 4), sigma2(zl, p, al));
      }
      const top = v128.load(h + (<usize>(L - 1) << 4));
      let u = f64x2.splat(0); // y_i · w_L
      for (let c = 0; c < m; c++) {
        const first = f64x2.splat(load<f64>(y0 + (<usize>c << 3)));
        const yc = f64x2.replace_lane(first, 1, pair ? load<f64>(y1 + (<usize>c << 3)) : 0);
        u = f64x2.add(u, f64x2.mul(yc, f64x2.splat(load<f64>(w + out + (<usize>c << 3)))));
      }
      const ut = f64x2.mul(u, top), ti = f64x2.mul(top, iv);
      const top0 = f64x2.extract_lane(top, 0), top1 = f64x2.extract_lane(top, 1);
      total += f64x2.extract_lane(ut, 0);
      if (pair) total += f64x2.extract_lane(ut, 1);
      for (let c = 0; c < m; c++) {
        const o = g + out + (<usize>c << 3);
        let acc = load<f64>(o);
        if (top0 != 0) acc += f64x2.extract_lane(ti, 0) * load<f64>(y0 + (<usize>c << 3));
        if (pair && top1 != 0) acc += f64x2.extract_lane(ti, 1) * load<f64>(y1 + (<usize>c << 3));
        store<f64>(o, acc);
      }
      // back through the scalar chain
      let dh = f64x2.mul(u, iv);
      for (let l = L - 1; l >= 2; l--) {
        const dz = f64x2.mul(dh, sigmaPrime2(v128.load(z + (<usize>l << 4)), p, al, tw));
        const step = f64x2.mul(dz, v128.load(h + (<usize>(l - 1) << 4)));
        const o = g + mid + (<usize>(l - 2) << 3);
        let acc = load<f64>(o) + f64x2.extract_lane(step, 0);
        if (pair) acc += f64x2.extract_lane(step, 1);
        store<f64>(o, acc);
        dh = f64x2.mul(dz, f64x2.splat(load<f64>(w + mid + (<usize>(l - 2) << 3))));
      }
      const d1 = f64x2.mul(dh, sigmaPrime2(s, p, al, tw));
      if (pair) v128.store(D1 + k, d1);
      else store<f64>(D1 + k, f64x2.extract_lane(d1, 0));
    }
    store<f64>(values + (<usize>r << 3), total * inv);
  }
}
