/**
 * Every algorithm, in one table that the command line, the sweep runner and
 * the report read: its name, how it is labelled, how to build its estimator
 * (whose options schema holds its defaults) and, for the network algorithms,
 * how a task's defaults and a run's options become its options.
 */
import { DiagonalNeuronPursuit, DiagonalSmallInitGd } from '../baselines/diagonal.js';
import { OrthogonalMatchingPursuit } from '../baselines/omp.js';
import type { FittedSparseLinear } from '../baselines/sparse-fit.js';
import { type FittedSmallInitGd, SmallInitGd, type SmallInitGdOptions } from '../baselines/small-init-gd.js';
import { type FittedNeuronPursuit, NeuronPursuit } from '../pursuit/neuron-pursuit.js';
import { type GrowthRuleName, type NeuronPursuitOptions, neuronPursuitOptionsSchema } from '../pursuit/options.js';
import type { Estimator, Fitted } from './estimator.js';

/**
 * The options a run can carry, in one vocabulary: Neuron Pursuit's, and the
 * small-init GD baseline's own (`lrs`, `width`, `radius`, `maxSteps`). A
 * network algorithm takes the ones it understands (`takes`).
 */
export type RunOptions = NeuronPursuitOptions & {
  lrs?: number[];
  width?: number;
  widths?: number[];
  radius?: number;
  maxSteps?: number;
};

/** A fitted network estimator (`algorithm` tells which): its network is what a run folder or the store saves. */
export type FittedNetwork = FittedNeuronPursuit | FittedSmallInitGd;

interface AlgorithmEntry<F extends Fitted> {
  readonly name: string;
  /** Full name ('Neuron Pursuit'). */
  readonly title: string;
  /** Short name in tables and figures ('NP'). */
  readonly label: string;
  /** The estimator for these options (checked now: a bad one throws naming the field). */
  create(options: object): Estimator<F>;
}

export interface NetworkAlgorithm extends AlgorithmEntry<FittedNetwork> {
  /** The options of `RunOptions` it reads; the command line rejects the others. */
  readonly takes: readonly (keyof RunOptions)[];
  /**
   * Its options for a task: the task's network defaults (`Task.defaults`, in NP's
   * vocabulary; none for CSV data), then `given`, of which it reads what it takes.
   */
  optionsFor(defaults: NeuronPursuitOptions, given: RunOptions): object;
  /** How a report chooses among step sizes (docs/algorithm.md §12): NP's rule, or the lowest test error. */
  readonly stepSizeRule: 'solved-fewest-iterations' | 'lowest-test-error';
  /** Whether it fits in iterations that a report plots (NP grows the network; GD trains one network once). */
  readonly iterative: boolean;
}

const NP_OPTIONS = (Object.keys(neuronPursuitOptionsSchema.shape) as (keyof NeuronPursuitOptions)[]).filter(
  (key) => key !== 'growthRule' && key !== 'gradmaxTie',
);

/**
 * A growing network (src/pursuit/growth-rule.ts): NP, or the same loop with another rule choosing the new neuron
 * (docs/algorithm.md §15). Each reads NP's options; GradMax also its σ′(0).
 */
function growing(rule: GrowthRuleName, title: string, label: string, own: (keyof RunOptions)[] = []): NetworkAlgorithm {
  const takes = [...NP_OPTIONS, ...own];
  return {
    name: rule,
    title,
    label,
    takes,
    create: (options): Estimator<FittedNeuronPursuit> => new NeuronPursuit(options as NeuronPursuitOptions),
    optionsFor(defaults, given) {
      const o = merged(defaults, given);
      const options = Object.fromEntries(takes.filter((key) => o[key] !== undefined).map((key) => [key, o[key]]));
      return rule === 'np' ? options : { ...options, growthRule: rule };
    },
    stepSizeRule: 'solved-fewest-iterations',
    iterative: true,
  };
}

const np = growing('np', 'Neuron Pursuit', 'NP');

