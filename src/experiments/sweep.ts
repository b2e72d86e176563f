/**
 * Run a sweep into an SQLite store: the grid points not yet in the store go
 * to a pool of worker threads; each result is written the moment it arrives.
 * (A PostgreSQL store's sweep goes through its work queue: queued-sweep.ts.)
 */
import { availableParallelism, hostname } from 'node:os';
import { Piscina } from 'piscina';
import { expandGrid, pointKey, shardOf, type SweepConfig } from './config.js';
import type { GridPoint, NewRun, PointResult } from '../io/run-record.js';
import { codeVersion } from '../io/code-version.js';
import type { CodeVersion } from '../io/run-format.js';
import { claimIsLive, type RunStore } from '../io/run-store.js';

export interface SweepProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
  skipped: number;
  /** Seconds left, estimated from the mean time per finished run; NaN before the first. */
  etaSeconds: number;
  /** CPU seconds the points left will take, where the sweep has a cost model (SweepOptions.secondsLeft). */
  cpuSecondsLeft?: number;
}

/** A finished run as the progress display names it. */
export interface FinishedRun {
  point: GridPoint;
  error?: string;
  /** Run by another sweep of the same store meanwhile. */
  elsewhere?: boolean;
}

export interface SweepOptions {
  shard?: { index: number; count: number };
  workers?: number;
  onProgress?: (p: SweepProgress, finished?: FinishedRun) => void;
  /** The order to run the points not yet stored in (default: the grid's). */
  order?: (todo: { point: GridPoint; key: string }[]) => { point: GridPoint; key: string }[];
  /**
   * A cost model: the CPU seconds the points not yet finished will take, given the runs finished so far (this
   * sweep's). With it, time left = CPU seconds left ÷ workers.
   */
  secondsLeft?: (remaining: GridPoint[], finished: { point: GridPoint; seconds: number }[]) => number;
  /** The points to run, in place of the grid's (`compare` adds points that depend on finished runs). */
  points?: { point: GridPoint; key: string }[];
}

export interface SweepOutcome {
  total: number;
  /** Points run here, and how many of them (or of those run elsewhere meanwhile) failed. */
  ran: number;
  failed: number;
  /** Points stored before the sweep began. */
  skipped: number;
  /** Points another sweep of the same store ran while this one went on. */
  elsewhere: number;
  seconds: number;
}

/** The grid points of a sweep (or of one shard of it), each with its key. */
export function sweepPoints(config: SweepConfig, shard?: SweepOptions['shard']): { point: GridPoint; key: string }[] {
  const points = expandGrid(config);
  return (shard ? shardOf(points, shard) : points).map((point) => ({ point, key: pointKey(point) }));
}

/** A pool of worker threads that each run one grid point at a time (worker.ts). */
export function runPool(workers: number): Piscina {
  return new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 1000,
  });
}

/** The store's row of a finished run: its result, or the error that ended it. */
export function finishedRun(
  sweep: string,
  key: string,
  point: GridPoint,
  outcome: { result: PointResult } | { error: string; seconds: number },
  code: CodeVersion,
): NewRun {
  const result = 'result' in outcome ? outcome.result : null;
  return {
    key,
    sweep,
    task: point.task,
    samples: point.samples,
    seed: point.seed,
    algorithm: point.algorithm,
    lr: point.lr,
    status: result ? 'ok' : 'failed',
    config: point,
    result,
    error: 'error' in outcome ? outcome.error : null,
    trainError: result ? finiteOrNull(result.trainError) : null,
    testError: result ? finiteOrNull(result.testError) : null,
    iterations: result?.iterations ?? null,
    seconds: result ? result.seconds : 'seconds' in outcome ? outcome.seconds : 0,
    codeVersion: code.codeVersion,
    codeCommit: code.codeCommit ?? null,
    finishedAt: new Date().toISOString(),
  };
}

/** An error as one line. */
export function errorLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}

