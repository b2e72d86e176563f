/**
 * From stored runs to the numbers a paper reports: per grid point without its
 * step size, the run chosen by the reporting rules; then mean and spread over seeds.
 */
import { knownNetworkAlgorithm } from '../estimators/registry.js';
import { GD_DEFAULTS } from '../optim/gradient-descent.js';
import type { GridPoint, PointResult } from '../io/run-record.js';

export interface RunLike {
  task: string;
  samples: number;
  seed: number;
  algorithm: string;
  lr: number;
  status: string;
  config: GridPoint;
  result: PointResult | null;
}

/** The error a task is scored by: classification error where the run has one, else relative error. */
export function scoredErrors(r: PointResult): { train: number; test: number } {
  return r.testClassError !== undefined
    ? { train: r.trainClassError!, test: r.testClassError }
    : { train: r.trainError, test: r.testError };
}

/** Test error below which a step size counts as solving the task (docs/algorithm.md §12, reconstructed). */
export const SOLVED_TEST_ERROR = 0.01;

/**
 * NP's reporting rule with several step sizes (docs/algorithm.md §12, paper C.1.1): among
 * step sizes with test error < 0.01 the fewest iterations; else among those
 * reaching the training target the lowest test error; else the lowest training error.
 * GD reports the step size with the lowest test error (docs/algorithm.md §9).
 */
export function chooseStepSize<T extends RunLike>(runs: T[], targetError: number = GD_DEFAULTS.targetError): T {
  const ok = runs.filter((r) => r.result !== null);
  const [first] = ok;
  if (first === undefined) return runs[0]!;
  const err = (r: T) => scoredErrors(r.result!);
  /** The run of `candidates` (not empty) with the lowest key, the smaller step size on a tie. */
  const lowest = (candidates: T[], key: (r: T) => number) =>
    candidates.reduce((best, r) => ((key(r) - key(best) || r.lr - best.lr) < 0 ? r : best));
  if (stepSizeRule(first.algorithm) === 'lowest-test-error') return lowest(ok, (r) => nanLast(err(r).test));
  const solved = ok.filter((r) => err(r).test < SOLVED_TEST_ERROR);
  if (solved.length > 0) return lowest(solved, (r) => r.result!.iterations);
  const target = ok.filter((r) => r.result!.trainError < targetError);
  if (target.length > 0) return lowest(target, (r) => nanLast(err(r).test));
  return lowest(ok, (r) => nanLast(err(r).train));
}

const nanLast = (v: number) => (Number.isFinite(v) ? v : Infinity);

/** The registry's rule for an algorithm; one this build does not know is scored by its test error. */
function stepSizeRule(algorithm: string): 'solved-fewest-iterations' | 'lowest-test-error' {
  return knownNetworkAlgorithm(algorithm)?.stepSizeRule ?? 'lowest-test-error';
}

/** One chosen run per (task, algorithm, samples, seed). */
export function chosenRuns<T extends RunLike>(runs: T[]): T[] {
  const groups = groupBy(runs, (r) => [r.task, r.algorithm, r.samples, r.seed]);
  return groups.map((g) => chooseStepSize(g, g[0]!.config.options?.targetError ?? GD_DEFAULTS.targetError));
}

export interface SummaryRow {
  task: string;
  algorithm: string;
  samples: number;
  seeds: number;
  failed: number;
  trainMean: number;
  trainMin: number;
  trainMax: number;
  testMean: number;
  testMin: number;
  testMax: number;
  iterationsMean: number;
  secondsMean: number;
}

/** Mean, min and max over seeds of the chosen runs. */
export function summarize(runs: RunLike[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const g of groupBy(chosenRuns(runs), (r) => [r.task, r.algorithm, r.samples])) {
    const ok = g.filter((r) => r.result !== null).map((r) => r.result!);
    const train = ok.map((r) => scoredErrors(r).train),
      test = ok.map((r) => scoredErrors(r).test);
    rows.push({
      task: g[0]!.task,
      algorithm: g[0]!.algorithm,
      samples: g[0]!.samples,
      seeds: ok.length,
      failed: g.length - ok.length,
      trainMean: mean(train),
      trainMin: Math.min(...train),
      trainMax: Math.max(...train),
      testMean: mean(test),
      testMin: Math.min(...test),
      testMax: Math.max(...test),
      iterationsMean: mean(ok.map((r) => r.iterations)),
      secondsMean: mean(ok.map((r) => r.seconds)),
    });
  }
  return rows.sort((a, b) =>
    a.task < b.task ? -1 : a.task > b.task ? 1 : a.samples - b.samples || (a.algorithm < b.algorithm ? 1 : -1),
  );
}

/** The runs grouped by key, groups in order of first appearance. */
function groupBy<T>(runs: T[], key: (r: T) => (string | number)[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const r of runs) {
    const k = key(r).join('\u0000');
    const group = groups.get(k);
    if (group) group.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()];
}

function mean(v: number[]): number {
  return v.length === 0 ? NaN : v.reduce((s, x) => s + x, 0) / v.length;
}
