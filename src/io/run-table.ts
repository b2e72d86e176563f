/**
 * A sweep store's runs as one flat table, for pandas, DuckDB, R or a spreadsheet: one row per run, one column per
 * fact of the run (its grid point, status, errors, code) and one per option its estimator was given (`opt_<name>`),
 * written as CSV or Parquet. The option columns are every option of every network algorithm's estimator (their zod
 * schemas), so the header is the same for every store; docs/experiments.md lists the columns and
 * test/run-table.test.ts pins them. `reproduce --report`'s runs.csv is a selection of these columns.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { z } from 'zod';
import { smallInitGdOptionsSchema } from '../baselines/small-init-gd.js';
import { networkAlgorithm, type RunOptions } from '../estimators/registry.js';
import { neuronPursuitOptionsSchema } from '../pursuit/options.js';
import { getTask } from '../tasks/tasks.js';
import type { StoredRun } from './run-record.js';

/** A column's values: text, whole numbers (int64), float64, or true/false; any cell may be empty (null). */
export type ColumnType = 'string' | 'int' | 'float' | 'bool';
export type Cell = string | number | boolean | null;

export interface RunColumn {
  readonly name: string;
  readonly type: ColumnType;
  /** The cell of a run, given the options its estimator was given (`runOptions`). */
  cell(run: StoredRun, options: Record<string, unknown>): Cell;
}

/** A number, or an empty cell for none (a failed run's errors) and for NaN and ±∞ (as in the store: null). */
const finite = (v: number | null | undefined): Cell =>
  v === null || v === undefined || !Number.isFinite(v) ? null : v;

const column = (name: string, type: ColumnType, cell: RunColumn['cell']): RunColumn => ({ name, type, cell });

/** What the store says of a run, in the order of the table. */
const FACT_COLUMNS: readonly RunColumn[] = [
  column('task', 'string', (r) => r.task),
  column('samples', 'int', (r) => r.samples),
  column('testSamples', 'int', (r) => r.config.testSamples),
  column('seed', 'int', (r) => r.seed),
  column('algorithm', 'string', (r) => r.algorithm),
  column('lr', 'float', (r) => r.lr),
  column('status', 'string', (r) => r.status),
  column('trainError', 'float', (r) => finite(r.result ? r.result.trainError : r.trainError)),
  column('testError', 'float', (r) => finite(r.result ? r.result.testError : r.testError)),
  column('trainClassError', 'float', (r) => finite(r.result?.trainClassError)),
  column('testClassError', 'float', (r) => finite(r.result?.testClassError)),
  column('iterations', 'int', (r) => r.result?.iterations ?? r.iterations),
  column('stopReason', 'string', (r) => r.result?.stopReason ?? null),
  column('widths', 'string', (r) => r.result?.widths.join('/') ?? null),
  column('gdSteps', 'int', (r) => r.result?.gdSteps ?? null),
  column('seconds', 'float', (r) => finite(r.result ? r.result.seconds : r.seconds)),
  column('error', 'string', (r) => r.error),
  column('sweep', 'string', (r) => r.sweep),
  column('codeVersion', 'string', (r) => r.codeVersion),
  column('codeCommit', 'string', (r) => r.codeCommit),
  column('finishedAt', 'string', (r) => r.finishedAt),
  column('key', 'string', (r) => r.key),
];

/**
 * An option's column type from its JSON schema; a list of numbers (GD's `lrs`, `widths`) is one text cell,
 * '0.05/0.1'.
 */
function optionType(name: string, schema: { type?: string; items?: { type?: string } }): ColumnType {
  if (schema.type === 'integer') return 'int';
  if (schema.type === 'number') return 'float';
  if (schema.type === 'boolean') return 'bool';
  const numbers = schema.items?.type === 'number' || schema.items?.type === 'integer';
  if (schema.type === 'string' || (schema.type === 'array' && numbers)) return 'string';
  throw new Error(`the option '${name}' has no column type (${JSON.stringify(schema)})`);
}

