/**
 * The options that shape a network — depth and activation — with their
 * defaults, shared by the settings of every network estimator (Neuron Pursuit
 * and the small-initialization GD baseline).
 */
import { z } from 'zod';
import { ACTIVATION_NAMES } from './activation.js';

/** The deepest network the options allow. */
export const MAX_DEPTH = 10_000;

export const networkShapeOptions = {
  /** Number of layers L ≥ 2 (at most 10,000: a typo like 1e9 would exhaust memory, not fit a network). */
  depth: z.number().int().min(2).max(MAX_DEPTH).default(3),
  /** Activation preset, or 'custom' with p and alpha. */
  activation: z.enum(['custom', ...ACTIVATION_NAMES]).default('relu'),
  /** Negative slope α for leaky-relu and custom activations. */
  alpha: z.number().min(-1).max(1).optional(),
  /** Degree p ≥ 1 of a custom activation. */
  p: z.number().min(1).finite().optional(),
};

/** The rules between the shape options that a field's own schema cannot say (for `superRefine`). */
export function checkActivationOptions(
  o: { activation: string; p?: number | undefined; alpha?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  if (o.activation === 'custom' && (o.p === undefined || o.alpha === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'a custom activation needs both p and alpha', path: ['activation'] });
  }
  if (o.activation !== 'custom' && o.p !== undefined) {
    ctx.addIssue({ code: 'custom', message: `p can only be set for a custom activation`, path: ['p'] });
  }
}
