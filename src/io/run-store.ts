/**
 * The sweep store: one SQLite row per grid point (src/io/run-record.ts's
 * format), keyed by the hash of its configuration, written in one statement
 * when the run finishes (WAL mode). A killed sweep loses only the runs in
 * flight; rows are never duplicated. The store's layout has a version (SQLite's
 * user_version): opening an older store for writing migrates it, a read-only
 * open reads it as it is, and a newer one is refused. Node only.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type NewRun, STORE_SCHEMA_VERSION, type StoredRun, storedRunSchema } from './run-record.js';

const CREATE = `
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
  finished_at TEXT NOT NULL,
  code_commit TEXT
)`;

/** The steps from each version to the next: MIGRATIONS[v] takes a store of version v to v + 1. */
const MIGRATIONS: string[] = ['ALTER TABLE runs ADD COLUMN code_commit TEXT'];

/** The columns, in the order of a row, and what a store of an older version holds in their place. */
const COLUMNS = [
  'key',
  'sweep',
  'task',
  'samples',
  'seed',
  'algorithm',
  'lr',
  'status',
  'config',
  'result',
  'error',
  'train_error',
  'test_error',
  'iterations',
  'seconds',
  'code_version',
  'code_commit',
  'finished_at',
] as const;
const ADDED_IN: Partial<Record<(typeof COLUMNS)[number], number>> = { code_commit: 1 };

/** The select list for a store of `version`: the columns it has, NULL for those added later. */
function selectList(version: number, prefix = ''): string {
  return COLUMNS.map((c) => ((ADDED_IN[c] ?? 0) > version ? `NULL AS ${c}` : `${prefix}${c}`)).join(', ');
}

const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** The upsert's SET clause: every column but the key, from the incoming row. */
const UPDATE_ALL = COLUMNS.slice(1)
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');

export class RunStore {
  private readonly db: Database.Database;
  private layout: number;

  constructor(
    readonly path: string,
    { readonly = false } = {},
  ) {
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path, { readonly, fileMustExist: readonly });
    } catch (err) {
      throw new Error(`${path}: cannot open the store: ${(err as Error).message}`);
    }
    try {
      this.layout = checkedVersion(this.db.pragma('user_version', { simple: true }) as number, path);
    } catch (err) {
      this.db.close();
      throw err;
    }
    if (!readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.migrate();
    }
  }

  /** The store's layout version (after the migration, for a store opened for writing). */
  get version(): number {
    return this.layout;
  }

  /** Create the table, or bring an older store's layout up to date, in one transaction. */
  private migrate(): void {
    const hasTable = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'`).get();
    this.db.transaction(() => {
      if (!hasTable) this.db.exec(CREATE);
      else for (let v = this.version; v < STORE_SCHEMA_VERSION; v++) this.db.exec(MIGRATIONS[v]!);
      this.db.pragma(`user_version = ${STORE_SCHEMA_VERSION}`);
    })();
    this.layout = STORE_SCHEMA_VERSION;
  }

  /** Keys of runs that finished successfully (a failed run is tried again). */
  finishedKeys(): Set<string> {
    return new Set(this.db.prepare(`SELECT key FROM runs WHERE status = 'ok'`).pluck().all() as string[]);
  }

  /** Record one finished run; a success replaces an earlier failure, never another success. */
  record(run: NewRun): void {
    const row = storedRunSchema.parse(run);
    this.db
      .prepare(
        `INSERT INTO runs (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${camel(c)}`).join(', ')})
         ON CONFLICT(key) DO UPDATE SET ${UPDATE_ALL}
         WHERE runs.status <> 'ok'`,
      )
      // the JSON of what was given (NaN as null), not of the checked copy
      .run({
        ...row,
        config: JSON.stringify(run.config),
        result: run.result === null ? null : JSON.stringify(run.result),
      });
  }

  /** Every run, checked against the format; `withResults: false` leaves the results out (a listing). */
  all({ withResults = true } = {}): StoredRun[] {
    const columns = selectList(this.version).replace('result,', withResults ? 'result,' : 'NULL AS result,');
    const rows = this.db.prepare(`SELECT ${columns} FROM runs ORDER BY task, algorithm, samples, seed, lr`).all();
    return (rows as Record<string, unknown>[]).map((r) => fromRow(r, this.path));
  }

  /** Copy every run of another store (of this version or an older one) in; a failure never replaces a success. */
  mergeFrom(otherPath: string): number {
    const before = this.count();
    this.db.prepare('ATTACH DATABASE ? AS other').run(otherPath);
    try {
      const version = checkedVersion(this.db.pragma('other.user_version', { simple: true }) as number, otherPath);
      this.db.exec(
        `INSERT INTO runs (${COLUMNS.join(', ')}) SELECT ${selectList(version)} FROM other.runs WHERE true
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

/** A store's layout version, unless it is newer than this build reads. (A store written before versioning is 0.) */
function checkedVersion(version: number, path: string): number {
  if (version > STORE_SCHEMA_VERSION) {
    throw new Error(`${path}: store version ${version} is newer than this build reads (${STORE_SCHEMA_VERSION})`);
  }
  return version;
}

/** A row as stored → a run, checked against the format (a row that does not fit names its key and field). */
function fromRow(row: Record<string, unknown>, path: string): StoredRun {
  const run: Record<string, unknown> = {};
  for (const column of COLUMNS) run[camel(column)] = row[column];
  run.config = JSON.parse(row.config as string);
  run.result = typeof row.result === 'string' ? JSON.parse(row.result) : null;
  const parsed = storedRunSchema.safeParse(run);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`${path}: run ${String(row.key)}: field '${issue.path.join('.')}': ${issue.message}`);
}
