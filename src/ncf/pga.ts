/**
 * Multi-start projected gradient ascent on the unit sphere (docs/algorithm.md §3):
 *   w ← (w + η ∇N(w)) / ‖w + η ∇N(w)‖,
 * from R points uniform on the sphere, all advanced together. A restart stops
 * moving once its step is shorter than `tol` (it sits at a KKT point), which
 * keeps the cost proportional to the restarts still travelling.
 */
import type { Rng } from '../linalg/rng.js';
import { type Matrix, zeros } from '../linalg/matrix.js';
import type { NcfObjective } from './objective.js';

export interface PgaOptions {
  restarts: number;
  steps: number;
  lr: number;
  /** A restart is converged once ‖w_{t+1} − w_t‖ < tol. */
  tol: number;
  /**
   * A restart also stops once its best value over the last `window` steps
   * beats the best of the window before by at most `stallTol` (relative): it
   * is circling a KKT point on a kink of a ReLU-type NCF, which a fixed step
   * never settles on. 0 turns this off.
   */
  stallTol?: number;
  window?: number;
  rng: Rng;
}

export interface PgaResult {
  /** The most dominant KKT point found (largest N). */
  point: Float64Array;
  value: number;
  /** ‖∇N(w) − (w·∇N(w)) w‖ at that point. */
  kktResidual: number;
  /** End point of every restart (rows) and its value. */
  points: Matrix;
  values: Float64Array;
  /** Restarts whose end value is within 1e-4 (relative) of the best. */
  restartsAtBest: number;
  /** Largest number of steps any restart took. */
  steps: number;
}

export function projectedGradientAscent(objective: NcfObjective, options: PgaOptions): PgaResult {
  const { restarts: R, steps, lr, tol, rng } = options;
  const stallTol = options.stallTol ?? 1e-13;
  const window = options.window ?? 100;
  const dim = objective.dim;
  if (!(R >= 1) || !(steps >= 0) || !(lr > 0)) throw new RangeError('PGA needs restarts ≥ 1, steps ≥ 0 and lr > 0');
  const points = zeros(R, dim);
  for (let r = 0; r < R; r++) points.data.set(rng.onSphere(dim), r * dim);

  // The active restarts, packed into the first rows of `work`.
  let active = Array.from({ length: R }, (_, r) => r);
  let work = zeros(R, dim);
  work.data.set(points.data);
  let values = new Float64Array(R);
  let grads = zeros(R, dim);
  let stepsTaken = 0;
  const tolSq = tol * tol;
  // Best value of each restart in the current and the previous window.
  const windowBest = new Float64Array(R).fill(-Infinity);
  const previousBest = new Float64Array(R).fill(-Infinity);
  for (let t = 0; t < steps && active.length > 0; t++) {
    objective.evaluate(work, values, grads);
    const still: number[] = [];
    const w = work.data,
      g = grads.data;
    const windowEnds = stallTol > 0 && (t + 1) % window === 0;
    for (let k = 0; k < active.length; k++) {
      const o = k * dim,
        r = active[k]!;
      if (values[k]! > windowBest[r]!) windowBest[r] = values[k]!;
      if (windowEnds) {
        const stalled = windowBest[r]! <= previousBest[r]! + stallTol * Math.abs(previousBest[r]!);
        previousBest[r] = windowBest[r]!;
        windowBest[r] = -Infinity;
        if (stalled) continue;
      }
      let sq = 0;
      for (let c = 0; c < dim; c++) {
        const v = w[o + c]! + lr * g[o + c]!;
        w[o + c] = v;
        sq += v * v;
      }
      const inv = 1 / Math.sqrt(sq);
      let moved = 0;
      const prev = points.data,
        po = active[k]! * dim;
      for (let c = 0; c < dim; c++) {
        const v = w[o + c]! * inv;
        w[o + c] = v;
        const delta = v - prev[po + c]!;
        moved += delta * delta;
        prev[po + c] = v;
      }
      if (moved >= tolSq) still.push(k);
    }
    stepsTaken = t + 1;
    if (still.length < active.length) {
      const packed = zeros(still.length, dim);
      for (const [i, k] of still.entries()) packed.data.set(w.subarray(k * dim, (k + 1) * dim), i * dim);
      active = still.map((k) => active[k]!);
      work = packed;
      values = new Float64Array(still.length);
      grads = zeros(still.length, dim);
    }
  }

  const finalValues = new Float64Array(R);
  const finalGrads = zeros(R, dim);
  objective.evaluate(points, finalValues, finalGrads);
  let best = 0;
  for (let r = 1; r < R; r++) if (finalValues[r]! > finalValues[best]!) best = r;
  const point = points.data.slice(best * dim, (best + 1) * dim);
  const grad = finalGrads.data.subarray(best * dim, (best + 1) * dim);
  const bestValue = finalValues[best]!;
  let restartsAtBest = 0;
  for (let r = 0; r < R; r++) if (finalValues[r]! >= bestValue - 1e-4 * Math.abs(bestValue)) restartsAtBest++;
  return {
    point,
    value: bestValue,
    kktResidual: kktResidual(point, grad),
    points,
    values: finalValues,
    restartsAtBest,
    steps: stepsTaken,
  };
}

/** Norm of the tangential part of the gradient: ‖∇N − (w·∇N) w‖ for unit w. */
export function kktResidual(w: ArrayLike<number>, grad: ArrayLike<number>): number {
  let radial = 0;
  for (let c = 0; c < w.length; c++) radial += w[c]! * grad[c]!;
  let s = 0;
  for (let c = 0; c < w.length; c++) {
    const v = grad[c]! - radial * w[c]!;
    s += v * v;
  }
  return Math.sqrt(s);
}
