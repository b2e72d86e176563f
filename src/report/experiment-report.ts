/**
 * What a report shows (docs/algorithm.md §12): figures and tables built from
 * stored runs or from one run. Pure data → vega-lite specs; rendering and
 * files are the caller's.
 */
import { type ModelJSON, modelFromJson } from '../io/model-format.js';
import { Network } from '../model/network.js';
import type { IterationRecord } from '../pursuit/history.js';
import { cubeVertices, getTask, planeGrid, type TaskView } from '../tasks/tasks.js';
import type { PointResult, StoredRun } from '../io/run-record.js';
import { runsCsv, runsParquet } from '../io/run-table.js';
import { knownNetworkAlgorithm, NETWORK_ALGORITHMS } from '../estimators/registry.js';
import { chosenRuns, scoredErrors, summarize, type SummaryRow } from '../experiments/summary.js';
import { isIterationHistory } from '../io/run-format.js';
import type { FigureSpec } from './figure.js';
import { htmlTable } from './html.js';
import { gdStopLabel } from '../optim/gradient-descent.js';
import {
  errorsPerIterationSpec,
  fitSpec,
  heatmapSpec,
  planeSpec,
  iterationsSpec,
  lossTraceSpec,
  rowDftMagnitude,
  sampleComplexitySpec,
  walkthroughFunctionSpec,
  walkthroughKktSpec,
  walkthroughWeightsSpec,
  widthsSpec,
  type Addition,
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
  /** Sections of HTML (tables, notes) before the figures. */
  texts: { title: string; html: string }[];
  /** Data files written beside the page, which links them (a store's runs as CSV and Parquet). */
  files?: Record<string, string | Uint8Array>;
}

/** What the errors on every report page mean, and where the method is written down. */
export const READING_NOTE =
  '<p class="note">Errors: the relative squared error Σ‖H(x) − y‖² / Σ‖y‖² over the training or test set ' +
  '(0 is a perfect fit, 1 what the zero function scores; with <code>--standardize</code>, of the standardized ' +
  'targets); for classification tasks the classification error, the fraction of points whose largest output is ' +
  'not the target&#39;s. The method, its defaults and the departures from the paper (Kumar &amp; Haupt, ' +
  '<a href="https://arxiv.org/abs/2509.12154">arXiv:2509.12154</a>): docs/algorithm.md in the neuron-pursuit ' +
  'package (§2 errors, §6 gradient descent, §12 these figures).</p>';

/** The registry's label of an algorithm ('NP'); a name this build does not know stands for itself. */
const label = (algorithm: string) => knownNetworkAlgorithm(algorithm)?.label ?? algorithm;
/** Whether an algorithm's runs have iterations to plot and to show (the registry's `iterative`). */
const iterative = (algorithm: string) => knownNetworkAlgorithm(algorithm)?.iterative ?? false;

const RULES =
  'NP step size by the reporting rule of docs/algorithm.md §12; GD by the lowest test error. ' +
  'Errors are relative squared errors, classification errors for classification tasks.';

