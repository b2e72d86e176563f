/**
 * A store's runs as one flat table (`runs --format csv|parquet`, and beside a store's report): the header is
 * pinned, pandas reads the CSV back with the types and values of the store, DuckDB reads the Parquet file back with
 * its column types and every float64 bit for bit, from an SQLite file and from PostgreSQL alike; and
 * `reproduce --report`'s runs.csv is a selection of the same columns, byte for byte what is committed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { NETWORK_ALGORITHMS, networkAlgorithm } from '../src/estimators/registry.js';
import { openStore } from '../src/io/open-store.js';
import { readBatches } from '../src/io/result-batches.js';
import type { StoredRun } from '../src/io/run-record.js';
import { type ColumnType, RUN_TABLE_COLUMNS, runColumns, runOptions, runsCsv } from '../src/io/run-table.js';
import { getTask, TASK_NAMES } from '../src/tasks/tasks.js';
import { dropDatabase, freshDatabase } from './postgres.js';
import { runCli } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = '/usr/bin/python3';

/** The header, pinned: a change here is a change for every notebook that reads the table (docs/experiments.md). */
const HEADER: [string, ColumnType][] = [
  ['task', 'string'],
  ['samples', 'int'],
  ['testSamples', 'int'],
  ['seed', 'int'],
  ['algorithm', 'string'],
  ['lr', 'float'],
  ['status', 'string'],
  ['trainError', 'float'],
  ['testError', 'float'],
  ['trainClassError', 'float'],
  ['testClassError', 'float'],
  ['iterations', 'int'],
  ['stopReason', 'string'],
  ['widths', 'string'],
  ['gdSteps', 'int'],
  ['seconds', 'float'],
  ['error', 'string'],
  ['sweep', 'string'],
  ['codeVersion', 'string'],
  ['codeCommit', 'string'],
  ['finishedAt', 'string'],
  ['key', 'string'],
  ['opt_activation', 'string'],
  ['opt_alpha', 'float'],
  ['opt_balance', 'bool'],
  ['opt_candidatesPerIteration', 'int'],
  ['opt_checkEvery', 'int'],
  ['opt_classification', 'bool'],
  ['opt_delta1', 'float'],
  ['opt_deltaScale', 'float'],
  ['opt_depth', 'int'],
  ['opt_firstPgaLr', 'float'],
  ['opt_firstPgaSteps', 'int'],
  ['opt_gdSteps', 'int'],
  ['opt_gradmaxTie', 'string'],
  ['opt_growth', 'string'],
  ['opt_growthRule', 'string'],
  ['opt_halveOn', 'string'],
  ['opt_intercept', 'bool'],
  ['opt_joint', 'bool'],
  ['opt_kappa', 'float'],
  ['opt_lr', 'float'],
  ['opt_lrs', 'string'],
  ['opt_maxIterations', 'int'],
  ['opt_maxLrHalvings', 'int'],
  ['opt_maxPath', 'int'],
  ['opt_maxShrinks', 'int'],
  ['opt_maxShrinksFirst', 'int'],
  ['opt_maxSteps', 'int'],
  ['opt_ncfThreshold', 'float'],
  ['opt_p', 'float'],
  ['opt_pgaLr', 'float'],
  ['opt_pgaSteps', 'int'],
  ['opt_pgaTol', 'float'],
  ['opt_radius', 'float'],
  ['opt_recordWeights', 'bool'],
  ['opt_restarts', 'int'],
  ['opt_seed', 'int'],
  ['opt_shrink', 'float'],
  ['opt_standardize', 'bool'],
  ['opt_stopOn', 'string'],
  ['opt_targetError', 'float'],
  ['opt_tieRule', 'string'],
  ['opt_tol', 'float'],
  ['opt_width', 'int'],
  ['opt_widths', 'string'],
];

/** What the store says of a run, column by column, read here from the stored run itself. */
const FACTS: Record<string, (r: StoredRun) => unknown> = {
  task: (r) => r.task,
  samples: (r) => r.samples,
  testSamples: (r) => r.config.testSamples,
  seed: (r) => r.seed,
  algorithm: (r) => r.algorithm,
  lr: (r) => r.lr,
  status: (r) => r.status,
  trainError: (r) => r.trainError,
  testError: (r) => r.testError,
  trainClassError: (r) => r.result?.trainClassError ?? null,
  testClassError: (r) => r.result?.testClassError ?? null,
  iterations: (r) => r.iterations,
  stopReason: (r) => r.result?.stopReason ?? null,
  widths: (r) => r.result?.widths.join('/') ?? null,
  gdSteps: (r) => r.result?.gdSteps ?? null,
  seconds: (r) => r.seconds,
  error: (r) => r.error,
  sweep: (r) => r.sweep,
  codeVersion: (r) => r.codeVersion,
  codeCommit: (r) => r.codeCommit,
  finishedAt: (r) => r.finishedAt,
  key: (r) => r.key,
};

