/**
 * `neuron-pursuit reproduce`: run the paper's grid (preset paper-reproduction) into a local SQLite store,
 * seed by seed and cheapest first, and append its finished runs to the committed batches of results/paper/;
 * `--report` turns the batches into REPRODUCTION.md, runs.csv and the figures; `--audit K` re-runs K stored
 * runs and compares them bit for bit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { expandGrid, pointKey, type SweepConfig } from '../experiments/config.js';
import {
  auditPicks,
  cpuSecondsLeft,
  reproductionOrder,
  resultDifference,
  type Timed,
} from '../experiments/reproduction.js';
import { runPool, runSweep } from '../experiments/sweep.js';
import { writeFileAtomic, writeFilesAtomic } from '../io/files.js';
import { readBatchRows, readBatches } from '../io/result-batches.js';
import { openStore } from '../io/open-store.js';
import type { GridPoint, PointResult } from '../io/run-record.js';
import { claimSettingsFor } from '../report/claims.js';
import { renderFigure } from '../report/figure.js';
import { reproductionContent } from '../report/reproduction-report.js';
import { pointLabel } from './format.js';
import { integer, positiveInteger } from './options.js';
import { duration, loadSweepConfig } from './sweep.js';
import { batchDir, openBatchedGrid } from './batched-grid.js';

interface ReproduceFlags {
  grid: string;
  results: string;
  store: string;
  workers?: number;
  batchMinutes: number;
  only?: string;
  report?: boolean;
  audit?: number;
  auditSeed: number;
  quiet?: boolean;
}

export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description(
      "run the paper's experiments (the paper-reproduction grid) and check its claims: without a mode, run the " +
        'grid points not yet in the results folder (resumable: kill it at any time) and append the finished runs ' +
        'to its batches; --report writes REPRODUCTION.md, runs.csv and figures/ from the batches; --audit K ' +
        're-runs K stored runs and compares them bit for bit',
    )
    .option('--grid <preset|file>', 'the grid (a sweep file or preset)', 'paper-reproduction')
    .option('--results <dir>', 'the results folder (batches/, REPRODUCTION.md, runs.csv, figures/)', 'results/paper')
    .option('--store <file.sqlite>', 'the local working store the grid runs into', 'runs/reproduce.sqlite')
    .option('--workers <n>', 'runs at once (default: all cores)', positiveInteger)
    .option('--batch-minutes <m>', 'append the finished runs to a new batch at least this often', positiveInteger, 15)
    .option('--only <tasks>', 'run only these tasks of the grid (comma-separated)')
    .option('--report', 'only regenerate REPRODUCTION.md, runs.csv and figures/ from the batches')
    .option('--audit <k>', 're-run k stored runs picked at random (the cheapest of 4k) and compare', positiveInteger)
    .option('--audit-seed <s>', 'seed of the audit draw', integer, 0)
    .option('--quiet', 'no progress display')
    .action(async (opts: ReproduceFlags) => {
      const config = loadSweepConfig(opts.grid);
      if (opts.report && opts.audit !== undefined) throw new Error('--report and --audit: choose one');
      if (opts.report) return await writeReproduction(config, opts.results);
      if (opts.audit !== undefined) return await audit(config, opts);
      await runGrid(config, opts);
    });
}

/** The grid restricted to some of its tasks (`--only a,b`). */
export function onlyTasks(config: SweepConfig, only?: string): SweepConfig {
  if (only === undefined) return config;
  const tasks = only.split(',').map((t) => t.trim());
  const name = (t: SweepConfig['tasks'][number]) => (typeof t === 'string' ? t : t.name);
  const unknown = tasks.filter((t) => !config.tasks.some((e) => name(e) === t));
  if (unknown.length > 0) throw new Error(`--only: ${unknown.join(', ')}: not a task of the grid ${config.name}`);
  return { ...config, tasks: config.tasks.filter((e) => tasks.includes(name(e))) };
}

