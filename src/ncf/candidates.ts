/**
 * The candidate neurons of an NP iteration at a saddle W̄ (docs/algorithm.md,
 * "Candidates"): for every hidden layer l, a single new neuron (incoming a
 * from layer l − 1, outgoing b into layer l + 1), and optionally a *path*: a
 * new neuron in layer l feeding only a chain of new relay neurons in layers
 * l + 1 … l + s, the last of which feeds b into layer l + s + 1.
 *
 * A relay with incoming weight c > 0 passes c^p σ(u) on, so a path's NCF is the
 * single-neuron form with the composed activation σ^{∘(s+1)} and the residual
 * back-propagated s layers further:
 *   N(a, b) = (1/n) Σ_i (g_i · b) σ^{∘(s+1)}(a · p_i),   g_i = J_{l+s+1}(x_i)ᵀ r_i,
 * scaled by the relay weights. The path is homogeneous of a higher degree in
 * all its weights; `sphereFactor` turns the value on the (a, b) sphere into the
 * value on the unit sphere of all the path's weights (the relay weights at
 * their optimal share), where candidates of every kind are compared.
 */
import type { Matrix } from '../linalg/matrix.js';
import { type Activation, makeActivation } from '../model/activation.js';
import type { Network } from '../model/network.js';
import { CandidateNcf } from './candidate.js';

/**
 * σ′ at a tie (a pre-activation exactly 0) when the residual is back-propagated
 * to the candidates: `low` is the activation's Clarke choice (α), `high` is 1,
 * `half` is (1 + α)/2. Only p = 1 activations have ties to decide.
 */
export const TIE_RULES = ['low', 'half', 'high'] as const;
export type TieRule = (typeof TIE_RULES)[number];

export function tieSlope(rule: TieRule, alpha: number): number {
  return rule === 'low' ? alpha : rule === 'high' ? 1 : (1 + alpha) / 2;
}

export interface CandidateFamily {
  /** Hidden layer of the first new neuron (1-based). */
  layer: number;
  /** New neurons: 1 for a single neuron, s + 1 for a neuron with s relays. */
  neurons: number;
  ncf: CandidateNcf;
  /** Value on the unit sphere of all the new weights per unit value of `ncf` on its (a, b) sphere. */
  sphereFactor: number;
  /** Relay weights c_1..c_s of a unit-sphere path, and the share t of (a, b): the point is (t·a, c, t·b). */
  relays: number[];
  abShare: number;
}

export interface CandidateSettings {
  tieRule: TieRule;
  /** Longest chain of new neurons considered (1: single neurons only, the paper's candidates). */
  maxPath: number;
}

/** Every candidate family of `net` for the residual R = Y − H(X). */
export function candidateFamilies(net: Network, X: Matrix, R: Matrix, settings: CandidateSettings): CandidateFamily[] {
  const act = net.activation;
  const { inputs, residuals } = net.backpropagateResidual(X, R, tieSlope(settings.tieRule, act.alpha));
  const hidden = net.depth - 1;
  const families: CandidateFamily[] = [];
  for (let neurons = 1; neurons <= Math.min(settings.maxPath, hidden); neurons++) {
    const composed = composeActivation(act, neurons);
    const shares = pathShares(act.p, neurons);
    for (let l = 1; l + neurons - 1 <= hidden; l++) {
      families.push({
        layer: l,
        neurons,
        ncf: new CandidateNcf(inputs[l - 1]!, residuals[l + neurons - 2]!, composed),
        ...shares,
      });
    }
  }
  return families;
}

/**
 * σ applied `times` times, as an activation of the same family: for α ≤ 0 (or
 * even p) σ ≥ 0, so σ(σ(z)) = max(z, αz)^{p²}; for α > 0 and odd p the negative
 * side keeps its sign and the slope becomes α^{1+1/p} (α² for p = 1).
 */
export function composeActivation(act: Activation, times: number): Activation {
  if (times === 1) return act;
  // f = σ^{∘t} is max(z, A z)^P; σ(f) raises it to the p, and on z < 0 a negative f (A > 0, odd P) also meets α.
  let P = act.p,
    A = act.alpha;
  for (let t = 1; t < times; t++) {
    const nonNegative = A <= 0 || (Number.isInteger(P) && P % 2 === 0);
    if (!nonNegative) A *= Math.pow(act.alpha, 1 / P);
    P *= act.p;
  }
  return makeActivation({ name: 'custom', p: P, alpha: A });
}

/**
 * A path of s relays has the weights (a, c_1..c_s, b) with N = Π c_k^{e_k} · N_ab(a, b),
 * e_k = p^{s−k+1}, N_ab homogeneous of degree q = p^{s+1} + 1 in (a, b). On the unit sphere
 * its maximum puts c_k² = e_k/D and ‖(a, b)‖² = q/D (D = Σ e_k + q, the path's degree).
 */
function pathShares(p: number, neurons: number): { sphereFactor: number; relays: number[]; abShare: number } {
  const s = neurons - 1;
  const exponents = Array.from({ length: s }, (_, k) => Math.pow(p, s - k));
  const q = Math.pow(p, s + 1) + 1;
  const D = exponents.reduce((x, e) => x + e, q);
  const relays = exponents.map((e) => Math.sqrt(e / D));
  const abShare = Math.sqrt(q / D);
  let sphereFactor = Math.pow(abShare, q);
  exponents.forEach((e, k) => {
    sphereFactor *= Math.pow(relays[k]!, e);
  });
  return { sphereFactor, relays, abShare };
}

/**
 * Add a candidate to the network with overall scale δ: the unit-sphere point
 * (t·a, c, t·b) times δ. Relays are added from the top down so that each new
 * neuron's outgoing column can name the relay above it.
 */
export function addCandidate(
  net: Network,
  family: Pick<CandidateFamily, 'layer' | 'neurons' | 'relays' | 'abShare'>,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  delta: number,
): Network {
  const { layer: l, neurons, relays, abShare } = family;
  const scale = delta * abShare;
  const scaledB = Array.from(b, (v) => scale * v);
  if (neurons === 1)
    return net.addNeuron(
      l,
      Array.from(a, (v) => scale * v),
      scaledB,
    );
  // Top relay (layer l + s) first: no incoming weights yet, outgoing b.
  let grown = net.addNeuron(l + neurons - 1, [], scaledB);
  for (let k = neurons - 2; k >= 0; k--) {
    // The neuron of layer l + k feeds only the relay just added above it (the last neuron of layer l + k + 1).
    const above = grown.widths[l + k + 1]!;
    const out = new Array<number>(above).fill(0);
    out[above - 1] = delta * relays[k]!;
    grown =
      k === 0
        ? grown.addNeuron(
            l,
            Array.from(a, (v) => scale * v),
            out,
          )
        : grown.addNeuron(l + k, [], out);
  }
  return grown;
}
