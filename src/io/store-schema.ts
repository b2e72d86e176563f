/**
 * The sweep store's tables, once for both backends (SQLite and PostgreSQL read
 * the same SQL: DOUBLE PRECISION is a REAL column to SQLite). A store is
 * created at version 0 and brought up by the same steps that migrate an old
 * one, so a new store and a migrated one cannot differ. Where a backend keeps
 * the version is its own (SQLite's user_version, a one-row table in
 * PostgreSQL); the rows themselves are src/io/run-record.ts's format.
 */

/** The table of finished runs as version 0 had it. */
const CREATE_V0 = `
CREATE TABLE runs (
  key TEXT PRIMARY KEY,
  sweep TEXT NOT NULL,
  task TEXT NOT NULL,
  samples INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  algorithm TEXT NOT NULL,
  lr DOUBLE PRECISION NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  config TEXT NOT NULL,
  result TEXT,
  error TEXT,
  train_error DOUBLE PRECISION,
  test_error DOUBLE PRECISION,
  iterations INTEGER,
  seconds DOUBLE PRECISION NOT NULL,
  code_version TEXT NOT NULL,
  finished_at TEXT NOT NULL
)`;

/**
 * MIGRATIONS[v] takes a store of version v to v + 1: 1 records the git commit
 * of the code that ran; 2 adds the runs in flight (who runs which grid point,
 * since when, and until when its lease holds), which `runs` lists.
 */
export const MIGRATIONS: readonly (readonly string[])[] = [
  ['ALTER TABLE runs ADD COLUMN code_commit TEXT'],
  [
    `CREATE TABLE claims (
      key TEXT PRIMARY KEY,
      config TEXT NOT NULL,
      host TEXT NOT NULL,
      pid INTEGER NOT NULL,
      since TEXT NOT NULL,
      lease_until TEXT
    )`,
  ],
];

/** The statements that make a store of the latest version from nothing, or from version `from`. */
export function migrationSteps(from: number | 'empty'): string[] {
  const start = from === 'empty' ? 0 : from;
  return [...(from === 'empty' ? [CREATE_V0] : []), ...MIGRATIONS.slice(start).flat()];
}

/** The latest layout's version: one per migration. */
export const STORE_SCHEMA_VERSION = MIGRATIONS.length;

/** The columns of a run row, in order, and the version that added each one after version 0. */
export const RUN_COLUMNS = [
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
export type RunColumn = (typeof RUN_COLUMNS)[number];
const ADDED_IN: Partial<Record<RunColumn, number>> = { code_commit: 1 };

/** The select list for a store of `version`: the columns it has, NULL for those added later. */
export function runSelectList(version: number, { withResults = true } = {}): string {
  return RUN_COLUMNS.map((c) =>
    (ADDED_IN[c] ?? 0) > version || (c === 'result' && !withResults) ? `NULL AS ${c}` : c,
  ).join(', ');
}

/**
 * The conflict clauses of an insert. `record`: a success replaces a failure (and a failure a failure: the
 * latest error), never another success. `merge`: only a success replaces a failure.
 */
export const ON_CONFLICT = {
  record: `ON CONFLICT (key) DO UPDATE SET ${updateAll()} WHERE runs.status <> 'ok'`,
  merge: `ON CONFLICT (key) DO UPDATE SET ${updateAll()} WHERE runs.status <> 'ok' AND excluded.status = 'ok'`,
} as const;
export type ConflictRule = keyof typeof ON_CONFLICT;

/** Every column but the key, from the incoming row. */
function updateAll(): string {
  return RUN_COLUMNS.slice(1)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
}
