/** Vega-lite specs of the paper's figures (docs/algorithm.md §12): pure data → spec, no rendering here. */
import { ALGORITHMS, NETWORK_ALGORITHMS } from '../estimators/registry.js';
import type { FigureSpec } from './figure.js';

/**
 * One colour per network algorithm, by its label (NP red, GradMax green, TINY purple, random grey, GD blue), for the
 * algorithms present (the legend's).
 */
export function algorithmColor(labels: readonly string[]) {
  const all = NETWORK_ALGORITHMS.map((name) => ALGORITHMS[name].label);
  const colours = ['#d62728', '#2ca02c', '#9467bd', '#7f7f7f', '#1f77b4'];
  const present = all.filter((label) => labels.includes(label));
  return {
    field: 'algorithm',
    type: 'nominal',
    title: null,
    scale: { domain: present, range: present.map((label) => colours[all.indexOf(label)]!) },
  } as const;
}

/**
 * An axis of whole numbers (iterations, neurons): ticks at integers only, about a dozen at most. (Vega's
 * `tickMinStep` is not honoured with the tick count vega-lite sets, so the values are given.)
 */
export function integerAxis(data: readonly number[], from?: number): { values: number[]; format: 'd' } {
  const finite = data.filter(Number.isFinite);
  const lo = Math.floor(from ?? Math.min(...finite, Infinity)),
    hi = Math.ceil(Math.max(...finite, -Infinity));
  if (!(hi >= lo)) return { values: [], format: 'd' };
  const step = Math.max(1, Math.ceil((hi - lo) / 12));
  const values: number[] = [];
  for (let v = lo; v <= hi; v += step) values.push(v);
  return { values, format: 'd' };
}

/** The x encoding of a figure over NP iterations, ticked at whole iterations. */
function iterationAxis(values: readonly { iteration: number }[]) {
  return {
    field: 'iteration',
    type: 'quantitative',
    title: 'NP iteration',
    axis: integerAxis(values.map((v) => v.iteration)),
  } as const;
}

/** The y-axis title of an error figure. */
export function errorTitle(classification: boolean): string {
  return classification ? 'classification error' : 'relative squared error';
}

export interface ErrorPoint {
  task: string;
  /** The algorithm's label ('NP'). */
  algorithm: string;
  samples: number;
  kind: 'test' | 'train';
  mean: number;
  lo: number;
  hi: number;
}

/** Floor for log scales: a zero error is drawn at this value. */
const FLOOR = 1e-6;
const clamp = (v: number) => Math.max(v, FLOOR);

/** Error against samples, NP against GD, mean with a min–max band over seeds; log–log. */
export function sampleComplexitySpec(task: string, points: ErrorPoint[], classification = false): FigureSpec {
  const values = points.map((p) => ({ ...p, mean: clamp(p.mean), lo: clamp(p.lo), hi: clamp(p.hi) }));
  const color = algorithmColor(points.map((p) => p.algorithm));
  const x = { field: 'samples', type: 'quantitative', scale: { type: 'log' }, title: 'training samples' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${task}: error against samples`,
    data: { values },
    facet: { column: { field: 'kind', type: 'nominal', title: null, sort: ['test', 'train'] } },
    spec: {
      width: 260,
      height: 200,
      layer: [
        {
          mark: { type: 'errorband', opacity: 0.25 },
          encoding: {
            x,
            y: {
              field: 'lo',
              type: 'quantitative',
              scale: { type: 'log' },
              title: [errorTitle(classification), '(mean, min–max over seeds)'],
            },
            y2: { field: 'hi' },
            color,
          },
        },
        {
          mark: { type: 'line', point: true },
          encoding: { x, y: { field: 'mean', type: 'quantitative', scale: { type: 'log' } }, color },
        },
      ],
    },
  } as FigureSpec;
}

/** An iterative algorithm's iterations against samples, one line per task. */
export function iterationsSpec(
  label: string,
  values: { task: string; samples: number; iterations: number }[],
): FigureSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${label} iterations against samples (mean over seeds)`,
    width: 420,
    height: 220,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'samples', type: 'quantitative', scale: { type: 'log' }, title: 'training samples' },
      y: {
        field: 'iterations',
        type: 'quantitative',
        title: `${label} iterations`,
        axis: integerAxis(
          values.map((v) => v.iterations),
          0,
        ),
      },
      color: { field: 'task', type: 'nominal' },
    },
  } as FigureSpec;
}

