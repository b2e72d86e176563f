/**
 * A worker of a PostgreSQL store's queue: `workers` slots, each taking one job
 * at a time from pg-boss, running its grid point on a worker thread while a
 * heartbeat renews its lease, then writing the row and finishing the job in
 * one transaction. A run that throws goes back to the queue until its last
 * attempt, which is stored as failed. When the database cannot be reached the
 * worker waits with backoff (0.5 s doubling to 30 s) and keeps every finished
 * result in memory until it is written: a result is never dropped. Node only.
 */
import { codeVersion } from '../io/code-version.js';
import type { GridPoint, PointResult } from '../io/run-record.js';
import { rawRun } from '../io/run-store.js';
import { connectionProblem, isTransient } from '../io/postgres-store.js';
import { errorLine, type FinishedRun, finishedRun, runPool } from './sweep.js';
import type { HeldJob, WorkQueue } from './work-queue.js';

export interface QueueWorkOptions {
  /** Runs at once (worker threads). */
  workers: number;
  /**
   * When to stop: 'empty' once the queue holds no unfinished job (none queued, retrying or running anywhere:
   * a lost worker's run may still come back); `keys` once each of them has a stored row (or the queue is
   * empty); 'never' only when `signal` aborts.
   */
  until: 'empty' | 'never' | { keys: Set<string> };
  /** Aborting stops the worker: it takes no new job and gives its runs in flight back to the queue. */
  signal?: AbortSignal;
  onFinished?: (finished: FinishedRun) => void;
  /** A line about the database (lost, back), for stderr. */
  onNotice?: (message: string) => void;
  /** How a point is run; by default on a pool of `workers` threads. (The queue benchmark runs nothing.) */
  runPoint?: (point: GridPoint, signal: AbortSignal) => Promise<PointResult>;
  /** Seconds between looks at an empty queue. */
  pollSeconds?: number;
}

export interface QueueWorkOutcome {
  /** Runs this worker stored, and how many of them failed. */
  ran: number;
  failed: number;
  /** Runs given back to the queue: failed attempts before the last, and runs in flight when stopped. */
  givenBack: number;
  /**
   * Runs that finished after their lease had run out (the worker was paused, or cut off from the database, for
   * longer than the lease): another attempt holds the point by then, and decides it (a success was stored).
   */
  cutOff: number;
}

export async function workQueue(queue: WorkQueue, options: QueueWorkOptions): Promise<QueueWorkOutcome> {
  const { store } = queue;
  const code = codeVersion();
  const outcome: QueueWorkOutcome = { ran: 0, failed: 0, givenBack: 0, cutOff: 0 };
  const stop = options.signal ?? new AbortController().signal;
  const database = new DatabaseLink(options.onNotice);
  const pool = options.runPoint ? null : runPool(options.workers);
  const runPoint =
    options.runPoint ??
    (async (point: GridPoint, signal: AbortSignal) => (await pool!.run(point, { signal })) as PointResult);
  const pollMs = (options.pollSeconds ?? 1) * 1000;
  let finished = false;

  /**
   * Whether there is nothing left to wait for, once the points pg-boss gave up on are stored as failed (a worker
   * that waits for more work records them too: nobody else may). Throws when the database cannot be reached.
   */
  const done = async (): Promise<boolean> => {
    for (const lost of await queue.lostRuns()) {
      const { key, sweep, point } = lost.job;
      const run = finishedRun(sweep, key, JSON.parse(point), { error: lost.error, seconds: lost.seconds }, code);
      await store.record(run);
    }
    if (options.until === 'never') return false;
    if (typeof options.until === 'object') {
      const stored = await store.statuses();
      if ([...options.until.keys].every((k) => stored.has(k))) return true;
    }
    return (await queue.unfinished()) === 0;
  };

  const work = async (job: HeldJob) => {
    if (job.invalid) {
      await database.persist(() => queue.giveBack(job, job.invalid!));
      outcome.givenBack++;
      return;
    }
    // A point stored already (a retry of a run that did finish after all, or one merged in) needs no second run.
    if ((await database.persist(() => store.status(job.key))) === 'ok') {
      await database.persist(() => queue.finishStored(job));
      return;
    }
    const lease = await queue.leases.seconds(job.point);
    const beat = heartbeat(queue, job, lease);
    const t0 = performance.now();
    let result: PointResult | null = null;
    let error = '';
    try {
      result = await runPoint(job.point, stop);
    } catch (err) {
      error = errorLine(err);
    } finally {
      // A beat under way would write the claim again after the run's row ends it: wait for it.
      await beat.stop();
    }
    if (!result && (stop.aborted || job.retryCount < job.retryLimit)) {
      await database.persist(() => queue.giveBack(job, stop.aborted ? 'the worker was stopped' : error));
      outcome.givenBack++;
      return;
    }
    const run = finishedRun(
      job.sweep,
      job.key,
      job.point,
      result ? { result } : { error, seconds: (performance.now() - t0) / 1000 },
      code,
    );
    if (!(await database.persist(() => queue.finish(job, rawRun(run))))) {
      outcome.cutOff++;
      return;
    }
    outcome.ran++;
    if (!result) outcome.failed++;
    options.onFinished?.({ point: job.point, ...(result ? {} : { error }) });
  };

  const slot = async () => {
    while (!stop.aborted && !finished) {
      const job = await queue.fetch();
      if (job) {
        await work(job);
        continue;
      }
      try {
        if (await done()) finished = true;
        database.reached();
      } catch (err) {
        database.lost(err);
        await database.backoff(stop);
        continue;
      }
      if (!finished) await sleep(pollMs, stop);
    }
  };

  try {
    await Promise.all(Array.from({ length: options.workers }, slot));
  } finally {
    await pool?.destroy();
  }
  return outcome;
}

