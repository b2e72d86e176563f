/**
 * The growth-strategy shoot-out's report (`neuron-pursuit compare --report`; docs/growth-strategies.md): from the
 * committed runs, per task, the table of neurons to the training target, test errors at the stop and at 5, 10 and
 * 20 neurons, and CPU seconds, and the figures — errors against neurons (mean and min–max band over seeds),
 * training error against GD steps and against CPU seconds, and where each strategy put its neurons. Pure: runs in,
 * markdown and vega-lite specs out.
 */
import { isMatchedGd } from '../experiments/compare.js';
import type { SweepConfig } from '../experiments/config.js';
import { taskByName } from '../experiments/data-tasks.js';
import type { StoredRun } from '../io/run-record.js';
import { errorTitle } from './charts.js';
import type { FigureSpec } from './figure.js';

/** The rows of the comparison, in the order the table lists them. */
export const STRATEGIES = [
  { key: 'np', label: 'NP' },
  { key: 'gradmax', label: 'GradMax' },
  { key: 'tiny', label: 'TINY' },
  { key: 'random', label: 'random' },
  { key: 'gd-np-widths', label: 'GD (NP widths)' },
  { key: 'gd', label: 'GD' },
] as const;
const GROWING = ['np', 'gradmax', 'tiny', 'random'];
/** The neuron counts the table reads the test error at. */
export const NEURON_MARKS = [5, 10, 20] as const;

/** A run's strategy: its algorithm, GD split into the width-50 baseline and the matched-width variant. */
export function strategyOf(run: StoredRun): string {
  return isMatchedGd(run.config) ? 'gd-np-widths' : run.algorithm;
}

/**
 * A run's CPU seconds, where its row has them (rows stored before they were recorded have only wall seconds, which
 * on a loaded machine say little: those runs are left out of every CPU figure).
 */
export const cpuSeconds = (run: StoredRun): number | undefined => run.result?.cpuSeconds;

const labelOf = (key: string) => STRATEGIES.find((s) => s.key === key)?.label ?? key;

/** One colour per strategy (NP red, GradMax green, TINY purple, random grey, GD blues), for those present. */
function strategyColor(labels: readonly string[]) {
  const colours = ['#d62728', '#2ca02c', '#9467bd', '#7f7f7f', '#17becf', '#1f77b4'];
  const present = STRATEGIES.filter((s) => labels.includes(s.label));
  return {
    field: 'algorithm',
    type: 'nominal',
    title: null,
    scale: { domain: present.map((s) => s.label), range: present.map((s) => colours[STRATEGIES.indexOf(s)]!) },
  } as const;
}

interface Row {
  neurons: number;
  train: number;
  test: number;
  steps: number;
  seconds: number;
  layers: number[];
}

/** A growing network's history as (neurons, errors, cumulative GD steps and seconds) per iteration. */
export function historyRows(run: StoredRun, classification: boolean): Row[] {
  let steps = 0,
    seconds = 0;
  return (run.result?.history ?? []).map((h) => {
    const r = h as {
      widths: number[];
      trainError: number;
      testError?: number;
      trainClassError?: number;
      testClassError?: number;
      gdSteps: number;
      seconds: number;
      layers: number[];
    };
    steps += r.gdSteps;
    seconds += r.seconds;
    return {
      neurons: r.widths.reduce((s, k) => s + k, 0),
      train: classification ? r.trainClassError! : r.trainError,
      test: classification ? r.testClassError! : (r.testError ?? NaN),
      steps,
      seconds,
      layers: r.layers,
    };
  });
}

/** The error of the network a run has after growing to at most `n` neurons (its first row if it starts above). */
export function errorAt(rows: Row[], n: number, kind: 'train' | 'test'): number {
  let value = rows[0]?.[kind] ?? NaN;
  for (const r of rows) if (r.neurons <= n) value = r[kind];
  return value;
}

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const sci = (v: number) => (Number.isFinite(v) ? v.toExponential(2) : '—');
const fmtSpread = (v: number[]) =>
  v.length === 0 ? '—' : `${sci(mean(v))} [${sci(Math.min(...v))} – ${sci(Math.max(...v))}]`;

export interface CompareContent {
  markdown: string;
  figures: { name: string; spec: FigureSpec }[];
  /** Per task and strategy, the table's cells (for the docs and the tests). */
  cells: CompareCell[];
}

