/**
 * The PostgreSQL store: the same tables as the SQLite file, in the schema
 * `neuron_pursuit` of the database a postgresql:// URL names, shared by
 * workers on any number of machines (the work queue, src/experiments/work-queue.ts,
 * lives in the same database). The layout version is a one-row table;
 * migrations run in one transaction under an advisory lock, so workers that
 * start together migrate once. Messages name the URL with its password masked.
 * Node only.
 */
import pg from 'pg';
import { checkedVersion, type Query, SqlRunStore } from './sql-run-store.js';
import { migrationSteps, STORE_SCHEMA_VERSION } from './store-schema.js';
import type { Claim, RawRun } from './run-store.js';

/** The schema of the store's tables. */
export const STORE_SCHEMA = 'neuron_pursuit';
/** Seconds to wait for a connection before saying the server cannot be reached. */
const CONNECT_TIMEOUT_S = 10;
/**
 * Seconds a store opened for writing waits for the answer to one statement before it drops the connection and
 * says so: a connection that went silent (a proxy or NAT that forgot it, neither end told) would otherwise hold
 * a worker forever. Every statement a worker sends takes milliseconds; readers (a report of a large store) wait
 * as long as it takes. The server, for its part, ends a session left idle inside a transaction as long (its
 * locks would otherwise outlive a client that is gone).
 */
export const QUERY_TIMEOUT_S = 60;

export class PostgresRunStore extends SqlRunStore {
  private constructor(
    readonly location: string,
    /** The connections, shared with the work queue. */
    readonly pool: pg.Pool,
    private layout: number,
  ) {
    super();
  }

  /** Connect (a bad URL or a refused connection is one line naming the problem), and migrate unless read-only. */
  static async open(
    url: string,
    { readonly = false, connections = 10, queryTimeoutSeconds = QUERY_TIMEOUT_S } = {},
  ): Promise<PostgresRunStore> {
    const location = maskPassword(url);
    checkPostgresUrl(url, location);
    const pool = new pg.Pool({
      connectionString: url,
      max: connections,
      connectionTimeoutMillis: CONNECT_TIMEOUT_S * 1000,
      ...(readonly ? {} : { query_timeout: queryTimeoutSeconds * 1000 }),
      keepAlive: true,
      application_name: 'neuron-pursuit',
      // The shared SQL names its tables unqualified: every connection looks in the store's schema first.
      onConnect: async (client) => {
        await client.query(`SET search_path TO ${STORE_SCHEMA}`);
        await client.query(`SET idle_in_transaction_session_timeout = ${Math.ceil(queryTimeoutSeconds * 1000)}`);
      },
    });
    // An idle connection the server dropped (a restart) is discarded by the pool: the next query opens another.
    pool.on('error', () => {});
    try {
      const version = await readVersion(pool);
      if (version === 'empty' && readonly) throw new Error('no store there (no neuron_pursuit.runs table)');
      const store = new PostgresRunStore(location, pool, version === 'empty' ? 0 : checkedVersion(version, location));
      if (!readonly && version !== STORE_SCHEMA_VERSION) await store.migrate();
      return store;
    } catch (err) {
      await pool.end().catch(() => {});
      const message = (err as Error).message;
      throw new Error(message.startsWith(location) ? message : `${location}: ${connectionProblem(err)}`, {
        cause: err,
      });
    }
  }

  get version(): number {
    return this.layout;
  }

  /** Create the tables or bring them up to date, once however many processes try at the same time. */
  private async migrate(): Promise<void> {
    await this.transaction(async (query) => {
      await query(`SELECT pg_advisory_xact_lock(hashtext('${STORE_SCHEMA}.migrate'))`);
      const version = await readVersion(query);
      if (version === STORE_SCHEMA_VERSION) return;
      if (version === 'empty') await query(`CREATE SCHEMA IF NOT EXISTS ${STORE_SCHEMA}`);
      for (const step of migrationSteps(version === 'empty' ? 'empty' : checkedVersion(version, this.location)))
        await query(step);
      await query('CREATE TABLE IF NOT EXISTS store_version (version INTEGER NOT NULL)');
      await query('DELETE FROM store_version');
      await query('INSERT INTO store_version (version) VALUES (?)', [STORE_SCHEMA_VERSION]);
    });
    this.layout = STORE_SCHEMA_VERSION;
  }

