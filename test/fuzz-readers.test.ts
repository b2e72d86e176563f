/**
 * Property-based tests of the readers of every input file, in process: CSV (src/io/csv.ts), model.json
 * (model-format.ts), checkpoint.json (checkpoint-format.ts) and sweep files (src/experiments/config.ts). The
 * property: a reader either returns what the cleaned input gives, or throws one line naming the file and the place
 * (line and column, or field). `NP_FUZZ_RUNS` cases each (docs/fuzzing.md); the named examples at the end are
 * inputs the fuzzing found.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { expandGrid, MAX_GRID_POINTS, parseSweepConfig } from '../src/experiments/config.js';
import { checkpointFile, checkpointSchema } from '../src/io/checkpoint-format.js';
import { CsvError, formatCsv, parseCsv, readNumber, selectColumns, shown, type Table } from '../src/io/csv.js';
import { modelFromJson, modelToJson } from '../src/io/model-format.js';
import { parseFile } from '../src/io/run-format.js';
import { fromRows as matrix } from '../src/linalg/matrix.js';
import { NeuronPursuit, type PursuitState } from '../src/pursuit/neuron-pursuit.js';
import {
  RUNS,
  anyNumber,
  assertOneLine,
  cleanCsv,
  csvDefectChoice,
  csvGarbage,
  csvWithDefect,
  editText,
  type Json,
  type JsonPath,
  mutation,
  namedField,
  noisyCsv,
  numericTable,
  params,
  sameNeighbourhood,
  textEdit,
} from './fuzz-inputs.js';

const DELIMITERS = [',', ';', '\t', '|'];
const values = (t: Table) => t.rows.map((r) => Array.from(r));
const fixture = (name: string) => new URL(`../../test/fixtures/${name}`, import.meta.url);

/** Equal numbers, −0 and 0 told apart. */
function assertSameNumbers(actual: number[][], expected: number[][], context: string): void {
  assert.equal(actual.length, expected.length, context);
  for (const [i, row] of actual.entries())
    for (const [j, v] of row.entries())
      assert.ok(Object.is(v, expected[i]![j]), `${context}: row ${i} column ${j}: ${v}`);
}

/** Run `f`; a throw must be a CsvError of one line that starts with `source`. */
function csvOutcome(f: () => Table, source: string, context: string): Table | CsvError {
  try {
    return f();
  } catch (err) {
    assert.ok(err instanceof CsvError, `${context}: ${(err as Error).stack}`);
    assertOneLine(err.message, context);
    assert.ok(err.message.startsWith(source), `${context}: ${err.message}`);
    return err;
  }
}

