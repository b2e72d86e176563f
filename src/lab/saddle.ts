/**
 * The saddle-dynamics lab (paper Figs 1–4, docs/algorithm.md §12).
 *
 * A saddle is built from NP's first iteration (the trained one-neuron-per-layer
 * network), embedded in a network of `width` neurons per hidden layer whose
 * other neurons have zero weights, and those weights (w_z) are perturbed to a
 * small random vector. GD then stays near the saddle while w_z turns towards a
 * KKT point of the NCF of the residual (the alignment → 1), escapes along it
 * with only a few neurons growing, and settles on the next plateau.
 */
import { type Matrix, clone, matrix, zeros } from '../linalg/matrix.js';
import { Rng } from '../linalg/rng.js';
import { type ActivationName, makeActivation } from '../model/activation.js';
import { Network } from '../model/network.js';
import { type TieRule, candidateFamilies } from '../ncf/candidates.js';
import { gradientDescent } from '../optim/gradient-descent.js';
import { NeuronPursuit } from '../pursuit/neuron-pursuit.js';

export interface SaddleOptions {
  activation: ActivationName;
  alpha?: number;
  depth: number;
  /** Neurons per hidden layer of the wide network. */
  width: number;
  /** ‖w_z‖ right after the perturbation. */
  perturbation: number;
  lr: number;
  steps: number;
  /** About this many log-spaced records (plus a linear grid of half as many). */
  points: number;
  /** GD steps that train the one-wide network to its stationary point. */
  saddleSteps: number;
  /** σ′ at ties when the residual is back-propagated to the candidates (as NP's `tieRule`). */
  tieRule?: TieRule;
  seed: number;
}

export const SADDLE_DEFAULTS: Record<'square' | 'relu', Omit<SaddleOptions, 'activation' | 'seed'>> = {
  square: { depth: 3, width: 10, perturbation: 0.01, lr: 0.1, steps: 30_000, points: 400, saddleSteps: 50_000 },
  relu: { depth: 3, width: 10, perturbation: 0.001, lr: 0.05, steps: 10_000, points: 400, saddleSteps: 50_000 },
};

/** The hidden neuron (layer, index) of the wide network; index ≥ 1 are the neurons of w_z. */
export interface NeuronRef {
  layer: number;
  index: number;
}

export interface SaddleRecord {
  step: number;
  loss: number;
  /** ‖w − w_saddle‖, ‖w_n − w̄_n‖, ‖w_z‖. */
  distance: number;
  distanceActive: number;
  zNorm: number;
  /** cos(w_z, ∇N(w_z)) for the NCF of the residual at the saddle. */
  alignment: number;
  /** Per hidden layer, per neuron of w_z (index 1…width−1): ‖in‖² and ‖out‖². */
  inSq: number[][];
  outSq: number[][];
}

export interface SaddleVerdict {
  saddleLoss: number;
  /** Alignment at the last record before the escape while ‖w_z‖ < 10 × its initial norm. */
  alignmentBeforeEscape: number;
  /** First record where the loss is 1% below the saddle's (null: no escape within the steps). */
  escapeStep: number | null;
  /** First record after the escape from which the loss falls by < 0.5% over the next 3% of the steps. */
  nextPlateauStep: number | null;
  /** Neurons of w_z that grew (norm above 10 × the initial ‖w_z‖) by the next plateau (or the end). */
  activeNeurons: NeuronRef[];
  /** Neurons of w_z carrying the direction at the end of the first plateau (norm ≥ ½ of the largest). */
  patternAtEscape: NeuronRef[];
  /** The neurons that grew are exactly those of the pattern formed on the first plateau. */
  sparsityKept: boolean;
  /** ‖in‖²/‖out‖² of each active neuron at the end; Lemma 9 predicts p. */
  inOutRatios: number[];
  p: number;
}

export interface SaddleResult {
  options: SaddleOptions;
  trace: SaddleRecord[];
  verdict: SaddleVerdict;
  /** |W_l| restricted to w_z (w_n entries shown as 0) at the start, the escape and the next plateau. */
  snapshots: { label: string; step: number; layers: Matrix[] }[];
}

