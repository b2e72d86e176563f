/**
 * What both store backends share: the SQL of every operation (written with `?`
 * placeholders; the PostgreSQL backend numbers them) and the mapping of a
 * row's columns. A backend supplies the connection, transactions and
 * where the layout version lives.
 */
import { type Claim, type ClaimHolder, parseRawRun, type RawRun, rawRun, type RunStore } from './run-store.js';
import { gridPointSchema, type NewRun, type StoredRun } from './run-record.js';
import { type ConflictRule, ON_CONFLICT, RUN_COLUMNS, runSelectList, STORE_SCHEMA_VERSION } from './store-schema.js';

/** Run a statement and return its rows. */
export type Query = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;

const INSERT = `INSERT INTO runs (${RUN_COLUMNS.join(', ')}) VALUES (${RUN_COLUMNS.map(() => '?').join(', ')})`;
const ORDER = 'ORDER BY task, algorithm, samples, seed, lr';

export abstract class SqlRunStore implements RunStore {
  abstract readonly location: string;
  abstract readonly version: number;
  /** Run one statement on the store's connection. */
  protected abstract query: Query;
  /** Run `body` in one transaction (statements through the given query); roll back if it throws. */
  protected abstract transaction<T>(body: (query: Query) => Promise<T>): Promise<T>;
  abstract close(): Promise<void>;

  async finishedKeys(): Promise<Set<string>> {
    const rows = await this.query<{ key: string }>(`SELECT key FROM runs WHERE status = 'ok'`);
    return new Set(rows.map((r) => r.key));
  }

  async statuses(): Promise<Map<string, { status: 'ok' | 'failed'; seconds: number }>> {
    const rows = await this.query<{ key: string; status: 'ok' | 'failed'; seconds: number }>(
      'SELECT key, status, seconds FROM runs',
    );
    return new Map(rows.map((r) => [r.key, { status: r.status, seconds: r.seconds }]));
  }

  async status(key: string): Promise<'ok' | 'failed' | null> {
    const [row] = await this.query<{ status: 'ok' | 'failed' }>('SELECT status FROM runs WHERE key = ?', [key]);
    return row?.status ?? null;
  }

  async record(run: NewRun): Promise<void> {
    const row = rawRun(run);
    await this.transaction((query) => this.recordWith(query, row));
  }

  /** Record a row and end its claim through `query` (inside a caller's transaction). */
  protected async recordWith(query: Query, row: RawRun, { endClaim = true } = {}): Promise<void> {
    await query(`${INSERT} ${ON_CONFLICT.record}`, rowValues(row));
    if (endClaim) await query('DELETE FROM claims WHERE key = ?', [row.key]);
  }

  async all({ withResults = true } = {}): Promise<StoredRun[]> {
    const rows = await this.query(`SELECT ${runSelectList(this.version, { withResults })} FROM runs ${ORDER}`);
    return rows.map((r) => parseRawRun(fromColumns(r), this.location));
  }

  async rawRuns(afterKey: string | null, limit: number): Promise<RawRun[]> {
    const rows = await this.query(
      `SELECT ${runSelectList(this.version)} FROM runs WHERE key > ? ORDER BY key LIMIT ?`,
      [afterKey ?? '', limit],
    );
    return rows.map(fromColumns);
  }

  async write(rows: RawRun[], rule: ConflictRule): Promise<number> {
    return await this.transaction(async (query) => {
      const before = await countRuns(query);
      for (const row of rows) await query(`${INSERT} ${ON_CONFLICT[rule]}`, rowValues(row));
      return (await countRuns(query)) - before;
    });
  }

  async count(): Promise<number> {
    return await countRuns(this.query);
  }

  async claim(claim: Claim): Promise<void> {
    await this.claimWith(this.query, claim);
  }

  /** Write a claim through `query` (inside a caller's transaction). */
  protected async claimWith(query: Query, claim: Claim): Promise<void> {
    await query(
      `INSERT INTO claims (key, config, host, pid, since, lease_until) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET config = excluded.config, host = excluded.host, pid = excluded.pid,
         since = excluded.since, lease_until = excluded.lease_until`,
      [claim.key, JSON.stringify(claim.point), claim.host, claim.pid, claim.since, claim.leaseUntil],
    );
  }

  async claimIfFree(
    claim: Claim,
    { since, isLive }: { since: string; isLive: (held: ClaimHolder) => boolean },
  ): Promise<'claimed' | 'busy' | 'ok' | 'failed'> {
    return await this.transaction(async (query) => {
      const [run] = await query<{ status: 'ok' | 'failed'; finished_at: string }>(
        'SELECT status, finished_at FROM runs WHERE key = ?',
        [claim.key],
      );
      if (run && (run.status === 'ok' || run.finished_at >= since)) return run.status;
      const [held] = await query<{ host: string; pid: number; lease_until: string | null }>(
        'SELECT host, pid, lease_until FROM claims WHERE key = ?',
        [claim.key],
      );
      const holder = held && { host: held.host, pid: Number(held.pid), leaseUntil: held.lease_until };
      if (holder && !(holder.host === claim.host && holder.pid === claim.pid) && isLive(holder)) return 'busy';
      await this.claimWith(query, claim);
      return 'claimed';
    });
  }

  async renewClaims(host: string, pid: number, leaseUntil: string): Promise<void> {
    await this.query('UPDATE claims SET lease_until = ? WHERE host = ? AND pid = ?', [leaseUntil, host, pid]);
  }

  async release(key: string): Promise<void> {
    await this.query('DELETE FROM claims WHERE key = ?', [key]);
  }

  async claims(): Promise<Claim[]> {
    if (this.version < 2) return [];
    const rows = await this.query<{
      key: string;
      config: string;
      host: string;
      pid: number;
      since: string;
      lease_until: string | null;
    }>('SELECT key, config, host, pid, since, lease_until FROM claims ORDER BY since, key');
    return rows.map((r) => ({
      key: r.key,
      point: gridPointSchema.parse(JSON.parse(r.config)),
      host: r.host,
      pid: Number(r.pid),
      since: r.since,
      leaseUntil: r.lease_until,
    }));
  }
}

async function countRuns(query: Query): Promise<number> {
  const [row] = await query<{ n: number | string }>('SELECT COUNT(*) AS n FROM runs');
  return Number(row?.n ?? 0);
}

const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A row of the select list (snake_case columns) → a RawRun. */
function fromColumns(row: Record<string, unknown>): RawRun {
  const run: Record<string, unknown> = {};
  for (const column of RUN_COLUMNS) run[camel(column)] = row[column] ?? null;
  return run as unknown as RawRun;
}

/** A RawRun's values in column order. */
function rowValues(row: RawRun): unknown[] {
  const byName = row as unknown as Record<string, unknown>;
  return RUN_COLUMNS.map((c) => byName[camel(c)] ?? null);
}

/** A store's layout version, unless it is newer than this build reads. (A store written before versioning is 0.) */
export function checkedVersion(version: number, location: string): number {
  if (version > STORE_SCHEMA_VERSION) {
    throw new Error(`${location}: store version ${version} is newer than this build reads (${STORE_SCHEMA_VERSION})`);
  }
  return version;
}