describe('fuzz: CSV', () => {
  it('the same table spelled noisily reads as its plain spelling, which reads as the numbers written', (t) => {
    fc.assert(
      fc.property(numericTable(), fc.constantFrom(...DELIMITERS), fc.nat(), (table, delimiter, seed) => {
        const clean = parseCsv(cleanCsv(table, delimiter), 'clean.csv', { delimiter });
        assert.deepEqual(clean.columns, table.columns);
        assertSameNumbers(values(clean), table.rows, 'plain spelling');
        const { text, lines } = noisyCsv(table, delimiter, seed);
        const noisy = parseCsv(text, 'noisy.csv', { delimiter });
        assert.deepEqual(noisy.columns, table.columns, JSON.stringify(text));
        assertSameNumbers(values(noisy), table.rows, JSON.stringify(text).slice(0, 400));
        assert.deepEqual(noisy.lines, lines, JSON.stringify(text).slice(0, 400));
        // and formatCsv, the writer of predictions, writes what reads back the same
        const written = parseCsv(formatCsv(table.columns, matrix(table.rows), delimiter), 'out.csv', { delimiter });
        assert.deepEqual(written.columns, table.columns);
        assertSameNumbers(
          values(written),
          table.rows.map((r) => r.map((v) => (Object.is(v, -0) ? 0 : v))),
          'formatCsv',
        );
      }),
      params(RUNS),
    );
    t.diagnostic(`${RUNS} cases`);
  });

  it('one defect is one line naming the file, the line and the column where it is', (t) => {
    fc.assert(
      fc.property(numericTable(), fc.constantFrom(...DELIMITERS), csvDefectChoice, (table, delimiter, choice) => {
        const defect = csvWithDefect(table, delimiter, choice, shown);
        const context = `${defect.what}: ${JSON.stringify(defect.text).slice(0, 300)}`;
        const outcome = csvOutcome(() => parseCsv(defect.text, 'bad.csv', { delimiter }), 'bad.csv', context);
        assert.ok(outcome instanceof CsvError, `${context}: read without an error`);
        const prefix = `bad.csv ${defect.place}: `;
        assert.ok(outcome.message.startsWith(prefix), `${context}: '${outcome.message}' does not start '${prefix}'`);
        assert.match(outcome.message, defect.problem, context);
      }),
      params(RUNS),
    );
    t.diagnostic(`${RUNS} cases`);
  });

  it('any text either reads as a well-formed table or is refused in one line', (t) => {
    fc.assert(
      fc.property(csvGarbage, fc.constantFrom(...DELIMITERS), (text, delimiter) => {
        const outcome = csvOutcome(() => parseCsv(text, 'any.csv', { delimiter }), 'any.csv', JSON.stringify(text));
        if (outcome instanceof CsvError) return;
        assert.equal(new Set(outcome.columns).size, outcome.columns.length);
        assert.ok(outcome.columns.every((c) => c !== '' && !c.includes('\ufffd')));
        assert.equal(outcome.lines.length, outcome.rows.length);
        outcome.rows.forEach((row, i) => {
          assert.equal(row.length, outcome.columns.length);
          assert.ok(row.every(Number.isFinite));
          assert.ok(outcome.lines[i]! > (i === 0 ? 1 : outcome.lines[i - 1]!));
        });
      }),
      params(RUNS),
    );
    t.diagnostic(`${RUNS} cases`);
  });

  it('columns are picked by name wherever they stand, and a wrong drop or target is one line', (t) => {
    fc.assert(
      fc.property(numericTable(anyNumber), fc.nat(), fc.nat(), (table, seed, pick) => {
        const t = parseCsv(cleanCsv(table, ','), 't.csv');
        const n = t.columns.length;
        const targets = [t.columns[pick % n]!];
        const drop = n > 2 ? [t.columns[(pick + 1) % n]!] : [];
        const features = t.columns.filter((c) => !targets.includes(c) && !drop.includes(c));
        if (features.length === 0) {
          assert.throws(() => selectColumns(t, { targets, drop }, 't.csv'), /^CsvError: t\.csv: no feature columns/);
          return;
        }
        const order = [...features].reverse();
        const { X, Y } = selectColumns(t, { features: order, targets, drop }, 't.csv');
        order.forEach((f, k) => {
          const c = t.columns.indexOf(f);
          for (const [i, row] of t.rows.entries()) assert.ok(Object.is(X.data[i * order.length + k], row[c]));
        });
        assert.equal(Y!.rows, t.rows.length);
        const wrong = [`${targets[0]}?`, ...targets];
        const bad = [
          () => selectColumns(t, { targets: [...targets, ...targets], drop }, 't.csv'),
          () => selectColumns(t, { targets, drop: [wrong[0]!] }, 't.csv'),
          () => selectColumns(t, { targets: [wrong[0]!], drop }, 't.csv'),
          () => selectColumns(t, { features: [...order, wrong[0]!], targets, drop }, 't.csv'),
        ][seed % 4]!;
        assert.throws(bad, (err: Error) => {
          assert.ok(err instanceof CsvError);
          assertOneLine(err.message, 'selectColumns');
          return true;
        });
      }),
      params(RUNS),
    );
    t.diagnostic(`${RUNS} cases`);
  });
});

