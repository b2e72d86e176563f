/**
 * The diagonal linear network H(x) = Σ_j u_j v_j x_j (docs/algorithm.md §9, paper D.5),
 * trained two ways:
 *  - Neuron Pursuit: neuron j's NCF is u v (X_jᵀ r)/n, maximal on the unit circle
 *    at |u| = |v| = 1/√2 with value |X_jᵀ r|/(2n); add the best j with a small
 *    scale, then GD on all active neurons to the minimum. This picks the atoms
 *    OMP picks and reaches OMP's least-squares coefficients.
 *  - GD from a tiny initialization (u = α, v = 0) on all neurons, which tends to
 *    the minimum-ℓ1 interpolant instead.
 */
import { z } from 'zod';
import { parseOptions } from '../estimators/estimator.js';
import { type Matrix, norm, sumOfSquares, zeros } from '../linalg/matrix.js';
import type { Rng } from '../linalg/rng.js';
import { correlations, solution } from './omp.js';
import { SparseEstimator, type SparseSolution } from './sparse-fit.js';

/** The GD settings of the diagonal network, with NP's defaults (small-init GD sets its own tolerances). */
const diagonalGdFields = {
  /** Stop once every |∂Loss/∂β_j| is below this. */
  gradTol: z.number().nonnegative().finite().default(1e-13),
  /** Also stop once ‖y − Xβ‖² / ‖y‖² is below this. */
  lossTol: z.number().nonnegative().finite().default(0),
  maxSteps: z.number().int().nonnegative().default(2_000_000),
  /** Fraction of the stability bound used as step. */
  stepFraction: z.number().positive().finite().default(0.5),
};

export type DiagonalGdOptions = z.output<z.ZodObject<typeof diagonalGdFields>>;

/**
 * GD on (u_j, v_j) for j in `active`, in place. The step is re-chosen every 50
 * steps from the local curvature bound λ_max(X_SᵀX_S/n)·max(u²+v²) + max|g|.
 * Calls `onStep` with the step count and β every 100 steps when given.
 */
export function trainDiagonal(
  X: Matrix,
  y: ArrayLike<number>,
  u: Float64Array,
  v: Float64Array,
  active: number[],
  o: DiagonalGdOptions,
  onStep?: (step: number, beta: Float64Array) => void,
): { steps: number; converged: boolean } {
  const n = X.rows,
    d = X.cols,
    k = active.length;
  const yNormSq = sumOfSquares(y);
  const lambda = largestEigenvalue(X, active) / n;
  const beta = new Float64Array(d);
  const g = new Float64Array(k);
  const r = new Float64Array(n);
  let eta = 0;
  for (let step = 0; step <= o.maxSteps; step++) {
    // g = X_Sᵀ (X_S β_S − y) / n
    for (let q = 0; q < k; q++) beta[active[q]!] = u[active[q]!]! * v[active[q]!]!;
    let lossSq = 0;
    for (let i = 0; i < n; i++) {
      let s = -y[i]!;
      for (let q = 0; q < k; q++) s += X.data[i * d + active[q]!]! * beta[active[q]!]!;
      r[i] = s;
      lossSq += s * s;
    }
    g.fill(0);
    let gMax = 0;
    for (let q = 0; q < k; q++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += X.data[i * d + active[q]!]! * r[i]!;
      g[q] = s / n;
      gMax = Math.max(gMax, Math.abs(g[q]!));
    }
    if (onStep && step % 100 === 0) onStep(step, beta);
    if (gMax < o.gradTol || lossSq <= o.lossTol * yNormSq) return { steps: step, converged: true };
    if (step === o.maxSteps) break;
    if (step % 50 === 0) {
      let size = 0;
      for (const j of active) size = Math.max(size, u[j]! * u[j]! + v[j]! * v[j]!);
      eta = o.stepFraction / (lambda * size + gMax + 1e-300);
    }
    for (let q = 0; q < k; q++) {
      const j = active[q]!,
        uj = u[j]!;
      u[j]! -= eta * v[j]! * g[q]!;
      v[j]! -= eta * uj * g[q]!;
    }
  }
  return { steps: o.maxSteps, converged: false };
}

