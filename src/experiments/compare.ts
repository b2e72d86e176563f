/**
 * The growth-strategy shoot-out's grid (`neuron-pursuit compare`, docs/growth-strategies.md): the points of the
 * preset, plus, for every finished NP run, small-init GD at the widths NP ended at (same capacity, no growth); the
 * order they run in (the growing networks first, seed by seed and cheapest first, then GD); and the slimmed form
 * of a stored run that the committed batches keep. No I/O.
 */
import { pointKey } from './config.js';
import { reproductionOrder, type Timed } from './reproduction.js';
import type { GridPoint } from '../io/run-record.js';
import type { RawRun } from '../io/run-store.js';

/** The GD point that matches an NP run: its task, data, seed and step size, and NP's final widths. */
export function matchedGdPoint(np: GridPoint, widths: number[], gd: { maxSteps: number; radius?: number }): GridPoint {
  return {
    task: np.task,
    samples: np.samples,
    testSamples: np.testSamples,
    seed: np.seed,
    algorithm: 'gd',
    lr: np.lr,
    options: { targetError: (np.options.targetError as number | undefined) ?? 1e-3 },
    gd: {
      width: Math.max(...widths),
      widths,
      maxSteps: gd.maxSteps,
      ...(gd.radius !== undefined ? { radius: gd.radius } : {}),
    },
  };
}

/** Whether a GD point is the matched-width variant (its widths given) rather than the fixed-width baseline. */
export function isMatchedGd(point: GridPoint): boolean {
  return point.algorithm === 'gd' && point.gd?.widths !== undefined;
}

/** The matched GD points of the NP runs finished so far (each NP run of the grid with its final widths). */
export function matchedGdPoints(
  grid: GridPoint[],
  finished: { key: string; widths: number[] }[],
  gd: { maxSteps: number; radius?: number },
): GridPoint[] {
  const widthsOf = new Map(finished.map((f) => [f.key, f.widths]));
  return grid
    .filter((p) => p.algorithm === 'np' && widthsOf.has(pointKey(p)))
    .map((p) => matchedGdPoint(p, widthsOf.get(pointKey(p))!, gd));
}

/**
 * The order to run points in: the growing networks (cheap) before GD, each seed by seed and cheapest first, the
 * matched-width GD (small networks) before the width-50 baseline.
 */
export function compareOrder<T extends { point: GridPoint }>(todo: T[], finished: readonly Timed[]): T[] {
  const rank = (p: GridPoint) => (p.algorithm !== 'gd' ? 0 : isMatchedGd(p) ? 1 : 2);
  return [0, 1, 2].flatMap((r) =>
    reproductionOrder(
      todo.filter((t) => rank(t.point) === r),
      finished,
    ),
  );
}

/** At most this many points of GD's loss trace are kept (the figures need no more). */
const TRACE_POINTS = 200;

/**
 * A stored run as the committed batches keep it: without the per-stage GD traces and recorded weights of every
 * history row (a growing network's row keeps its errors, steps and seconds), and GD's loss trace thinned.
 */
export function slimRun(row: RawRun): RawRun {
  if (row.result === null) return row;
  const result = JSON.parse(row.result) as { history: Record<string, unknown>[] };
  if (row.algorithm === 'gd') {
    const trace = result.history;
    const every = Math.ceil(trace.length / TRACE_POINTS);
    result.history = trace.filter((_, i) => i % every === 0 || i === trace.length - 1);
  } else {
    result.history = result.history.map(({ gdTrace: _t, weights: _w, kktPoint: _k, ...rest }) => rest);
  }
  return { ...row, result: JSON.stringify(result) };
}