describe('fuzz: the number grammar', () => {
  /** Strings near numbers: digits, signs, points, exponents, blanks of several kinds, bits of other notations. */
  const nearNumber = fc.oneof(
    fc.string({
      unit: fc.constantFrom(...'0123456789.eE+- \txX_inf'.split(''), 'nan', 'Infinity', '\u00a0', '\u2003', '\f'),
      maxLength: 12,
    }),
    anyNumber.map((v) => v.toString()),
    anyNumber.map((v) => v.toExponential(3)),
    anyNumber.map((v) => v.toFixed(5)),
  );

  it('accepts exactly what NumPy loadtxt reads as a finite number, and reads the same number', (t) => {
    const cells = fc.sample(nearNumber, { numRuns: Math.max(RUNS * 10, 200), seed: 23 });
    // NumPy's own reader (python3-numpy, which npm test's pretest installs): one cell per line, nothing else.
    const driver = `
import json, sys, warnings
import numpy as np
warnings.simplefilter('ignore')
out = []
for cell in json.load(sys.stdin):
    try:
        v = np.loadtxt([cell], delimiter=',', comments=None, dtype=float, ndmin=1)
        out.append(repr(float(v[0])) if v.size == 1 else None)
    except Exception:
        out.append(None)
print(json.dumps(out))`;
    const r = spawnSync('/usr/bin/python3', ['-c', driver], { input: JSON.stringify(cells), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const numpy = JSON.parse(r.stdout) as (string | null)[];
    cells.forEach((cell, i) => {
      const theirs = numpy[i] === null ? undefined : Number(numpy[i]!.replace('inf', 'Infinity').replace('nan', 'NaN'));
      const ours = readNumber(cell);
      const expected = theirs !== undefined && Number.isFinite(theirs);
      assert.equal(
        'value' in ours,
        expected,
        `${JSON.stringify(cell)}: NumPy ${numpy[i]}, ours ${JSON.stringify(ours)}`,
      );
      if ('value' in ours)
        assert.ok(Object.is(ours.value, theirs), `${JSON.stringify(cell)}: ${ours.value} ≠ ${theirs}`);
    });
    t.diagnostic(`${cells.length} cases`);
  });
});

describe('fuzz: model.json', () => {
  const base = JSON.parse(readFileSync(fixture('fuzz-model.json'), 'utf8')) as Json;
  const X = matrix([
    [0.3, -1.2, 2.5],
    [4, 0, -3],
  ]);
  const expected = Array.from(modelFromJson(base).predict(X).data);
  const FIELD = /^(?:field '[^']+': |layer \d+ |format |activation |widths |features |targets |preprocessing|not a)/;

  it('a mutated model reads as the original (noise) or as a working model, or is one line naming the field', (t) => {
    fc.assert(
      fc.property(mutation(base), (m) => {
        const context = `${m.kind} at ${m.path.join('.')}: ${JSON.stringify(m.value).slice(0, 300)}`;
        let model: ReturnType<typeof modelFromJson>;
        try {
          model = modelFromJson(JSON.parse(JSON.stringify(m.value)), 'm.json');
        } catch (err) {
          const message = (err as Error).message;
          assertOneLine(message, context);
          assert.ok(message.startsWith('invalid model file m.json: '), `${context}: ${message}`);
          const what = message.slice('invalid model file m.json: '.length);
          assert.match(what, FIELD, `${context}: ${message}`);
          assert.ok(!/polluted/.test(message));
          return;
        }
        const predicted = Array.from(model.predict(X).data);
        if (m.noise) assert.deepEqual(predicted, expected, context);
        else assert.equal(predicted.length, 2 * model.network.outputDim, context);
        assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was changed');
      }),
      params(RUNS),
    );
    t.diagnostic(`${RUNS} cases`);
  });
});

/** A checkpoint after one iteration of a small fit on CSV data, as `train --out` writes it. */
function baseCheckpoint(): Json {
  const rows = Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(2 * i)]);
  const X = matrix(rows),
    Y = matrix(rows.map(([a, b]) => [Math.max(0, a! + b!)]));
  const estimator = new NeuronPursuit({ maxIterations: 2, restarts: 2, pgaSteps: 40, gdSteps: 200, seed: 1 });
  let state: PursuitState | undefined;
  estimator.fit(X, Y, { onIteration: (s) => (state ??= s) });
  const source = { data: 'train.csv', cwd: '/tmp', targets: ['y'], drop: [], checksum: 'ab'.repeat(32) };
  const model = { ...modelToJson(state!.network), features: ['a', 'b'], targets: ['y'] };
  const checkpoint = checkpointFile({
    source,
    options: estimator.options,
    seconds: 0.5,
    model,
    history: state!.history,
  });
  return JSON.parse(JSON.stringify(checkpoint)) as Json;
}

describe('fuzz: checkpoint.json', () => {
  const base = baseCheckpoint();
  const FILE = 'run/checkpoint.json';
  const clean = parseFile(checkpointSchema, base, FILE);
  const isRecord = (path: JsonPath) => path.length === 1 && path[0] === 'options';

  it('a mutated checkpoint reads as the original (noise) or is one line naming the file and the field', (t) => {
    fc.assert(
      fc.property(mutation(base, isRecord), (m) => {
        const context = `${m.kind} at ${m.path.join('.')}`;
        let read: ReturnType<typeof parseFile<typeof checkpointSchema>>;
        try {
          read = parseFile(checkpointSchema, JSON.parse(JSON.stringify(m.value)), FILE);
        } catch (err) {
          const message = (err as Error).message;
          assertOneLine(message, context);
          assert.ok(message.startsWith(`${FILE}: `), `${context}: ${message}`);
          const field = namedField(message);
          assert.ok(field !== undefined || m.path.length === 0, `${context}: no field in '${message}'`);
          if (field) assert.ok(sameNeighbourhood(field, m.path), `${context}: '${message}'`);
          return;
        }
        if (m.noise) assert.deepEqual(read, clean, context);
        // what the reader let through, the model reader and NP's options check next (as train --resume does)
        if (read.model) oneLineOrNothing(() => modelFromJson(read.model), context);
        oneLineOrNothing(() => new NeuronPursuit(read.options), context);
      }),
      params(RUNS),
    );
    t.diagnostic(`${RUNS} cases`);
  });
});

