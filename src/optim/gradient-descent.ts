/**
 * Full-batch gradient descent with a fixed step (docs/algorithm.md §6): W ← W − η ∇Loss(W).
 *
 * Every `checkEvery` steps it stops on the error target, or on a plateau once
 * the stage has escaped its starting saddle, and guards against divergence by
 * restoring the last check and halving η. The loss at each step comes out of
 * the same pass as the gradient, so checks cost nothing extra.
 */
import type { Matrix } from '../linalg/matrix.js';
import { sumOfSquares } from '../linalg/matrix.js';
import type { Network } from '../model/network.js';

export interface GdOptions {
  /** Step size η. */
  lr: number;
  /** Step cap T. */
  maxSteps: number;
  /** Stop once the relative training error is below this. */
  targetError: number;
  /** Plateau: stop when the loss fell by at most tol·loss since the last check (0 = never). */
  tol: number;
  /** Escape guard: the plateau rule applies only once loss < (1 − κ)·(loss at the first check). */
  kappa: number;
  /** Steps between checks. */
  checkEvery: number;
  /** Divergence guard: restore and halve η at most this many times. */
  maxHalvings: number;
  /**
   * What the guard reacts to: any rise of the loss at a check ('rise'), or only a loss that is no longer finite
   * ('blow-up'), which lets a large step run through the oscillations of the edge of stability.
   */
  halveOn: HalveOn;
  onCheck?: (info: GdCheck) => void;
}

/** GD's defaults (docs/algorithm.md §6, §10); Neuron Pursuit's and the small-init baseline's defaults refer to them. */
export const GD_DEFAULTS = {
  lr: 0.1,
  maxSteps: 70_000,
  targetError: 1e-3,
  tol: 1e-6,
  kappa: 0.01,
  checkEvery: 500,
  maxHalvings: 4,
  halveOn: 'rise',
} as const satisfies Omit<GdOptions, 'onCheck'>;

export const HALVE_ON = ['rise', 'blow-up'] as const;
export type HalveOn = (typeof HALVE_ON)[number];

export interface GdCheck {
  step: number;
  loss: number;
  error: number;
  lr: number;
}

/**
 * Why a GD stage ended. 'diverged' (the stored name, kept for older files and stores) means the loss rose at a check
 * after η had been halved `maxHalvings` times: the weights went back to the last check, the best seen, and the
 * stage ended there — a step-size guard at work, not a failed fit (`gdStopLabel` says so in tables).
 */
export type GdStopReason = 'target' | 'plateau' | 'max-steps' | 'diverged';

/**
 * A GD stop as tables and reports print it: 'diverged' as what happened ('η halved ×4'), and any other stop with the
 * step it ended on when the divergence guard had halved η ('plateau (η/4)'). `halvings` is unknown in older files.
 */
export function gdStopLabel(reason: GdStopReason, halvings?: number): string {
  if (reason === 'diverged') return halvings === undefined ? 'η halved' : `η halved ×${halvings}`;
  return halvings ? `${reason} (η/${2 ** halvings})` : reason;
}

export interface GdResult {
  steps: number;
  stopReason: GdStopReason;
  loss: number;
  error: number;
  /** η in force at the end (after any halvings). */
  lr: number;
  halvings: number;
  /** Loss at every check. */
  trace: { step: number; loss: number }[];
}

/** Runs GD on `net` in place. */
export function gradientDescent(net: Network, X: Matrix, Y: Matrix, options: Partial<GdOptions> = {}): GdResult {
  const checks = gradientDescentChecks(net, X, Y, options);
  for (;;) {
    const next = checks.next();
    if (next.done) return next.value;
    options.onCheck?.(next.value);
  }
}

/**
 * The same GD, suspended at each check (it yields the check, and returns the result): a caller that must pause
 * between checks (the playground's worker) steps it, `gradientDescent` runs it through. `onCheck` is not called.
 */
export function* gradientDescentChecks(
  net: Network,
  X: Matrix,
  Y: Matrix,
  options: Partial<GdOptions> = {},
): Generator<GdCheck, GdResult, void> {
  const o: GdOptions = { ...GD_DEFAULTS, ...options };
  if (!(o.lr > 0) || !(o.maxSteps >= 0) || !(o.checkEvery >= 1))
    throw new RangeError('GD needs lr > 0, maxSteps ≥ 0, checkEvery ≥ 1');
  const n = X.rows;
  const yNormSq = sumOfSquares(Y.data);
  const errorOf = (loss: number): number => (yNormSq > 0 ? (2 * n * loss) / yNormSq : loss === 0 ? 0 : Infinity);
  const batch = net.bind(X, Y);
  const params = net.params;
  const grad = new Float64Array(net.size);
  const snapshot = params.slice();
  let lr = o.lr;
  let halvings = 0;
  let firstLoss = NaN;
  let lastLoss = NaN;
  let sinceCheck = 0;
  let restored = false;
  const trace: { step: number; loss: number }[] = [];

  let step = 0;
  for (;;) {
    const loss = batch.loss(grad);
    if (sinceCheck === 0 || step >= o.maxSteps) {
      // Rounding can raise a converged loss by a few ulps (of the loss, or of
      // the starting loss once it has fallen to that floor): not divergence.
      const increased = o.halveOn === 'rise' && loss > lastLoss * (1 + 1e-10) + 1e-15 * firstLoss;
      if (!Number.isFinite(loss) || increased) {
        params.set(snapshot);
        if (halvings === o.maxHalvings) {
          return finish('diverged', lastLoss);
        }
        halvings++;
        lr /= 2;
        sinceCheck = 0;
        restored = true;
        continue;
      }
      trace.push({ step, loss });
      const error = errorOf(loss);
      yield { step, loss, error, lr };
      if (error < o.targetError) return finish('target', loss);
      if (step >= o.maxSteps) return finish('max-steps', loss);
      if (Number.isNaN(firstLoss)) firstLoss = loss;
      // Right after a restore the loss equals the last check's: that is no plateau.
      else if (!restored && o.tol > 0 && lastLoss - loss <= o.tol * loss && loss < (1 - o.kappa) * firstLoss)
        return finish('plateau', loss);
      snapshot.set(params);
      lastLoss = loss;
      restored = false;
    }
    const w = params;
    for (let c = 0; c < w.length; c++) w[c]! -= lr * grad[c]!;
    step++;
    sinceCheck = (sinceCheck + 1) % o.checkEvery;
  }

  function finish(stopReason: GdStopReason, loss: number): GdResult {
    return { steps: step, stopReason, loss, error: errorOf(loss), lr, halvings, trace };
  }
}
