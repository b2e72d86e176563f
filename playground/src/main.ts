/**
 * The playground page: the controls, the link that carries them, and the views of the fit that worker.ts runs.
 * The page only draws; every number comes from the worker.
 */
import type { IterationRecord } from '../../src/pursuit/history.js';
import {
  ACTIVATION_CHOICES,
  type Config,
  DEFAULT_CONFIG,
  type OVERRIDE_KEYS,
  type Overrides,
  TASK_CHOICES,
  cliCommand,
  configFromQuery,
  configToQuery,
} from './config.js';
import type { CsvUpload, FitState, FromWorker, Progress, Resolved, ToWorker } from './protocol.js';
import './style.css';
import { drawDiagram } from './views/diagram.js';
import { ErrorsChart, LossChart, NcfChart } from './views/history-charts.js';
import { PlaneView, diverging } from './views/plane.js';
import { VertexView } from './views/vertices.js';

function byId<T extends Element>(id: string, type: abstract new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`the page has no #${id}`);
  return node;
}
const input = (id: string) => byId(id, HTMLInputElement);
const select = (id: string) => byId(id, HTMLSelectElement);
const button = (id: string) => byId(id, HTMLButtonElement);
const text = (id: string) => byId(id, HTMLElement);

const controls = {
  task: select('task'),
  modulus: input('modulus'),
  csvFile: input('csv-file'),
  target: select('target'),
  samples: input('samples'),
  noise: input('noise'),
  seed: input('seed'),
  activation: select('activation'),
  alpha: input('alpha'),
  depth: input('depth'),
  lr: input('lr'),
  pgaLr: input('pga-lr'),
};
const buttons = {
  run: button('run'),
  pause: button('pause'),
  step: button('step'),
  reset: button('reset'),
  model: button('download-model'),
  onnx: button('download-onnx'),
  history: button('download-history'),
};

/** The views of one fit (made when the worker says what the fit is). */
interface Views {
  loss: LossChart;
  ncf: NcfChart;
  errors: ErrorsChart;
  planeTarget?: PlaneView;
  planeLearned?: PlaneView;
  vertices?: VertexView;
}

let config: Config = { ...DEFAULT_CONFIG };
let csv: CsvUpload | undefined;
let views: Views | null = null;
let records: IterationRecord[] = [];
/** The layers each iteration grew, for the loss chart's marks. */
const layersAdded = new Map<number, number[]>();
let latest: Progress | null = null;
let drawing = false;
let inputNames: string[] | undefined;

type Ready = Extract<FromWorker, { type: 'ready' }>;

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);
worker.onmessage = (e: MessageEvent<FromWorker>) => receive(e.data);
worker.onerror = (e) => fail(`the worker failed: ${e.message}`);

for (const name of TASK_CHOICES) controls.task.append(new Option(name === 'csv' ? 'your CSV file' : name, name));
for (const name of ACTIVATION_CHOICES) controls.activation.append(new Option(name, name));

try {
  config = configFromQuery(location.search);
} catch (err) {
  notice((err as Error).message);
}
load();

/** A new fit of the current configuration: the link follows, the views start over. */
function load(): void {
  history.replaceState(null, '', `?${configToQuery(config)}`);
  text('command').textContent = cliCommand(config, csv?.name);
  views?.loss.destroy();
  views?.ncf.destroy();
  views?.errors.destroy();
  views?.planeTarget?.destroy();
  views?.planeLearned?.destroy();
  views?.vertices?.destroy();
  views = null;
  records = [];
  latest = null;
  layersAdded.clear();
  setState('loading');
  send({ type: 'load', config, csv });
}

function receive(message: FromWorker): void {
  switch (message.type) {
    case 'ready':
      ready(message);
      break;
    case 'progress':
      progress(message);
      break;
    case 'file':
      save(message.name, message.content);
      break;
    case 'error':
      fail(message.message);
      break;
  }
}