/** Renew a held job's lease now and every heartbeat interval until stopped (stop resolves after the last beat). */
function heartbeat(queue: WorkQueue, job: HeldJob, leaseSeconds: number): { stop: () => Promise<void> } {
  let beating: Promise<void> | null = null;
  const beat = () => {
    beating ??= queue
      .heartbeat(job, leaseSeconds)
      .then(
        () => {},
        () => {}, // the database is away: the next beat tries again, and the lease covers the gap
      )
      .finally(() => {
        beating = null;
      });
  };
  beat();
  const timer = setInterval(beat, queue.leases.heartbeatSeconds * 1000);
  return {
    stop: async () => {
      clearInterval(timer);
      await beating;
    },
  };
}

/**
 * Do `open` (connect, start the queue) until it succeeds while what stops it may pass by itself (the server
 * restarting or not up yet, a connection dropped: isTransient), with the backoff and notices of a worker that
 * loses the database; another failure is thrown at once. Null when `signal` aborts first.
 */
export async function whenReachable<T>(
  open: () => Promise<T>,
  onNotice?: (message: string) => void,
  signal?: AbortSignal,
): Promise<T | null> {
  const database = new DatabaseLink(onNotice);
  while (!signal?.aborted) {
    try {
      const value = await open();
      database.reached();
      return value;
    } catch (err) {
      if (!isTransient(err)) throw err;
      database.lost(err);
      await database.backoff(signal);
    }
  }
  return null;
}

/** Whether the database answers, with backoff while it does not, and one notice per change. */
class DatabaseLink {
  private delay = 0.5;
  private away: string | null = null;

  constructor(private readonly notice: (message: string) => void = () => {}) {}

  lost(err: unknown): void {
    const problem = connectionProblem(err);
    if (this.away !== problem) this.notice(`database unreachable (${problem}); retrying with backoff`);
    this.away = problem;
  }

  reached(): void {
    if (this.away !== null) this.notice('database reachable again');
    this.away = null;
    this.delay = 0.5;
  }

  async backoff(signal?: AbortSignal): Promise<void> {
    await sleep(this.delay * 1000, signal);
    this.delay = Math.min(30, this.delay * 2);
  }

  /** Do `write` until it succeeds, however long the database is away: what it writes is held until then. */
  async persist<T>(write: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const value = await write();
        this.reached();
        return value;
      } catch (err) {
        this.lost(err);
        await this.backoff();
      }
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