export async function runSweep(
  config: SweepConfig,
  store: RunStore,
  options: SweepOptions = {},
): Promise<SweepOutcome> {
  const start = performance.now();
  const startedAt = new Date().toISOString();
  const points = options.points ?? sweepPoints(config, options.shard);
  const finished = await store.finishedKeys();
  const pending = points.filter(({ key }) => !finished.has(key));
  const todo = options.order ? options.order(pending) : pending;
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
  const ranHere: { point: GridPoint; seconds: number }[] = [];
  const left = new Set(todo.map((t) => t.key));
  const report = (f?: FinishedRun) => {
    const ran = progress.done - skipped;
    const elapsed = (performance.now() - start) / 1000;
    if (options.secondsLeft) {
      const cpu = options.secondsLeft(
        todo.filter((t) => left.has(t.key)).map((t) => t.point),
        ranHere,
      );
      progress.cpuSecondsLeft = cpu;
      progress.etaSeconds = cpu / workers;
    } else progress.etaSeconds = ran > 0 ? ((progress.total - progress.done) * elapsed) / ran : NaN;
    options.onProgress?.({ ...progress }, f);
  };
  progress.running = Math.min(workers, todo.length);
  report();
  if (todo.length === 0) return { total: points.length, ran: 0, failed: 0, skipped, elsewhere: 0, seconds: 0 };

  const code = codeVersion();
  const pool = runPool(workers);
  // Claims a killed sweep on this machine left behind are not runs in flight.
  for (const claim of await store.claims()) if (!claimIsLive(claim)) await store.release(claim.key);
  // Another sweep may work on the same store: each point is claimed in a transaction before it runs, and a
  // point another live sweep holds waits until it is stored there (or that sweep is gone). Claims carry a lease
  // this sweep renews, so that a sweep gone silent (killed on another machine, paused) lets its points go.
  const host = hostname();
  const leaseUntil = () => new Date(Date.now() + LOCAL_LEASE_SECONDS * 1000).toISOString();
  const renew = setInterval(
    () => void store.renewClaims(host, process.pid, leaseUntil()).catch(() => {}),
    (LOCAL_LEASE_SECONDS / 4) * 1000,
  );
  const queue = [...todo];
  const held: { point: GridPoint; key: string }[] = [];
  let elsewhere = 0;
  let ranHereCount = 0;
  // The first error of the store (a full disk, say) stops the sweep: the runs in flight are cut short, and none is
  // stored after it (a run cut short is not a failure of its point; its claim goes with this process).
  let broken: { error: unknown } | undefined;
  const stop = new AbortController();
  const counted = (finished: FinishedRun, key: string) => {
    left.delete(key);
    progress.done++;
    if (finished.error !== undefined) progress.failed++;
    progress.running = Math.min(workers, progress.total - progress.done);
    report(finished);
  };
  const slot = async () => {
    for (;;) {
      if (broken) return;
      const item = queue.shift();
      if (!item) {
        if (held.length === 0) return;
        await sleep(WAIT_SECONDS * 1000); // only points another sweep runs are left: look again in a while
        queue.push(...held.splice(0));
        continue;
      }
      const { point, key } = item;
      const t0 = performance.now();
      const claim = { key, point, host, pid: process.pid, since: new Date().toISOString(), leaseUntil: leaseUntil() };
      const state = await store.claimIfFree(claim, { since: startedAt, isLive: (c) => claimIsLive(c) });
      if (state === 'busy') {
        held.push(item);
        continue;
      }
      if (state !== 'claimed') {
        elsewhere++;
        counted({ point, elsewhere: true, ...(state === 'failed' ? { error: 'failed in another sweep' } : {}) }, key);
        continue;
      }
      let outcome: { result: PointResult } | { error: string; seconds: number };
      try {
        outcome = { result: (await pool.run(point, { signal: stop.signal })) as PointResult };
      } catch (err) {
        outcome = { error: errorLine(err), seconds: (performance.now() - t0) / 1000 };
      }
      if (broken) return;
      await store.record(finishedRun(config.name, key, point, outcome, code));
      ranHereCount++;
      if ('result' in outcome) ranHere.push({ point, seconds: outcome.result.seconds });
      counted({ point, ...('error' in outcome ? { error: outcome.error } : {}) }, key);
    }
  };
  const guarded = async () => {
    try {
      await slot();
    } catch (error) {
      if (broken) return;
      broken = { error };
      stop.abort();
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, guarded));
  } finally {
    clearInterval(renew);
    await pool.destroy();
  }
  if (broken) throw broken.error;
  return {
    total: points.length,
    ran: ranHereCount,
    failed: progress.failed,
    skipped,
    elsewhere,
    seconds: (performance.now() - start) / 1000,
  };
}

/**
 * Seconds a local sweep's claim holds without renewal (renewed every quarter of it): a sweep that stops renewing
 * (killed on another machine, paused this long) lets another sweep of the same store run its points.
 */
export const LOCAL_LEASE_SECONDS = 60;
/** Seconds between looks at points another sweep holds. */
const WAIT_SECONDS = 1;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
