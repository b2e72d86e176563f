/** Vega-lite specs of the paper's figures (docs/algorithm.md §12): pure data → spec, no rendering here. */
import { ALGORITHMS, NETWORK_ALGORITHMS } from '../estimators/registry.js';
import type { FigureSpec } from './figure.js';

/** One colour per network algorithm, by its label (NP red, GD blue). */
const ALG_COLOR = {
  field: 'algorithm',
  type: 'nominal',
  title: null,
  scale: { domain: NETWORK_ALGORITHMS.map((name) => ALGORITHMS[name].label), range: ['#d62728', '#1f77b4'] },
} as const;

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
export function sampleComplexitySpec(task: string, points: ErrorPoint[]): FigureSpec {
  const values = points.map((p) => ({ ...p, mean: clamp(p.mean), lo: clamp(p.lo), hi: clamp(p.hi) }));
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
            y: { field: 'lo', type: 'quantitative', scale: { type: 'log' }, title: 'error (mean, min–max over seeds)' },
            y2: { field: 'hi' },
            color: ALG_COLOR,
          },
        },
        {
          mark: { type: 'line', point: true },
          encoding: { x, y: { field: 'mean', type: 'quantitative', scale: { type: 'log' } }, color: ALG_COLOR },
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
      y: { field: 'iterations', type: 'quantitative', title: `${label} iterations` },
      color: { field: 'task', type: 'nominal' },
    },
  } as FigureSpec;
}

/** Errors per NP iteration (training and test). */
export function errorsPerIterationSpec(
  title: string,
  values: { iteration: number; kind: string; error: number }[],
  log = true,
): FigureSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 220,
    data: { values: values.map((v) => ({ ...v, error: log ? clamp(v.error) : v.error })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'NP iteration' },
      y: { field: 'error', type: 'quantitative', scale: { type: log ? 'log' : 'linear' }, title: 'error' },
      color: { field: 'kind', type: 'nominal', title: null },
    },
  } as FigureSpec;
}

/** Loss against cumulative GD steps, with the neuron additions marked. */
export function lossTraceSpec(
  title: string,
  trace: { step: number; loss: number }[],
  additions: { step: number; iteration: number }[],
): FigureSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    height: 220,
    layer: [
      {
        data: { values: trace.map((t) => ({ ...t, loss: Math.max(t.loss, 1e-16) })) },
        mark: { type: 'line' },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'GD steps (all iterations)' },
          y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss' },
        },
      },
      {
        data: { values: additions },
        mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] },
        encoding: { x: { field: 'step', type: 'quantitative' }, tooltip: { field: 'iteration' } },
      },
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
      x: { field: 'iteration', type: 'quantitative', title: 'NP iteration' },
      y: { field: 'width', type: 'quantitative', title: 'neurons' },
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
): FigureSpec {
  const values: { r: number; c: number; v: number }[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) values.push({ r, c, v: data[r * cols + c]! });
  const cell = Math.max(4, Math.min(18, Math.floor(480 / Math.max(cols, 1))));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: cell * cols,
    height: Math.max(cell * rows, 20),
    data: { values },
    mark: 'rect',
    encoding: {
      x: { field: 'c', type: 'ordinal', title: labels.col, axis: cols > 30 ? { labels: false, ticks: false } : {} },
      y: { field: 'r', type: 'ordinal', title: labels.row, axis: rows > 30 ? { labels: false, ticks: false } : {} },
      color: { field: 'v', type: 'quantitative', scale: { scheme: 'viridis' }, title: null },
    },
    config: { view: { strokeWidth: 0 } },
  } as FigureSpec;
}

/** Learned function against the ground truth at a list of inputs (e.g. hypercube vertices). */
export function fitSpec(title: string, values: { point: string; kind: string; value: number }[]): FigureSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 200,
    data: { values },
    mark: { type: 'point', filled: true, size: 60 },
    encoding: {
      x: { field: 'point', type: 'ordinal', title: 'vertex (x1 x2 x3)', sort: null },
      y: { field: 'value', type: 'quantitative', title: 'value' },
      color: { field: 'kind', type: 'nominal', title: null },
      shape: { field: 'kind', type: 'nominal', title: null },
    },
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