async function runGrid(whole: SweepConfig, opts: ReproduceFlags): Promise<void> {
  const config = onlyTasks(whole, opts.only);
  const keys = new Set(expandGrid(config).map(pointKey));
  const store = await openStore(opts.store);
  const batches = await openBatchedGrid(store, opts.results, opts);
  try {
    // Runs finished before (from the batches or this store) feed the cost model.
    const before: Timed[] = (await store.all())
      .filter((r) => r.status === 'ok' && keys.has(r.key))
      .map((r) => ({ point: r.config, seconds: r.seconds }));
    const outcome = await runSweep(config, store, {
      workers: opts.workers ?? availableParallelism(),
      order: (todo) => reproductionOrder(todo, before),
      secondsLeft: (remaining, ran) => cpuSecondsLeft(remaining, [...before, ...ran]),
      onProgress: (p, f) => {
        batches.onProgress(p, f);
        if (f && !opts.quiet && p.cpuSecondsLeft !== undefined && process.stderr.isTTY !== true)
          process.stderr.write(`  CPU time left ≈ ${duration(p.cpuSecondsLeft)}\n`);
      },
    });
    await batches.finish();
    process.stdout.write(
      `reproduce ${config.name}: ${outcome.total} grid points, ${outcome.skipped} already finished, ` +
        `${outcome.ran} run (${outcome.failed} failed) in ${duration(outcome.seconds)}; results in ` +
        `${batchDir(opts.results)}\n`,
    );
    if (outcome.failed > 0) process.exitCode = 1;
  } finally {
    await batches.close();
    await store.close();
  }
}

/** The committed runs of the grid: only runs whose configuration is a point of it (settings never pooled). */
function gridRuns(config: SweepConfig, results: string) {
  const keys = new Set(expandGrid(config).map(pointKey));
  return readBatches(batchDir(results)).filter((r) => keys.has(r.key) && pointKey(r.config) === r.key);
}

async function writeReproduction(config: SweepConfig, results: string): Promise<void> {
  const runs = gridRuns(config, results);
  if (runs.length === 0) throw new Error(`${batchDir(results)}: no finished runs of the grid ${config.name}`);
  const findingsFile = join(results, 'findings.md');
  const points = expandGrid(config);
  const content = reproductionContent({
    runs,
    grid: { name: config.name, points: points.length },
    results,
    settings: claimSettingsFor(points),
    findings: existsSync(findingsFile) ? readFileSync(findingsFile, 'utf8') : '',
  });
  const figures: Record<string, string | Uint8Array> = {};
  for (const f of content.figures) {
    const { svg, png } = await renderFigure(f.spec);
    figures[`${f.name}.svg`] = svg;
    figures[`${f.name}.png`] = png;
  }
  writeFilesAtomic(join(results, 'figures'), figures);
  writeFileAtomic(join(results, 'runs.csv'), content.csv);
  writeFileAtomic(join(results, 'REPRODUCTION.md'), content.markdown);
  const verdicts = content.claims.map((c) => c.verdict);
  const n = (v: string) => verdicts.filter((x) => x === v).length;
  process.stdout.write(
    `wrote ${join(results, 'REPRODUCTION.md')} (${content.claims.length} claims: ${n('✓')} ✓, ${n('✗')} ✗, ` +
      `${n('inconclusive')} inconclusive), runs.csv (${runs.length} runs), ${content.figures.length} figures\n`,
  );
}

async function audit(config: SweepConfig, opts: ReproduceFlags): Promise<void> {
  const k = opts.audit!;
  const keys = new Set(expandGrid(config).map(pointKey));
  const rows = readBatchRows(batchDir(opts.results)).filter((r) => r.status === 'ok' && keys.has(r.key));
  if (rows.length < k) throw new Error(`--audit ${k}: only ${rows.length} stored run(s) of the grid ${config.name}`);
  const picks = auditPicks(rows, k, opts.auditSeed);
  const pool = runPool(Math.min(k, opts.workers ?? availableParallelism()));
  let same = 0;
  try {
    await Promise.all(
      picks.map(async (row) => {
        const point = JSON.parse(row.config) as GridPoint;
        const fresh = (await pool.run(point)) as PointResult;
        const differs = resultDifference(row.result!, fresh);
        if (differs === null) same++;
        process.stdout.write(
          `${pointLabel(point)}: ${differs === null ? 'bit-identical' : `differs (${differs})`} ` +
            `(stored ${row.seconds.toFixed(1)} s, now ${fresh.seconds.toFixed(1)} s)\n`,
        );
      }),
    );
  } finally {
    await pool.destroy();
  }
  process.stdout.write(`${same} of ${k} bit-identical\n`);
  if (same < k) process.exitCode = 1;
}
