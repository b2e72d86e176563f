/**
 * The reproduction grid's scheduling and checking: the order its points run in (seed by seed, cheap first, so
 * a grid stopped early still has every cell at its first seeds), a cost model for the CPU time left, and the
 * bit-for-bit comparison of a re-run with the stored result (`reproduce --audit`). No I/O.
 */
import { canonicalJson } from './config.js';
import type { GridPoint } from '../io/run-record.js';
import { Rng } from '../linalg/rng.js';

export interface Timed {
  point: GridPoint;
  seconds: number;
}

/** Seconds assumed for a point of an algorithm nothing has been measured for. */
const UNMEASURED_SECONDS = 60;

/**
 * Expected CPU seconds of a point from the runs finished so far: the mean of the same task and algorithm at the
 * same size; else at the nearest measured size, scaled in proportion to the size (a GD step costs ∝ n); else the
 * same algorithm on any task, scaled likewise; else a minute.
 */
export function expectedSeconds(point: GridPoint, finished: readonly Timed[]): number {
  const mean = (v: Timed[]) => v.reduce((s, t) => s + t.seconds, 0) / v.length;
  const scaled = (runs: Timed[]) => {
    const nearest = runs.reduce((best, t) =>
      Math.abs(Math.log(t.point.samples / point.samples)) < Math.abs(Math.log(best.point.samples / point.samples))
        ? t
        : best,
    );
    const same = runs.filter((t) => t.point.samples === nearest.point.samples);
    return (mean(same) * point.samples) / nearest.point.samples;
  };
  const mine = finished.filter((t) => t.point.task === point.task && t.point.algorithm === point.algorithm);
  if (mine.length > 0) return scaled(mine);
  const algorithm = finished.filter((t) => t.point.algorithm === point.algorithm);
  return algorithm.length > 0 ? scaled(algorithm) : UNMEASURED_SECONDS;
}

/** The CPU seconds the remaining points will take under the cost model. */
export function cpuSecondsLeft(remaining: readonly GridPoint[], finished: readonly Timed[]): number {
  return remaining.reduce((s, p) => s + expectedSeconds(p, finished), 0);
}

/**
 * The order to run a grid's points in: all points of the first seed before any of the second (so every cell
 * fills evenly), and within a seed the cheapest expected first.
 */
export function reproductionOrder<T extends { point: GridPoint }>(todo: T[], finished: readonly Timed[]): T[] {
  const cost = new Map(todo.map((t) => [t, expectedSeconds(t.point, finished)] as const));
  return [...todo].sort(
    (a, b) => a.point.seed - b.point.seed || cost.get(a)! - cost.get(b)! || a.point.samples - b.point.samples,
  );
}

/** `k` stored runs to audit: drawn at random (seeded) from the runs, the cheapest of a pool of 4k. */
export function auditPicks<T extends { seconds: number }>(runs: T[], k: number, seed: number): T[] {
  const order = new Rng(seed, 'audit').permutation(runs.length);
  const pool = order.slice(0, Math.min(runs.length, 4 * k)).map((i) => runs[i]!);
  return pool.sort((a, b) => a.seconds - b.seconds).slice(0, k);
}

/** Timings, which no two runs share: the run's and each iteration's wall time, and the run's CPU time. */
const TIMES = new Set(['seconds', 'cpuSeconds']);
const timeless = (json: string) =>
  JSON.parse(json, (key, value) => (TIMES.has(key) ? undefined : value)) as Record<string, unknown>;

/**
 * Whether a re-run's result equals the stored one bit for bit, its times apart: both as the store writes them
 * (JSON, NaN as null), keys sorted, times (wall and CPU, of the run and of each iteration) left out. The first
 * field that differs, or null.
 */
export function resultDifference(stored: string, fresh: object): string | null {
  const a = timeless(stored),
    b = timeless(JSON.stringify(fresh));
  if (canonicalJson(a) === canonicalJson(b)) return null;
  for (const field of new Set([...Object.keys(a), ...Object.keys(b)]))
    if (canonicalJson(a[field]) !== canonicalJson(b[field])) return field;
  return '(order)';
}