function ready({ resolved, description, hiddenLayers, classification, views: setup }: Ready): void {
  showSettings(resolved);
  text('command').textContent = cliCommand({ ...config, target: resolved.target }, csv?.name);
  text('task-description').textContent = description;
  inputNames = resolved.columns?.filter((c) => c !== resolved.target);
  views = {
    loss: new LossChart(text('loss')),
    ncf: new NcfChart(text('ncf'), hiddenLayers),
    errors: new ErrorsChart(text('errors'), classification),
  };
  text('plane-view').hidden = !setup.plane;
  text('vertex-view').hidden = !setup.vertices;
  if (setup.plane) {
    const { extent, size, truth } = setup.plane;
    const scale = truth.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    views.planeTarget = new PlaneView(text('plane-target'), 'target', extent, size, scale);
    views.planeLearned = new PlaneView(text('plane-learned'), 'learned', extent, size, scale);
    views.planeTarget.show(truth);
    const [lo, hi] = [diverging(-scale, scale), diverging(scale, scale)].map((c) => `rgb(${c.join(',')})`);
    text('plane-scale').style.background = `linear-gradient(to right, ${lo}, rgb(247,247,247), ${hi})`;
    text('scale-low').textContent = `−${scale.toPrecision(2)}`;
    text('scale-high').textContent = scale.toPrecision(2);
  }
  if (setup.vertices) {
    const { names, coordinates, truth } = setup.vertices;
    views.vertices = new VertexView(text('vertices'), names, coordinates, truth);
  }
}

function progress(message: Progress): void {
  if (!views) return;
  if (message.added) layersAdded.set(message.added.iteration, [...new Set(message.added.neurons.map((n) => n.layer))]);
  views.loss.add(message.checks, (k) => layersAdded.get(k) ?? []);
  if (message.records.length > 0) {
    records = [...records, ...message.records];
    views.ncf.show(records);
    views.errors.show(records);
  }
  latest = message;
  setState(message.state);
  if (!drawing) {
    drawing = true;
    requestAnimationFrame(draw);
  }
}

/** The views that redraw from the latest message (once per frame at most). */
function draw(): void {
  drawing = false;
  const m = latest;
  if (!m || !views) return;
  text('status').textContent = m.state === 'stopped' && m.stop ? `stopped: ${m.stop.reason}` : m.state;
  text('stop-message').textContent = m.stop?.message ?? '';
  text('iteration').textContent = String(m.iteration);
  text('phase').textContent = m.phase;
  text('widths').textContent = m.network.widths.slice(1, -1).join('×');
  const last = records.at(-1);
  text('train-error').textContent = last ? last.trainError.toExponential(2) : '—';
  text('test-error').textContent = last?.testError !== undefined ? last.testError.toExponential(2) : '—';
  drawDiagram(byId('diagram', SVGSVGElement), { ...m.network, added: m.added }, inputNames);
  if (m.plane) views.planeLearned?.show(m.plane.learned, m.plane.ridges);
  if (m.vertices) views.vertices?.show(m.vertices.learned);
}

function setState(state: FitState | 'loading' | 'error'): void {
  const stopped = state === 'stopped' || state === 'loading' || state === 'error';
  buttons.run.disabled = state === 'running' || stopped;
  buttons.step.disabled = state === 'running' || stopped;
  buttons.pause.disabled = state !== 'running';
  buttons.reset.disabled = state === 'loading';
  buttons.model.disabled = !(state === 'paused' || state === 'stopped') || records.length === 0;
  buttons.onnx.disabled = buttons.model.disabled;
  buttons.history.disabled = state !== 'stopped';
  if (state === 'loading' || state === 'error') text('status').textContent = state;
}

function fail(message: string): void {
  setState('error');
  text('status').textContent = `error: ${message}`;
}

function notice(message: string): void {
  text('notice').textContent = message;
}