/** Errors per NP iteration (training and test): relative squared errors on a log scale, or classification errors. */
export function errorsPerIterationSpec(
  title: string,
  values: { iteration: number; kind: string; error: number }[],
  classification = false,
): FigureSpec {
  const log = !classification;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 220,
    data: { values: values.map((v) => ({ ...v, error: log ? clamp(v.error) : v.error })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: iterationAxis(values),
      y: {
        field: 'error',
        type: 'quantitative',
        scale: { type: log ? 'log' : 'linear' },
        title: errorTitle(classification),
      },
      color: { field: 'kind', type: 'nominal', title: null },
    },
  } as FigureSpec;
}

/** A neuron addition on the loss figure: the GD step it happened at, and what it added ('+L1'). */
export interface Addition {
  step: number;
  iteration: number;
  label: string;
}

/** Loss against cumulative GD steps (log scale), with each neuron addition a dashed rule labelled by what it added. */
export function lossTraceSpec(
  title: string,
  trace: { step: number; loss: number }[],
  additions: Addition[],
): FigureSpec {
  const x = { field: 'step', type: 'quantitative', title: 'GD steps (all iterations)' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, offset: 16 },
    width: 620,
    height: 240,
    layer: [
      {
        data: { values: trace.map((t) => ({ ...t, loss: Math.max(t.loss, 1e-16) })) },
        mark: { type: 'line', interpolate: 'linear' },
        encoding: {
          x,
          y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss (1/2n) Σ‖H − y‖²' },
        },
      },
      ...(additions.length
        ? [
            {
              data: { values: additions },
              mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] },
              encoding: { x, tooltip: { field: 'label' } },
            },
            {
              data: { values: additions },
              // above the plot, centred on its rule: clear of the curve wherever the loss is
              mark: { type: 'text', color: '#d62728', align: 'center', baseline: 'bottom', dy: -3, fontSize: 10 },
              encoding: { x, y: { value: 0 }, text: { field: 'label' } },
            },
          ]
        : []),
    ],
  } as FigureSpec;
}

/** Hidden widths per NP iteration. */
export function widthsSpec(values: { iteration: number; layer: string; width: number }[]): FigureSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'hidden widths per iteration',
    width: 420,
    height: 180,
    data: { values },
    mark: { type: 'line', point: true, interpolate: 'step-after' },
    encoding: {
      x: iterationAxis(values),
      y: {
        field: 'width',
        type: 'quantitative',
        title: 'neurons',
        axis: integerAxis(
          values.map((v) => v.width),
          0,
        ),
      },
      color: { field: 'layer', type: 'nominal', title: null },
    },
  } as FigureSpec;
}

/** A heatmap of a matrix (rows × cols), e.g. |weights| or |DFT|. */
export function heatmapSpec(
  title: string,
  rows: number,
  cols: number,
  data: ArrayLike<number>,
  labels = { row: 'row', col: 'column' },
  /** Names of the columns (CSV features, say) instead of their indices. */
  colNames?: readonly string[],
): FigureSpec {
  const values: { r: number; c: number | string; v: number }[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) values.push({ r, c: colNames?.[c] ?? c, v: data[r * cols + c]! });
  const cell = Math.max(4, Math.min(18, Math.floor(480 / Math.max(cols, 1))));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: cell * cols,
    height: Math.max(cell * rows, 20),
    data: { values },
    mark: 'rect',
    encoding: {
      x: {
        field: 'c',
        type: 'ordinal',
        title: labels.col,
        ...(colNames ? { sort: null } : {}),
        axis: cols > 30 ? { labels: false, ticks: false } : {},
      },
      y: { field: 'r', type: 'ordinal', title: labels.row, axis: rows > 30 ? { labels: false, ticks: false } : {} },
      color: { field: 'v', type: 'quantitative', scale: { scheme: 'viridis' }, title: null },
    },
    config: { view: { strokeWidth: 0 } },
  } as FigureSpec;
}

/** Learned function against the ground truth at a list of inputs (e.g. hypercube vertices). */
export function fitSpec(
  title: string,
  values: { point: string; kind: string; value: number }[],
  pointTitle: string,
): FigureSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 200,
    data: { values },
    mark: { type: 'point', filled: true, size: 60 },
    encoding: {
      x: { field: 'point', type: 'ordinal', title: pointTitle, sort: null },
      y: { field: 'value', type: 'quantitative', title: 'value' },
      color: { field: 'kind', type: 'nominal', title: null },
      shape: { field: 'kind', type: 'nominal', title: null },
    },
  } as FigureSpec;
}