export const diagonalNpOptionsSchema = z
  .object({
    /** Stop after this many atoms (default: min(n, d)). */
    maxAtoms: z.number().int().positive().optional(),
    /** Stop once ‖r‖ ≤ tol·‖y‖. */
    tol: z.number().nonnegative().finite().default(1e-10),
    /** Scale of a new neuron's (u, v). */
    delta: z.number().positive().finite().default(1e-3),
    ...diagonalGdFields,
  })
  .strict();

export type DiagonalNpOptions = z.input<typeof diagonalNpOptionsSchema>;

/** Neuron Pursuit on the diagonal network. */
export function diagonalNeuronPursuit(
  X: Matrix,
  y: ArrayLike<number>,
  options: DiagonalNpOptions = {},
): SparseSolution & { ncfValues: number[]; steps: number } {
  const o = parseOptions(diagonalNpOptionsSchema, options);
  const n = X.rows,
    d = X.cols;
  const maxAtoms = Math.min(o.maxAtoms ?? Math.min(n, d), d);
  const u = new Float64Array(d),
    v = new Float64Array(d);
  const active: number[] = [];
  const ncfValues: number[] = [];
  const yNorm = norm(y);
  let steps = 0;
  const done = (stopReason: 'tolerance' | 'max-atoms' | 'no-correlation') => ({
    ...solution(
      X,
      y,
      active,
      active.map((j) => u[j]! * v[j]!),
      stopReason,
    ),
    ncfValues,
    steps,
  });
  for (;;) {
    const r = Float64Array.from(y, (t, i) => t - predictRow(X, u, v, active, i));
    if (norm(r) <= o.tol * yNorm) return done('tolerance');
    if (active.length >= maxAtoms) return done('max-atoms');
    const c = correlations(X, r);
    let best = -1;
    for (let j = 0; j < d; j++) if (!active.includes(j) && (best < 0 || Math.abs(c[j]!) > Math.abs(c[best]!))) best = j;
    if (best < 0 || Math.abs(c[best]!) / n <= 1e-14) return done('no-correlation');
    ncfValues.push(Math.abs(c[best]!) / (2 * n)); // the NCF's maximum on the unit circle
    u[best] = o.delta / Math.SQRT2;
    v[best] = (Math.sign(c[best]!) * o.delta) / Math.SQRT2;
    active.push(best);
    steps += trainDiagonal(X, y, u, v, active, o).steps;
  }
}

export const diagonalSmallInitOptionsSchema = z
  .object({
    /** Initial scale α (u = α, v = 0). */
    scale: z.number().positive().finite().default(1e-4),
    /** A coefficient counts as selected once |β_j| exceeds this fraction of max |β| at the end. */
    supportThreshold: z.number().nonnegative().finite().default(1e-3),
    ...diagonalGdFields,
    // run to the minimum-ℓ1 interpolant: tighter tolerances than NP's stages
    gradTol: diagonalGdFields.gradTol.unwrap().default(1e-14),
    lossTol: diagonalGdFields.lossTol.unwrap().default(1e-14),
  })
  .strict();

export type DiagonalSmallInitOptions = z.input<typeof diagonalSmallInitOptionsSchema>;

/** GD on all neurons from u = α, v = 0; support listed in the order the coefficients grew. */
export function diagonalSmallInitGd(
  X: Matrix,
  y: ArrayLike<number>,
  options: DiagonalSmallInitOptions = {},
): SparseSolution & { steps: number } {
  const o = parseOptions(diagonalSmallInitOptionsSchema, options);
  const d = X.cols;
  const u = new Float64Array(d).fill(o.scale),
    v = new Float64Array(d);
  const all = Array.from({ length: d }, (_, j) => j);
  const firstSeen = new Array<number>(d).fill(Infinity);
  const seenLevel = 0.05; // |β_j| reached 5% of ‖y‖_∞-scale: the coordinate has escaped
  const yMax = Math.max(...Array.from(y, Math.abs));
  const { steps, converged } = trainDiagonal(X, y, u, v, all, o, (step, beta) => {
    for (let j = 0; j < d; j++)
      if (firstSeen[j] === Infinity && Math.abs(beta[j]!) > seenLevel * yMax) firstSeen[j] = step;
  });
  const beta = all.map((j) => u[j]! * v[j]!);
  const maxBeta = Math.max(...beta.map(Math.abs));
  const support = all
    .filter((j) => Math.abs(beta[j]!) > o.supportThreshold * maxBeta)
    .sort((a, b) => firstSeen[a]! - firstSeen[b]! || Math.abs(beta[b]!) - Math.abs(beta[a]!));
  const sol = solution(X, y, all, beta, converged ? 'converged' : 'max-steps');
  return { ...sol, support, steps };
}