/** An option's cell: a list joined by '/', a number as it is (non-finite: empty), absent: empty. */
function optionCell(value: unknown): Cell {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.join('/');
  if (typeof value === 'number') return finite(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** `opt_<name>` for every option of every network algorithm's estimator, sorted by name. */
function optionColumns(): RunColumn[] {
  const types = new Map<string, ColumnType>();
  for (const schema of [neuronPursuitOptionsSchema, smallInitGdOptionsSchema]) {
    const { properties = {} } = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, object> };
    for (const [name, property] of Object.entries(properties)) {
      const type = optionType(name, property);
      if ((types.get(name) ?? type) !== type) throw new Error(`the option '${name}' has two types`);
      types.set(name, type);
    }
  }
  return [...types]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, type]) => column(`opt_${name}`, type, (_, options) => optionCell(options[name])));
}

/** Every column of the table, in order: the facts, then the options. */
export const RUN_TABLE_COLUMNS: readonly RunColumn[] = [...FACT_COLUMNS, ...optionColumns()];

/** Not in the table: every option in one cell, as sorted JSON (runs.csv of `reproduce --report` has it). */
const OPTIONS_JSON = column('options', 'string', (_, options) => JSON.stringify(options));

/** The columns of these names, in this order (the table's, or `options`). */
export function runColumns(names: readonly string[]): RunColumn[] {
  return names.map((name) => {
    const found = name === OPTIONS_JSON.name ? OPTIONS_JSON : RUN_TABLE_COLUMNS.find((c) => c.name === name);
    if (!found) throw new RangeError(`no run column '${name}'`);
    return found;
  });
}

/**
 * The options a run's estimator was given, sorted by name: the task's network defaults, then the grid point's
 * options, step size and seed, as the registry's `optionsFor` combines them; an option left out had the estimator's
 * default. A task or algorithm this build does not know is an error naming the run.
 */
export function runOptions(run: StoredRun): Record<string, unknown> {
  let options: Record<string, unknown>;
  try {
    const task = getTask(run.config.task);
    const given: RunOptions = { ...run.config.options, ...run.config.gd, lr: run.config.lr, seed: run.config.seed };
    const algorithm = networkAlgorithm(run.config.algorithm);
    options = algorithm.optionsFor(task.defaults, given) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`run ${run.key}: ${(err as Error).message}`);
  }
  return Object.fromEntries(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const FITS: Record<ColumnType, (v: NonNullable<Cell>) => boolean> = {
  string: (v) => typeof v === 'string',
  int: (v) => Number.isSafeInteger(v),
  float: (v) => typeof v === 'number',
  bool: (v) => typeof v === 'boolean',
};

/** The cells of every run, one row per run in the order given; a cell not of its column's type is an error. */
export function runRows(runs: readonly StoredRun[], columns: readonly RunColumn[] = RUN_TABLE_COLUMNS): Cell[][] {
  return runs.map((run) => {
    const options = runOptions(run);
    return columns.map((c) => {
      const value = c.cell(run, options);
      if (value !== null && !FITS[c.type](value))
        throw new Error(`run ${run.key}: column '${c.name}' holds ${JSON.stringify(value)}, not a ${c.type}`);
      return value;
    });
  });
}

function csvCell(value: Cell): string {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The table as CSV (RFC 4180: a header row, fields with a comma, quote or line break quoted, '\n' line ends):
 * numbers in JavaScript's shortest form that reads back to the same float64, booleans as true/false, an empty
 * field for an empty cell.
 */
export function runsCsv(runs: readonly StoredRun[], columns: readonly RunColumn[] = RUN_TABLE_COLUMNS): string {
  const lines = [columns.map((c) => csvCell(c.name)).join(',')];
  for (const row of runRows(runs, columns)) lines.push(row.map(csvCell).join(','));
  return `${lines.join('\n')}\n`;
}

const PARQUET_TYPE = { string: 'STRING', int: 'INT64', float: 'DOUBLE', bool: 'BOOLEAN' } as const;

/** The table as a Parquet file (snappy-compressed; every column optional, an empty cell a null). */
export function runsParquet(runs: readonly StoredRun[], columns: readonly RunColumn[] = RUN_TABLE_COLUMNS): Uint8Array {
  const rows = runRows(runs, columns);
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c, j) => ({
      name: c.name,
      type: PARQUET_TYPE[c.type],
      data: rows.map((row) => (c.type === 'int' && row[j] !== null ? BigInt(row[j] as number) : row[j]!)),
    })),
    createdBy: 'neuron-pursuit',
  });
  return new Uint8Array(buffer);
}
