/**
 * A grid run into a local working store whose finished runs are appended, as they come, to the committed batches
 * of a results folder (src/io/result-batches.ts) — what `reproduce` and `compare` share: the batches are read into
 * the store first (a fresh checkout goes on where the committed results stop), a new batch is appended at least
 * every `batchMinutes` and when the grid ends, and Ctrl-C or SIGTERM appends the finished runs before it exits.
 */
import { join } from 'node:path';
import type { FinishedRun, SweepProgress } from '../experiments/sweep.js';
import { exportNewRuns, importBatches } from '../io/result-batches.js';
import type { RawRun, RunStore } from '../io/run-store.js';
import { progressDisplay } from './sweep.js';

export const batchDir = (results: string) => join(results, 'batches');

export interface BatchedGrid {
  /** Runs read from the committed batches into the store at the start. */
  readonly imported: number;
  /** The progress display's callback, which also appends a batch when `batchMinutes` have passed. */
  onProgress(p: SweepProgress, finished?: FinishedRun): void;
  /** The grid ended: stop the display and append the runs not yet in a batch. */
  finish(): Promise<void>;
  /** Wait for any append under way and stop answering signals (in a `finally`). */
  close(): Promise<void>;
}

export async function openBatchedGrid(
  store: RunStore,
  results: string,
  opts: { quiet?: boolean; batchMinutes: number; keep?: (row: RawRun) => RawRun },
): Promise<BatchedGrid> {
  const dir = batchDir(results);
  const say = (line: string) => {
    if (!opts.quiet) process.stderr.write(`neuron-pursuit: ${line}\n`);
  };
  let exporting: Promise<unknown> = Promise.resolve();
  // One append at a time, in order: a batch holds the runs not yet in an earlier one.
  const exportNow = () => {
    exporting = exporting.then(async () => {
      const { file, runs } = await exportNewRuns(store, dir, opts.keep);
      if (file) say(`${runs} finished run(s) appended as ${file}`);
    });
    return exporting;
  };
  const imported = await importBatches(dir, store);
  if (imported > 0) say(`${imported} run(s) read from ${dir}`);
  const display = progressDisplay(opts.quiet === true);
  let lastExport = Date.now();
  const onSignal = () => {
    process.stderr.write('neuron-pursuit: stopping: appending the finished runs first\n');
    display.stop();
    void exportNow().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    imported,
    onProgress(p, finished) {
      display.onProgress(p, finished);
      if (finished && Date.now() - lastExport >= opts.batchMinutes * 60_000) {
        lastExport = Date.now();
        void exportNow();
      }
    },
    async finish() {
      display.stop();
      await exportNow();
    },
    async close() {
      await exporting.catch(() => undefined);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
