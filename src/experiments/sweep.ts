/**
 * Run a sweep: the grid points not yet in the store go to a pool of worker
 * threads; each result is written to the store the moment it arrives.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { expandGrid, pointKey, shardOf, type SweepConfig } from './config.js';
import type { GridPoint, PointResult } from '../io/run-record.js';
import { codeVersion } from '../io/code-version.js';
import type { RunStore } from '../io/run-store.js';

export interface SweepProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
  skipped: number;
  /** Seconds left, estimated from the mean time per finished run; NaN before the first. */
  etaSeconds: number;
}

export interface SweepOptions {
  shard?: { index: number; count: number };
  workers?: number;
  onProgress?: (p: SweepProgress, finished?: { point: GridPoint; error?: string }) => void;
}

export interface SweepOutcome {
  total: number;
  ran: number;
  failed: number;
  skipped: number;
  seconds: number;
}

export async function runSweep(
  config: SweepConfig,
  store: RunStore,
  options: SweepOptions = {},
): Promise<SweepOutcome> {
  const start = performance.now();
  let points = expandGrid(config);
  if (options.shard) points = shardOf(points, options.shard);
  const finished = store.finishedKeys();
  const todo = points.map((point) => ({ point, key: pointKey(point) })).filter(({ key }) => !finished.has(key));
  const skipped = points.length - todo.length;
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), todo.length || 1));
  const progress: SweepProgress = {
    total: points.length,
    done: skipped,
    running: 0,
    failed: 0,
    skipped,
    etaSeconds: NaN,
  };
  const report = (f?: { point: GridPoint; error?: string }) => {
    const ran = progress.done - skipped;
    const elapsed = (performance.now() - start) / 1000;
    progress.etaSeconds = ran > 0 ? ((progress.total - progress.done) * elapsed) / ran : NaN;
    options.onProgress?.({ ...progress }, f);
  };
  progress.running = Math.min(workers, todo.length);
  report();
  if (todo.length === 0) return { total: points.length, ran: 0, failed: 0, skipped, seconds: 0 };

  const code = codeVersion();
  const pool = new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 1000,
  });
  try {
    await Promise.all(
      todo.map(async ({ point, key }) => {
        const t0 = performance.now();
        // Piscina queues the task; it counts as running once a thread takes it.
        let result: PointResult | null = null;
        let error: string | null = null;
        try {
          result = (await pool.run(point, { signal: undefined })) as PointResult;
        } catch (err) {
          error = String((err as Error)?.message ?? err).split('\n')[0]!;
        }
        store.record({
          key,
          sweep: config.name,
          task: point.task,
          samples: point.samples,
          seed: point.seed,
          algorithm: point.algorithm,
          lr: point.lr,
          status: result ? 'ok' : 'failed',
          config: point,
          result,
          error,
          trainError: result ? finiteOrNull(result.trainError) : null,
          testError: result ? finiteOrNull(result.testError) : null,
          iterations: result?.iterations ?? null,
          seconds: result?.seconds ?? (performance.now() - t0) / 1000,
          codeVersion: code.codeVersion,
          codeCommit: code.codeCommit ?? null,
          finishedAt: new Date().toISOString(),
        });
        progress.done++;
        if (error) progress.failed++;
        progress.running = Math.min(workers, progress.total - progress.done);
        report({ point, ...(error ? { error } : {}) });
      }),
    );
  } finally {
    await pool.destroy();
  }
  return {
    total: points.length,
    ran: todo.length,
    failed: progress.failed,
    skipped,
    seconds: (performance.now() - start) / 1000,
  };
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