function oneLineOrNothing(f: () => unknown, context: string): void {
  try {
    f();
  } catch (err) {
    assertOneLine((err as Error).message, context);
  }
}

describe('fuzz: sweep files', () => {
  const quick = parseYaml(readFileSync(new URL('../../presets/paper-quick.yaml', import.meta.url), 'utf8')) as Json;
  const small: Json = {
    name: 'small',
    tasks: ['demo', { name: 'hypercube-f1', samples: [50], seeds: [3, 4], np: { lrs: [0.1], options: { depth: 3 } } }],
    samples: [40, 80],
    seeds: 2,
    algorithms: ['np', 'gd'],
    gd: { width: 4, maxSteps: 100 },
  };
  const isRecord = (path: JsonPath) => String(path.at(-1)) === 'options';
  const text = (value: Json, json: boolean) => (json ? JSON.stringify(value, null, 1) : toYaml(value));

  it('a mutated sweep file reads as the original (noise) or is one line naming the file and the field', (t) => {
    fc.assert(
      fc.property(fc.constantFrom(quick, small), fc.boolean(), fc.nat(), (base, json, pick) => {
        const source = json ? 'grid.json' : 'grid.yaml';
        const grid = expandGrid(parseSweepConfig(text(base, json), source));
        const m = fc.sample(mutation(base, isRecord), { numRuns: 1, seed: pick })[0]!;
        const context = `${m.kind} at ${m.path.join('.')}: ${text(m.value, true).slice(0, 300)}`;
        let config: ReturnType<typeof parseSweepConfig>;
        try {
          config = parseSweepConfig(text(m.value, json), source);
        } catch (err) {
          const message = (err as Error).message;
          assertOneLine(message, context);
          assert.ok(message.startsWith(`${source}: `), `${context}: ${message}`);
          if (/the grid has \d+ points/.test(message)) return;
          const field = namedField(message);
          assert.ok(field, `${context}: no field in '${message}'`);
          assert.ok(sameNeighbourhood(field, m.path), `${context}: '${message}'`);
          return;
        }
        const points = expandGrid(config);
        assert.ok(points.length <= MAX_GRID_POINTS);
        if (m.noise) assert.deepEqual(points, grid, context);
      }),
      params(RUNS),
    );
    t.diagnostic(`${RUNS} cases`);
  });

  it('a sweep file with one character dropped, doubled or inserted reads or is refused in one line', (t) => {
    fc.assert(
      fc.property(fc.constantFrom(quick, small), fc.boolean(), textEdit, (base, json, edit) => {
        const source = json ? 'grid.json' : 'grid.yaml';
        const edited = editText(text(base, json), edit);
        try {
          expandGrid(parseSweepConfig(edited, source));
        } catch (err) {
          const message = (err as Error).message;
          assertOneLine(message, JSON.stringify(edited));
          assert.ok(message.startsWith(`${source}: `), message);
        }
      }),
      params(RUNS),
    );
    t.diagnostic(`${RUNS} cases`);
  });
});