export function runSaddleLab(
  X: Matrix,
  Y: Matrix,
  options: SaddleOptions,
  onProgress?: (step: number, total: number) => void,
): SaddleResult {
  const o = options;
  if (o.width < 2) throw new RangeError('the wide network needs width ≥ 2');
  const act = makeActivation({ name: o.activation, alpha: o.alpha });
  const saddle = new NeuronPursuit({
    depth: o.depth,
    activation: o.activation,
    alpha: o.alpha,
    maxIterations: 1,
    targetError: 0,
    gdSteps: o.saddleSteps,
    tol: 1e-9,
    lr: o.lr,
    restarts: 20,
    pgaSteps: 1000,
    seed: o.seed,
  }).fit(X, Y).network;

  const widths = [X.cols, ...Array<number>(o.depth - 1).fill(o.width), Y.cols];
  const net = new Network(widths, act);
  const inZ = zMask(net);
  embed(saddle, net);
  const wSaddle = net.params.slice();
  const rng = new Rng(o.seed, 'saddle/perturbation');
  const zIdx: number[] = [];
  for (const [i, z] of inZ.entries()) if (z) zIdx.push(i);
  const direction = rng.onSphere(zIdx.length, o.perturbation);
  for (const [k, i] of zIdx.entries()) net.params[i] = direction[k]!;

  const ncfGrad = saddleNcfGradient(saddle, X, Y, net, o.tieRule ?? 'low');
  const schedule = recordSchedule(o.steps, o.points);
  const trace: SaddleRecord[] = [];
  const snapshots: { step: number; params: Float64Array }[] = [];
  let step = 0;
  for (const target of schedule) {
    if (target > step) {
      gradientDescent(net, X, Y, {
        lr: o.lr,
        maxSteps: target - step,
        targetError: 0,
        tol: 0,
        checkEvery: target - step,
        maxHalvings: 4,
      });
      step = target;
      onProgress?.(step, o.steps);
    }
    trace.push(record(net, X, Y, step, wSaddle, inZ, ncfGrad));
    snapshots.push({ step, params: net.params.slice() });
  }
  const verdict = judge(trace, o.perturbation, act.p);
  const at = (label: string, s: number | null) => {
    const k = s === null ? snapshots.length - 1 : snapshots.findIndex((x) => x.step === s);
    const copy = new Network(
      widths,
      act,
      snapshots[k]!.params.map((v, i) => (inZ[i] ? Math.abs(v) : 0)),
    );
    return {
      label,
      step: snapshots[k]!.step,
      layers: Array.from({ length: o.depth }, (_, l) => clone(copy.layer(l + 1))),
    };
  };
  const escapeIndex =
    verdict.escapeStep === null
      ? trace.length - 1
      : Math.max(0, trace.findIndex((r) => r.step === verdict.escapeStep) - 1);
  return {
    options: o,
    trace,
    verdict,
    snapshots: [
      at('start', 0),
      at('end of first plateau', trace[escapeIndex]!.step),
      at('next plateau', verdict.nextPlateauStep),
    ],
  };
}

/** True for the weights that touch a neuron of index ≥ 1 (the neurons that are zero at the saddle). */
function zMask(net: Network): boolean[] {
  const mask: boolean[] = [];
  for (let l = 1; l <= net.depth; l++) {
    const W = net.layer(l);
    for (let i = 0; i < W.rows; i++) {
      for (let j = 0; j < W.cols; j++) {
        const rowActive = l === net.depth || i === 0;
        const colActive = l === 1 || j === 0;
        mask.push(!(rowActive && colActive));
      }
    }
  }
  return mask;
}

/** Copy the one-wide saddle into neuron 0 of every hidden layer of the wide network. */
function embed(saddle: Network, net: Network): void {
  for (let l = 1; l <= net.depth; l++) {
    const S = saddle.layer(l),
      W = net.layer(l);
    for (let i = 0; i < S.rows; i++) for (let j = 0; j < S.cols; j++) W.data[i * W.cols + j] = S.data[i * S.cols + j]!;
  }
}

/**
 * ∇N(w_z) over the wide network's weights, for the NCF of the residual at the
 * saddle: every zero neuron j of layer l is a candidate (a_j, b_j) of that
 * layer (its weights from/to the saddle's active neurons). Weights between two
 * zero neurons enter H at higher order and get 0.
 */
function saddleNcfGradient(
  saddle: Network,
  X: Matrix,
  Y: Matrix,
  wide: Network,
  tieRule: TieRule,
): (net: Network) => Float64Array {
  const H = saddle.forward(X);
  const R = matrix(
    Y.rows,
    Y.cols,
    Y.data.map((y, i) => y - H.data[i]!),
  );
  const parts = candidateFamilies(saddle, X, R, { tieRule, maxPath: 1 }).map((f) => f.ncf);
  const L = wide.depth,
    width = wide.widths[1]!;
  return (net) => {
    const grad = new Float64Array(net.size);
    for (let l = 1; l < L; l++) {
      const part = parts[l - 1]!,
        Win = net.layer(l),
        Wout = net.layer(l + 1);
      const points = zeros(width - 1, part.dim);
      const inStart = net.layerOffset(l),
        outStart = net.layerOffset(l + 1);
      const inIndex = (j: number, c: number) => inStart + j * Win.cols + (l === 1 ? c : 0);
      const outIndex = (j: number, c: number) => outStart + (l + 1 === L ? c : 0) * Wout.cols + j;
      for (let j = 1; j < width; j++) {
        for (let c = 0; c < part.inDim; c++) points.data[(j - 1) * part.dim + c] = net.params[inIndex(j, c)]!;
        for (let c = 0; c < part.outDim; c++)
          points.data[(j - 1) * part.dim + part.inDim + c] = net.params[outIndex(j, c)]!;
      }
      const values = new Float64Array(width - 1),
        g = zeros(width - 1, part.dim);
      part.evaluate(points, values, g);
      for (let j = 1; j < width; j++) {
        for (let c = 0; c < part.inDim; c++) grad[inIndex(j, c)] = g.data[(j - 1) * part.dim + c]!;
        for (let c = 0; c < part.outDim; c++) grad[outIndex(j, c)] = g.data[(j - 1) * part.dim + part.inDim + c]!;
      }
    }
    return grad;
  };
}