/**
 * Functions over the plane as heatmaps side by side, one per `kind`: each value fills the square cell of side
 * `cell` whose lower left corner is (x1, x2); a diverging scale centred on 0.
 */
export function planeSpec(
  title: string,
  values: { x1: number; x2: number; kind: string; value: number }[],
  cell: number,
  extent: number,
): FigureSpec {
  const axis = (field: 'x1' | 'x2') => ({
    field,
    type: 'quantitative',
    title: field,
    scale: { domain: [-extent, extent], nice: false },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    transform: [
      { calculate: `datum.x1 + ${cell}`, as: 'x1end' },
      { calculate: `datum.x2 + ${cell}`, as: 'x2end' },
    ],
    facet: { column: { field: 'kind', type: 'nominal', title: null, sort: null } },
    spec: {
      width: 220,
      height: 220,
      mark: 'rect',
      encoding: {
        x: axis('x1'),
        x2: { field: 'x1end' },
        y: axis('x2'),
        y2: { field: 'x2end' },
        color: { field: 'value', type: 'quantitative', scale: { scheme: 'redblue', domainMid: 0, reverse: true } },
      },
    },
    config: { view: { strokeWidth: 0 } },
  } as FigureSpec;
}

/** |DFT| of each row of a rows × n matrix (rows = neurons, columns = frequencies 0..n−1). */
export function rowDftMagnitude(rows: number, n: number, data: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < n; f++) {
      let re = 0,
        im = 0;
      for (let t = 0; t < n; t++) {
        const a = (-2 * Math.PI * f * t) / n,
          v = data[r * n + t]!;
        re += v * Math.cos(a);
        im += v * Math.sin(a);
      }
      out[r * n + f] = Math.hypot(re, im);
    }
  }
  return out;
}

/** The demo walk-through: one facet row per NP iteration (paper Fig 6, docs/algorithm.md §12). */
export function walkthroughKktSpec(
  values: { iteration: string; component: string; order: number; value: number }[],
): FigureSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Dominant KKT vector per iteration (unit norm; a = incoming, b = outgoing)',
    data: { values },
    facet: { row: { field: 'iteration', type: 'nominal', title: null, sort: { field: 'order' } } },
    spec: {
      width: 520,
      height: 90,
      mark: 'bar',
      encoding: {
        x: { field: 'component', type: 'nominal', sort: null, title: null },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { condition: { test: 'datum.value < 0', value: '#1f77b4' }, value: '#d62728' },
      },
    },
    resolve: { scale: { x: 'independent' } },
  } as unknown as FigureSpec;
}

/** |weights| after each iteration's GD stage, one facet per (iteration, layer). */
export function walkthroughWeightsSpec(
  values: { iteration: string; layer: string; row: number; col: number; value: number }[],
): FigureSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: '|weights| after GD, per iteration',
    data: { values },
    facet: {
      row: { field: 'iteration', type: 'nominal', title: null },
      column: { field: 'layer', type: 'nominal', title: null },
    },
    spec: {
      width: 200,
      height: 60,
      mark: 'rect',
      encoding: {
        x: { field: 'col', type: 'ordinal', title: null, axis: { labelFontSize: 7 } },
        y: { field: 'row', type: 'ordinal', title: 'neuron' },
        color: { field: 'value', type: 'quantitative', scale: { scheme: 'viridis' }, title: '|w|' },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as unknown as FigureSpec;
}

/** Learned function against the ground truth over the vertices, per iteration. */
export function walkthroughFunctionSpec(
  values: { iteration: string; point: string; kind: string; value: number }[],
): FigureSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Learned function against the ground truth over the vertices of (x1, x2, x3), per iteration',
    data: { values },
    facet: { column: { field: 'iteration', type: 'nominal', title: null } },
    spec: {
      width: 150,
      height: 160,
      mark: 'bar',
      encoding: {
        x: { field: 'point', type: 'nominal', title: 'sign of (x1, x2, x3)' },
        xOffset: { field: 'kind' },
        y: { field: 'value', type: 'quantitative', title: 'f' },
        color: { field: 'kind', type: 'nominal', title: null },
      },
    },
  } as unknown as FigureSpec;
}
