/**
 * The SQLite store, the embedded default: one file in WAL mode, so a killed
 * sweep loses only its runs in flight. The layout version is SQLite's
 * user_version: opening an older store for writing migrates it in one
 * transaction, a read-only open reads it as it is, a newer one is refused.
 * Node only.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { FileSystemError, fileSystemTrouble, inWords } from './files.js';
import { checkedVersion, type Query, SqlRunStore } from './sql-run-store.js';
import { migrationSteps, STORE_SCHEMA_VERSION } from './store-schema.js';

/**
 * How long a statement waits for another process's write to end (SQLite's busy timeout) before it fails with
 * "database is locked". Writes last milliseconds; several sweeps on one file queue behind each other, and a
 * whole minute leaves room for a loaded machine or a writer paused for a while.
 */
export const BUSY_TIMEOUT_MS = 60_000;

export class SqliteRunStore extends SqlRunStore {
  private readonly db: Database.Database;
  private layout: number;
  /** Transactions one after another: a body awaits between its statements. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly location: string,
    { readonly = false } = {},
  ) {
    super();
    try {
      if (!readonly) mkdirSync(dirname(location), { recursive: true });
    } catch (err) {
      throw inWords(err, dirname(location));
    }
    try {
      this.db = new Database(location, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
    } catch (err) {
      throw storeError(err, location, `${location}: cannot open the store: ${(err as Error).message}`);
    }
    try {
      this.layout = checkedVersion(this.db.pragma('user_version', { simple: true }) as number, location);
      if (!readonly) {
        this.db.pragma('journal_mode = WAL');
        // Every commit reaches the disk before it returns (an fsync of the WAL): a run the sweep counts as stored
        // survives a crash of the machine, or a disk that fails and turns read-only (NORMAL could lose the last
        // seconds of runs then). One fsync per run or claim costs milliseconds; a run takes far longer.
        this.db.pragma('synchronous = FULL');
        this.migrate();
      }
    } catch (err) {
      this.db.close();
      throw storeError(err, location);
    }
  }

  get version(): number {
    return this.layout;
  }

  /**
   * Create the tables, or bring an older store's layout up to date, in one transaction that takes the write lock
   * first: of several processes that open one file together, the first migrates and the others find it done.
   */
  private migrate(): void {
    const current = () => ({
      hasTable:
        this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'`).get() !== undefined,
      version: checkedVersion(this.db.pragma('user_version', { simple: true }) as number, this.location),
    });
    let { hasTable, version } = current();
    if (hasTable && version === STORE_SCHEMA_VERSION) return;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      ({ hasTable, version } = current());
      if (!hasTable || version !== STORE_SCHEMA_VERSION) {
        for (const step of migrationSteps(hasTable ? version : 'empty')) this.db.exec(step);
        this.db.pragma(`user_version = ${STORE_SCHEMA_VERSION}`);
      }
      this.db.exec('COMMIT');
    } catch (err) {
      this.rollBack();
      throw err;
    }
    this.layout = STORE_SCHEMA_VERSION;
  }

  /** One statement, after any transaction under way (a statement must not land inside another's transaction). */
  protected query: Query = <T>(sql: string, params: unknown[] = []) =>
    this.serially(async () => this.run<T>(sql, params));

  protected transaction<T>(body: (query: Query) => Promise<T>): Promise<T> {
    return this.serially(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const value = await body(async (sql, params = []) => this.run(sql, params));
        this.db.exec('COMMIT');
        return value;
      } catch (err) {
        this.rollBack();
        throw err;
      }
    });
  }

  /**
   * End a failed transaction. SQLite may have rolled it back already (it does on a full disk or an I/O error), and
   * a ROLLBACK then would fail and hide the error that matters; one that fails itself is left to SQLite too.
   */
  private rollBack(): void {
    if (!this.db.inTransaction) return;
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // the connection ends the transaction when it can (the first error is the one to report)
    }
  }

  /** Run `work` after what is under way; an error of the disk or file comes out in words (`storeError`). */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work).catch((err: unknown) => {
      throw storeError(err, this.location);
    });
    this.queue = next.catch(() => {});
    return next;
  }

  private run<T>(sql: string, params: unknown[]): T[] {
    const statement = this.db.prepare(sql);
    if (statement.reader) return statement.all(...params) as T[];
    statement.run(...params);
    return [];
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  async close(): Promise<void> {
    await this.queue;
    this.db.close();
  }
}

/**
 * An SQLite error that the disk or the file system caused, in words naming the store, as a `FileSystemError` with
 * the system's code, so that a sweep can say its stored runs are kept; any other error as it is (or as `other`).
 * SQLite reports a full disk as SQLITE_FULL; a file system turned read-only, or a disk that fails, mostly as an
 * I/O error without the reason, which the file system is then asked for.
 */
export function storeError(err: unknown, location: string, other?: string): Error {
  if (err instanceof FileSystemError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  if (!/^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/.test(code))
    return other !== undefined ? new Error(other) : (err as Error);
  const trouble = code.startsWith('SQLITE_FULL') ? 'ENOSPC' : fileSystemTrouble(location);
  if (trouble) return inWords({ code: trouble }, location);
  if (code.startsWith('SQLITE_CANTOPEN')) return other !== undefined ? new Error(other) : (err as Error);
  const what = code.startsWith('SQLITE_IOERR')
    ? 'the disk failed to read or write the store (an input/output error)'
    : 'the store cannot be written (a read-only file)';
  return new FileSystemError(`${location}: ${what}; SQLite says: ${(err as Error).message}`, 'EIO');
}
