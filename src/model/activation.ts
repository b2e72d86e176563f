/**
 * Positively homogeneous activations σ(z) = (max(z, αz))^p  (docs/algorithm.md §1).
 * σ(cz) = c^p σ(z) for c > 0, which is what makes the whole network
 * homogeneous and lets Neuron Pursuit reason about directions alone.
 */
export interface ActivationSpec {
  /** Preset name, or 'custom' for a general (p, α). */
  name: string;
  /** Degree of homogeneity, p ≥ 1. */
  p: number;
  /** Slope on the negative side, α ∈ [−1, 1]. */
  alpha: number;
}

export interface Activation extends ActivationSpec {
  value(z: number): number;
  /** A Clarke subgradient: at z = 0 it is α for p = 1 and 0 for p > 1. */
  derivative(z: number): number;
}

export const ACTIVATION_PRESETS = {
  relu: { p: 1, alpha: 0 },
  'leaky-relu': { p: 1, alpha: 0.1 },
  square: { p: 2, alpha: -1 },
  'squared-relu': { p: 2, alpha: 0 },
  linear: { p: 1, alpha: 1 },
} as const satisfies Record<string, { p: number; alpha: number }>;

export type ActivationName = keyof typeof ACTIVATION_PRESETS;
export const ACTIVATION_NAMES = Object.keys(ACTIVATION_PRESETS) as ActivationName[];

/**
 * Build an activation from a preset name or from (p, α). `alpha` overrides the
 * preset's slope only where the preset has one to choose (leaky-relu, custom).
 */
export function makeActivation(spec: { name?: string; p?: number; alpha?: number }): Activation {
  const name = spec.name ?? 'custom';
  let p: number;
  let alpha: number;
  if (name === 'custom') {
    if (spec.p === undefined || spec.alpha === undefined) {
      throw new RangeError('a custom activation needs both p and alpha');
    }
    p = spec.p;
    alpha = spec.alpha;
  } else if (name in ACTIVATION_PRESETS) {
    const preset = ACTIVATION_PRESETS[name as ActivationName];
    p = preset.p;
    alpha = name === 'leaky-relu' && spec.alpha !== undefined ? spec.alpha : preset.alpha;
    if (spec.p !== undefined && spec.p !== p) throw new RangeError(`activation ${name} has p = ${p}, not ${spec.p}`);
  } else {
    const known = `${ACTIVATION_NAMES.join(', ')}, custom`;
    throw new RangeError(`unknown activation '${JSON.stringify(name).slice(1, -1)}' (expected one of ${known})`);
  }
  if (!Number.isFinite(p) || p < 1) throw new RangeError(`activation degree p must be ≥ 1, got ${p}`);
  if (!Number.isFinite(alpha) || alpha < -1 || alpha > 1) {
    throw new RangeError(`activation slope alpha must lie in [-1, 1], got ${alpha}`);
  }
  if (!Number.isInteger(p) && alpha > 0) {
    throw new RangeError(`a non-integer degree p = ${p} needs alpha ≤ 0 (max(z, αz) is negative for z < 0 otherwise)`);
  }
  return { name, p, alpha, ...activationFunctions(p, alpha) };
}

function activationFunctions(p: number, alpha: number): Pick<Activation, 'value' | 'derivative'> {
  if (p === 1) {
    return {
      value: (z) => (z > 0 ? z : alpha * z),
      derivative: (z) => (z > 0 ? 1 : alpha),
    };
  }
  if (p === 2) {
    return {
      value: (z) => {
        const m = z > 0 ? z : alpha * z;
        return m * m;
      },
      derivative: (z) => (z > 0 ? 2 * z : 2 * alpha * alpha * z),
    };
  }
  return {
    value: (z) => {
      const m = z > 0 ? z : alpha * z;
      return powSigned(m, p);
    },
    derivative: (z) => {
      const m = z > 0 ? z : alpha * z;
      if (m === 0) return 0;
      const slope = z > 0 ? 1 : alpha;
      return p * powSigned(m, p - 1) * slope;
    },
  };
}

/** m^q for real q, defined for negative m when q is an integer (as for the square). */
function powSigned(m: number, q: number): number {
  if (m >= 0) return Math.pow(m, q);
  if (!Number.isInteger(q)) return NaN;
  return Math.pow(m, q);
}

/** Degree of homogeneity of an L-layer network: D = 1 + p + … + p^{L−1}. */
export function networkDegree(p: number, depth: number): number {
  let d = 0;
  for (let l = 0; l < depth; l++) d += Math.pow(p, l);
  return d;
}
