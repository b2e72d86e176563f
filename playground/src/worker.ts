/**
 * The fit, in a Web Worker so the page never freezes. It draws the data as `neuron-pursuit train` does
 * (src/tasks' `taskData`, CSV through src/io/csv.ts) and runs Neuron Pursuit one event at a time
 * (`NeuronPursuit.start`): after every event — at the latest every GD check — it lets the page's messages in, so
 * Pause takes effect there, and Run goes on from the same state (the history is the command line's).
 * It tells the page what happened at most every POST_EVERY_MS, and at every iteration's end.
 */
import { networkToOnnx } from '../../src/export/onnx.js';
import { parseCsv, splitColumns } from '../../src/io/csv.js';
import { modelToJson } from '../../src/io/model-format.js';
import { historyFile, runFileText } from '../../src/io/run-format.js';
import { type Matrix, zeros } from '../../src/linalg/matrix.js';
import { Network } from '../../src/model/network.js';
import type { IterationRecord, PursuitEvent } from '../../src/pursuit/history.js';
import { type FittedNeuronPursuit, NeuronPursuit, type PursuitRun } from '../../src/pursuit/neuron-pursuit.js';
import type { NeuronPursuitOptions } from '../../src/pursuit/options.js';
import { type Dataset, cubeVertices, getTask, planeGrid, taskData } from '../../src/tasks/tasks.js';
import { type Config, ESTIMATOR_KEYS, taskName } from './config.js';
import type {
  Added,
  CsvUpload,
  DownloadFile,
  FitState,
  FromWorker,
  Progress,
  Resolved,
  ToWorker,
  ViewSetup,
} from './protocol.js';

/** Cells per side of the plane views' grid. */
const PLANE_SIZE = 64;
const POST_EVERY_MS = 100;

interface Fit {
  run: PursuitRun;
  train: Dataset;
  test?: Dataset;
  columns?: { features: string[]; targets: string[] };
  state: FitState;
  iteration: number;
  phase: string;
  /** GD steps of the finished iterations. */
  stepsBefore: number;
  /** Not yet sent to the page. */
  checks: number[];
  records: IterationRecord[];
  /** The layers of the neurons the current iteration adds (from its 'ncf' event), until the network has them. */
  adding: number[] | null;
  added: Added | null;
  ncfValue: number;
  stop?: Progress['stop'];
  fitted?: FittedNeuronPursuit;
  grids: { plane?: Matrix; vertices?: Matrix };
  /** A copy of the network for the views (its own kernel arenas, so the run's stay as they are). */
  viewer?: Network;
  /** The event after a Step's last: the next iteration's start, which Run or Step takes up. */
  lookahead?: IteratorResult<PursuitEvent, FittedNeuronPursuit>;
}

let fit: Fit | null = null;
let pauseRequested = false;

const send = (message: FromWorker, transfer: Transferable[] = []) => self.postMessage(message, { transfer });

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const message = e.data;
  switch (message.type) {
    case 'load':
      load(message.config, message.csv);
      break;
    case 'run':
      void drive('end');
      break;
    case 'step':
      void drive('iteration');
      break;
    case 'pause':
      pauseRequested = true;
      break;
    case 'download':
      download(message.file);
      break;
  }
};

