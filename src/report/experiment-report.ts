/**
 * What a report shows (spec §10 items 2–5): figures and tables built from
 * stored runs or from one run. Pure data → vega-lite specs; rendering and
 * files are the caller's.
 */
import { type ModelJSON, modelFromJson } from '../io/model-format.js';
import { Network } from '../model/network.js';
import { fromRows } from '../linalg/matrix.js';
import type { IterationRecord } from '../pursuit/history.js';
import { demoTarget, getTask } from '../tasks/tasks.js';
import type { PointResult } from '../io/run-record.js';
import { chosenRuns, scoredErrors, summarize, type RunLike, type SummaryRow } from '../experiments/summary.js';
import { isIterationHistory } from '../io/run-format.js';
import type { FigureSpec } from './figure.js';
import {
  errorsPerIterationSpec,
  fitSpec,
  heatmapSpec,
  iterationsSpec,
  lossTraceSpec,
  rowDftMagnitude,
  sampleComplexitySpec,
  walkthroughFunctionSpec,
  walkthroughKktSpec,
  walkthroughWeightsSpec,
  widthsSpec,
  type ErrorPoint,
} from './charts.js';

export interface ReportFigure {
  /** File name stem: NAME.svg and NAME.png. */
  name: string;
  title: string;
  spec: FigureSpec;
}

export interface ReportContent {
  title: string;
  subtitle: string;
  figures: ReportFigure[];
  /** Preformatted text sections (tables). */
  texts: { title: string; text: string }[];
}

const ALG = (a: string) => (a === 'np' ? 'NP' : 'GD') as 'NP' | 'GD';

/** A report of a whole store: sample complexity per task, then each task's showcase run. */
export function storeReport(runs: RunLike[], storeName: string): ReportContent {
  const rows = summarize(runs.filter((r) => r.status === 'ok' || r.result === null));
  const figures: ReportFigure[] = [];
  const byTask = new Map<string, SummaryRow[]>();
  for (const r of rows) byTask.set(r.task, [...(byTask.get(r.task) ?? []), r]);
  for (const [task, taskRows] of byTask) {
    const points: ErrorPoint[] = taskRows.flatMap((r) => [
      { task, algorithm: ALG(r.algorithm), samples: r.samples, kind: 'test' as const, mean: r.testMean, lo: r.testMin, hi: r.testMax },
      { task, algorithm: ALG(r.algorithm), samples: r.samples, kind: 'train' as const, mean: r.trainMean, lo: r.trainMin, hi: r.trainMax },
    ]).filter((p) => Number.isFinite(p.mean));
    figures.push({ name: `sample-complexity-${task}`, title: `Sample complexity: ${task}`, spec: sampleComplexitySpec(task, points) });
  }
  const iters = rows.filter((r) => r.algorithm === 'np' && byTask.get(r.task)!.some((o) => o.samples !== r.samples));
  if (iters.length > 0) figures.push({ name: 'np-iterations', title: 'NP iterations against samples', spec: iterationsSpec(iters.map((r) => ({ task: r.task, samples: r.samples, iterations: r.iterationsMean }))) });

  // The showcase run of a task: NP, seed with the lowest test error at the largest sample size.
  const chosen = chosenRuns(runs).filter((r) => r.result !== null && r.algorithm === 'np');
  for (const task of [...new Set(chosen.map((r) => r.task))]) {
    const mine = chosen.filter((r) => r.task === task);
    const largest = Math.max(...mine.map((r) => r.samples));
    const best = mine.filter((r) => r.samples === largest).sort((a, b) => scoredErrors(a.result!).test - scoredErrors(b.result!).test)[0];
    if (task.startsWith('modular-addition') || task === 'pvr' || task === 'demo') {
      figures.push(...runFigures(best.result!, task, `${task} (n=${best.samples}, seed ${best.seed}, η=${best.lr})`, `${task}-`));
    }
  }
  const failed = runs.filter((r) => r.status !== 'ok').length;
  return {
    title: `Neuron Pursuit experiments: ${storeName}`,
    subtitle: `${runs.length} stored run(s), ${failed} failed. NP step size by the reporting rule of spec §10; GD by the lowest test error. Errors are relative squared errors, classification errors for modular addition.`,
    figures,
    texts: [{ title: 'Headline numbers (mean over seeds)', text: headlineTable(rows) }],
  };
}