/** A report of a whole store: sample complexity per task, then each task's showcase run; the runs as data files. */
export function storeReport(runs: StoredRun[], storeName: string): ReportContent {
  const rows = summarize(runs.filter((r) => r.status === 'ok' || r.result === null));
  const figures: ReportFigure[] = [];
  const byTask = new Map<string, SummaryRow[]>();
  for (const r of rows) byTask.set(r.task, [...(byTask.get(r.task) ?? []), r]);
  for (const [task, taskRows] of byTask) {
    const points: ErrorPoint[] = taskRows
      .flatMap((r) => [
        {
          task,
          algorithm: label(r.algorithm),
          samples: r.samples,
          kind: 'test' as const,
          mean: r.testMean,
          lo: r.testMin,
          hi: r.testMax,
        },
        {
          task,
          algorithm: label(r.algorithm),
          samples: r.samples,
          kind: 'train' as const,
          mean: r.trainMean,
          lo: r.trainMin,
          hi: r.trainMax,
        },
      ])
      .filter((p) => Number.isFinite(p.mean));
    const classification = runs.some((r) => r.task === task && r.result?.testClassError !== undefined);
    figures.push({
      name: `sample-complexity-${task}`,
      title: `Sample complexity: ${task}`,
      spec: sampleComplexitySpec(task, points, classification),
    });
  }
  for (const algorithm of NETWORK_ALGORITHMS.filter(iterative)) {
    const iters = rows.filter(
      (r) => r.algorithm === algorithm && byTask.get(r.task)!.some((o) => o.samples !== r.samples),
    );
    if (iters.length === 0) continue;
    const values = iters.map((r) => ({ task: r.task, samples: r.samples, iterations: r.iterationsMean }));
    const name = label(algorithm);
    figures.push({
      name: `${algorithm}-iterations`,
      title: `${name} iterations against samples`,
      spec: iterationsSpec(name, values),
    });
  }

  // The showcase run of a task: an iterative algorithm's (NP's), the seed with the lowest test error at the
  // largest sample size.
  const chosen = chosenRuns(runs).filter((r) => r.result !== null && iterative(r.algorithm));
  for (const task of [...new Set(chosen.map((r) => r.task))]) {
    const mine = chosen.filter((r) => r.task === task);
    const largest = Math.max(...mine.map((r) => r.samples));
    const best = mine
      .filter((r) => r.samples === largest)
      .sort((a, b) => scoredErrors(a.result!).test - scoredErrors(b.result!).test)[0]!;
    if (taskViews(task).length > 0) {
      figures.push(
        ...runFigures(best.result!, task, `${task} (n=${best.samples}, seed ${best.seed}, η=${best.lr})`, `${task}-`),
      );
    }
  }
  const failed = runs.filter((r) => r.status !== 'ok').length;
  return {
    title: `Neuron Pursuit experiments: ${storeName}`,
    subtitle: `${runs.length} stored run(s), ${failed} failed. ${RULES}`,
    figures,
    texts: [
      { title: 'Headline numbers (mean over seeds)', html: headlineTable(rows) },
      { title: 'Data', html: DATA_NOTE },
      { title: 'Reading this page', html: READING_NOTE },
    ],
    files: { 'runs.csv': runsCsv(runs), 'runs.parquet': runsParquet(runs) },
  };
}

/** The data files' section of a store's report. */
const DATA_NOTE =
  '<p>Every run as one flat row, every option and metric a column: <a href="runs.csv">runs.csv</a> and ' +
  '<a href="runs.parquet">runs.parquet</a>, beside this page (what <code>neuron-pursuit runs --format csv</code> ' +
  'and <code>--format parquet</code> write; the columns are listed in docs/experiments.md of the neuron-pursuit ' +
  'package).</p>';

/** Test and training error by task and sample size, one column per network algorithm; iterations where they count. */
export function headlineTable(rows: SummaryRow[]): string {
  const keys = [...new Set(rows.map((r) => `${r.task}\u0000${r.samples}`))];
  const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v.toExponential(2));
  const algorithms = NETWORK_ALGORITHMS.filter((a) => rows.some((r) => r.algorithm === a));
  const counted = algorithms.filter(iterative);
  const header = [
    ...['task', 'samples', 'seeds'],
    ...algorithms.map((a) => `${label(a)} test`),
    ...algorithms.map((a) => `${label(a)} train`),
    ...counted.map((a) => `${label(a)} iterations`),
  ];
  const body = keys.map((k) => {
    const [task, n] = k.split('\u0000');
    const row = (a: string) => rows.find((r) => r.task === task && String(r.samples) === n && r.algorithm === a);
    return [
      task!,
      n!,
      String(Math.max(...algorithms.map((a) => row(a)?.seeds ?? 0))),
      ...algorithms.map((a) => fmt(row(a)?.testMean)),
      ...algorithms.map((a) => fmt(row(a)?.trainMean)),
      ...counted.map((a) => row(a)?.iterationsMean.toFixed(1) ?? '—'),
    ];
  });
  return htmlTable(header, body);
}

