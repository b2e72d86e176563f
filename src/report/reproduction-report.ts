/**
 * REPRODUCTION.md, runs.csv and the paper's figures (Figs 7–11) from the runs of the reproduction grid: the claims
 * with their verdicts (claims.ts), the coverage of the grid, the headline numbers, the figures. Pure text and
 * vega-lite specs; `neuron-pursuit reproduce --report` renders and writes them.
 */
import { summarize, type RunLike } from '../experiments/summary.js';
import type { StoredRun } from '../io/run-record.js';
import { runColumns, runsCsv } from '../io/run-table.js';
import { iterationsSpec, sampleComplexitySpec, type ErrorPoint } from './charts.js';
import {
  type ClaimRow,
  type ClaimSettings,
  diagonalClaim,
  modularClaims,
  PAPER_CLAIM_SETTINGS,
  pvrClaims,
  sampleComplexityClaims,
  seedsInWords,
} from './claims.js';
import { runFigures } from './experiment-report.js';
import type { FigureSpec } from './figure.js';

/** The paper's sample-complexity figures: which tasks each draws. */
export const SAMPLE_COMPLEXITY_FIGURES = [
  { name: 'fig7-hypersphere', family: 'hypersphere', tasks: ['hypersphere-f1', 'hypersphere-f2'] },
  { name: 'fig8-hypercube', family: 'hypercube', tasks: ['hypercube-f1', 'hypercube-f2'] },
  { name: 'fig9-gaussian', family: 'Gaussian', tasks: ['gaussian-f1', 'gaussian-f2'] },
] as const;

export interface ReproductionContent {
  markdown: string;
  csv: string;
  /** Figure name (no extension) → spec. */
  figures: { name: string; title: string; spec: FigureSpec }[];
  claims: ClaimRow[];
}

const sci = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toExponential(2) : '—');
const hours = (s: number) => `${(s / 3600).toFixed(1)} h`;

/** runs.csv: these columns of the run table (src/io/run-table.ts), every option in its `options` column (JSON). */
const CSV_COLUMNS = runColumns([
  'task',
  'samples',
  'testSamples',
  'seed',
  'algorithm',
  'lr',
  'trainError',
  'testError',
  'trainClassError',
  'testClassError',
  'iterations',
  'stopReason',
  'widths',
  'gdSteps',
  'seconds',
  'options',
  'codeVersion',
  'codeCommit',
  'key',
]);

/** Runs in a fixed order (task, samples, seed, algorithm), so every output is the same for the same runs. */
export function sortRuns<T extends RunLike>(runs: T[]): T[] {
  return [...runs].sort(
    (a, b) =>
      (a.task < b.task ? -1 : a.task > b.task ? 1 : 0) ||
      a.samples - b.samples ||
      a.seed - b.seed ||
      (a.algorithm < b.algorithm ? -1 : a.algorithm > b.algorithm ? 1 : 0) ||
      a.lr - b.lr,
  );
}

