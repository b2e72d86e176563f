/**
 * The PostgreSQL server the tests use: NP_TEST_PG_URL, which scripts/with-postgres.sh sets for a throwaway
 * server (npm test runs the suites under it), or which points at an existing server whose role may create
 * databases. Every test works in a database of its own.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function serverUrl(): string {
  const url = process.env.NP_TEST_PG_URL;
  if (!url)
    throw new Error(
      'NP_TEST_PG_URL is not set: run the tests through scripts/with-postgres.sh (as npm test does), or set it',
    );
  return url;
}

async function admin<T>(body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** A new empty database on the test server; its URL. */
export async function freshDatabase(): Promise<string> {
  const name = `np_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Run one query on a database and return its rows. */
export async function sql<T = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The script that stops and starts the throwaway server (not there when NP_TEST_PG_URL names another server). */
export const serverControl = process.env.NP_TEST_PG_CONTROL;
