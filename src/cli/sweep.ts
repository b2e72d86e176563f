/** `neuron-pursuit sweep`, `runs` and `merge`: run a grid into a store, list it, combine shard stores. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { parseShard, parseSweepConfig, presetNames, PRESET_DIR, type SweepConfig } from '../experiments/config.js';
import { RunStore } from '../io/run-store.js';
import { runSweep, type SweepProgress } from '../experiments/sweep.js';
import { positiveInteger } from './options.js';
import { sci } from './format.js';
import { readText } from '../io/files.js';

export const DEFAULT_STORE = 'runs/sweeps.sqlite';

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

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

export function sweepCommand(): Command {
  return new Command('sweep')
    .description(
      `run a grid of experiments (a YAML/JSON sweep file or a preset: ${presetNames().join(', ')}) ` +
        'into a SQLite store; finished runs are skipped',
    )
    .argument('<config>', 'sweep file or preset name')
    .option('--store <file>', 'SQLite store', DEFAULT_STORE)
    .option('--shard <i/N>', 'run only the i-th of N disjoint parts of the grid')
    .option('--workers <n>', 'worker threads (default: all cores)', positiveInteger)
    .option('--quiet', 'no progress display')
    .action(async (configArg: string, opts: { store: string; shard?: string; workers?: number; quiet?: boolean }) => {
      const config = loadSweepConfig(configArg);
      const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
      const store = new RunStore(opts.store);
      const tty = !opts.quiet && process.stderr.isTTY === true;
      const bar = tty
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
      const onProgress = (
        p: SweepProgress,
        f?: { point: { task: string; samples: number; seed: number; algorithm: string; lr: number }; error?: string },
      ) => {
        const payload = { running: p.running, failed: p.failed, eta_h: duration(p.etaSeconds) };
        if (bar) {
          if (!started) bar.start(p.total, p.done, payload);
          else bar.update(p.done, payload);
        } else if (!opts.quiet && f) {
          const { task, samples, seed, algorithm, lr } = f.point;
          const status = f.error ? `failed: ${f.error}` : 'done';
          const what = `${task} n=${samples} seed=${seed} ${algorithm} lr=${lr}: ${status}`;
          const state = `${p.running} running, ${p.failed} failed, ${duration(p.etaSeconds)} left`;
          process.stderr.write(`[${p.done}/${p.total}] ${what} (${state})\n`);
        }
        started = true;
      };
      try {
        const outcome = await runSweep(config, store, { shard, workers: opts.workers, onProgress });
        bar?.stop();
        const part = shard ? ` (shard ${shard.index}/${shard.count})` : '';
        const { total, skipped, ran, failed } = outcome;
        const counts = `${total} grid points, ${skipped} already stored, ${ran} run (${failed} failed)`;
        process.stdout.write(
          `sweep ${config.name}${part}: ${counts} in ${duration(outcome.seconds)}; store ${opts.store}\n`,
        );
        if (outcome.failed > 0) process.exitCode = 1;
      } finally {
        bar?.stop();
        store.close();
      }
    });
}

export function runsCommand(): Command {
  return (
    new Command('runs')
      .description('list the runs of a store')
      // The store is an argument, as in `report STORE`; --store (as in `sweep`) names it too.
      .argument('[store]', `a SQLite store written by sweep (default: "${DEFAULT_STORE}")`)
      .option('--store <file>', 'the same, as an option')
      .option('--json', 'one JSON array on stdout')
      .action((storeArg: string | undefined, opts: { store?: string; json?: boolean }) => {
        if (storeArg !== undefined && opts.store !== undefined && storeArg !== opts.store)
          throw new Error(`two stores given: ${storeArg} and --store ${opts.store}`);
        const path = storeArg ?? opts.store ?? DEFAULT_STORE;
        if (!existsSync(path)) throw new Error(`${path}: no such store`);
        const store = new RunStore(path, { readonly: true });
        const rows = store.all({ withResults: false });
        store.close();
        if (opts.json) {
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
        process.stdout.write(`${[fmt(header), ...lines.map(fmt), `${rows.length} run(s)`].join('\n')}\n`);
      })
  );
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description('combine shard stores into one store')
    .argument('<stores...>', 'shard stores to read')
    .requiredOption('--store <file>', 'store to merge into (created if missing)')
    .action((inputs: string[], opts: { store: string }) => {
      for (const input of inputs) if (!existsSync(input)) throw new Error(`${input}: no such store`);
      const store = new RunStore(opts.store);
      try {
        let added = 0;
        for (const input of inputs) added += store.mergeFrom(input);
        process.stdout.write(
          `merged ${inputs.length} store(s) into ${opts.store}: ${added} new run(s), ${store.count()} in all\n`,
        );
      } finally {
        store.close();
      }
    });
}