export interface CompareCell {
  task: string;
  strategy: string;
  seeds: number;
  /** Runs that reached the training target, and the neurons each had then. */
  reached: number;
  neuronsAtTarget: number[];
  testAtStop: number[];
  testAtMarks: number[][];
  seconds: number[];
}

function cellsOf(task: string, runs: StoredRun[], classification: boolean): CompareCell[] {
  return STRATEGIES.map(({ key }) => {
    const mine = runs.filter((r) => strategyOf(r) === key && r.result !== null);
    const growing = GROWING.includes(key);
    const final = (r: StoredRun) => (classification ? r.result!.testClassError! : r.result!.testError);
    const neurons = (r: StoredRun) => r.result!.widths.reduce((s, k) => s + k, 0);
    const reachedRuns = mine.filter((r) => r.result!.stopReason === 'target');
    return {
      task,
      strategy: key,
      seeds: mine.length,
      reached: reachedRuns.length,
      neuronsAtTarget: reachedRuns.map(neurons),
      testAtStop: mine.map(final),
      testAtMarks: NEURON_MARKS.map((n) =>
        growing ? mine.map((r) => errorAt(historyRows(r, classification), n, 'test')) : [],
      ),
      seconds: mine.map(cpuSeconds).filter((v): v is number => v !== undefined),
    };
  }).filter((c) => c.seeds > 0);
}

export function compareContent(input: {
  runs: StoredRun[];
  grid: { name: string; points: number; config: SweepConfig };
}): CompareContent {
  const { runs, grid } = input;
  const tasks = [...new Set(grid.config.tasks.map((t) => (typeof t === 'string' ? t : t.name)))];
  const figures: CompareContent['figures'] = [];
  const cells: CompareCell[] = [];
  const sections: string[] = [];
  const timed = runs.filter((r) => cpuSeconds(r) !== undefined);
  const cpuHours = timed.reduce((s, r) => s + cpuSeconds(r)!, 0) / 3600;
  for (const task of tasks) {
    const mine = runs.filter((r) => r.task === task);
    if (mine.length === 0) continue;
    const classification = taskByName(task).metric === 'classification';
    const taskCells = cellsOf(task, mine, classification);
    cells.push(...taskCells);
    const slug = task.replace(/[^a-z0-9-]/gi, '-');
    const taskFigures = taskSpecs(task, mine, classification);
    for (const [kind, spec] of Object.entries(taskFigures)) figures.push({ name: `${slug}-${kind}`, spec });
    const n = mine[0]!.samples;
    sections.push(
      [
        `## ${task} (n = ${n}${classification ? '; classification error' : ''})`,
        '',
        tableOf(taskCells),
        '',
        ...Object.keys(taskFigures).map((kind) => `![${task}: ${kind}](figures/${slug}-${kind}.svg)`),
        '',
      ].join('\n'),
    );
  }
  const markdown = [
    '# Growth strategies compared',
    '',
    '<!-- generated by `neuron-pursuit compare --report` from results/compare/batches: do not edit -->',
    '',
    `Generated from the committed runs of the grid \`${grid.name}\` (presets/${grid.name}.yaml): ${runs.length} of ` +
      `its ${grid.points} points have finished (the GD runs at NP's widths count once the NP run they match has), ` +
      `${cpuHours.toFixed(2)} h of CPU time in the ${timed.length} runs that recorded it (one run at a time, on a ` +
      "shared 2-core machine whose load varied, so wall time says little; the CPU column is the process's own). " +
      'What each strategy is and how the comparison is made: docs/growth-strategies.md; `neuron-pursuit compare` ' +
      'continues the grid.',
    '',
    'Columns: finished seeds; runs that reached the training target (relative error below ε, or no training pair ' +
      'misclassified) and the hidden neurons they had then (mean [min – max]); the test error at the stop; the ' +
      'test error of the network after growing to at most 5, 10 and 20 hidden neurons (a run that stopped below ' +
      "that count keeps its last network); CPU seconds per run (the process's user + system time, mean over the " +
      'runs that recorded it). Neurons count every hidden neuron, the first ' +
      "iteration's one per layer included.",
    '',
    missingText(grid.config, runs),
    '',
    '## All tasks',
    '',
    'Means over the finished seeds (the sections below give the min – max of each).',
    '',
    summaryTable(cells),
    '',
    ...sections,
  ].join('\n');
  return { markdown, figures, cells };
}

