/**
 * The work queue of a PostgreSQL store: pg-boss 10 in the same database
 * (schema `neuron_pursuit_queue`), one job per grid point. The job's id is the
 * point's key, so enqueuing a point twice adds nothing. pg-boss hands each job
 * to one worker (SKIP LOCKED), retries it when it fails or when its lease
 * expires, and gives up after 3 attempts. What pg-boss 10 lacks is a heartbeat:
 * a worker renews its job's lease by moving the job's expiry forward (the job
 * table is pg-boss's documented interface for direct access), and writes who
 * runs it into the store's claims. A finished run is written and its job
 * completed in one transaction. Node only.
 */
import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import type pg from 'pg';
import { gridPointSchema, type GridPoint } from '../io/run-record.js';
import type { RawRun } from '../io/run-store.js';
import type { Query } from '../io/sql-run-store.js';
import { type PostgresRunStore, STORE_SCHEMA } from '../io/postgres-store.js';

export const QUEUE_SCHEMA = 'neuron_pursuit_queue';
export const QUEUE = 'grid-points';
/** Attempts per grid point: a run that fails (or whose workers are lost) this often is stored as failed. */
export const ATTEMPTS = 3;

/** A job's payload: the point's key, its sweep, and its configuration as the JSON text the store keeps. */
export interface PointJob {
  key: string;
  sweep: string;
  point: string;
}

/** A job a worker holds. */
export interface HeldJob {
  id: string;
  key: string;
  sweep: string;
  point: GridPoint;
  /** Attempts before this one (which also tells this attempt from a later one), and the most after the first. */
  retryCount: number;
  retryLimit: number;
  /** When this attempt started (the server's clock). */
  startedOn: Date;
  /** Set when the payload is not a grid point (a job written by something else). */
  invalid?: string;
}

/**
 * How long a held run may go without a heartbeat before another worker takes it over. By default the longest
 * stored run of the same task, algorithm and sample size, within [2 min, 30 min] (10 min before there is one):
 * a lost worker's run comes back after at most about its own length, and a worker that is silent for less
 * (the database restarting, a network blip) keeps its run.
 */
export const LEASE = { minSeconds: 120, maxSeconds: 1800, unknownSeconds: 600 };

export class LeasePolicy {
  private longest = new Map<string, number>();
  private readAt = -Infinity;

  constructor(
    private readonly store: PostgresRunStore,
    /** --lease: one lease for every run. */
    readonly override?: number,
  ) {}

  /** The lease of a run of `point`, in seconds. */
  async seconds(point: GridPoint): Promise<number> {
    if (this.override !== undefined) return this.override;
    if (performance.now() - this.readAt > 60_000) {
      try {
        const rows = await this.store.pool.query<{ kind: string; longest: number }>(
          `SELECT task || '/' || algorithm || '/' || samples AS kind, MAX(seconds) AS longest
           FROM ${STORE_SCHEMA}.runs WHERE status = 'ok' GROUP BY task, algorithm, samples`,
        );
        this.longest = new Map(rows.rows.map((r) => [r.kind, r.longest]));
        this.readAt = performance.now();
      } catch {
        // keep what we knew: the lease is a judgement, not a result
      }
    }
    const longest = this.longest.get(`${point.task}/${point.algorithm}/${point.samples}`);
    return Math.round(Math.min(LEASE.maxSeconds, Math.max(LEASE.minSeconds, longest ?? LEASE.unknownSeconds)));
  }

  /** How often a worker renews its leases: a quarter of the shortest, at most every 30 s. */
  get heartbeatSeconds(): number {
    return Math.min(30, (this.override ?? LEASE.minSeconds) / 4);
  }

  /** How often pg-boss looks for expired leases: a third of the shortest lease, at most every minute. */
  get expiryCheckSeconds(): number {
    return Math.max(1, Math.min(60, Math.floor((this.override ?? LEASE.minSeconds) / 3)));
  }
}

/** pg-boss over the store's connections (so a result and its job's completion can share a transaction). */
function bossDb(db: pg.Pool | pg.PoolClient): PgBoss.Db {
  return { executeSql: async (text, values) => await db.query(text, values) };
}

export class WorkQueue {
  private constructor(
    readonly store: PostgresRunStore,
    private readonly boss: PgBoss,
    readonly leases: LeasePolicy,
  ) {}