function record(
  net: Network,
  X: Matrix,
  Y: Matrix,
  step: number,
  wSaddle: Float64Array,
  inZ: boolean[],
  ncfGrad: (net: Network) => Float64Array,
): SaddleRecord {
  const g = ncfGrad(net);
  let dist = 0,
    distN = 0,
    z = 0,
    gz = 0,
    dotZG = 0;
  net.params.forEach((w, i) => {
    const d = w - wSaddle[i]!;
    dist += d * d;
    if (inZ[i]) {
      z += w * w;
      gz += g[i]! * g[i]!;
      dotZG += w * g[i]!;
    } else distN += d * d;
  });
  const inSq: number[][] = [],
    outSq: number[][] = [];
  for (let l = 1; l < net.depth; l++) {
    const ins: number[] = [],
      outs: number[] = [];
    for (let j = 1; j < net.widths[l]!; j++) {
      const { inSq: a, outSq: b } = net.neuronNorms(l, j);
      ins.push(a);
      outs.push(b);
    }
    inSq.push(ins);
    outSq.push(outs);
  }
  return {
    step,
    loss: net.loss(X, Y),
    distance: Math.sqrt(dist),
    distanceActive: Math.sqrt(distN),
    zNorm: Math.sqrt(z),
    alignment: z > 0 && gz > 0 ? dotZG / Math.sqrt(z * gz) : 0,
    inSq,
    outSq,
  };
}

/** 0, then about `points` log-spaced steps up to `steps`, merged with a linear grid of points/2. */
export function recordSchedule(steps: number, points: number): number[] {
  const set = new Set<number>([0, steps]);
  for (let k = 0; k <= points; k++) set.add(Math.round(Math.pow(steps, k / points)));
  for (let k = 1; k <= points / 2; k++) set.add(Math.round((k * steps) / (points / 2)));
  return [...set].filter((s) => s >= 0 && s <= steps).sort((a, b) => a - b);
}

function judge(trace: SaddleRecord[], eps: number, p: number): SaddleVerdict {
  const saddleLoss = trace[0]!.loss;
  const escapeAt = trace.findIndex((r) => r.loss < 0.99 * saddleLoss);
  const escapeStep = escapeAt < 0 ? null : trace[escapeAt]!.step;
  const before = trace.filter((r, k) => (escapeAt < 0 || k < escapeAt) && r.zNorm < 10 * eps);
  const alignmentBeforeEscape = before.length ? before[before.length - 1]!.alignment : NaN;

  // The next plateau: the first record after the escape from which the loss
  // falls by less than 0.5% over the next 3% of the elapsed steps.
  let nextPlateauStep: number | null = null;
  if (escapeAt >= 0) {
    for (let k = escapeAt; k < trace.length; k++) {
      const ahead = trace.find((r) => r.step >= trace[k]!.step * 1.03 && r.step > trace[k]!.step);
      if (!ahead) break;
      if (trace[k]!.loss - ahead.loss < 0.005 * trace[k]!.loss) {
        nextPlateauStep = trace[k]!.step;
        break;
      }
    }
  }
  const at = nextPlateauStep === null ? trace[trace.length - 1]! : trace.find((r) => r.step === nextPlateauStep)!;
  const neuronNorms = (r: SaddleRecord) =>
    r.inSq.flatMap((layer, l) =>
      layer.map((a, j) => ({ layer: l + 1, index: j + 1, norm: Math.sqrt(a + r.outSq[l]![j]!) })),
    );
  const activeNeurons = neuronNorms(at)
    .filter((x) => x.norm > 10 * eps)
    .map(({ layer, index }) => ({ layer, index }));
  const escapeRecord = escapeAt > 0 ? trace[escapeAt - 1]! : trace[trace.length - 1]!;
  const norms = neuronNorms(escapeRecord);
  const largest = Math.max(...norms.map((x) => x.norm));
  const patternAtEscape = norms.filter((x) => x.norm >= 0.5 * largest).map(({ layer, index }) => ({ layer, index }));
  const key = (x: NeuronRef) => `${x.layer}:${x.index}`;
  const sparsityKept =
    escapeStep !== null &&
    activeNeurons.length === patternAtEscape.length &&
    activeNeurons.every((x) => patternAtEscape.some((y) => key(x) === key(y)));
  const end = trace[trace.length - 1]!;
  const inOutRatios = activeNeurons.map(
    ({ layer, index }) => end.inSq[layer - 1]![index - 1]! / end.outSq[layer - 1]![index - 1]!,
  );
  return {
    saddleLoss,
    alignmentBeforeEscape,
    escapeStep,
    nextPlateauStep,
    activeNeurons,
    patternAtEscape,
    sparsityKept,
    inOutRatios,
    p,
  };
}