/** The controls show the settings the fit runs with; the ones that do not apply are disabled. */
function showSettings(resolved: Resolved): void {
  controls.task.value = config.task;
  controls.modulus.value = String(config.modulus);
  controls.seed.value = String(config.seed);
  controls.noise.value = String(config.noise);
  controls.samples.value = String(resolved.samples);
  controls.activation.value = resolved.activation;
  controls.alpha.value = String(resolved.alpha);
  controls.depth.value = String(resolved.depth);
  controls.lr.value = String(resolved.lr);
  controls.pgaLr.value = String(resolved.pgaLr);
  const isCsv = config.task === 'csv',
    modular = config.task === 'modular-addition';
  text('modulus-field').hidden = !modular;
  text('target-field').hidden = !isCsv;
  controls.samples.disabled = isCsv;
  controls.noise.disabled = isCsv;
  controls.alpha.disabled = resolved.activation !== 'leaky-relu';
  if (isCsv && resolved.columns) {
    controls.target.replaceChildren(...resolved.columns.map((c) => new Option(c, c)));
    controls.target.value = resolved.target ?? '';
  }
}

function save(name: string, content: string | Uint8Array<ArrayBuffer>): void {
  const link = document.createElement('a');
  const type = typeof content === 'string' ? 'application/json' : 'application/octet-stream';
  link.href = URL.createObjectURL(new Blob([content], { type }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

byId('controls', HTMLFormElement).addEventListener('submit', (e) => e.preventDefault());
buttons.run.addEventListener('click', () => send({ type: 'run' }));
buttons.step.addEventListener('click', () => send({ type: 'step' }));
buttons.pause.addEventListener('click', () => send({ type: 'pause' }));
buttons.reset.addEventListener('click', () => load());
buttons.model.addEventListener('click', () => send({ type: 'download', file: 'model' }));
buttons.onnx.addEventListener('click', () => send({ type: 'download', file: 'onnx' }));
buttons.history.addEventListener('click', () => send({ type: 'download', file: 'history' }));

controls.task.addEventListener('change', () => {
  if (controls.task.value === 'csv' && !csv) {
    notice('choose a CSV file to train on');
    controls.csvFile.click();
  }
  // a new task starts from its own defaults; the seed and the noise stay
  config = { task: controls.task.value, modulus: config.modulus, seed: config.seed, noise: config.noise };
  load();
});
controls.csvFile.addEventListener('change', async () => {
  const file = controls.csvFile.files?.[0];
  if (!file) return;
  setState('loading'); // at once: reading the file takes a moment, and Run must not start the old task meanwhile
  csv = { name: file.name, text: await file.text() };
  config = { task: 'csv', modulus: config.modulus, seed: config.seed, noise: 0 };
  notice('');
  load();
});
controls.target.addEventListener('change', () => {
  config = { ...config, target: controls.target.value };
  load();
});
controls.activation.addEventListener('change', () => {
  config = { ...config, activation: controls.activation.value };
  load();
});

/** A numeric control: a valid number sets the setting and starts a new fit; anything else is refused. */
function numeric(
  control: HTMLInputElement,
  apply: (value: number) => Partial<Config>,
  check: (value: number) => boolean,
): void {
  control.addEventListener('change', () => {
    const value = control.valueAsNumber;
    if (!Number.isFinite(value) || !check(value)) {
      notice(`${control.labels?.[0]?.textContent ?? control.id}: '${control.value}' is not allowed`);
      load();
      return;
    }
    notice('');
    config = { ...config, ...apply(value) };
    load();
  });
}
const within = (control: HTMLInputElement) => (v: number) =>
  (control.min === '' || v >= Number(control.min)) &&
  (control.max === '' || v <= Number(control.max)) &&
  (control.step !== '1' || Number.isInteger(v));
// a new P trains on half its pairs again: a count chosen for another P may not fit
numeric(controls.modulus, (modulus) => ({ modulus, samples: undefined }), within(controls.modulus));
numeric(controls.seed, (seed) => ({ seed }), Number.isInteger);
numeric(controls.noise, (noise) => ({ noise }), within(controls.noise));
const override = (key: (typeof OVERRIDE_KEYS)[number], control: HTMLInputElement) =>
  numeric(control, (value): Overrides => ({ [key]: value }), within(control));
override('samples', controls.samples);
override('alpha', controls.alpha);
override('depth', controls.depth);
override('lr', controls.lr);
override('pgaLr', controls.pgaLr);
