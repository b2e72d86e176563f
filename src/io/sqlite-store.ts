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
    if (!readonly) mkdirSync(dirname(location), { recursive: true });
    try {
      this.db = new Database(location, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
    } catch (err) {
      throw new Error(`${location}: cannot open the store: ${(err as Error).message}`);
    }
    try {
      this.layout = checkedVersion(this.db.pragma('user_version', { simple: true }) as number, location);
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
      this.db.exec('ROLLBACK');
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
        this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
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