function load(config: Config, csv: CsvUpload | undefined): void {
  fit = null;
  pauseRequested = true; // a fit still being driven stops at its next event
  try {
    const name = taskName(config);
    const task = name === undefined ? undefined : getTask(name);
    const given: NeuronPursuitOptions = { seed: config.seed };
    for (const key of ESTIMATOR_KEYS) if (config[key] !== undefined) Object.assign(given, { [key]: config[key] });
    let data: { train: Dataset; test?: Dataset; columns?: Fit['columns'] };
    let resolvedColumns: Pick<Resolved, 'columns' | 'target'> = {};
    if (task) {
      data = taskData(task, config.seed, { samples: config.samples, noise: config.noise });
    } else {
      if (!csv) throw new Error('upload a CSV file to train on (a link does not carry the data)');
      const table = parseCsv(csv.text, csv.name);
      const target = config.target ?? table.columns.at(-1)!;
      const { X, Y, features } = splitColumns(table, [target], csv.name);
      data = { train: { X, Y }, columns: { features, targets: [target] } };
      resolvedColumns = { columns: table.columns, target };
    }
    const estimator = new NeuronPursuit({ ...task?.defaults, ...given });
    const test = data.test && data.test.X.rows > 0 ? data.test : undefined;
    const run = estimator.start(data.train.X, data.train.Y, test ? { testX: test.X, testY: test.Y } : {});
    const o = estimator.options;
    const views: ViewSetup = {};
    const grids: Fit['grids'] = {};
    for (const view of task?.views ?? []) {
      if (view.kind === 'plane') {
        const X = planeGrid(task!.inputDim, view.extent, PLANE_SIZE);
        grids.plane = X;
        views.plane = { extent: view.extent, size: PLANE_SIZE, truth: valuesAt(X, view.target) };
      } else if (view.kind === 'vertex-function') {
        const { names, X } = cubeVertices(task!.inputDim, view.coordinates);
        grids.vertices = X;
        views.vertices = { names, coordinates: view.coordinates, truth: valuesAt(X, view.target) };
      }
    }
    fit = {
      run,
      train: data.train,
      test,
      columns: data.columns,
      state: 'ready',
      iteration: 0,
      phase: 'ready',
      stepsBefore: 0,
      checks: [],
      records: [],
      adding: null,
      added: null,
      ncfValue: 0,
      grids,
    };
    send({
      type: 'ready',
      resolved: {
        activation: o.activation,
        alpha: estimator.activation().alpha,
        depth: o.depth,
        samples: data.train.X.rows,
        testSamples: test?.X.rows ?? 0,
        lr: o.lr,
        pgaLr: o.pgaLr,
        ...resolvedColumns,
      },
      description: task?.description ?? `${csv?.name}: ${data.train.X.rows} rows, ${data.train.X.cols} features`,
      hiddenLayers: o.depth - 1,
      tested: test !== undefined,
      classification: o.classification,
      views,
    });
    post(fit);
  } catch (err) {
    send({ type: 'error', message: (err as Error).message });
  }
}

function valuesAt(X: Matrix, target: (x: ArrayLike<number>) => number): Float64Array {
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) out[i] = target(X.data.subarray(i * X.cols, (i + 1) * X.cols));
  return out;
}

/** Runs the current fit until it ends ('end') or ends an iteration ('iteration'), or until Pause or a new load. */
async function drive(until: 'end' | 'iteration'): Promise<void> {
  const current = fit;
  if (!current || current.state === 'running' || current.state === 'stopped') return;
  pauseRequested = false;
  current.state = 'running';
  let posted = performance.now();
  let stepDone = false;
  try {
    for (;;) {
      const next = current.lookahead ?? current.run.next();
      current.lookahead = undefined;
      if (next.done) {
        current.fitted = next.value;
        current.state = 'stopped';
        break;
      }
      // A Step ends at its iteration's end, or goes on to the stop if that iteration was the last.
      if (stepDone && next.value.type === 'iteration-start') {
        current.lookahead = next;
        current.state = 'paused';
        break;
      }
      absorb(current, next.value);
      if (until === 'iteration' && next.value.type === 'iteration-end') stepDone = true;
      if (next.value.type === 'iteration-end' || performance.now() - posted > POST_EVERY_MS) {
        post(current);
        posted = performance.now();
      }
      await otherTasks();
      if (fit !== current) return; // reset: the new fit has been announced
      if (pauseRequested) {
        current.state = 'paused';
        break;
      }
    }
  } catch (err) {
    current.state = 'stopped';
    send({ type: 'error', message: (err as Error).message });
  }
  post(current);
}