function tableOf(cells: CompareCell[]): string {
  const head = [
    'strategy',
    'seeds',
    'reached target',
    'neurons at target',
    'test error at stop',
    ...NEURON_MARKS.map((n) => `test error at ${n} neurons`),
    'CPU s',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const c of cells) {
    const neurons = c.neuronsAtTarget;
    lines.push(
      `| ${[
        labelOf(c.strategy),
        String(c.seeds),
        `${c.reached}/${c.seeds}`,
        neurons.length ? `${mean(neurons).toFixed(1)} [${Math.min(...neurons)} – ${Math.max(...neurons)}]` : '—',
        fmtSpread(c.testAtStop),
        ...c.testAtMarks.map(fmtSpread),
        c.seconds.length ? mean(c.seconds).toFixed(1) : '—',
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** One row per task and strategy, means only. */
export function summaryTable(cells: CompareCell[]): string {
  const head = [
    'task',
    'strategy',
    'seeds',
    'reached target',
    'neurons at target',
    'test error at stop',
    ...NEURON_MARKS.map((n) => `at ${n} neurons`),
    'CPU s',
  ];
  const m = (v: number[]) => (v.length ? sci(mean(v)) : '—');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const c of cells)
    lines.push(
      `| ${[
        c.task,
        labelOf(c.strategy),
        String(c.seeds),
        `${c.reached}/${c.seeds}`,
        c.neuronsAtTarget.length ? mean(c.neuronsAtTarget).toFixed(1) : '—',
        m(c.testAtStop),
        ...c.testAtMarks.map(m),
        c.seconds.length ? mean(c.seconds).toFixed(1) : '—',
      ].join(' | ')} |`,
    );
  return lines.join('\n');
}

/** Which (task, strategy) cells have fewer seeds than the grid asks for. */
function missingText(config: SweepConfig, runs: StoredRun[]): string {
  const seeds = typeof config.seeds === 'number' ? config.seeds : config.seeds.length;
  const missing: string[] = [];
  for (const entry of config.tasks) {
    const task = typeof entry === 'string' ? entry : entry.name;
    for (const { key, label } of STRATEGIES) {
      const have = runs.filter((r) => r.task === task && strategyOf(r) === key).length;
      if (have < seeds) missing.push(`${task} ${label} (${have} of ${seeds})`);
    }
  }
  return missing.length === 0 ? 'Every cell has all its seeds.' : `Cells still short of seeds: ${missing.join('; ')}.`;
}

const FLOOR = 1e-6;
const clamp = (v: number) => Math.max(v, FLOOR);

function taskSpecs(task: string, runs: StoredRun[], classification: boolean): Record<string, FigureSpec> {
  const growing = runs.filter((r) => GROWING.includes(r.algorithm) && r.result !== null);
  const log = !classification;
  const y = (title: string) => ({ type: 'quantitative', scale: { type: log ? 'log' : 'linear' }, title }) as const;
  const value = (v: number) => (log ? clamp(v) : v);
  // Errors against neurons: mean and min–max band over seeds at every neuron count.
  const band: { algorithm: string; neurons: number; kind: string; mean: number; lo: number; hi: number }[] = [];
  for (const key of GROWING) {
    const mine = growing.filter((r) => r.algorithm === key).map((r) => historyRows(r, classification));
    if (mine.length === 0) continue;
    const from = Math.min(...mine.map((rows) => rows[0]?.neurons ?? Infinity));
    const to = Math.max(...mine.map((rows) => rows.at(-1)?.neurons ?? 0));
    for (let n = from; n <= to; n++) {
      for (const kind of ['test', 'train'] as const) {
        const v = mine.map((rows) => errorAt(rows, n, kind)).filter(Number.isFinite);
        if (v.length === 0) continue;
        band.push({
          algorithm: labelOf(key),
          neurons: n,
          kind,
          mean: value(mean(v)),
          lo: value(Math.min(...v)),
          hi: value(Math.max(...v)),
        });
      }
    }
  }
  const color = strategyColor(band.map((b) => b.algorithm));
  const neurons = { field: 'neurons', type: 'quantitative', title: 'hidden neurons' } as const;
  const specs: Record<string, FigureSpec> = {
    neurons: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: `${task}: error against neurons (mean, min–max over seeds)`,
      data: { values: band },
      facet: { column: { field: 'kind', type: 'nominal', title: null, sort: ['test', 'train'] } },
      spec: {
        width: 260,
        height: 200,
        layer: [
          {
            mark: { type: 'errorband', opacity: 0.2 },
            encoding: { x: neurons, y: { field: 'lo', ...y(errorTitle(classification)) }, y2: { field: 'hi' }, color },
          },
          { mark: { type: 'line', point: true }, encoding: { x: neurons, y: { field: 'mean', ...y('') }, color } },
        ],
      },
    } as FigureSpec,
  };
  // Training error against GD steps and CPU seconds: one line per run (GD: its loss trace, as a relative error).
  const traces: { algorithm: string; run: string; steps: number; seconds: number; error: number }[] = [];
  for (const r of growing) {
    // The rows time each iteration on the wall clock; the run's CPU share scales them to CPU seconds.
    const share = (cpuSeconds(r) ?? NaN) / r.seconds;
    for (const row of historyRows(r, classification))
      traces.push({
        algorithm: labelOf(r.algorithm),
        run: `${r.algorithm}/${r.seed}`,
        steps: row.steps,
        seconds: row.seconds * share,
        error: value(row.train),
      });
  }
  if (!classification) {
    for (const r of runs.filter((x) => x.algorithm === 'gd' && x.result !== null)) {
      const trace = r.result!.history as { step: number; loss: number }[];
      const first = trace[0]?.loss;
      const last = trace.at(-1)?.step ?? 1;
      if (!first) continue;
      for (const t of trace)
        traces.push({
          algorithm: labelOf(strategyOf(r)),
          run: `${strategyOf(r)}/${r.seed}`,
          steps: t.step,
          seconds: ((cpuSeconds(r) ?? NaN) * t.step) / last,
          error: value(t.loss / first),
        });
    }
  }
  // A log axis has no 0: the first check of a GD trace (step 0) is left out.
  const drawn = traces.filter((t) => t.steps > 0);
  const timed = drawn.filter((t) => t.seconds > 0);
  const traceColor = strategyColor(drawn.map((t) => t.algorithm));
  const traceSpec = (field: 'steps' | 'seconds', title: string, values: typeof traces): FigureSpec =>
    ({
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: `${task}: training error against ${title} (one line per run)`,
      width: 420,
      height: 240,
      data: { values },
      mark: { type: 'line', opacity: 0.7, point: false },
      encoding: {
        x: { field, type: 'quantitative', scale: { type: 'log' }, title },
        y: { field: 'error', ...y(`training ${errorTitle(classification)}`) },
        color: traceColor,
        detail: { field: 'run', type: 'nominal' },
      },
    }) as FigureSpec;
  specs.steps = traceSpec('steps', 'GD steps', drawn);
  specs.seconds = traceSpec('seconds', 'CPU seconds', timed);
  // Where the neurons went: neurons added per hidden layer, mean per run.
  const depth = growing[0]?.result?.widths.length ?? 0;
  if (depth >= 2) {
    const layers: { algorithm: string; layer: string; neurons: number }[] = [];
    for (const key of GROWING) {
      const mine = growing.filter((r) => r.algorithm === key);
      if (mine.length === 0) continue;
      for (let l = 1; l <= depth; l++) {
        const added = mine.map((r) =>
          historyRows(r, classification).reduce((s, row) => s + row.layers.filter((x) => x === l).length, 0),
        );
        layers.push({ algorithm: labelOf(key), layer: `layer ${l}`, neurons: mean(added) });
      }
    }
    specs.layers = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: `${task}: neurons added per hidden layer (mean per run)`,
      width: 220,
      height: 200,
      data: { values: layers },
      mark: 'bar',
      encoding: {
        x: { field: 'algorithm', type: 'nominal', title: null, sort: GROWING.map(labelOf) },
        xOffset: { field: 'layer', type: 'nominal' },
        y: { field: 'neurons', type: 'quantitative', title: 'neurons added' },
        color: { field: 'layer', type: 'nominal', title: null },
      },
    } as FigureSpec;
  }
  return specs;
}
