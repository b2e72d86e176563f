/**
 * Settings of Neuron Pursuit, validated with zod. docs/algorithm.md §10 says
 * where every default comes from; the ones marked reconstructed there are a best
 * guess at the paper's and stay configurable.
 */
import { z } from 'zod';
import { makeActivation } from '../model/activation.js';
import { checkActivationOptions, networkShapeOptions } from '../model/network-options.js';
import { preprocessingOptions } from '../model/preprocessing.js';
import { TIE_RULES } from '../ncf/candidates.js';
import { GD_DEFAULTS, HALVE_ON } from '../optim/gradient-descent.js';
import { parseOptions } from '../estimators/estimator.js';

export const GROWTH_MODES = ['neurons', 'paths'] as const;
export type Growth = (typeof GROWTH_MODES)[number];

/** Which neuron the growing network adds next (src/pursuit/growth-rule.ts; docs/algorithm.md §15). */
export const GROWTH_RULES = ['np', 'gradmax', 'tiny', 'random'] as const;
export type GrowthRuleName = (typeof GROWTH_RULES)[number];
/** σ′(0) GradMax assumes: 1 (the method's), or the activation's own (α: 0 for relu, so no fan-in ever moves). */
export const GRADMAX_TIES = ['one', 'activation'] as const;

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const positive = z.number().positive().finite();

export const neuronPursuitOptionsSchema = z
  .object({
    ...networkShapeOptions,
    ...preprocessingOptions,
    /** NP iteration cap K. */
    maxIterations: positiveInt.default(31),
    /** Relative training error target ε. */
    targetError: z.number().nonnegative().finite().default(GD_DEFAULTS.targetError),

    /** Gradient descent step η. */
    lr: positive.default(GD_DEFAULTS.lr),
    /** GD step cap T per NP iteration. */
    gdSteps: nonNegativeInt.default(GD_DEFAULTS.maxSteps),
    /** Plateau tolerance (0 = the paper's fixed schedule). */
    tol: z.number().nonnegative().finite().default(GD_DEFAULTS.tol),
    /** Escape guard κ of the plateau rule (reconstructed). */
    kappa: z.number().min(0).max(1).default(GD_DEFAULTS.kappa),
    /** Steps between GD checks. */
    checkEvery: positiveInt.default(GD_DEFAULTS.checkEvery),
    /** Divergence guard: at most this many halvings of η per stage. */
    maxLrHalvings: nonNegativeInt.default(GD_DEFAULTS.maxHalvings),
    /** What makes the guard restore and halve η: any rise of the loss at a check, or only a non-finite loss. */
    halveOn: z.enum(HALVE_ON).default(GD_DEFAULTS.halveOn),

    /** PGA restarts R (reconstructed). */
    restarts: positiveInt.default(50),
    /** PGA step cap. */
    pgaSteps: nonNegativeInt.default(2_500),
    /** PGA step size. */
    pgaLr: positive.default(0.2),
    /** PGA step size and step cap of iteration 1 (the origin's NCF) where they differ from later ones (PVR). */
    firstPgaLr: positive.optional(),
    firstPgaSteps: nonNegativeInt.optional(),
    /** A PGA restart stops once its step is shorter than this. */
    pgaTol: z.number().nonnegative().finite().default(1e-10),
    /** Maximize the joint NCF over all layers under one norm (the paper's form) instead of each layer apart. */
    joint: z.boolean().default(false),
    /** σ′ at ties (pre-activation exactly 0) when the residual is back-propagated to the candidates. */
    tieRule: z.enum(TIE_RULES).default('low'),
    /**
     * 'neurons': single neurons compared by their NCF on the unit sphere (the paper). 'paths': single neurons and
     * chains of new neurons in consecutive layers, compared by the loss they reach when added. Default: 'paths' for
     * activations that can silence a sample (α = 0: relu, squared-relu), 'neurons' for the others.
     */
    growth: z.enum(GROWTH_MODES).optional(),
    /** Longest chain of new neurons with growth 'paths' (default: depth − 1, every length). */
    maxPath: positiveInt.optional(),
    /** A direction whose NCF is at most this fraction of its family's bound (ncfRelative) is no escape direction. */
    ncfThreshold: z.number().nonnegative().finite().default(1e-6),

    /** Scale δ₁ of the first iteration. */
    delta1: positive.default(0.25),
    /** δ = c_δ · ‖W̄‖ for iterations ≥ 2 (reconstructed). */
    deltaScale: positive.default(0.1),
    /** Back-tracking factor β for δ (reconstructed). */
    shrink: z.number().positive().lt(1).default(0.5),
    /** Back-tracking steps at iteration 1 and at later iterations. */
    maxShrinksFirst: nonNegativeInt.default(4),
    maxShrinks: nonNegativeInt.default(10),

    /** Rebalance the weights after each GD stage (docs/algorithm.md §7). */
    balance: z.boolean().default(false),
    /** Add the top-m distinct candidates per iteration (beyond the paper). */
    candidatesPerIteration: positiveInt.default(1),
    /** Keep each iteration's dominant KKT vector and the weights after GD in the history (for walk-through figures). */
    recordWeights: z.boolean().default(false),
    /** Also report classification error (argmax of the outputs). */
    classification: z.boolean().default(false),
    /**
     * Stop when the relative training error is below targetError, or when the training classification error is 0
     * (the paper's rule for classification; implies `classification`).
     */
    stopOn: z.enum(['regression', 'classification']).default('regression'),
    /**
     * The growth rule (default 'np', Neuron Pursuit): 'gradmax', 'tiny' and 'random' choose the new neuron otherwise
     * and share everything else (docs/algorithm.md §15). Left out of the resolved options when not given.
     */
    growthRule: z.enum(GROWTH_RULES).optional(),
    /** GradMax only: the σ′(0) of its gradient and of its new fan-in's first step (default 'one'). */
    gradmaxTie: z.enum(GRADMAX_TIES).optional(),
    /** Seed of every random draw of the algorithm. */
    seed: z.number().int().default(0),
  })
  .strict()
  .superRefine(checkActivationOptions);

export type NeuronPursuitOptions = z.input<typeof neuronPursuitOptionsSchema>;
/** The options with every default filled in (growth and maxPath resolved for the activation and depth). */
export type ResolvedOptions = Omit<z.output<typeof neuronPursuitOptionsSchema>, 'growth' | 'maxPath'> & {
  growth: Growth;
  maxPath: number;
};

/** Validate options; a bad option throws one line naming the field. */
export function resolveOptions(options: NeuronPursuitOptions = {}): ResolvedOptions {
  const o = parseOptions(neuronPursuitOptionsSchema, options);
  // A zero negative slope lets a whole layer fall silent on a sample, which no single neuron then reaches.
  const alpha = o.activation === 'custom' ? o.alpha! : makeActivation({ name: o.activation, alpha: o.alpha }).alpha;
  return {
    ...o,
    growth: o.growth ?? (alpha === 0 ? 'paths' : 'neurons'),
    maxPath: o.maxPath ?? o.depth - 1,
    classification: o.classification || o.stopOn === 'classification',
  };
}