/** Resolves after the messages that arrived meanwhile (Pause, a new load) have been handled. */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
function otherTasks(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

function absorb(f: Fit, e: PursuitEvent): void {
  switch (e.type) {
    case 'iteration-start':
      f.iteration = e.iteration;
      f.phase = e.iteration === 1 ? 'PGA on the NCF at the origin' : 'PGA on every candidate';
      break;
    case 'ncf':
      // iteration 1 trains the one-wide network: all its neurons are new
      f.adding = e.iteration === 1 ? Array.from({ length: f.run.network.depth - 1 }, (_, l) => l + 1) : e.layers;
      f.ncfValue = e.value;
      f.phase = 'adding';
      break;
    case 'gd':
      if (f.adding) {
        f.added = { iteration: e.iteration, neurons: newNeurons(f.run.network, f.adding), ncfValue: f.ncfValue };
        f.adding = null;
      }
      // the first check of a stage after an addition marks it with the iteration
      f.checks.push(f.stepsBefore + e.step, e.loss, e.step === 0 && e.iteration > 1 ? e.iteration : 0);
      f.phase = `GD step ${e.step}`;
      break;
    case 'iteration-end':
      f.records.push(e.record);
      f.stepsBefore += e.record.gdSteps;
      f.phase = 'iteration done';
      break;
    case 'stop':
      f.stop = { reason: e.reason, message: e.message };
      break;
  }
}

/** The neurons just appended to `layers` (a layer named twice got two): the last ones of each. */
function newNeurons(net: Network, layers: number[]): Added['neurons'] {
  const widths = net.hiddenWidths;
  const neurons: Added['neurons'] = [];
  for (const layer of new Set(layers)) {
    const count = layers.filter((l) => l === layer).length;
    for (let t = count; t >= 1; t--) neurons.push({ layer, index: widths[layer - 1]! - t });
  }
  return neurons;
}

function post(f: Fit): void {
  const net = f.fitted?.network ?? f.run.network;
  const params = net.params.slice();
  const message: Progress = {
    type: 'progress',
    state: f.state,
    iteration: f.iteration,
    phase: f.state === 'stopped' ? 'stopped' : f.phase,
    checks: f.checks,
    records: f.records,
    network: { widths: [...net.widths], params },
    added: f.added,
    ...(f.stop ? { stop: f.stop } : {}),
  };
  f.checks = [];
  f.records = [];
  const transfer: Transferable[] = [params.buffer];
  if (f.grids.plane || f.grids.vertices) {
    const viewer = viewerOf(f, net);
    if (f.grids.plane) {
      const learned = column0(viewer.forward(f.grids.plane));
      const ridges = (f.added?.neurons ?? []).map((n) => preActivation(viewer, f.grids.plane!, n.layer, n.index));
      message.plane = { learned, ridges };
      transfer.push(learned.buffer, ...ridges.map((r) => r.buffer));
    }
    if (f.grids.vertices) {
      const learned = column0(viewer.forward(f.grids.vertices));
      message.vertices = { learned };
      transfer.push(learned.buffer);
    }
  }
  send(message, transfer);
}

function viewerOf(f: Fit, net: Network): Network {
  const same =
    f.viewer && f.viewer.widths.length === net.widths.length && f.viewer.widths.every((w, i) => w === net.widths[i]);
  if (same) f.viewer!.params.set(net.params);
  else f.viewer = new Network(net.widths, net.activation, net.params);
  return f.viewer!;
}

function column0(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols]!;
  return out;
}

/** z = W_l[j] · h_{l−1}(x) of hidden neuron j of layer l at every row of X: its ReLU ridge is where z = 0. */
function preActivation(net: Network, X: Matrix, layer: number, j: number): Float64Array {
  const inputs = layer === 1 ? X : net.backpropagateResidual(X, zeros(X.rows, net.outputDim)).inputs[layer - 1]!;
  const W = net.layer(layer);
  const z = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let t = 0; t < W.cols; t++) s += W.data[j * W.cols + t]! * inputs.data[i * inputs.cols + t]!;
    z[i] = s;
  }
  return z;
}

function download(file: DownloadFile): void {
  if (!fit) return;
  const network = fit.fitted?.network ?? fit.run.network;
  if (file === 'model')
    send({ type: 'file', name: 'model.json', content: runFileText.model(modelToJson(network, fit.columns)) });
  else if (file === 'onnx') {
    const bytes = new Uint8Array(networkToOnnx(network, fit.columns)); // over an ArrayBuffer, as Blob takes
    send({ type: 'file', name: 'model.onnx', content: bytes }, [bytes.buffer]);
  } else if (fit.fitted)
    send({
      type: 'file',
      name: 'history.json',
      content: runFileText.history(historyFile(fit.fitted.summary(), fit.fitted.history)),
    });
}