/** One row per NP iteration, as `train` prints it: what was added, the GD stage and how it ended, the errors. */
export function iterationTable(history: IterationRecord[]): string {
  const sci = (v: number | undefined, digits = 2) =>
    v === undefined ? '' : Number.isFinite(v) ? (v === 0 ? '0' : v.toExponential(digits)) : String(v);
  const tested = history.some((h) => h.testError !== undefined);
  const header = ['iteration', 'layer', 'NCF', 'δ', 'GD steps', 'GD stop', 'loss', 'train error'];
  if (tested) header.push('test error');
  header.push('widths');
  const rows = history.map((h) => [
    String(h.iteration),
    h.layers.length ? h.layers.join(', ') : '—',
    sci(h.ncfValue),
    h.delta.toPrecision(3) + (h.deltaShrinks ? ` / ${2 ** h.deltaShrinks}` : ''),
    h.gdSteps.toLocaleString('en-US'),
    gdStopLabel(h.gdStopReason, h.gdHalvings),
    sci(h.loss),
    sci(h.trainError),
    ...(tested ? [sci(h.testError)] : []),
    h.widths.join(' × '),
  ]);
  return htmlTable(header, rows);
}

/** The figures of one run: errors and widths per iteration, the loss trace, the task's own views. */
export function runFigures(
  result: Pick<PointResult, 'history' | 'model'>,
  task: string | undefined,
  label: string,
  prefix = '',
): ReportFigure[] {
  const figures: ReportFigure[] = [];
  const history = result.history;
  if (history.length > 0 && isIterationHistory(history)) {
    const classification = history.some((h) => h.testClassError !== undefined || h.trainClassError !== undefined);
    const errors = history.flatMap((h) => [
      {
        iteration: h.iteration,
        kind: classification ? 'train (classification)' : 'train',
        error: classification ? h.trainClassError! : h.trainError,
      },
      ...(h.testError !== undefined
        ? [
            {
              iteration: h.iteration,
              kind: classification ? 'test (classification)' : 'test',
              error: classification ? h.testClassError! : h.testError,
            },
          ]
        : []),
    ]);
    figures.push({
      name: `${prefix}errors`,
      title: `Errors per iteration: ${label}`,
      spec: errorsPerIterationSpec(`errors per NP iteration: ${label}`, errors, classification),
    });
    const { trace, additions } = npLossTrace(history);
    const checks = history.every((h) => h.gdTrace) ? 'at every GD check' : 'at the start and end of each GD stage';
    figures.push({
      name: `${prefix}loss`,
      title: `Loss over GD steps: ${label}`,
      spec: lossTraceSpec(`loss ${checks}; dashed: a neuron added (+L1: to layer 1): ${label}`, trace, additions),
    });
    figures.push({
      name: `${prefix}widths`,
      title: `Widths: ${label}`,
      spec: widthsSpec(
        history.flatMap((h) => h.widths.map((w, l) => ({ iteration: h.iteration, layer: `layer ${l + 1}`, width: w }))),
      ),
    });
  } else {
    // GD's loss trace (or an NP history that stopped before its first row)
    const trace = isIterationHistory(history) ? [] : history;
    figures.push({
      name: `${prefix}loss`,
      title: `Loss over GD steps: ${label}`,
      spec: lossTraceSpec(`loss over GD steps: ${label}`, trace, []),
    });
  }
  figures.push(...viewFigures(taskViews(task), result, label, prefix));
  return figures;
}

/** The views a task declares; for CSV data, the weight heatmaps; none for a task this build does not know. */
function taskViews(task: string | undefined): readonly TaskView[] {
  if (task === undefined) return [{ kind: 'weight-heatmaps' }];
  try {
    return getTask(task).views;
  } catch {
    return [];
  }
}

/** The figures of a task's views (docs/algorithm.md §12), in the order the task lists them. */
function viewFigures(
  views: readonly TaskView[],
  result: Pick<PointResult, 'history' | 'model'>,
  label: string,
  prefix: string,
): ReportFigure[] {
  return views.flatMap((view) => viewFigure(view, result, label, prefix));
}

function viewFigure(
  view: TaskView,
  result: Pick<PointResult, 'history' | 'model'>,
  label: string,
  prefix: string,
): ReportFigure[] {
  const { history, model } = result;
  switch (view.kind) {
    case 'weight-heatmaps':
      return weightHeatmaps(model, label, prefix);
    case 'fourier':
      return fourierFigures(model, view.inputBlocks, label, prefix);
    case 'vertex-function':
      return [vertexFunctionFigure(model, view, label, prefix)];
    case 'plane':
      return [planeFigure(model, view, label, prefix)];
    case 'walkthrough':
      // drawn when the run recorded every iteration's KKT vector and weights
      return history.length > 0 && isIterationHistory(history) && history.every((h) => h.weights && h.kktPoint)
        ? walkthroughFigures(history, model, view, label, prefix)
        : [];
  }
}

