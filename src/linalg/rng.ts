/**
 * Seeded pseudo-random generator (xoshiro128**, seeded through splitmix32).
 * Every random draw in the project comes from one of these, so a seed fixes a
 * run bit for bit. `fork(label)` derives an independent stream, so adding a
 * draw in one part of a run (say, the test set) does not shift another (PGA).
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;
  readonly seed: number;
  readonly label: string;

  constructor(seed: number, label = '') {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    this.seed = seed;
    this.label = label;
    // splitmix32 over the seed mixed with a hash of the label
    let x = (hashString(label) ^ (seed >>> 0) ^ Math.floor(seed / 4294967296)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** An independent generator for a named sub-stream of this one's seed. */
  fork(label: string): Rng {
    return new Rng(this.seed, `${this.label}/${label}`);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Marsaglia's polar method). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * f;
        return u * f;
      }
    }
  }

  /** A fresh vector of standard normals. */
  normals(length: number): Float64Array {
    const out = new Float64Array(length);
    for (let i = 0; i < length; i++) out[i] = this.normal();
    return out;
  }

  /** A point uniform on the sphere of the given radius (a normalized Gaussian). */
  onSphere(dim: number, radius = 1): Float64Array {
    for (;;) {
      const v = this.normals(dim);
      let s = 0;
      for (let i = 0; i < dim; i++) s += v[i]! * v[i]!;
      if (s > 0) {
        const f = radius / Math.sqrt(s);
        for (let i = 0; i < dim; i++) v[i]! *= f;
        return v;
      }
    }
  }

  /** ±1 with equal probability. */
  sign(): number {
    return this.nextUint32() & 1 ? 1 : -1;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function hashString(s: string): number {
  // FNV-1a, 32 bit
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
