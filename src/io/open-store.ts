/**
 * Opening the sweep store a --store value names: a postgresql:// URL is the PostgreSQL backend
 * (src/io/postgres-store.ts), anything else an SQLite file (src/io/sqlite-store.ts). The factory lives apart from
 * the interface (src/io/run-store.ts) so that dependencies point one way: interface ← backends ← factory.
 * Node only.
 */
import { PostgresRunStore } from './postgres-store.js';
import type { RunStore } from './run-store.js';
import { SqliteRunStore } from './sqlite-store.js';

/** Whether a --store value names a PostgreSQL database rather than an SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Open the store a --store value names: a postgresql:// URL (with a pool of `connections`), else an SQLite file.
 */
export async function openStore(location: string, { readonly = false, connections = 10 } = {}): Promise<RunStore> {
  return storeKind(location) === 'postgresql'
    ? await PostgresRunStore.open(location, { readonly, connections })
    : new SqliteRunStore(location, { readonly });
}

/** Which backend a --store value names; another URL is refused (a mistyped URL must not become a file). */
export function storeKind(location: string): 'postgresql' | 'sqlite' {
  if (isPostgresUrl(location)) return 'postgresql';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
    throw new Error(`${location}: not a store: an SQLite file, or a postgresql:// URL`);
  return 'sqlite';
}