/** Test error by task and sample size, NP against GD. */
export function headlineTable(rows: SummaryRow[]): string {
  const keys = [...new Set(rows.map((r) => `${r.task}\u0000${r.samples}`))];
  const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v.toExponential(2));
  const lines = [['task', 'samples', 'seeds', 'NP test', 'GD test', 'NP train', 'GD train', 'NP iters'].join(' | ')];
  lines.push(lines[0].replace(/[^|]/g, '-'));
  for (const k of keys) {
    const [task, n] = k.split('\u0000');
    const np = rows.find((r) => r.task === task && String(r.samples) === n && r.algorithm === 'np');
    const gd = rows.find((r) => r.task === task && String(r.samples) === n && r.algorithm === 'gd');
    lines.push([task, n, String(Math.max(np?.seeds ?? 0, gd?.seeds ?? 0)), fmt(np?.testMean), fmt(gd?.testMean), fmt(np?.trainMean), fmt(gd?.trainMean), np ? np.iterationsMean.toFixed(1) : '—'].join(' | '));
  }
  return lines.join('\n');
}

/** The figures of one run: errors and widths per iteration, the loss trace, the task's own views. */
export function runFigures(result: Pick<PointResult, 'history' | 'model'>, task: string | undefined, label: string, prefix = ''): ReportFigure[] {
  const figures: ReportFigure[] = [];
  const history = result.history;
  if (history.length > 0 && isIterationHistory(history)) {
    const classification = history.some((h) => h.testClassError !== undefined || h.trainClassError !== undefined);
    const errors = history.flatMap((h) => [
      { iteration: h.iteration, kind: classification ? 'train (classification)' : 'train', error: classification ? h.trainClassError! : h.trainError },
      ...(h.testError !== undefined ? [{ iteration: h.iteration, kind: classification ? 'test (classification)' : 'test', error: classification ? h.testClassError! : h.testError }] : []),
    ]);
    figures.push({ name: `${prefix}errors`, title: `Errors per iteration: ${label}`, spec: errorsPerIterationSpec(`errors per NP iteration: ${label}`, errors, !classification) });
    const { trace, additions } = npLossTrace(history);
    figures.push({ name: `${prefix}loss`, title: `Loss over GD steps: ${label}`, spec: lossTraceSpec(`loss over GD steps, neuron additions dashed: ${label}`, trace, additions) });
    figures.push({
      name: `${prefix}widths`,
      title: `Widths: ${label}`,
      spec: widthsSpec(history.flatMap((h) => h.widths.map((w, l) => ({ iteration: h.iteration, layer: `layer ${l + 1}`, width: w })))),
    });
  } else {
    // GD's loss trace (or an NP history that stopped before its first row)
    const trace = isIterationHistory(history) ? [] : history;
    figures.push({ name: `${prefix}loss`, title: `Loss over GD steps: ${label}`, spec: lossTraceSpec(`loss over GD steps: ${label}`, trace, []) });
  }
  figures.push(...weightFigures(result.model, task, label, prefix));
  if (task === 'demo' && history.length > 0 && isIterationHistory(history) && history.every((h) => h.weights && h.kktPoint)) figures.push(...walkthroughFigures(history, result.model, label, prefix));
  return figures;
}

/** The eight vertices of (x1, x2, x3), the other inputs at +1, with their labels. */
function demoVertices(inputDim: number): { names: string[]; X: ReturnType<typeof fromRows> } {
  const rows: number[][] = [];
  for (let v = 0; v < 8; v++) {
    const x = Array<number>(inputDim).fill(1);
    for (let b = 0; b < 3; b++) x[b] = (v >> (2 - b)) & 1 ? 1 : -1;
    rows.push(x);
  }
  return { names: rows.map((x) => x.slice(0, 3).map((s) => (s > 0 ? '+' : '−')).join('')), X: fromRows(rows) };
}

/** Paper Fig 6: per iteration, the dominant KKT vector, the weights after GD, the learned function. */
function walkthroughFigures(history: IterationRecord[], model: ModelJSON, label: string, prefix: string): ReportFigure[] {
  const d = model.widths[0], m = model.widths[model.widths.length - 1];
  const kkt: { iteration: string; component: string; order: number; value: number }[] = [];
  const weights: { iteration: string; layer: string; row: number; col: number; value: number }[] = [];
  const fn: { iteration: string; point: string; kind: string; value: number }[] = [];
  const { names, X } = demoVertices(d);
  const truth = Array.from({ length: 8 }, (_, i) => demoTarget(X.data.subarray(i * d, (i + 1) * d)));
  for (const h of history) {
    const it = `iteration ${h.iteration}${h.layers.length ? ` (layer ${h.layers.join(',')})` : ''}`;
    const point = h.kktPoint!;
    // Iteration 1: [W_1 (d), middle scalars, W_L (m)]; later: [a (k_{l−1}), b (k_{l+1})] of the new neuron.
    const inDim = h.layers.length ? (h.layers[0] === 1 ? d : history[h.iteration - 2].widths[h.layers[0] - 2]) : d;
    point.forEach((value, c) =>
      kkt.push({ iteration: it, order: h.iteration, value, component: c < inDim ? `a${c + 1}` : h.layers.length ? `b${c - inDim + 1}` : `w${c - inDim + 1}` }),
    );
    const widths = [d, ...h.widths, m];
    const net = new Network(widths, model.activation, h.weights!);
    for (let l = 1; l < widths.length; l++) {
      const W = net.layer(l);
      for (let k = 0; k < W.data.length; k++) weights.push({ iteration: it, layer: `W${l}`, row: Math.floor(k / W.cols), col: k % W.cols, value: Math.abs(W.data[k]) });
    }
    const out = net.forward(X);
    names.forEach((point, i) => {
      fn.push({ iteration: it, point, kind: 'learned', value: out.data[i] });
      fn.push({ iteration: it, point, kind: 'ground truth', value: truth[i] });
    });
  }
  return [
    { name: `${prefix}walkthrough-kkt`, title: `Walk-through, dominant KKT vectors: ${label}`, spec: walkthroughKktSpec(kkt) },
    { name: `${prefix}walkthrough-weights`, title: `Walk-through, weights after GD: ${label}`, spec: walkthroughWeightsSpec(weights) },
    { name: `${prefix}walkthrough-function`, title: `Walk-through, learned function: ${label}`, spec: walkthroughFunctionSpec(fn) },
  ];
}

