/**
 * A growth rule: which neuron a growing network adds next (docs/algorithm.md §15). The growth loop
 * (src/pursuit/neuron-pursuit.ts) is one for every rule — the same first iteration, the same GD stage, the same stop
 * rules and history rows — and asks its rule, at every iteration k ≥ 2, for the grown network: NP's NCF pursuit
 * (rules/np.ts), GradMax (rules/gradmax.ts), TINY (rules/tiny.ts) or a random direction (rules/random.ts).
 */
import { type Matrix, norm } from '../linalg/matrix.js';
import type { Rng } from '../linalg/rng.js';
import type { Network } from '../model/network.js';
import type { IterationRecord } from './history.js';
import type { ResolvedOptions } from './options.js';

/** What a rule sees at the saddle W̄ of iteration k: the network, the data, the residual and the run's streams. */
export interface GrowthContext {
  iteration: number;
  /** The network after the last GD stage (not to be modified: a rule returns a grown copy). */
  net: Network;
  X: Matrix;
  Y: Matrix;
  /** R = Y − H(X; W̄). */
  residual: Matrix;
  /** Loss(W̄). */
  lossBefore: number;
  options: ResolvedOptions;
  /** The run's generator (`neuron-pursuit`): a rule draws only from streams it forks by label. */
  rng: Rng;
}

/** The fields of a history row that describe the addition (the GD stage adds the rest). */
export type AdditionFields = Omit<
  IterationRecord,
  | 'iteration'
  | 'gdSteps'
  | 'gdStopReason'
  | 'gdLr'
  | 'gdHalvings'
  | 'gdTrace'
  | 'loss'
  | 'trainError'
  | 'testError'
  | 'trainClassError'
  | 'testClassError'
  | 'widths'
  | 'balancedness'
  | 'seconds'
>;

/** A rule's answer: the grown network and its history fields. */
export interface Growth {
  network: Network;
  fields: AdditionFields;
}

export interface GrowthRule {
  /** Its registry name ('np', 'gradmax', 'tiny', 'random'). */
  readonly name: string;
  /** The grown network, or one line saying why no neuron can be added (the fit then stops: 'ncf-degenerate'). */
  grow(context: GrowthContext): Growth | string;
}

/**
 * NP's placement (docs/algorithm.md §4): the addition at scale δ = c_δ·‖W̄‖, δ halved (× β) until the loss drops
 * below Loss(W̄), at most `maxShrinks` times. `add(δ)` builds the grown network for a scale.
 */
export function placeWithBacktracking(
  context: GrowthContext,
  add: (delta: number) => Network,
): { grown: Network; loss: number; delta: number; shrinks: number } {
  const o = context.options;
  const { X, Y, lossBefore } = context;
  let delta = o.deltaScale * norm(context.net.params),
    shrinks = 0;
  let grown = add(delta),
    loss = grown.loss(X, Y);
  while (!(loss < lossBefore) && shrinks < o.maxShrinks) {
    delta *= o.shrink;
    shrinks++;
    grown = add(delta);
    loss = grown.loss(X, Y);
  }
  return { grown, loss, delta, shrinks };
}

/** Min, median and max of some values (a row's `restartValues`). */
export function spread(values: ArrayLike<number>): { min: number; median: number; max: number } {
  const sorted = Array.from(values).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median: median!, max: sorted[sorted.length - 1]! };
}
