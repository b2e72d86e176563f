/**
 * The sweep store: one SQLite row per grid point, keyed by the hash of its
 * configuration, written in one statement when the run finishes (WAL mode).
 * A killed sweep loses only the runs in flight; rows are never duplicated.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { GridPoint, PointResult } from './run-point.js';

export interface StoredRun {
  key: string;
  sweep: string;
  task: string;
  samples: number;
  seed: number;
  algorithm: string;
  lr: number;
  status: 'ok' | 'failed';
  config: GridPoint;
  result: PointResult | null;
  error: string | null;
  trainError: number | null;
  testError: number | null;
  iterations: number | null;
  seconds: number;
  codeVersion: string;
  finishedAt: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  key TEXT PRIMARY KEY,
  sweep TEXT NOT NULL,
  task TEXT NOT NULL,
  samples INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  algorithm TEXT NOT NULL,
  lr REAL NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  config TEXT NOT NULL,
  result TEXT,
  error TEXT,
  train_error REAL,
  test_error REAL,
  iterations INTEGER,
  seconds REAL NOT NULL,
  code_version TEXT NOT NULL,
  finished_at TEXT NOT NULL
)`;

const COLUMNS = 'key, sweep, task, samples, seed, algorithm, lr, status, config, result, error, train_error, test_error, iterations, seconds, code_version, finished_at';
/** The upsert's SET clause: every column but the key, from the incoming row. */
const UPDATE_ALL = COLUMNS.split(', ').slice(1).map((c) => `${c} = excluded.${c}`).join(', ');

export class RunStore {
  private readonly db: Database.Database;

  constructor(readonly path: string, { readonly = false } = {}) {
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path, { readonly, fileMustExist: readonly });
    } catch (err) {
      throw new Error(`${path}: cannot open the store: ${(err as Error).message}`);
    }
    if (!readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
    }
  }

  /** Keys of runs that finished successfully (a failed run is tried again). */
  finishedKeys(): Set<string> {
    return new Set(this.db.prepare(`SELECT key FROM runs WHERE status = 'ok'`).pluck().all() as string[]);
  }

  /** Record one finished run; a success replaces an earlier failure, never another success. */
  record(row: StoredRun): void {
    this.db
      .prepare(
        `INSERT INTO runs (${COLUMNS}) VALUES (@key, @sweep, @task, @samples, @seed, @algorithm, @lr, @status, @config, @result, @error, @trainError, @testError, @iterations, @seconds, @codeVersion, @finishedAt)
         ON CONFLICT(key) DO UPDATE SET ${UPDATE_ALL}
         WHERE runs.status <> 'ok'`,
      )
      .run({ ...row, config: JSON.stringify(row.config), result: row.result === null ? null : JSON.stringify(row.result) });
  }

  all({ withResults = true } = {}): StoredRun[] {
    const rows = this.db.prepare(`SELECT ${withResults ? COLUMNS : COLUMNS.replace('result,', 'NULL AS result,')} FROM runs ORDER BY task, algorithm, samples, seed, lr`).all() as Record<string, unknown>[];
    return rows.map(fromRow);
  }

  /** Copy every run of another store in (the same conflict rule as `record`). */
  mergeFrom(otherPath: string): number {
    const before = this.count();
    this.db.prepare('ATTACH DATABASE ? AS other').run(otherPath);
    try {
      this.db.exec(
        `INSERT INTO runs (${COLUMNS}) SELECT ${COLUMNS} FROM other.runs WHERE true
         ON CONFLICT(key) DO UPDATE SET ${UPDATE_ALL}
         WHERE runs.status <> 'ok' AND excluded.status = 'ok'`,
      );
    } finally {
      this.db.exec('DETACH DATABASE other');
    }
    return this.count() - before;
  }

  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number;
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  close(): void {
    this.db.close();
  }
}

function fromRow(r: Record<string, unknown>): StoredRun {
  return {
    key: r.key as string,
    sweep: r.sweep as string,
    task: r.task as string,
    samples: r.samples as number,
    seed: r.seed as number,
    algorithm: r.algorithm as string,
    lr: r.lr as number,
    status: r.status as 'ok' | 'failed',
    config: JSON.parse(r.config as string) as GridPoint,
    result: r.result ? (JSON.parse(r.result as string) as PointResult) : null,
    error: (r.error as string | null) ?? null,
    trainError: r.train_error as number | null,
    testError: r.test_error as number | null,
    iterations: r.iterations as number | null,
    seconds: r.seconds as number,
    codeVersion: r.code_version as string,
    finishedAt: r.finished_at as string,
  };
}