/** Loss at the start and end of each NP iteration's GD stage, on one step axis. */
function npLossTrace(history: IterationRecord[]): { trace: { step: number; loss: number }[]; additions: { step: number; iteration: number }[] } {
  const trace: { step: number; loss: number }[] = [];
  const additions: { step: number; iteration: number }[] = [];
  let step = 0;
  for (const h of history) {
    if (h.iteration > 1) additions.push({ step, iteration: h.iteration });
    trace.push({ step, loss: h.iteration > 1 ? h.lossAfterAdd : h.lossBefore });
    step += h.gdSteps;
    trace.push({ step, loss: h.loss });
  }
  return { trace, additions };
}

/** Task-specific views of the weights (spec §10 items 2, 4, 5). */
function weightFigures(model: ModelJSON, task: string | undefined, label: string, prefix: string): ReportFigure[] {
  const figures: ReportFigure[] = [];
  const w = model.widths;
  if (task?.startsWith('modular-addition')) {
    const P = w[w.length - 1], k = w[1];
    const W1 = model.layers[0], W2 = model.layers[1];
    for (const [half, offset] of [['a', 0], ['b', P]] as const) {
      const rows = new Float64Array(k * P);
      for (let j = 0; j < k; j++) for (let c = 0; c < P; c++) rows[j * P + c] = W1[j * (2 * P + 1) + offset + c];
      figures.push({ name: `${prefix}dft-layer1-${half}`, title: `|DFT| of first-layer rows, input ${half}: ${label}`, spec: heatmapSpec(`|DFT| of first-layer rows (input ${half}): ${label}`, k, P, rowDftMagnitude(k, P, rows), { row: 'neuron', col: 'frequency' }) });
    }
    const cols = new Float64Array(k * P);
    for (let j = 0; j < k; j++) for (let c = 0; c < P; c++) cols[j * P + c] = W2[c * k + j];
    figures.push({ name: `${prefix}dft-layer2`, title: `|DFT| of second-layer columns: ${label}`, spec: heatmapSpec(`|DFT| of second-layer columns: ${label}`, k, P, rowDftMagnitude(k, P, cols), { row: 'neuron', col: 'frequency' }) });
  } else if (task === 'pvr' || task === 'demo') {
    for (let l = 1; l <= w.length - 1; l++) {
      const data = model.layers[l - 1].map(Math.abs);
      figures.push({ name: `${prefix}weights-layer${l}`, title: `|W${l}|: ${label}`, spec: heatmapSpec(`|W${l}| (${w[l]} × ${w[l - 1]}): ${label}`, w[l], w[l - 1], data, { row: 'neuron', col: l === 1 ? 'input' : 'neuron below' }) });
    }
  }
  if (task === 'demo') {
    // Learned function against the ground truth over the 8 vertices of (x1, x2, x3); the other inputs +1.
    const net = modelFromJson(model).network;
    const { names, X } = demoVertices(getTask('demo').inputDim);
    const out = net.forward(X);
    const values: { point: string; kind: string; value: number }[] = [];
    names.forEach((point, i) => {
      values.push({ point, kind: 'learned', value: out.data[i] });
      values.push({ point, kind: 'ground truth', value: demoTarget(X.data.subarray(i * X.cols, (i + 1) * X.cols)) });
    });
    figures.push({ name: `${prefix}function`, title: `Learned function against the ground truth: ${label}`, spec: fitSpec(`learned function vs ground truth over the vertices of (x1, x2, x3): ${label}`, values) });
  }
  return figures;
}
