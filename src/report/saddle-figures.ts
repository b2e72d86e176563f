/** Figures of the saddle lab (paper Figs 1–4). */
import type { SaddleResult } from '../lab/saddle.js';
import type { FigureSpec } from './figure.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

function escapeRule(result: SaddleResult): FigureSpec[] {
  const marks = [
    { step: result.verdict.escapeStep, label: 'escape' },
    { step: result.verdict.nextPlateauStep, label: 'next plateau' },
  ].filter((m) => m.step !== null && m.step > 0);
  return marks.length
    ? ([
        {
          data: { values: marks },
          mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
          encoding: { x: { field: 'step', type: 'quantitative' } },
        },
      ] as unknown as FigureSpec[])
    : [];
}

/** Loss, ‖w − w_saddle‖, ‖w_n − w̄_n‖ and ‖w_z‖ against GD steps (log scales). */
export function saddleDistancesFigure(result: SaddleResult): FigureSpec {
  const values = result.trace.flatMap((r) =>
    [
      { series: 'loss', value: r.loss },
      { series: '‖w − w_saddle‖', value: r.distance },
      { series: '‖w_n − w̄_n‖', value: r.distanceActive },
      { series: '‖w_z‖', value: r.zNorm },
    ]
      .filter((p) => p.value > 0 && r.step > 0)
      .map((p) => ({ step: r.step, ...p })),
  );
  return {
    $schema: SCHEMA,
    title: `Loss and distances near the saddle (${result.options.activation})`,
    width: 560,
    height: 300,
    layer: [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 'step', type: 'quantitative', scale: { type: 'log' }, title: 'GD step' },
          y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: null },
          color: { field: 'series', type: 'nominal', title: null },
        },
      },
      ...escapeRule(result),
    ],
  } as unknown as FigureSpec;
}

/** cos(w_z, ∇N(w_z)) against GD steps. */
export function saddleAlignmentFigure(result: SaddleResult): FigureSpec {
  return {
    $schema: SCHEMA,
    title: 'Alignment of w_z with the NCF gradient at the saddle',
    width: 560,
    height: 240,
    layer: [
      {
        data: { values: result.trace.filter((r) => r.step > 0).map((r) => ({ step: r.step, alignment: r.alignment })) },
        mark: { type: 'line', strokeWidth: 2, color: '#c0392b' },
        encoding: {
          x: { field: 'step', type: 'quantitative', scale: { type: 'log' }, title: 'GD step' },
          y: { field: 'alignment', type: 'quantitative', scale: { domain: [-1, 1] }, title: 'cos(w_z, ∇N(w_z))' },
        },
      },
      ...escapeRule(result),
    ],
  } as unknown as FigureSpec;
}

/** |w_z| per layer at the start, the end of the first plateau and the next plateau. */
export function saddleHeatmapFigure(result: SaddleResult): FigureSpec {
  const values = result.snapshots.flatMap((snap) =>
    snap.layers.flatMap((W, l) =>
      Array.from(W.data, (v, k) => ({
        snapshot: `${snap.label} (step ${snap.step})`,
        layer: `W${l + 1}`,
        row: Math.floor(k / W.cols),
        col: k % W.cols,
        value: v,
      })),
    ),
  );
  return {
    $schema: SCHEMA,
    title: "|w_z| per layer (weights of the saddle's own neurons shown as 0)",
    data: { values },
    facet: {
      row: {
        field: 'snapshot',
        type: 'nominal',
        title: null,
        sort: result.snapshots.map((s) => `${s.label} (step ${s.step})`),
      },
      column: { field: 'layer', type: 'nominal', title: null },
    },
    spec: {
      width: 180,
      height: 180,
      mark: 'rect',
      encoding: {
        x: { field: 'col', type: 'ordinal', title: 'input', axis: { labels: false, ticks: false } },
        y: { field: 'row', type: 'ordinal', title: 'neuron', axis: { labels: false, ticks: false } },
        color: { field: 'value', type: 'quantitative', scale: { scheme: 'viridis' }, title: '|w|' },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent', color: 'independent' } },
  } as unknown as FigureSpec;
}
