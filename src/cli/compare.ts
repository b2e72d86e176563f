/**
 * `neuron-pursuit compare`: the growth-strategy shoot-out (preset growth-compare; docs/growth-strategies.md). It
 * runs the grid's points — and GD at the widths of every finished NP run — into a local SQLite store, one worker
 * by default, the growing networks first, and appends the finished runs, slimmed, to the committed batches of
 * results/compare/; killed at any time, it goes on where it stopped. `--report` writes COMPARE.md and its figures
 * from the batches.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { compareOrder, matchedGdPoints, slimRun } from '../experiments/compare.js';
import { expandGrid, pointKey, type SweepConfig } from '../experiments/config.js';
import { cpuSecondsLeft, type Timed } from '../experiments/reproduction.js';
import { runSweep } from '../experiments/sweep.js';
import { writeFileAtomic, writeFilesAtomic } from '../io/files.js';
import { readBatches } from '../io/result-batches.js';
import type { GridPoint } from '../io/run-record.js';
import { openStore } from '../io/open-store.js';
import type { RunStore } from '../io/run-store.js';
import { compareContent } from '../report/compare-report.js';
import { renderFigure } from '../report/figure.js';
import { positiveInteger } from './options.js';
import { onlyTasks } from './reproduce.js';
import { duration, loadSweepConfig } from './sweep.js';
import { batchDir, openBatchedGrid } from './batched-grid.js';

interface CompareFlags {
  grid: string;
  results: string;
  store: string;
  workers: number;
  batchMinutes: number;
  only?: string;
  report?: boolean;
  quiet?: boolean;
}

export function compareCommand(): Command {
  return new Command('compare')
    .description(
      'the growth-strategy shoot-out: NP, GradMax, TINY and random growth on one growth loop against small-init GD ' +
        '(at width 50 and at the widths NP ended at). Without --report, run the points not yet in the results ' +
        'folder (resumable: kill it at any time) and append the finished runs to its batches; --report writes ' +
        'COMPARE.md and figures/ from the batches',
    )
    .option('--grid <preset|file>', 'the grid (a sweep file or preset)', 'growth-compare')
    .option('--results <dir>', 'the results folder (batches/, COMPARE.md, figures/)', 'results/compare')
    .option('--store <file.sqlite>', 'the local working store the grid runs into', 'runs/compare.sqlite')
    .option('--workers <n>', 'runs at once', positiveInteger, 1)
    .option('--batch-minutes <m>', 'append the finished runs to a new batch at least this often', positiveInteger, 10)
    .option('--only <tasks>', 'run only these tasks of the grid (comma-separated)')
    .option('--report', 'only regenerate COMPARE.md and figures/ from the batches')
    .option('--quiet', 'no progress display')
    .action(async (opts: CompareFlags) => {
      const config = loadSweepConfig(opts.grid);
      if (opts.report) return await writeComparison(config, opts.results);
      await runComparison(config, opts);
    });
}

/** The matched-GD settings: the grid's GD step cap and radius. */
const gdSettings = (config: SweepConfig) => ({
  maxSteps: config.gd.maxSteps ?? 100_000,
  ...(config.gd.radius !== undefined ? { radius: config.gd.radius } : {}),
});

/** Every point of the comparison as far as the finished NP runs tell: the grid's and the matched GD points. */
function comparePoints(config: SweepConfig, finished: { key: string; widths: number[] }[]): GridPoint[] {
  const grid = expandGrid(config);
  return [...grid, ...matchedGdPoints(grid, finished, gdSettings(config))];
}

async function finishedNp(store: RunStore): Promise<{ key: string; widths: number[] }[]> {
  return (await store.all())
    .filter((r) => r.status === 'ok' && r.algorithm === 'np' && r.result !== null)
    .map((r) => ({ key: r.key, widths: r.result!.widths }));
}

async function runComparison(whole: SweepConfig, opts: CompareFlags): Promise<void> {
  const config = onlyTasks(whole, opts.only);
  const store = await openStore(opts.store);
  const batches = await openBatchedGrid(store, opts.results, { ...opts, keep: slimRun });
  try {
    let ran = 0,
      failed = 0,
      seconds = 0;
    // Pass 1 runs the growing networks; pass 2 the GD points, whose matched widths the NP runs of pass 1 give.
    for (const pass of [1, 2]) {
      const points = comparePoints(config, await finishedNp(store)).filter((p) => pass === 2 || p.algorithm !== 'gd');
      const keys = new Set(points.map(pointKey));
      const before: Timed[] = (await store.all())
        .filter((r) => r.status === 'ok' && keys.has(r.key))
        .map((r) => ({ point: r.config, seconds: r.seconds }));
      const outcome = await runSweep(config, store, {
        workers: opts.workers,
        points: points.map((point) => ({ point, key: pointKey(point) })),
        order: (todo) => compareOrder(todo, before),
        secondsLeft: (remaining, done) => cpuSecondsLeft(remaining, [...before, ...done]),
        onProgress: (p, f) => batches.onProgress(p, f),
      });
      ran += outcome.ran;
      failed += outcome.failed;
      seconds += outcome.seconds;
    }
    await batches.finish();
    process.stdout.write(
      `compare ${config.name}: ${ran} run(s) (${failed} failed) in ${duration(seconds)}; results in ` +
        `${batchDir(opts.results)}\n`,
    );
    if (failed > 0) process.exitCode = 1;
  } finally {
    await batches.close();
    await store.close();
  }
}

async function writeComparison(config: SweepConfig, results: string): Promise<void> {
  const all = readBatches(batchDir(results));
  const np = all
    .filter((r) => r.algorithm === 'np' && r.result !== null)
    .map((r) => ({ key: r.key, widths: r.result!.widths }));
  const points = comparePoints(config, np);
  const keys = new Set(points.map(pointKey));
  const runs = all.filter((r) => keys.has(r.key) && pointKey(r.config) === r.key);
  if (runs.length === 0) throw new Error(`${batchDir(results)}: no finished runs of the grid ${config.name}`);
  const content = compareContent({ runs, grid: { name: config.name, points: points.length, config } });
  // SVG only: COMPARE.md links them, and the folder is committed with every regeneration.
  const figures: Record<string, string> = {};
  for (const f of content.figures) figures[`${f.name}.svg`] = (await renderFigure(f.spec)).svg;
  writeFilesAtomic(join(results, 'figures'), figures);
  writeFileAtomic(join(results, 'COMPARE.md'), content.markdown);
  process.stdout.write(
    `wrote ${join(results, 'COMPARE.md')} (${runs.length} runs of ${points.length} points), ` +
      `${content.figures.length} figures\n`,
  );
}