/** Paper Fig 6: per iteration, the dominant KKT vector, the weights after GD, the learned function. */
function walkthroughFigures(
  history: IterationRecord[],
  model: ModelJSON,
  view: { coordinates: number; target: (x: ArrayLike<number>) => number },
  label: string,
  prefix: string,
): ReportFigure[] {
  const d = model.widths[0]!,
    m = model.widths[model.widths.length - 1]!;
  const kkt: { iteration: string; component: string; order: number; value: number }[] = [];
  const weights: { iteration: string; layer: string; row: number; col: number; value: number }[] = [];
  const fn: { iteration: string; point: string; kind: string; value: number }[] = [];
  const { names, X } = cubeVertices(d, view.coordinates);
  const truth = names.map((_, i) => view.target(X.data.subarray(i * d, (i + 1) * d)));
  for (const h of history) {
    const it = `iteration ${h.iteration}${h.layers.length ? ` (layer ${h.layers.join(',')})` : ''}`;
    const point = h.kktPoint!;
    // Iteration 1: [W_1 (d), middle scalars, W_L (m)]; later: [a (k_{l−1}), b (k_{l+1})] of the new neuron.
    const inDim = h.layers.length ? (h.layers[0] === 1 ? d : history[h.iteration - 2]!.widths[h.layers[0]! - 2]!) : d;
    for (const [c, value] of point.entries()) {
      const component = c < inDim ? `a${c + 1}` : h.layers.length ? `b${c - inDim + 1}` : `w${c - inDim + 1}`;
      kkt.push({ iteration: it, order: h.iteration, value, component });
    }
    const widths = [d, ...h.widths, m];
    const net = new Network(widths, model.activation, h.weights!);
    for (let l = 1; l < widths.length; l++) {
      const W = net.layer(l);
      for (let k = 0; k < W.data.length; k++)
        weights.push({
          iteration: it,
          layer: `W${l}`,
          row: Math.floor(k / W.cols),
          col: k % W.cols,
          value: Math.abs(W.data[k]!),
        });
    }
    const out = net.forward(X);
    names.forEach((point, i) => {
      fn.push({ iteration: it, point, kind: 'learned', value: out.data[i]! });
      fn.push({ iteration: it, point, kind: 'ground truth', value: truth[i]! });
    });
  }
  return [
    {
      name: `${prefix}walkthrough-kkt`,
      title: `Walk-through, dominant KKT vectors: ${label}`,
      spec: walkthroughKktSpec(kkt),
    },
    {
      name: `${prefix}walkthrough-weights`,
      title: `Walk-through, weights after GD: ${label}`,
      spec: walkthroughWeightsSpec(weights),
    },
    {
      name: `${prefix}walkthrough-function`,
      title: `Walk-through, learned function: ${label}`,
      spec: walkthroughFunctionSpec(fn),
    },
  ];
}

/**
 * The loss over all GD steps of a fit, on one step axis: at every GD check where the history has it (`gdTrace`),
 * else at the start and end of each stage (older files); and where each neuron addition happened.
 */
function npLossTrace(history: IterationRecord[]): { trace: { step: number; loss: number }[]; additions: Addition[] } {
  const trace: { step: number; loss: number }[] = [];
  const additions: Addition[] = [];
  let step = 0;
  for (const h of history) {
    if (h.iteration > 1) {
      const layers = [...new Set(h.layers)].map((l) => `L${l}`).join('+');
      additions.push({ step, iteration: h.iteration, label: `+${layers}` });
    }
    if (h.gdTrace && h.gdTrace.length > 0) for (const c of h.gdTrace) trace.push({ step: step + c.step, loss: c.loss });
    else {
      trace.push({ step, loss: h.iteration > 1 ? h.lossAfterAdd : h.lossBefore });
      trace.push({ step: step + h.gdSteps, loss: h.loss });
    }
    step += h.gdSteps;
  }
  return { trace, additions };
}