  /** Start pg-boss on the store's database (creating or migrating its schema and the queue). */
  static async open(
    store: PostgresRunStore,
    { lease, onError }: { lease?: number; onError?: (err: Error) => void } = {},
  ): Promise<WorkQueue> {
    const leases = new LeasePolicy(store, lease);
    const boss = new PgBoss({
      db: bossDb(store.pool),
      schema: QUEUE_SCHEMA,
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: leases.expiryCheckSeconds,
    });
    // Maintenance errors (the database away for a while) are retried at the next interval.
    boss.on('error', (err) => onError?.(err));
    try {
      await boss.start();
      await boss.createQueue(QUEUE, { name: QUEUE, retryLimit: ATTEMPTS - 1, retryDelay: 0 });
    } catch (err) {
      // (a connection lost while starting: its maintenance timer must not outlive the failed start)
      await boss.stop({ close: false, graceful: false, wait: true }).catch(() => {});
      throw err;
    }
    return new WorkQueue(store, boss, leases);
  }

  /**
   * Queue grid points (those whose job is queued, running or done already are left alone; one whose job
   * failed is given another attempt).
   */
  async enqueue(sweep: string, points: { point: GridPoint; key: string }[]): Promise<void> {
    for (let i = 0; i < points.length; i += 500) {
      const chunk = points.slice(i, i + 500);
      const jobs: PgBoss.JobInsert<PointJob>[] = [];
      for (const { point, key } of chunk) {
        jobs.push({
          id: jobId(key),
          name: QUEUE,
          data: { key, sweep, point: JSON.stringify(point) },
          retryLimit: ATTEMPTS - 1,
          expireInSeconds: await this.leases.seconds(point),
        });
      }
      await this.boss.insert(jobs);
      await this.boss.retry(
        QUEUE,
        chunk.map((p) => jobId(p.key)),
      );
    }
  }

  /** The next job, or null when none is waiting (or the database cannot be reached: pg-boss's fetch says none). */
  async fetch(): Promise<HeldJob | null> {
    const [job] = await this.boss.fetch<PointJob>(QUEUE, { batchSize: 1, includeMetadata: true });
    if (!job) return null;
    const held = {
      id: job.id,
      key: job.data.key,
      sweep: job.data.sweep,
      retryCount: job.retryCount,
      retryLimit: job.retryLimit,
      startedOn: job.startedOn,
    };
    try {
      return { ...held, point: gridPointSchema.parse(JSON.parse(job.data.point)) };
    } catch (err) {
      return { ...held, point: {} as GridPoint, invalid: `not a grid point: ${(err as Error).message}` };
    }
  }

  /**
   * Renew a held job's lease and say who holds it; false when the job is no longer this worker's (its lease
   * expired and another worker took it, or it finished elsewhere).
   */
  async heartbeat(job: HeldJob, leaseSeconds: number): Promise<boolean> {
    return await this.store.transaction(async (query) => {
      const [renewed] = await query<{ until: Date }>(
        `UPDATE ${QUEUE_SCHEMA}.job SET expire_in = (now() - started_on) + make_interval(secs => ?)
         WHERE name = ? AND id = ? AND state = 'active' AND retry_count = ?
         RETURNING started_on + expire_in AS until`,
        [leaseSeconds, QUEUE, job.id, job.retryCount],
      );
      if (!renewed) return false;
      await this.store.claimIn(query, {
        key: job.key,
        point: job.point,
        host: hostname(),
        pid: process.pid,
        since: job.startedOn.toISOString(),
        leaseUntil: renewed.until.toISOString(),
      });
      return true;
    });
  }

  /**
   * Store a finished run (a success, or a failure on its last attempt) and finish its job, in one transaction;
   * false when this attempt was cut off (its lease expired: the job went back to the queue or another attempt
   * holds it). A cut-off attempt's success is still stored, since it is the same run wherever it ran and a
   * success never replaces another; but it leaves the job and its claim to the attempt that holds them, and a
   * cut-off failure is dropped (the holder's attempt decides).
   */
  async finish(job: HeldJob, row: RawRun): Promise<boolean> {
    return await this.store.transaction(async (query, client) => {
      if (!(await this.holds(query, job))) {
        if (row.status === 'ok') await this.store.recordIn(query, row, { endClaim: false });
        return false;
      }
      await this.store.recordIn(query, row);
      const db = { db: bossDb(client) };
      if (row.status === 'ok') await this.boss.complete(QUEUE, job.id, {}, db);
      else await this.boss.fail(QUEUE, job.id, { message: row.error }, db);
      return true;
    });
  }

