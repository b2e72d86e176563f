/**
 * A sweep into a PostgreSQL store: the grid points not yet stored go into the
 * store's work queue (enqueuing twice adds nothing), and this process works
 * the queue with its own threads, beside any other workers that joined, until
 * every point of the grid has a row. Progress counts the whole grid, whoever
 * ran it. Node only.
 */
import { availableParallelism } from 'node:os';
import type { PostgresRunStore } from '../io/postgres-store.js';
import { claimIsLive, type RunStore } from '../io/run-store.js';
import type { SweepConfig } from './config.js';
import { workQueue } from './queue-worker.js';
import { type SweepOptions, type SweepOutcome, type SweepProgress, sweepPoints } from './sweep.js';
import { WorkQueue } from './work-queue.js';

export interface QueuedSweepOptions extends SweepOptions {
  /** --lease: seconds a run may go without a heartbeat (default: from the run's expected time). */
  lease?: number;
  signal?: AbortSignal;
  onNotice?: (message: string) => void;
}

export interface QueuedSweepOutcome extends SweepOutcome {
  /** Grid points this sweep queued (those not stored yet). */
  queued: number;
  /** The grid at the end: points stored, and how many of them failed (whoever ran them). */
  stored: number;
  storedFailed: number;
}

export async function runQueuedSweep(
  config: SweepConfig,
  store: PostgresRunStore,
  options: QueuedSweepOptions = {},
): Promise<QueuedSweepOutcome> {
  const start = performance.now();
  const points = sweepPoints(config, options.shard);
  const keys = points.map((p) => p.key);
  const finished = await store.finishedKeys();
  const todo = points.filter(({ key }) => !finished.has(key));
  const skipped = points.length - todo.length;
  const workers = Math.min(options.workers ?? availableParallelism(), todo.length);
  const queue = await WorkQueue.open(store, {
    lease: options.lease,
    onError: (err) => options.onNotice?.(`queue maintenance: ${err.message.split('\n')[0]}`),
  });
  const watch = new GridWatch(store, keys);
  let outcome = { ran: 0, failed: 0 };
  try {
    await queue.enqueue(config.name, todo);
    const report = async (finishedRun?: Parameters<NonNullable<SweepOptions['onProgress']>>[1]) => {
      try {
        options.onProgress?.(await watch.progress(), finishedRun);
      } catch {
        // the database is away: the worker says so; the display waits
      }
    };
    await report();
    if (workers > 0) {
      const timer = setInterval(() => void report(), 1000);
      try {
        outcome = await workQueue(queue, {
          workers,
          until: { keys: new Set(keys) },
          signal: options.signal,
          onNotice: options.onNotice,
          onFinished: (f) => void report(f),
        });
      } finally {
        clearInterval(timer);
      }
      await report();
    }
  } finally {
    await queue.stop();
  }
  const end = await watch.progress();
  return {
    total: points.length,
    skipped,
    queued: todo.length,
    ran: outcome.ran,
    failed: outcome.failed,
    elsewhere: Math.max(0, end.done - skipped - outcome.ran),
    stored: end.done,
    storedFailed: end.failed,
    seconds: (performance.now() - start) / 1000,
  };
}

/**
 * The progress of a grid in a store, whoever works on it: points stored (and failed), runs in flight (live
 * claims), and the time left: points left × the mean time of the stored ones ÷ the runs in flight.
 */
export class GridWatch {
  private readonly keys: Set<string>;
  private skipped: number | null = null;

  constructor(
    private readonly store: RunStore,
    keys: string[],
  ) {
    this.keys = new Set(keys);
  }

  async progress(): Promise<SweepProgress> {
    const statuses = await this.store.statuses();
    let done = 0;
    let failed = 0;
    let seconds = 0;
    for (const key of this.keys) {
      const row = statuses.get(key);
      if (!row) continue;
      done++;
      if (row.status === 'failed') failed++;
      seconds += row.seconds;
    }
    const now = Date.now();
    const running = (await this.store.claims()).filter((c) => this.keys.has(c.key) && claimIsLive(c, now)).length;
    this.skipped ??= done;
    const left = this.keys.size - done;
    return {
      total: this.keys.size,
      done,
      running,
      failed,
      skipped: this.skipped,
      etaSeconds: left === 0 ? 0 : done > 0 ? ((seconds / done) * left) / Math.max(1, running) : NaN,
    };
  }
}
