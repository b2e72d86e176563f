/**
 * The sweep store: one row per grid point (src/io/run-record.ts's format),
 * keyed by the hash of its configuration and written in one transaction when
 * the run finishes, plus the runs in flight (claims). This module is the
 * interface, the row form and copying between stores; the backends implement
 * it with the same tables (src/io/store-schema.ts): an SQLite file, the
 * embedded default (src/io/sqlite-store.ts), and a PostgreSQL database named
 * by a postgresql:// URL (src/io/postgres-store.ts), which workers on many
 * machines share; src/io/open-store.ts opens the one a --store value names.
 * Node only.
 */
import { hostname } from 'node:os';
import type { ConflictRule } from './store-schema.js';
import { type GridPoint, type NewRun, type StoredRun, storedRunSchema } from './run-record.js';

/** A run row as stored: configuration and result as their JSON text, so copies are exact. */
export interface RawRun {
  key: string;
  sweep: string;
  task: string;
  samples: number;
  seed: number;
  algorithm: string;
  lr: number;
  status: 'ok' | 'failed';
  config: string;
  result: string | null;
  error: string | null;
  trainError: number | null;
  testError: number | null;
  iterations: number | null;
  seconds: number;
  codeVersion: string;
  codeCommit: string | null;
  finishedAt: string;
}

/** A run in flight: which grid point, on which host and process, since when, and until when its lease holds. */
export interface Claim {
  key: string;
  point: GridPoint;
  host: string;
  pid: number;
  /** ISO times. A local sweep's claim has no lease: it lasts as long as its process. */
  since: string;
  leaseUntil: string | null;
}

export interface RunStore {
  /** The file, or the URL with its password masked: what messages name. */
  readonly location: string;
  /** The layout version (after the migration, for a store opened for writing). */
  readonly version: number;
  /** Keys of runs that finished successfully (a failed run is tried again). */
  finishedKeys(): Promise<Set<string>>;
  /** Every stored run's status and time, by key (what progress displays count). */
  statuses(): Promise<Map<string, { status: 'ok' | 'failed'; seconds: number }>>;
  /** One grid point's status, null when it has no row. */
  status(key: string): Promise<'ok' | 'failed' | null>;
  /** Record one finished run and end its claim; a success replaces an earlier failure, never another success. */
  record(run: NewRun): Promise<void>;
  /** Every run, checked against the format; `withResults: false` leaves the results out (a listing). */
  all(options?: { withResults?: boolean }): Promise<StoredRun[]>;
  /** Up to `limit` rows as stored, in key order, after `afterKey` (null: from the start). */
  rawRuns(afterKey: string | null, limit: number): Promise<RawRun[]>;
  /** Write rows as stored under `rule`, in one transaction; the number of keys that were new. */
  write(rows: RawRun[], rule: ConflictRule): Promise<number>;
  count(): Promise<number>;
  /** Say that this process runs `point` (replacing an earlier claim of it). */
  claim(claim: Claim): Promise<void>;
  /**
   * Claim a grid point unless it needs no run, in one transaction (so that of two sweeps on one store only one
   * runs it): its status when it has a successful row, or a failed one written since `since` (another sweep ran
   * it meanwhile); 'busy' when another process holds a live claim of it (`isLive` judges); else 'claimed'.
   */
  claimIfFree(
    claim: Claim,
    options: { since: string; isLive: (held: ClaimHolder) => boolean },
  ): Promise<'claimed' | 'busy' | 'ok' | 'failed'>;
  /** Move the lease of every claim of this process (host and pid) to `leaseUntil`. */
  renewClaims(host: string, pid: number, leaseUntil: string): Promise<void>;
  /** End a claim without recording a run (the run goes back to the queue). */
  release(key: string): Promise<void>;
  claims(): Promise<Claim[]>;
  close(): Promise<void>;
}

/** Who holds a claim, and until when. */
export type ClaimHolder = Pick<Claim, 'host' | 'pid' | 'leaseUntil'>;

/**
 * Whether a claim is a run in flight: not when its process is known to be gone (on this machine); else while its
 * lease holds (a worker's, a sweep's); a claim without a lease (written by an older version) counts while its
 * process lives, and always on another machine, where nobody can tell.
 */
export function claimIsLive(claim: ClaimHolder, now = Date.now()): boolean {
  if (claim.host === hostname() && !processLives(claim.pid)) return false;
  return claim.leaseUntil === null || Date.parse(claim.leaseUntil) > now;
}

function processLives(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A run to store → its row: checked against the format; the JSON of what was given (NaN as null). */
export function rawRun(run: NewRun): RawRun {
  const checked = storedRunSchema.parse(run);
  return {
    ...checked,
    config: JSON.stringify(run.config),
    result: run.result === null ? null : JSON.stringify(run.result),
  };
}

/** A row as stored → a run, checked against the format (a row that does not fit names its key and field). */
export function parseRawRun(row: RawRun, location: string): StoredRun {
  const parsed = storedRunSchema.safeParse({
    ...row,
    config: JSON.parse(row.config),
    result: typeof row.result === 'string' ? JSON.parse(row.result) : null,
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`${location}: run ${row.key}: field '${issue.path.join('.')}': ${issue.message}`);
}

/**
 * Copy every run of `source` into `target` as stored, a page at a time and each page in one transaction,
 * whatever their backends (a failure never replaces a success); the number of runs new to the target.
 */
export async function mergeStores(target: RunStore, source: RunStore, pageSize = 100): Promise<number> {
  let added = 0;
  for (let after: string | null = null; ; ) {
    const page = await source.rawRuns(after, pageSize);
    if (page.length === 0) return added;
    for (const row of page) parseRawRun(row, source.location); // a row that does not fit stops the copy
    added += await target.write(page, 'merge');
    after = page[page.length - 1]!.key;
  }
}