  /** Finish a job whose point has a successful row already (written by another attempt, or merged in). */
  async finishStored(job: HeldJob): Promise<void> {
    await this.store.transaction(async (query, client) => {
      if (!(await this.holds(query, job))) return;
      await this.boss.complete(QUEUE, job.id, { stored: 'before this attempt' }, { db: bossDb(client) });
      await query('DELETE FROM claims WHERE key = ?', [job.key]);
    });
  }

  /** Give a job back: pg-boss retries it (this attempt counts) and the claim ends; nothing if it was cut off. */
  async giveBack(job: HeldJob, error: string): Promise<void> {
    await this.store.transaction(async (query, client) => {
      if (!(await this.holds(query, job))) return;
      await this.boss.fail(QUEUE, job.id, { message: error }, { db: bossDb(client) });
      await query('DELETE FROM claims WHERE key = ?', [job.key]);
    });
  }

  /**
   * Whether this attempt still holds its job (active, and not handed to a later attempt), locking the job's row
   * until the transaction ends so that pg-boss cannot expire it meanwhile.
   */
  private async holds(query: Query, job: HeldJob): Promise<boolean> {
    const rows = await query(
      `SELECT 1 FROM ${QUEUE_SCHEMA}.job WHERE name = ? AND id = ? AND state = 'active' AND retry_count = ? FOR UPDATE`,
      [QUEUE, job.id, job.retryCount],
    );
    return rows.length > 0;
  }

  /** Jobs not yet finished: queued, waiting for a retry, or running somewhere. */
  async unfinished(): Promise<number> {
    return await this.boss.getQueueSize(QUEUE, { before: 'completed' });
  }

  /**
   * Jobs pg-boss gave up on without a stored row (every attempt's worker was lost or stopped): each becomes a
   * failed row with pg-boss's reason, so the sweep accounts for it. Returns the rows to record.
   */
  async lostRuns(): Promise<{ job: { key: string; sweep: string; point: string }; error: string; seconds: number }[]> {
    const rows = await this.store.pool.query<{ data: PointJob; output: unknown; seconds: number | null }>(
      `SELECT j.data, j.output, EXTRACT(epoch FROM j.completed_on - j.started_on)::float8 AS seconds
       FROM ${QUEUE_SCHEMA}.job j
       WHERE j.name = $1 AND j.state = 'failed'
         AND NOT EXISTS (SELECT 1 FROM ${STORE_SCHEMA}.runs r WHERE r.key = j.data->>'key')`,
      [QUEUE],
    );
    return rows.rows.map((r) => ({
      job: r.data,
      error: `gave up after ${ATTEMPTS} attempts: ${failureMessage(r.output)}`,
      seconds: r.seconds ?? 0,
    }));
  }

  async stop(): Promise<void> {
    await this.boss.stop({ close: false, graceful: false, wait: true });
  }
}

/** A queue's counts for a listing, without starting pg-boss: null when the store has no queue. */
export async function queueCounts(
  store: PostgresRunStore,
): Promise<{ queued: number; running: number; failed: number } | null> {
  const [exists] = (await store.pool.query(`SELECT to_regclass('${QUEUE_SCHEMA}.job')::text AS name`)).rows;
  if (!exists?.name) return null;
  const { rows } = await store.pool.query<{ state: string; n: string }>(
    `SELECT state::text, COUNT(*) AS n FROM ${QUEUE_SCHEMA}.job WHERE name = $1 GROUP BY state`,
    [QUEUE],
  );
  const n = (state: string) => Number(rows.find((r) => r.state === state)?.n ?? 0);
  return { queued: n('created') + n('retry'), running: n('active'), failed: n('failed') };
}

/** A grid point's job id: its key (32 hex digits) written as a UUID. */
export function jobId(key: string): string {
  return `${key.slice(0, 8)}-${key.slice(8, 12)}-${key.slice(12, 16)}-${key.slice(16, 20)}-${key.slice(20, 32)}`;
}

/** The message pg-boss stored with a failed job (ours: { message }; its own: { value: { message } }). */
function failureMessage(output: unknown): string {
  const o = output as { message?: unknown; value?: { message?: unknown } } | null;
  const message = o?.message ?? o?.value?.message;
  return message === 'job failed by timeout in active state'
    ? 'its lease expired each time (the workers running it were lost)'
    : String(message ?? 'no reason recorded');
}