  protected query: Query = async <T>(sql: string, params: unknown[] = []) =>
    (await this.pool.query(numbered(sql), params)).rows as T[];

  /** Run `body` in one transaction on one connection; `client` lets other libraries (the queue) join it. */
  async transaction<T>(body: (query: Query, client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A connection lost between two statements is an 'error' event, not a rejected query: note it (the next
    // statement fails and the transaction rolls back) instead of letting an unhandled event end the process.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const value = await body(async <R>(sql: string, params: unknown[] = []) => {
        return (await client.query(numbered(sql), params)).rows as R[];
      }, client);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      broken = err as Error;
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** Record a run row inside a caller's transaction, and end its claim unless told not to (it is another's). */
  async recordIn(query: Query, row: RawRun, { endClaim = true } = {}): Promise<void> {
    await this.recordWith(query, row, { endClaim });
  }

  /** Write a claim inside a caller's transaction. */
  async claimIn(query: Query, claim: Claim): Promise<void> {
    await this.claimWith(query, claim);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * The store's version: 'empty' when there are no tables yet; 0 when runs has no version table beside it.
 * (The catalog is read as a table, not through to_regclass, whose cache may not yet know a table another
 * session has just created: a migration waiting on the lock must see the one before it.)
 */
async function readVersion(source: pg.Pool | Query): Promise<number | 'empty'> {
  const query: Query =
    typeof source === 'function' ? source : async <T>(sql: string) => (await source.query(sql)).rows as T[];
  const tables = await query<{ relname: string }>(
    `SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = '${STORE_SCHEMA}' AND c.relname IN ('runs', 'store_version')`,
  );
  const has = (name: string) => tables.some((t) => t.relname === name);
  if (!has('runs')) return 'empty';
  if (!has('store_version')) return 0;
  const [row] = await query<{ version: number }>(`SELECT version FROM ${STORE_SCHEMA}.store_version`);
  return row?.version ?? 0;
}

/** `?` placeholders (the shared SQL's) → PostgreSQL's `$1, $2, …`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The URL with its password replaced by ***, for messages and listings. */
export function maskPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

/** Refuse what is not a URL pg can connect with, naming the expected form. */
function checkPostgresUrl(url: string, location: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${location}: not a valid PostgreSQL URL (postgresql://user:password@host:port/database)`);
  }
  if (!parsed.hostname && !parsed.searchParams.has('host'))
    throw new Error(`${location}: the URL names no host (postgresql://user:password@host:port/database)`);
}

/** What went wrong connecting, in words. */
export function connectionProblem(err: unknown): string {
  const e = err as { code?: string; message?: string; hostname?: string };
  const message = String(e.message ?? err).split('\n')[0]!;
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'cannot connect: connection refused (is a server listening at that host and port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect: unknown host ${e.hostname ?? ''}`.trimEnd();
    case 'ETIMEDOUT':
      return `cannot connect: no answer within ${CONNECT_TIMEOUT_S} s`;
    case '28P01':
    case '28000':
    case '3D000':
      return `cannot connect: ${message}`;
  }
  if (message === 'Query read timeout') return `no answer to a statement within ${QUERY_TIMEOUT_S} s`;
  if (/timeout/i.test(message)) return `cannot connect: no answer within ${CONNECT_TIMEOUT_S} s`;
  return message;
}

/**
 * Whether a failure to reach or keep the database may pass by itself (the server restarting or not up yet, a
 * connection dropped or gone silent), so that a worker should wait and try again; not a wrong URL, host,
 * password or database, nor anything the server said about a statement.
 */
export function isTransient(err: unknown): boolean {
  const e = ((err as { cause?: unknown })?.cause ?? err) as { code?: string; message?: string };
  const code = e?.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return true;
  // Class 08 (connection exception), 57P01-57P03 (the server shutting down, crashed, or starting up).
  if (/^08|^57P0[123]$/.test(code)) return true;
  return /Connection terminated|Query read timeout|timeout exceeded when trying to connect/i.test(e?.message ?? '');
}