describe('fuzz regressions: inputs the fuzzing found', () => {
  it('a quoted cell holding a line break is quoted escaped, so the message stays one line', () => {
    assert.throws(
      () => parseCsv('a,b\n1,"2\n3"\n', 'f.csv'),
      (err: Error) =>
        err.message ===
        "f.csv line 2, column 'b': '2\\n3' is not a decimal number " +
          "(digits, an optional '.', an optional exponent, as in -1.5e-3)",
    );
  });

  it('0x10 is no number (JavaScript reads 16, NumPy refuses it)', () => {
    assert.throws(
      () => parseCsv('a,b\n1,0x10\n', 'f.csv'),
      /^CsvError: f\.csv line 2, column 'b': '0x10' is not a decimal/,
    );
  });

  it('a line after a CRLF in a file of LF line ends keeps its number', () => {
    assert.throws(() => parseCsv('a,b\n1,2\r\n3,x\n', 'f.csv'), /^CsvError: f\.csv line 3, column 'b'/);
  });

  it('a quote never closed is reported on the line where its record starts, not at the end of the file', () => {
    assert.throws(
      () => parseCsv('a,b\n"1\n2,3\n4,5\n', 'f.csv'),
      /^CsvError: f\.csv line 2: a quoted field is never closed/,
    );
  });

  it('a duplicate header name says its line and both columns', () => {
    assert.throws(
      () => parseCsv('x,y,x\n1,2,3\n', 'f.csv'),
      /^CsvError: f\.csv line 1, column 3: column 'x' appears twice in the header \(also column 1\)$/,
    );
  });

  it('a 100,000-column file is read and its columns picked in linear time (it took minutes)', {
    timeout: 60_000,
  }, () => {
    const columns = Array.from({ length: 100_000 }, (_, i) => `c${i}`);
    const t = parseCsv(`${columns.join(',')}\n${columns.map((_, i) => i % 7).join(',')}\n`, 'wide.csv');
    const { features } = selectColumns(t, { targets: ['c0'] }, 'wide.csv');
    const again = selectColumns(t, { features, targets: ['c0'] }, 'wide.csv');
    assert.equal(again.X.cols, 99_999);
    assert.throws(
      () => selectColumns(t, { features: features.slice(1), targets: ['c0'] }, 'wide.csv'),
      /column 'c1' not among the model's features \(c2, c3, .*… \(99998 in all\)\) or targets/,
    );
  });

  it('a target named twice is refused (train --target y --target y fitted y twice)', () => {
    const t = parseCsv('a,y\n1,2\n', 'd.csv');
    assert.throws(
      () => selectColumns(t, { targets: ['y', 'y'] }, 'd.csv'),
      /^CsvError: d\.csv: target column 'y' is named twice$/,
    );
  });

  it('a model naming a feature twice is refused (it would read one column twice)', () => {
    const model = JSON.parse(readFileSync(fixture('fuzz-model.json'), 'utf8'));
    assert.throws(
      () => modelFromJson({ ...model, features: ['x1', 'x2', 'x1'] }, 'm.json'),
      /^Error: invalid model file m\.json: features must name distinct columns \("x1" is there twice\)$/,
    );
    assert.throws(
      () => modelFromJson({ ...model, targets: 5 }, 'm.json'),
      /^Error: invalid model file m\.json: field 'targets': Invalid input: expected array, received number$/,
    );
  });

  it("a checkpoint's data source that matches neither kind names its closest field, not 'Invalid input'", () => {
    const base = baseCheckpoint() as Record<string, Json>;
    const source = { ...(base.source as Record<string, Json>), targets: [] };
    assert.throws(
      () => parseFile(checkpointSchema, { ...base, source }, 'c.json'),
      /^Error: c\.json: field 'source\.targets': Too small: expected array to have >=1 items$/,
    );
  });

  it('a task or activation name holding a line break is quoted escaped (the message was two lines)', () => {
    assert.throws(
      () => parseSweepConfig('name: x\ntasks: ["demo\\n"]\nsamples: [10]\nseeds: 1\nalgorithms: [np]\n', 's.yaml'),
      (err: Error) =>
        err.message ===
        "s.yaml: field 'tasks.0': unknown task 'demo\\n' (expected one of " +
          `${err.message.split('(expected one of ')[1]}`,
    );
    const model = JSON.parse(readFileSync(fixture('fuzz-model.json'), 'utf8'));
    assert.throws(
      () => modelFromJson({ ...model, activation: { ...model.activation, name: 'relu\n' } }, 'm.json'),
      /^Error: invalid model file m\.json: field 'activation': unknown activation 'relu\\n' \(expected/,
    );
  });

  it('formatCsv quotes a name with blanks at its ends, which reading would trim', () => {
    const text = formatCsv([' a', 'b\t'], matrix([[1, 2]]));
    assert.equal(text, '" a","b\t"\n1,2\n');
    assert.deepEqual(parseCsv(text, 'p.csv').columns, [' a', 'b\t']);
  });

  it('a sweep file whose seeds would make a grid of billions is refused before it is listed', () => {
    assert.throws(
      () => parseSweepConfig('name: x\ntasks: [demo]\nsamples: [10]\nseeds: 1000000000\nalgorithms: [np]\n', 's.yaml'),
      /^Error: s\.yaml: the grid has 1000000000 points, more than 1000000/,
    );
  });
});