function sampleComplexityFigure(runs: RunLike[], tasks: readonly string[], family: string): FigureSpec {
  const rows = summarize(runs.filter((r) => tasks.includes(r.task)));
  const label = (a: string) => (a === 'np' ? 'NP' : 'GD');
  // a task of the family with no runs yet draws no panel (an empty log-scale panel has no size)
  const present = tasks.filter((task) => rows.some((r) => r.task === task));
  const panels = present.map((task) => {
    const points: ErrorPoint[] = rows
      .filter((r) => r.task === task)
      .flatMap((r) =>
        (['test', 'train'] as const).map((kind) => ({
          task,
          algorithm: label(r.algorithm),
          samples: r.samples,
          kind,
          mean: kind === 'test' ? r.testMean : r.trainMean,
          lo: kind === 'test' ? r.testMin : r.trainMin,
          hi: kind === 'test' ? r.testMax : r.trainMax,
        })),
      )
      .filter((p) => Number.isFinite(p.mean));
    const { $schema: _, ...spec } = sampleComplexitySpec(task, points) as unknown as Record<string, unknown>;
    return spec;
  });
  const iterations = rows
    .filter((r) => r.algorithm === 'np')
    .map((r) => ({ task: r.task, samples: r.samples, iterations: r.iterationsMean }));
  const { $schema: _, ...bottom } = iterationsSpec('NP', iterations) as unknown as Record<string, unknown>;
  if (iterations.length > 0) panels.push(bottom);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${family}: error against training samples (top), NP iterations (bottom)`,
    vconcat: panels,
    // the panels colour by algorithm, the bottom one by task
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  } as unknown as FigureSpec;
}

/** The run a per-run figure shows: the lowest test error among `runs` (the smaller seed on a tie). */
function showcase(runs: StoredRun[]): StoredRun | undefined {
  const err = (r: StoredRun) => r.result!.testClassError ?? r.result!.testError;
  return [...runs].sort((a, b) => err(a) - err(b) || a.seed - b.seed)[0];
}

export interface ReproductionInput {
  /** The grid's runs that finished (from the committed batches), each with its result. */
  runs: StoredRun[];
  /** The grid's name and its number of points, and how many points each cell of it has. */
  grid: { name: string; points: number };
  /** The results folder (batches/ and this page), as the command line names it. */
  results?: string;
  /** Text written by hand about the findings (results/paper/findings.md), printed as is; '' for none. */
  findings: string;
  settings?: ClaimSettings;
}

export function reproductionContent(input: ReproductionInput): ReproductionContent {
  const settings = input.settings ?? PAPER_CLAIM_SETTINGS;
  const runs = sortRuns(input.runs.filter((r) => r.status === 'ok' && r.result !== null));
  const claims = [
    ...sampleComplexityClaims(runs, settings),
    ...modularClaims(runs, 529, settings.algorithmicSeeds),
    ...pvrClaims(runs, settings.algorithmicSeeds),
    diagonalClaim(),
  ];

  const figures: ReproductionContent['figures'] = [];
  for (const f of SAMPLE_COMPLEXITY_FIGURES) {
    if (!runs.some((r) => (f.tasks as readonly string[]).includes(r.task))) continue;
    figures.push({
      name: f.name,
      title: `Fig ${f.name.slice(3, 4)}: ${f.family}`,
      spec: sampleComplexityFigure(runs, f.tasks, f.family),
    });
  }
  const modular = runs.filter((r) => r.task === 'modular-addition');
  const fraction = claims.find((c) => c.id === 'modular-fit');
  if (modular.length > 0) {
    // the fraction the claim holds from, else the largest measured
    const held = /Holds from (\d+) %/.exec(fraction?.evidence ?? '');
    const sizes = [...new Set(modular.map((r) => r.samples))];
    const n = held ? sizes.find((s) => Math.round((100 * s) / 529) === Number(held[1]))! : Math.max(...sizes);
    const best = showcase(modular.filter((r) => r.samples === n))!;
    const label = `modular addition, ${n} training pairs, seed ${best.seed}`;
    for (const fig of runFigures(best.result!, 'modular-addition', label, 'fig10-'))
      if (/errors|dft/.test(fig.name)) figures.push(fig);
  }
  const pvr = runs.filter((r) => r.task === 'pvr');
  if (pvr.length > 0) {
    const best = showcase(pvr)!;
    const label = `PVR, n = ${best.samples}, seed ${best.seed}`;
    for (const fig of runFigures(best.result!, 'pvr', label, 'fig11-'))
      if (/errors|heatmap|weights|widths/.test(fig.name)) figures.push(fig);
  }

  return {
    markdown: markdown(input, settings, runs, claims, figures),
    csv: runsCsv(runs, CSV_COLUMNS),
    figures,
    claims,
  };
}

function markdown(
  input: ReproductionInput,
  settings: ClaimSettings,
  runs: StoredRun[],
  claims: ClaimRow[],
  figures: ReproductionContent['figures'],
): string {
  const count = (v: string) => claims.filter((c) => c.verdict === v).length;
  const soFar = (v: string) => claims.filter((c) => c.soFar === v).length;
  // The paper's grid in its folder needs no flags; a companion grid names both.
  const results = input.results ?? 'results/paper';
  const flags =
    input.grid.name === 'paper-reproduction' && results === 'results/paper'
      ? ''
      : ` --grid ${input.grid.name} --results ${results}`;
  const reproduce = (mode: string) => `\`neuron-pursuit reproduce${mode}${flags}\``;
  const cpu = runs.reduce((s, r) => s + r.result!.seconds, 0);
  const seedsAsked = `(${seedsInWords(settings)}; ${settings.algorithmicSeeds} for modular addition and PVR)`;
  const out: string[] = [];
  out.push('# Reproducing the paper: measured verdicts');
  out.push('');
  out.push(`<!-- Generated by ${reproduce(' --report')} from ${results}/batches/; do not edit by hand. -->`);
  out.push('');
  out.push(
    `This page checks the claims of Kumar & Haupt's *Neuron Pursuit* paper against runs of this implementation. ` +
      `It is generated from the committed runs of the grid \`${input.grid.name}\`: ${runs.length} of its ` +
      `${input.grid.points} points have finished, ${hours(cpu)} of CPU time in all (one core per run). ` +
      `Verdicts: ${count('✓')} ✓, ${count('✗')} ✗, ${count('inconclusive')} inconclusive. ` +
      (runs.length >= input.grid.points && count('inconclusive') === 0
        ? `Every cell has the seeds the grid asks ${seedsAsked}.`
        : `A claim whose cells have fewer seeds than the grid asks ${seedsAsked} ` +
          `is inconclusive until they finish (its verdict cell says what the rule gives on the seeds so far)` +
          `${soFar('✓') + soFar('✗') > 0 ? `: so far ${soFar('✓')} ✓ and ${soFar('✗')} ✗` : ''}; ` +
          `${reproduce('')} continues the grid.`),
  );
  out.push('');
  out.push('## Claims');
  out.push('');
  out.push(
    `*n\\** (sample complexity) is the smallest grid size whose mean test error over seeds is below ` +
      `${settings.solvedTestError} there and at every larger size ("> grid" when none is). ` +
      'Means are over seeds; each rule is in the last column.',
  );
  out.push('');
  out.push('| # | Claim | Measured | Rule | Verdict |');
  out.push('|---|---|---|---|---|');
  claims.forEach((c, i) => {
    const cell = (s: string) => s.replace(/\|/g, '\\|');
    const verdict = c.soFar ? `${c.verdict} (so far ${c.soFar})` : c.verdict;
    out.push(`| ${i + 1} | ${cell(c.claim)} | ${cell(c.evidence)} | ${cell(c.rule)} | ${verdict} |`);
  });
  out.push('');
  if (input.findings.trim() !== '') {
    out.push('## Findings');
    out.push('');
    out.push(input.findings.trim());
    out.push('');
  }
  out.push('## Coverage');
  out.push('');
  // The pilot is seed 0 of every point: the grid runs seed by seed, so it finishes first.
  const pilot = runs.filter((r) => r.seed === 0);
  const pilotGd = pilot.filter((r) => r.algorithm === 'gd').reduce((s, r) => s + r.result!.seconds, 0);
  const pilotCpu = pilot.reduce((s, r) => s + r.result!.seconds, 0);
  out.push(
    `Seeds finished per task, algorithm and training-set size, and the CPU time of those runs. The pilot (seed 0 ` +
      `of every point, ${pilot.length} runs so far) took ${hours(pilotCpu)} of CPU time, ${hours(pilotGd)} of it ` +
      'in GD.',
  );
  out.push('');
  const cells = new Map<string, { seeds: Map<number, number>; seconds: number }>();
  for (const r of runs) {
    const k = `${r.task} | ${r.algorithm.toUpperCase()}`;
    const cell = cells.get(k) ?? { seeds: new Map<number, number>(), seconds: 0 };
    cell.seeds.set(r.samples, (cell.seeds.get(r.samples) ?? 0) + 1);
    cell.seconds += r.result!.seconds;
    cells.set(k, cell);
  }
  out.push('| task | algorithm | seeds at each n | CPU time |');
  out.push('|---|---|---|---|');
  for (const [k, cell] of [...cells].sort(([a], [b]) => (a < b ? -1 : 1)))
    out.push(
      `| ${k} | ${[...cell.seeds]
        .sort(([a], [b]) => a - b)
        .map(([n, s]) => `${n}: ${s}`)
        .join(', ')} | ${hours(cell.seconds)} |`,
    );
  out.push('');
  out.push('## Results');
  out.push('');
  out.push(
    'Mean over seeds [min – max] of the relative squared error (classification error for modular addition); NP ' +
      'iterations; mean seconds per run.',
  );
  out.push('');
  out.push('| task | n | algorithm | seeds | train error | test error | NP iterations | seconds |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const r of summarize(runs)) {
    const it = r.algorithm === 'np' ? r.iterationsMean.toFixed(1) : '';
    out.push(
      `| ${r.task} | ${r.samples} | ${r.algorithm.toUpperCase()} | ${r.seeds} | ${sci(r.trainMean)} ` +
        `[${sci(r.trainMin)} – ${sci(r.trainMax)}] | ` +
        `${sci(r.testMean)} [${sci(r.testMin)} – ${sci(r.testMax)}] | ${it} | ${r.secondsMean.toFixed(1)} |`,
    );
  }
  out.push('');
  out.push('## Figures');
  out.push('');
  out.push(
    'Figs 7–9: training and test error against n for NP and GD (mean with a min–max band over seeds, log axes) and ' +
      "NP's iterations against n. Fig 10: modular addition's errors per iteration and |DFT| of the first-layer rows " +
      "(over the one-hot code of a and of b) and second-layer columns. Fig 11: PVR's errors per iteration and its " +
      '|weights|. Each as SVG, and PNG beside it.',
  );
  out.push('');
  for (const f of figures) out.push(`- [${f.title}](figures/${f.name}.svg) ([PNG](figures/${f.name}.png))`);
  out.push('');
  out.push('## Re-checking');
  out.push('');
  out.push(`- ${reproduce(' --report')} rebuilds this page, \`runs.csv\` and \`figures/\` from \`batches/\`.`);
  out.push(
    `- ${reproduce(' --audit 5')} re-runs 5 stored runs picked at random and says whether each ` +
      'matches bit for bit.',
  );
  out.push(`- ${reproduce('')} continues the grid from where it stopped (docs/reproduction.md).`);
  out.push('');
  return out.join('\n');
}