/** |W_l| of every layer; the first layer's columns named by the CSV features (and the intercept) when known. */
function weightHeatmaps(model: ModelJSON, label: string, prefix: string): ReportFigure[] {
  const w = model.widths;
  const inputs = model.features && [...model.features, ...(model.preprocessing?.intercept ? ['1 (intercept)'] : [])];
  return model.layers.map((layer, i) => {
    const l = i + 1,
      rows = w[l]!,
      cols = w[l - 1]!;
    const title = `|W${l}| (${rows} × ${cols}): ${label}`;
    const spec = heatmapSpec(
      title,
      rows,
      cols,
      layer.map(Math.abs),
      { row: 'neuron', col: l === 1 ? 'input' : 'neuron below' },
      l === 1 ? inputs : undefined,
    );
    return { name: `${prefix}weights-layer${l}`, title: `|W${l}|: ${label}`, spec };
  });
}

/** |DFT| of the first layer's rows over each block of inputs, and of the second layer's columns over the outputs. */
function fourierFigures(
  model: ModelJSON,
  blocks: { name: string; start: number; length: number }[],
  label: string,
  prefix: string,
): ReportFigure[] {
  const w = model.widths,
    d = w[0]!,
    k = w[1]!,
    m = w[w.length - 1]!;
  const [W1, W2] = [model.layers[0]!, model.layers[1]!];
  const labels = { row: 'neuron', col: 'frequency' };
  const figures: ReportFigure[] = blocks.map(({ name, start, length }) => {
    const rows = new Float64Array(k * length);
    for (let j = 0; j < k; j++) for (let c = 0; c < length; c++) rows[j * length + c] = W1[j * d + start + c]!;
    const title = `|DFT| of first-layer rows (input ${name}): ${label}`;
    const spec = heatmapSpec(title, k, length, rowDftMagnitude(k, length, rows), labels);
    return { name: `${prefix}dft-layer1-${name}`, title: `|DFT| of first-layer rows, input ${name}: ${label}`, spec };
  });
  const cols = new Float64Array(k * m);
  for (let j = 0; j < k; j++) for (let c = 0; c < m; c++) cols[j * m + c] = W2[c * k + j]!;
  const title = `|DFT| of second-layer columns: ${label}`;
  figures.push({
    name: `${prefix}dft-layer2`,
    title,
    spec: heatmapSpec(title, k, m, rowDftMagnitude(k, m, cols), labels),
  });
  return figures;
}

/** The learned function against the task's target on the vertices of its first inputs. */
function vertexFunctionFigure(
  model: ModelJSON,
  view: { coordinates: number; target: (x: ArrayLike<number>) => number },
  label: string,
  prefix: string,
): ReportFigure {
  const net = modelFromJson(model).network;
  const { names, X } = cubeVertices(net.inputDim, view.coordinates);
  const out = net.forward(X);
  const values: { point: string; kind: string; value: number }[] = [];
  names.forEach((point, i) => {
    values.push({ point, kind: 'learned', value: out.data[i]! });
    values.push({ point, kind: 'ground truth', value: view.target(X.data.subarray(i * X.cols, (i + 1) * X.cols)) });
  });
  const coordinates = Array.from({ length: view.coordinates }, (_, b) => `x${b + 1}`).join(', ');
  const title = `learned function vs ground truth over the vertices of (${coordinates}): ${label}`;
  return {
    name: `${prefix}function`,
    title: `Learned function against the ground truth: ${label}`,
    spec: fitSpec(title, values, `vertex (${coordinates})`),
  };
}

/** The learned function beside the target over the plane of the first two inputs, as two heatmaps. */
function planeFigure(
  model: ModelJSON,
  view: { extent: number; target: (x: ArrayLike<number>) => number },
  label: string,
  prefix: string,
): ReportFigure {
  const net = modelFromJson(model).network;
  const size = 24,
    cell = (2 * view.extent) / size;
  const X = planeGrid(net.inputDim, view.extent, size);
  const out = net.forward(X);
  const values: { x1: number; x2: number; kind: string; value: number }[] = [];
  for (let r = 0; r < X.rows; r++) {
    const x = X.data.subarray(r * X.cols, (r + 1) * X.cols);
    const at = { x1: x[0]! - cell / 2, x2: x[1]! - cell / 2 };
    values.push({ ...at, kind: 'learned', value: out.data[r * out.cols]! });
    values.push({ ...at, kind: 'ground truth', value: view.target(x) });
  }
  return {
    name: `${prefix}plane`,
    title: `Learned function against the ground truth over the plane: ${label}`,
    spec: planeSpec(`learned function and ground truth over (x1, x2): ${label}`, values, cell, view.extent),
  };
}