/** A cell as the store has it: a fact, or an option (a list as '0.05/0.1'); null for none. */
function expectedCell(run: StoredRun, column: string): unknown {
  if (column in FACTS) return FACTS[column]!(run) ?? null;
  const value = runOptions(run)[column.slice('opt_'.length)];
  return Array.isArray(value) ? value.join('/') : (value ?? null);
}

/** Two numbers the same float64 (NaN aside, which the table writes as empty). */
const sameBits = (a: unknown, b: unknown) => typeof a === 'number' && typeof b === 'number' && Object.is(a, b);

// Cheap real runs: NP and GD on two tasks, one of them a classification task; one failed run recorded beside them.
const GRID = `
name: table
tasks: [demo, {name: modular-addition-5, samples: [12], testSamples: 13}]
samples: [30]
testSamples: 20
seeds: 2
algorithms: [np, gd]
np: {options: {maxIterations: 2, gdSteps: 300, restarts: 2, pgaSteps: 50, balance: true}}
gd: {lrs: [0.1], maxSteps: 300, width: 6, radius: 0.3}
`;

describe('the run table', () => {
  let dir: string;
  let runs: StoredRun[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'np-run-table-'));
    writeFileSync(join(dir, 'grid.yaml'), GRID);
    const sweep = runCli(['sweep', 'grid.yaml', '--store', 's.sqlite', '--workers', '1', '--quiet'], dir);
    assert.equal(sweep.code, 0, sweep.stderr);
    const store = await openStore(join(dir, 's.sqlite'));
    try {
      const config = { ...(await store.all())[0]!.config, seed: 7 };
      // The message has what a CSV field must quote: a comma, quotes.
      const error = 'the loss is "NaN", at step 3';
      await store.record({
        key: 'failed-run',
        sweep: 'table',
        task: config.task,
        samples: config.samples,
        seed: 7,
        algorithm: config.algorithm,
        lr: config.lr,
        status: 'failed',
        config,
        result: null,
        error,
        trainError: null,
        testError: null,
        iterations: null,
        seconds: 0.25,
        codeVersion: '0.1.0',
        codeCommit: null,
        finishedAt: new Date(0).toISOString(),
      });
      runs = await store.all();
    } finally {
      await store.close();
    }
    assert.equal(runs.length, 9);
  });

  it('has the pinned header: the facts of a run, then every option of every network algorithm', () => {
    assert.deepEqual(
      RUN_TABLE_COLUMNS.map((c) => [c.name, c.type]),
      HEADER,
    );
    // No option a run can be given falls outside the table: every task's defaults, for every network algorithm.
    const columns = new Set(RUN_TABLE_COLUMNS.map((c) => c.name));
    for (const task of TASK_NAMES) {
      for (const name of NETWORK_ALGORITHMS) {
        const algorithm = networkAlgorithm(name);
        const given = { lr: 0.1, seed: 0, lrs: [0.1], width: 4, radius: 0.1, maxSteps: 10 };
        for (const option of Object.keys(algorithm.optionsFor(getTask(task).defaults, given)))
          assert.ok(columns.has(`opt_${option}`), `${task}, ${name}: the option ${option} has no column`);
      }
    }
  });

  it('docs/experiments.md lists every column, in order', () => {
    const docs = readFileSync(join(ROOT, 'docs/experiments.md'), 'utf8');
    const listed = [...docs.matchAll(/^\| `(\w+)`/gm)].map((m) => m[1]!);
    assert.deepEqual(
      listed,
      HEADER.map(([name]) => name),
    );
  });

  it('runs --format csv: pandas reads it back with the types and the values of the store', () => {
    const out = runCli(['runs', 's.sqlite', '--format', 'csv'], dir);
    assert.equal(out.code, 0, out.stderr);
    const written = runCli(['runs', '--store', 's.sqlite', '--format', 'csv', '--out', 'out/runs.csv'], dir);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stdout, new RegExp(`out/runs.csv: 9 run\\(s\\), ${HEADER.length} columns`));
    const csv = readFileSync(join(dir, 'out/runs.csv'), 'utf8');
    assert.equal(csv, out.stdout, 'stdout and --out write the same table');
    assert.equal(csv, runsCsv(runs));

    // pandas' default float parser may miss the last bit; float_precision='round_trip' reads float64 exactly.
    const script = [
      'import json, math, sys, pandas',
      'd = pandas.read_csv(sys.argv[1], float_precision="round_trip")',
      'def py(v):',
      '    v = v.item() if hasattr(v, "item") else v',
      '    return None if isinstance(v, float) and math.isnan(v) else v',
      'rows = [[py(v) for v in row] for row in d.itertuples(index=False, name=None)]',
      'print(json.dumps({"columns": list(d.columns), "dtypes": [str(t) for t in d.dtypes], "rows": rows}))',
    ].join('\n');
    assert.ok(existsSync(PYTHON), `${PYTHON} is missing: run scripts/install-python.sh`);
    const r = spawnSync(PYTHON, ['-c', script, join(dir, 'out/runs.csv')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const read = JSON.parse(r.stdout) as { columns: string[]; dtypes: string[]; rows: unknown[][] };
    assert.deepEqual(
      read.columns,
      HEADER.map(([name]) => name),
    );
    assert.equal(read.rows.length, runs.length);
    let floats = 0;
    HEADER.forEach(([name, type], j) => {
      const expected = runs.map((run) => expectedCell(run, name));
      const got = read.rows.map((row) => row[j]);
      const present = expected.filter((v) => v !== null);
      // pandas' own inference: whole numbers with a gap become float64; true/false with a gap, and text, objects;
      // a column with no value at all float64, and text that reads as numbers (one step size in opt_lrs) numbers.
      const numeric = present.every((v) => typeof v === 'number' || /^-?\d+(\.\d+)?$/.test(String(v)));
      const dtype =
        present.length === 0
          ? 'float64'
          : type === 'float' || (type === 'int' && present.length < expected.length)
            ? 'float64'
            : type === 'int'
              ? 'int64'
              : type === 'bool' && present.length === expected.length
                ? 'bool'
                : type === 'string' && numeric
                  ? present.every((v) => /^-?\d+$/.test(String(v))) && present.length === expected.length
                    ? 'int64'
                    : 'float64'
                  : 'object';
      assert.equal(read.dtypes[j], dtype, `${name}'s dtype`);
      expected.forEach((want, i) => {
        const cell = got[i];
        if (want === null || (typeof want === 'number' && !Number.isFinite(want))) assert.equal(cell, null, name);
        else if (typeof want === 'number') {
          assert.ok(sameBits(cell, want), `${name}, row ${i}: ${String(cell)} is not ${want}`);
          floats += type === 'float' ? 1 : 0;
        } else if (type === 'string' && numeric) assert.equal(String(cell), want, name);
        else assert.equal(cell, want, `${name}, row ${i}`);
      });
    });
    assert.ok(floats > 40, `only ${floats} float64 values compared`);
  });

  it('runs --format parquet: DuckDB reads it back with the column types and every float64 bit for bit', async () => {
    const r = runCli(['runs', 's.sqlite', '--format', 'parquet', '--out', 'runs.parquet'], dir);
    assert.equal(r.code, 0, r.stderr);
    const { names, types, rows } = await duckdb(join(dir, 'runs.parquet'));
    assert.deepEqual(
      names,
      HEADER.map(([name]) => name),
    );
    const DUCKDB_TYPE: Record<ColumnType, string> = {
      string: 'VARCHAR',
      int: 'BIGINT',
      float: 'DOUBLE',
      bool: 'BOOLEAN',
    };
    assert.deepEqual(
      types,
      HEADER.map(([, type]) => DUCKDB_TYPE[type]),
    );
    assert.equal(rows.length, runs.length);
    let floats = 0;
    HEADER.forEach(([name, type], j) => {
      runs.forEach((run, i) => {
        const want = expectedCell(run, name);
        const cell = rows[i]![j];
        if (want === null || (typeof want === 'number' && !Number.isFinite(want))) assert.equal(cell, null, name);
        else if (type === 'int') assert.equal(cell, BigInt(want as number), `${name}, row ${i}`);
        else if (type === 'float') {
          assert.ok(sameBits(cell, want), `${name}, row ${i}: ${String(cell)} is not ${String(want)}`);
          floats++;
        } else assert.equal(cell, want, `${name}, row ${i}`);
      });
    });
    assert.ok(floats > 40, `only ${floats} float64 values compared`);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp')),
      [],
    );
  });

  describe('from PostgreSQL', () => {
    let url: string;
    before(async () => {
      url = await freshDatabase();
    });
    after(async () => {
      await dropDatabase(url);
    });

    it('writes the same table as from the SQLite file the runs were merged from', () => {
      const merged = runCli(['merge', 's.sqlite', '--store', url], dir);
      assert.equal(merged.code, 0, merged.stderr);
      const csv = runCli(['runs', url, '--format', 'csv'], dir);
      assert.equal(csv.code, 0, csv.stderr);
      assert.equal(csv.stdout, readFileSync(join(dir, 'out/runs.csv'), 'utf8'));
      const parquet = runCli(['runs', url, '--format', 'parquet', '--out', 'pg.parquet'], dir);
      assert.equal(parquet.code, 0, parquet.stderr);
      assert.deepEqual(readFileSync(join(dir, 'pg.parquet')), readFileSync(join(dir, 'runs.parquet')));
    });
  });

  it("the store's report writes both files beside its page and links them", () => {
    const r = runCli(['report', 's.sqlite', '--out', 'report'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /runs\.csv, runs\.parquet/);
    assert.equal(readFileSync(join(dir, 'report/runs.csv'), 'utf8'), readFileSync(join(dir, 'out/runs.csv'), 'utf8'));
    assert.deepEqual(readFileSync(join(dir, 'report/runs.parquet')), readFileSync(join(dir, 'runs.parquet')));
    const html = readFileSync(join(dir, 'report/index.html'), 'utf8');
    assert.match(html, /<a href="runs\.csv">runs\.csv<\/a>/);
    assert.match(html, /<a href="runs\.parquet">runs\.parquet<\/a>/);
  });

  it('bad requests: one line, a non-zero exit, and no file written', async () => {
    mkdirSync(join(dir, 'folder'));
    const failures: [string[], RegExp][] = [
      [['--format', 'parquet'], /--format parquet: give the file to write with --out/],
      [['--format', 'xlsx'], /argument 'xlsx' is invalid/],
      [['--out', 'x.csv'], /--out: only with --format csv or parquet/],
      [['--json', '--format', 'csv', '--out', 'x.csv'], /--json and --format csv: give one/],
      [['--format', 'csv', '--out', 'folder'], /folder is a folder, not a file/],
      [['--format', 'csv', '--out', '/proc/x.csv'], /cannot write \/proc\/x.csv/],
    ];
    for (const [args, message] of failures) {
      const r = runCli(['runs', 's.sqlite', ...args], dir);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const missing = runCli(['runs', 'missing.sqlite', '--format', 'csv', '--out', 'x.csv'], dir);
    assert.match(missing.stderr, /missing.sqlite: no such store/);

    // A run of a task this build does not know: named, and nothing written.
    const store = await openStore(join(dir, 'unknown.sqlite'));
    try {
      const run = runs[0]!;
      await store.record({ ...run, key: 'from-a-newer-build', config: { ...run.config, task: 'tomorrow' } });
    } finally {
      await store.close();
    }
    for (const format of ['csv', 'parquet']) {
      const r = runCli(['runs', 'unknown.sqlite', '--format', format, '--out', `unknown.${format}`], dir);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /run from-a-newer-build: unknown task 'tomorrow'/);
    }
    assert.deepEqual(
      readdirSync(dir).filter((f) => /^(x|unknown)\.(csv|parquet)$|\.tmp/.test(f)),
      [],
    );
  });
});

describe("reproduce --report's runs.csv", () => {
  it('is a selection of the run table: the committed results/paper/runs.csv comes back byte for byte', () => {
    const committed = readFileSync(join(ROOT, 'results/paper/runs.csv'), 'utf8');
    const [header, ...lines] = committed.trimEnd().split('\n');
    const names = header!.split(',');
    assert.equal(names.at(-1), 'key', 'the key is the last column (the options before it hold commas)');
    const byKey = new Map(readBatches(join(ROOT, 'results/paper/batches')).map((r) => [r.key, r]));
    const runs = lines.map((line) => byKey.get(line.split(',').at(-1)!)!);
    assert.ok(runs.length > 0 && runs.every((r) => r !== undefined), 'every run of runs.csv is in the batches');
    assert.equal(runsCsv(runs, runColumns(names)), committed);
  });
});

/** A Parquet file as DuckDB reads it: column names, types and rows. */
async function duckdb(file: string): Promise<{ names: string[]; types: string[]; rows: unknown[][] }> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
      return {
        names: reader.columnNames(),
        types: reader.columnTypes().map((t) => t.toString()),
        rows: reader.getRows().map((row) => row.map((v) => (v === null || typeof v !== 'object' ? v : String(v)))),
      };
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
