/** `neuron-pursuit sweep`, `runs` and `merge`: run a grid into a store, list it, copy stores into one another. */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { parseShard, parseSweepConfig, presetNames, PRESET_DIR, type SweepConfig } from '../experiments/config.js';
import { isPostgresUrl, openStore, storeKind } from '../io/open-store.js';
import { claimIsLive, mergeStores, type RunStore } from '../io/run-store.js';
import { PostgresRunStore } from '../io/postgres-store.js';
import { type FinishedRun, runSweep, type SweepProgress, sweepPoints } from '../experiments/sweep.js';
import { GridWatch, runQueuedSweep } from '../experiments/queued-sweep.js';
import { queueCounts } from '../experiments/work-queue.js';
import { nonNegativeInteger, positiveInteger } from './options.js';
import { pointLabel, sci } from './format.js';
import { FileSystemError, checkDestination, readText, writeFileAtomic } from '../io/files.js';
import type { StoredRun } from '../io/run-record.js';
import { RUN_TABLE_COLUMNS, runsCsv, runsParquet } from '../io/run-table.js';

export const DEFAULT_STORE = 'runs/sweeps.sqlite';
const STORE_HELP = 'SQLite file, or postgresql://user:password@host:port/database';

/** A sweep file, or the name of a shipped preset. */
export function loadSweepConfig(nameOrPath: string): SweepConfig {
  if (!existsSync(nameOrPath)) {
    for (const ext of ['.yaml', '.yml', '.json']) {
      const preset = join(PRESET_DIR, nameOrPath + ext);
      if (existsSync(preset)) return parseSweepConfig(readText(preset), preset);
    }
    throw new Error(`${nameOrPath}: no such file, and no preset of that name (presets: ${presetNames().join(', ')})`);
  }
  return parseSweepConfig(readText(nameOrPath), nameOrPath);
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

/** A store to read: an SQLite file must exist (reading never creates one). */
export async function openForReading(location: string): Promise<RunStore> {
  if (storeKind(location) === 'sqlite' && !existsSync(location)) throw new Error(`${location}: no such store`);
  return await openStore(location, { readonly: true });
}

const gridState = (p: SweepProgress) => `${p.running} running, ${p.failed} failed, ${duration(p.etaSeconds)} left`;

/**
 * Sweep progress on stderr: a live bar on a terminal (done, running, failed, time left), else one line per
 * finished run; nothing when quiet.
 */
export function progressDisplay(quiet: boolean): {
  onProgress: (p: SweepProgress, finished?: FinishedRun) => void;
  stop: () => void;
} {
  const bar =
    !quiet && process.stderr.isTTY === true
      ? new cliProgress.SingleBar(
          {
            format: '{bar} {value}/{total} done, {running} running, {failed} failed, {eta_h} left',
            hideCursor: true,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  let started = false;
  return {
    onProgress(p, f) {
      const payload = { running: p.running, failed: p.failed, eta_h: duration(p.etaSeconds) };
      if (bar) {
        if (!started) bar.start(p.total, p.done, payload);
        else bar.update(p.done, payload);
      } else if (!quiet && f) {
        const status = f.elsewhere
          ? `${f.error ? 'failed' : 'done'} by another sweep`
          : f.error
            ? `failed: ${f.error}`
            : 'done';
        const what = `${pointLabel(f.point)}: ${status}`;
        process.stderr.write(`[${p.done}/${p.total}] ${what} (${gridState(p)})\n`);
      }
      started = true;
    },
    stop: () => bar?.stop(),
  };
}

/**
 * SIGINT or SIGTERM stop a worker cleanly (no new runs; the runs in flight go back to the queue, results
 * not yet written are written first); a second one exits at once.
 */
export function stopOnSignals(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    process.stderr.write(`neuron-pursuit: ${signal}: stopping (the runs in flight go back to the queue)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/** Database connections for a worker of `workers` runs at once: each may fetch, beat and write at the same time. */
export function connectionsFor(workers: number): number {
  return 2 * workers + 4;
}

/** A notice from a worker (the database lost or back) on stderr. */
export const notice = (message: string) => process.stderr.write(`neuron-pursuit: ${message}\n`);

/**
 * A store that cannot be written (a full disk, a file system turned read-only): what went wrong, and that the runs
 * stored so far are kept (SQLite rolls a write that failed back whole), so the same sweep goes on once it can.
 */
function goOnLater(err: unknown): unknown {
  if (!(err instanceof FileSystemError)) return err;
  return new Error(
    `${err.message}; the runs stored so far are kept: ${err.remedy}, run the same sweep again to go on with the ` +
      'points not yet stored',
  );
}

interface SweepFlags {
  store: string;
  shard?: string;
  workers?: number;
  lease?: number;
  watch?: boolean;
  quiet?: boolean;
}

export function sweepCommand(): Command {
  return new Command('sweep')
    .description(
      `run a grid of experiments (a YAML/JSON sweep file or a preset: ${presetNames().join(', ')}) ` +
        'into a store; finished runs are skipped. With a PostgreSQL store the grid goes through its work queue, ' +
        'which workers on other machines join (neuron-pursuit worker)',
    )
    .argument('<config>', 'sweep file or preset name')
    .option('--store <store>', STORE_HELP, DEFAULT_STORE)
    .option('--shard <i/N>', 'run only the i-th of N disjoint parts of the grid')
    .option(
      '--workers <n>',
      'runs at once on this machine (default: all cores; 0 with a PostgreSQL store: only queue the grid)',
      nonNegativeInteger,
    )
    .option(
      '--lease <seconds>',
      'PostgreSQL: how long a run may go without a heartbeat (default: from its expected time)',
      positiveInteger,
    )
    .option('--watch', 'only show the progress of the whole grid, whoever runs it, until it is done')
    .option('--quiet', 'no progress display')
    .action(async (configArg: string, opts: SweepFlags) => {
      const config = loadSweepConfig(configArg);
      const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
      const postgres = isPostgresUrl(opts.store);
      if (opts.workers === 0 && !postgres)
        throw new Error('--workers: 0 queues the grid, which needs a PostgreSQL store');
      if (opts.lease !== undefined && !postgres)
        throw new Error("--lease: leases are for a PostgreSQL store's workers");
      if (opts.watch) return await watchSweep(config, opts, shard);
      const store = await openStore(opts.store, {
        connections: connectionsFor(opts.workers ?? availableParallelism()),
      }).catch((err: unknown) => {
        throw goOnLater(err);
      });
      const display = progressDisplay(opts.quiet === true);
      try {
        const part = shard ? ` (shard ${shard.index}/${shard.count})` : '';
        if (store instanceof PostgresRunStore) {
          const outcome = await runQueuedSweep(config, store, {
            shard,
            workers: opts.workers,
            lease: opts.lease,
            signal: stopOnSignals(),
            onNotice: notice,
            onProgress: display.onProgress,
          });
          display.stop();
          const { total, skipped, queued, ran, failed, stored, storedFailed } = outcome;
          const here = opts.workers === 0 ? 'queued only' : `${ran} run here (${failed} failed)`;
          const counts = `${total} grid points, ${skipped} already stored, ${queued} queued, ${here}`;
          const grid = `the grid: ${stored}/${total} stored, ${storedFailed} failed, in ${duration(outcome.seconds)}`;
          process.stdout.write(`sweep ${config.name}${part}: ${counts}; ${grid}; store ${store.location}\n`);
          if (storedFailed > 0 || (opts.workers !== 0 && stored < total)) process.exitCode = 1;
        } else {
          const outcome = await runSweep(config, store, {
            shard,
            workers: opts.workers,
            onProgress: display.onProgress,
          }).catch((err: unknown) => {
            throw goOnLater(err);
          });
          display.stop();
          const { total, skipped, ran, failed, elsewhere } = outcome;
          const other = elsewhere > 0 ? `, ${elsewhere} run by another sweep meanwhile` : '';
          const counts = `${total} grid points, ${skipped} already stored, ${ran} run (${failed} failed)${other}`;
          process.stdout.write(
            `sweep ${config.name}${part}: ${counts} in ${duration(outcome.seconds)}; store ${store.location}\n`,
          );
          if (outcome.failed > 0) process.exitCode = 1;
        }
      } finally {
        display.stop();
        await store.close();
      }
    });
}

/** `sweep --watch`: the whole grid's progress bar until every point is stored. */
async function watchSweep(config: SweepConfig, opts: SweepFlags, shard?: { index: number; count: number }) {
  const store = await openForReading(opts.store);
  const display = progressDisplay(opts.quiet === true);
  const stop = stopOnSignals();
  try {
    const watch = new GridWatch(
      store,
      sweepPoints(config, shard).map((p) => p.key),
    );
    let progress = await watch.progress();
    let last = -1;
    for (;;) {
      display.onProgress(progress);
      if (!process.stderr.isTTY && !opts.quiet && progress.done !== last)
        process.stderr.write(`[${progress.done}/${progress.total}] ${gridState(progress)}\n`);
      last = progress.done;
      if (progress.done === progress.total || stop.aborted) break;
      await new Promise((r) => setTimeout(r, 1000));
      progress = await watch.progress();
    }
    display.stop();
    process.stdout.write(
      `sweep ${config.name}: ${progress.done}/${progress.total} stored, ${progress.failed} failed\n`,
    );
    if (progress.failed > 0) process.exitCode = 1;
  } finally {
    display.stop();
    await store.close();
  }
}

const RUNS_FORMATS = ['table', 'json', 'csv', 'parquet'] as const;
type RunsFormat = (typeof RUNS_FORMATS)[number];

interface RunsFlags {
  store?: string;
  json?: boolean;
  format: RunsFormat;
  out?: string;
}

export function runsCommand(): Command {
  return (
    new Command('runs')
      .description(
        'list the runs of a store: finished and failed, running (where, since when, lease), queued; or write them ' +
          'as one flat table (--format csv or parquet: one row per run, every option and metric a column)',
      )
      // The store is an argument, as in `report STORE`; --store (as in `sweep`) names it too.
      .argument('[store]', `${STORE_HELP} (default: "${DEFAULT_STORE}")`)
      .option('--store <store>', 'the same, as an option')
      .addOption(
        new Option('--format <format>', 'table: the listing; json: the stored runs as one JSON array; csv, parquet')
          .choices(RUNS_FORMATS)
          .default('table'),
      )
      .option('--json', 'the same as --format json')
      .option('--out <file>', 'with --format csv or parquet: the file to write (csv: default stdout)')
      .action(async (storeArg: string | undefined, opts: RunsFlags) => {
        if (storeArg !== undefined && opts.store !== undefined && storeArg !== opts.store)
          throw new Error(`two stores given: ${storeArg} and --store ${opts.store}`);
        if (opts.json && opts.format !== 'table' && opts.format !== 'json')
          throw new Error(`--json and --format ${opts.format}: give one`);
        const format = opts.json ? 'json' : opts.format;
        if (opts.out !== undefined && format !== 'csv' && format !== 'parquet')
          throw new Error('--out: only with --format csv or parquet');
        if (format === 'parquet' && opts.out === undefined)
          throw new Error('--format parquet: give the file to write with --out');
        if (opts.out !== undefined) checkDestination(opts.out, 'file');
        const store = await openForReading(storeArg ?? opts.store ?? DEFAULT_STORE);
        if (format === 'csv' || format === 'parquet') {
          let runs: StoredRun[];
          try {
            runs = await store.all();
          } finally {
            await store.close();
          }
          const data = format === 'csv' ? runsCsv(runs) : runsParquet(runs);
          if (opts.out === undefined) process.stdout.write(data);
          else {
            writeFileAtomic(opts.out, data);
            process.stdout.write(`${opts.out}: ${runs.length} run(s), ${RUN_TABLE_COLUMNS.length} columns\n`);
          }
          return;
        }
        let rows: Awaited<ReturnType<RunStore['all']>>;
        let claims: Awaited<ReturnType<RunStore['claims']>>;
        let queue: Awaited<ReturnType<typeof queueCounts>> = null;
        try {
          rows = await store.all({ withResults: false });
          claims = (await store.claims()).filter((c) => claimIsLive(c));
          if (store instanceof PostgresRunStore) queue = await queueCounts(store);
        } finally {
          await store.close();
        }
        if (format === 'json') {
          process.stdout.write(`${JSON.stringify(rows.map(({ result: _r, config: _c, ...rest }) => rest))}\n`);
          return;
        }
        const header = ['task', 'samples', 'seed', 'alg', 'lr', 'status', 'train err', 'test err', 'iters', 'sec'];
        const lines = rows.map((r) => [
          r.task,
          String(r.samples),
          String(r.seed),
          r.algorithm,
          String(r.lr),
          r.status === 'ok' ? 'ok' : `failed: ${r.error}`,
          r.trainError === null ? '—' : sci(r.trainError, 2),
          r.testError === null ? '—' : sci(r.testError, 2),
          r.iterations === null ? '—' : String(r.iterations),
          r.seconds.toFixed(1),
        ]);
        const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (i === 5 ? 2 : l[i]!.length))));
        const fmt = (cells: string[]) =>
          cells
            .map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
            .join('  ')
            .trimEnd();
        const failed = rows.filter((r) => r.status !== 'ok').length;
        const out = [
          fmt(header),
          ...lines.map(fmt),
          `${rows.length} run(s): ${rows.length - failed} finished, ${failed} failed`,
        ];
        out.push(`${claims.length} running${claims.length ? ':' : ''}`);
        for (const c of claims) {
          const lease = c.leaseUntil === null ? 'no lease' : `lease until ${c.leaseUntil}`;
          out.push(`  ${pointLabel(c.point)}: ${c.host} pid ${c.pid}, since ${c.since}, ${lease}`);
        }
        if (queue) out.push(`${queue.queued} queued`);
        process.stdout.write(`${out.join('\n')}\n`);
      })
  );
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description('copy the runs of stores into one store (SQLite files and PostgreSQL databases, either way)')
    .argument('<stores...>', 'stores to read')
    .requiredOption('--store <store>', `store to merge into (created if missing): ${STORE_HELP}`)
    .action(async (inputs: string[], opts: { store: string }) => {
      const sources: RunStore[] = [];
      try {
        for (const input of inputs) sources.push(await openForReading(input));
        const target = await openStore(opts.store);
        try {
          let added = 0;
          for (const source of sources) added += await mergeStores(target, source);
          const counts = `${added} new run(s), ${await target.count()} in all`;
          process.stdout.write(`merged ${inputs.length} store(s) into ${target.location}: ${counts}\n`);
        } finally {
          await target.close();
        }
      } finally {
        for (const source of sources) await source.close();
      }
    });
}