/** Neuron Pursuit on the diagonal network as an estimator (one target column). */
export class DiagonalNeuronPursuit extends SparseEstimator<z.output<typeof diagonalNpOptionsSchema>> {
  readonly algorithm = 'diagonal-np';

  constructor(options: DiagonalNpOptions = {}) {
    super(parseOptions(diagonalNpOptionsSchema, options));
  }

  protected solve(X: Matrix, y: Float64Array): SparseSolution & { ncfValues: number[]; steps: number } {
    return diagonalNeuronPursuit(X, y, this.options);
  }
}

/** Small-initialization GD on the diagonal network as an estimator (one target column). */
export class DiagonalSmallInitGd extends SparseEstimator<z.output<typeof diagonalSmallInitOptionsSchema>> {
  readonly algorithm = 'diagonal-gd';

  constructor(options: DiagonalSmallInitOptions = {}) {
    super(parseOptions(diagonalSmallInitOptionsSchema, options));
  }

  protected solve(X: Matrix, y: Float64Array): SparseSolution & { steps: number } {
    return diagonalSmallInitGd(X, y, this.options);
  }
}

function predictRow(X: Matrix, u: Float64Array, v: Float64Array, active: number[], i: number): number {
  let s = 0;
  for (const j of active) s += X.data[i * X.cols + j]! * u[j]! * v[j]!;
  return s;
}

/** λ_max(X_Sᵀ X_S) by power iteration. */
function largestEigenvalue(X: Matrix, active: number[]): number {
  const k = active.length,
    n = X.rows,
    d = X.cols;
  let w = new Float64Array(k).fill(1 / Math.sqrt(k));
  let lambda = 0;
  for (let it = 0; it < 200; it++) {
    const xw = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let q = 0; q < k; q++) xw[i]! += X.data[i * d + active[q]!]! * w[q]!;
    const next = new Float64Array(k);
    for (let q = 0; q < k; q++) for (let i = 0; i < n; i++) next[q]! += X.data[i * d + active[q]!]! * xw[i]!;
    const size = norm(next);
    if (size === 0) return 0;
    const done = Math.abs(size - lambda) <= 1e-6 * size;
    lambda = size;
    w = next.map((t) => t / size);
    if (done) break;
  }
  return lambda;
}

/**
 * A random over-complete sparse-recovery instance: n × d atoms uniform on the
 * unit sphere, an s-sparse β with random signs and magnitudes in [1, 2), y = Xβ.
 */
export function sparseInstance(
  n: number,
  d: number,
  sparsity: number,
  rng: Rng,
): { X: Matrix; y: Float64Array; beta: Float64Array } {
  if (!(n >= 1 && d >= 1 && sparsity >= 1 && sparsity <= d))
    throw new RangeError('need n ≥ 1, d ≥ 1 and 1 ≤ sparsity ≤ d');
  const X = zeros(n, d);
  for (let j = 0; j < d; j++) {
    const atom = rng.onSphere(n);
    for (let i = 0; i < n; i++) X.data[i * d + j] = atom[i]!;
  }
  const beta = new Float64Array(d);
  for (const j of rng.permutation(d).slice(0, sparsity)) beta[j] = rng.sign() * (1 + rng.uniform());
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) y[i]! += X.data[i * d + j]! * beta[j]!;
  return { X, y, beta };
}