const gd: NetworkAlgorithm = {
  name: 'gd',
  title: 'small-initialization GD',
  label: 'GD',
  takes: [
    'depth',
    'activation',
    'alpha',
    'p',
    'intercept',
    'standardize',
    'lr',
    'lrs',
    'width',
    'widths',
    'radius',
    'gdSteps',
    'maxSteps',
    'targetError',
    'checkEvery',
    'seed',
  ],
  create: (options): Estimator<FittedSmallInitGd> => new SmallInitGd(options as SmallInitGdOptions),
  // The task's network shape, step size and error target; its step cap is the baseline's own, not NP's per-stage cap.
  optionsFor(defaults, given): SmallInitGdOptions {
    const o = merged(defaults, given);
    const lr = o.lr;
    return {
      depth: o.depth,
      activation: o.activation,
      alpha: o.alpha,
      p: o.p,
      intercept: o.intercept,
      standardize: o.standardize,
      lrs: given.lrs ?? (lr === undefined ? undefined : [lr]),
      width: given.width,
      widths: given.widths,
      radius: given.radius,
      maxSteps: given.maxSteps ?? given.gdSteps,
      targetError: o.targetError,
      checkEvery: o.checkEvery,
      // a task NP stops by classification (modular addition, PVR) is scored by it in GD too
      classification: o.classification || o.stopOn === 'classification',
      seed: o.seed,
    };
  },
  stepSizeRule: 'lowest-test-error',
  iterative: false,
};

/** `given` over `defaults`, skipping the options `given` leaves undefined. */
function merged(defaults: NeuronPursuitOptions, given: RunOptions): RunOptions {
  const o: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) o[key] = value;
  return o as RunOptions;
}

const sparse = (
  name: string,
  title: string,
  label: string,
  make: (options: object) => Estimator<FittedSparseLinear>,
): AlgorithmEntry<FittedSparseLinear> => ({ name, title, label, create: make });

/** Every algorithm by name. */
export const ALGORITHMS = {
  np,
  gradmax: growing('gradmax', 'GradMax growth (Evci et al. 2022)', 'GradMax', ['gradmaxTie']),
  tiny: growing('tiny', 'TINY growth (Verbockhaven et al. 2024)', 'TINY'),
  random: growing('random', 'random-direction growth', 'random'),
  gd,
  omp: sparse('omp', 'orthogonal matching pursuit', 'OMP', (o) => new OrthogonalMatchingPursuit(o)),
  'diagonal-np': sparse(
    'diagonal-np',
    'Neuron Pursuit on the diagonal network',
    'NP',
    (o) => new DiagonalNeuronPursuit(o),
  ),
  'diagonal-gd': sparse(
    'diagonal-gd',
    'small-initialization GD on the diagonal network',
    'GD (small init)',
    (o) => new DiagonalSmallInitGd(o),
  ),
} as const;

/** The algorithms that fit a network to a task: what `train` and sweeps run. */
export const NETWORK_ALGORITHMS = ['np', 'gradmax', 'tiny', 'random', 'gd'] as const;
export type NetworkAlgorithmName = (typeof NETWORK_ALGORITHMS)[number];

/** The network algorithm of a stored run's name, or undefined for a name this build does not know. */
export function knownNetworkAlgorithm(name: string): NetworkAlgorithm | undefined {
  return (NETWORK_ALGORITHMS as readonly string[]).includes(name)
    ? ALGORITHMS[name as NetworkAlgorithmName]
    : undefined;
}

/** A network algorithm by name; an unknown name throws, listing the known ones. */
export function networkAlgorithm(name: string): NetworkAlgorithm {
  if (!(NETWORK_ALGORITHMS as readonly string[]).includes(name)) {
    throw new RangeError(`'${JSON.stringify(name).slice(1, -1)}' is not one of ${NETWORK_ALGORITHMS.join(', ')}`);
  }
  return ALGORITHMS[name as NetworkAlgorithmName];
}
