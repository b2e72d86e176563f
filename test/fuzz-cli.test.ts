/**
 * Property-based tests of the command line, end to end: generated CSV files for `predict` and `train --data`,
 * mutated checkpoints for `train --resume`, mutated sweep files, and random command lines, each run by spawning
 * the built CLI. The property: it succeeds with what the cleaned input gives, or exits non-zero with one line on
 * stderr naming the file and the place — never a stack trace, never a hang (each run has a time limit), never a
 * file left half-written or a folder changed by a run that failed. `NP_FUZZ_CLI_RUNS` cases each
 * (docs/fuzzing.md).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { exportCommand } from '../src/cli/export.js';
import { inspectCommand } from '../src/cli/inspect.js';
import { predictCommand } from '../src/cli/predict.js';
import { trainCommand } from '../src/cli/train.js';
import { checkpointFile } from '../src/io/checkpoint-format.js';
import { formatCsv, parseCsv, selectColumns, shown } from '../src/io/csv.js';
import { modelFromJson, modelToJson } from '../src/io/model-format.js';
import { fromRows } from '../src/linalg/matrix.js';
import { NeuronPursuit, type PursuitState } from '../src/pursuit/neuron-pursuit.js';
import {
  CLI_RUNS,
  type Json,
  type JsonPath,
  type NumericTable,
  cleanCsv,
  csvDefectChoice,
  csvWithDefect,
  mutation,
  noisyCsv,
  params,
  textEdit,
  editText,
} from './fuzz-inputs.js';
import { CLI } from './helpers.js';

const fixtureText = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');
const root = mkdtempSync(join(tmpdir(), 'np-fuzz-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
let caseCount = 0;

/** A fresh folder for one case, holding `files`. */
function caseDir(files: Record<string, string> = {}, copyFrom?: string): string {
  const dir = join(root, `case-${++caseCount}`);
  if (copyFrom) cpSync(copyFrom, dir, { recursive: true });
  else mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The CLI on `args` in `cwd`, killed after `seconds`. */
function run(args: string[], cwd: string, seconds = 90): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: seconds * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.signal === 'SIGKILL' };
}

/** Every file under `dir` (dot files too) with a hash of its bytes. */
function snapshot(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(join(dir, prefix))) {
    const path = join(prefix, name);
    if (statSync(join(dir, path)).isDirectory()) {
      files.set(`${path}/`, '');
      for (const [p, h] of snapshot(dir, path)) files.set(p, h);
    } else
      files.set(
        path,
        createHash('sha256')
          .update(readFileSync(join(dir, path)))
          .digest('hex'),
      );
  }
  return files;
}

const describeRun = (args: string[], r: Run) =>
  `neuron-pursuit ${args.map((a) => JSON.stringify(a)).join(' ')} → ${r.code}\n${r.stderr.slice(0, 2000)}`;

/** No stack trace, no hang, nothing on stderr but one-line messages (and hints). */
function assertClean(args: string[], r: Run): void {
  assert.ok(!r.timedOut, `no answer in time: ${describeRun(args, r)}`);
  assert.ok(r.code !== null, `killed by a signal: ${describeRun(args, r)}`);
  assert.doesNotMatch(r.stderr, /^\s+at |^[A-Za-z]*Error\b|FATAL|Aborted|node:internal/m, describeRun(args, r));
}

/** A failure: non-zero, exactly one line on stderr besides hints, the folder as it was before. */
function assertFailure(args: string[], r: Run, dir: string, before: Map<string, string>): string {
  assertClean(args, r);
  assert.notEqual(r.code, 0, `succeeded: ${describeRun(args, r)}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('hint: '));
  assert.equal(lines.length, 1, `not one line: ${describeRun(args, r)}`);
  assert.match(lines[0]!, /^neuron-pursuit: /, describeRun(args, r));
  assert.deepEqual(snapshot(dir), before, `the folder changed: ${describeRun(args, r)}`);
  return lines[0]!;
}

/** After a success: no temporary files left (atomic writes rename theirs). */
function assertNoLeftovers(dir: string, args: string[]): void {
  const temporary = [...snapshot(dir).keys()].filter((p) => /\.tmp-|\.neuron-pursuit-probe-/.test(p));
  assert.deepEqual(temporary, [], `left behind by neuron-pursuit ${args.join(' ')}`);
}

// ---------------------------------------------------------------------------------------------------------------

const MODEL = fixtureText('fuzz-model.json');
const model = modelFromJson(JSON.parse(MODEL));

/** Delimiters as predict and train take them: by file name, or --delimiter. */
const FILES = [
  { name: 'x.csv', delimiter: ',', flags: [] },
  { name: 'x.tsv', delimiter: '\t', flags: [] },
  { name: 'x.txt', delimiter: ';', flags: ['--delimiter', ';'] },
  { name: 'x.csv', delimiter: '|', flags: ['--delimiter', '|'] },
];

/** Inputs for the committed model: its three features in any order, maybe its target and an id column. */
const predictTable: fc.Arbitrary<NumericTable> = fc
  .tuple(fc.shuffledSubarray(['x1', 'x2', 'x3', 'y', 'id'], { minLength: 3 }), fc.integer({ min: 1, max: 6 }))
  .filter(([columns]) => ['x1', 'x2', 'x3'].every((c) => columns.includes(c)))
  .chain(([columns, rows]) =>
    fc.record({
      columns: fc.constant(columns),
      rows: fc.array(
        fc.array(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), {
          minLength: columns.length,
          maxLength: columns.length,
        }),
        { minLength: rows, maxLength: rows },
      ),
    }),
  );

describe('fuzz: the CLI on generated CSV files', () => {
  it('predict: a noisy file predicts as its plain spelling; a defect is one line naming file, line, column', (t) => {
    fc.assert(
      fc.property(
        predictTable,
        fc.constantFrom(...FILES),
        fc.option(csvDefectChoice, { freq: 2 }),
        fc.nat(),
        fc.boolean(),
        (table, file, defect, seed, toFile) => {
          const drop = table.columns.includes('id') ? ['--drop', 'id'] : [];
          const out = toFile ? ['--out', 'p.csv'] : [];
          const args = ['predict', '--model', 'model.json', '--data', file.name, ...file.flags, ...drop, ...out];
          if (defect === null) {
            const dir = caseDir({ 'model.json': MODEL, [file.name]: noisyCsv(table, file.delimiter, seed).text });
            const clean = parseCsv(cleanCsv(table, file.delimiter), 'clean', { delimiter: file.delimiter });
            const rule = { features: model.features!, targets: model.targets!, drop: drop.slice(1) };
            const expected = formatCsv(['y'], model.predict(selectColumns(clean, rule).X), file.delimiter);
            const r = run(args, dir);
            assertClean(args, r);
            assert.equal(r.code, 0, describeRun(args, r));
            assert.equal(toFile ? readFileSync(join(dir, 'p.csv'), 'utf8') : r.stdout, expected);
            assertNoLeftovers(dir, args);
            return;
          }
          const bad = csvWithDefect(table, file.delimiter, defect, shown);
          const dir = caseDir({ 'model.json': MODEL, [file.name]: bad.text });
          const line = assertFailure(args, run(args, dir), dir, snapshot(dir));
          const prefix = `neuron-pursuit: error: ${file.name} ${bad.place}: `;
          assert.ok(line.startsWith(prefix), `${bad.what}: '${line}' does not start '${prefix}'`);
          assert.match(line, bad.problem);
        },
      ),
      params(2 * CLI_RUNS),
    );
    t.diagnostic(`${2 * CLI_RUNS} cases`);
  });

  /** The training data of the train and resume cases: two features and a target, a few rows. */
  const TRAIN: NumericTable = {
    columns: ['x1', 'x2', 'y'],
    rows: Array.from({ length: 10 }, (_, i) => {
      const x1 = Math.round(100 * Math.sin(i + 1)) / 100,
        x2 = Math.round(100 * Math.cos(2 * i)) / 100;
      return [x1, x2, Math.max(0, x1 + x2)];
    }),
  };
  const CHEAP = ['--max-iterations', '1', '--restarts', '2', '--pga-steps', '30', '--gd-steps', '100'];
  const TRAIN_ARGS = ['train', '--data', 't.csv', '--target', 'y', ...CHEAP, '--quiet', '--json', '--out', 'run'];
  const withoutTime = (json: string) => {
    const { seconds: _s, ...rest } = JSON.parse(json);
    return rest;
  };

  it('train --data: a noisy file fits as its plain spelling; a defect is one line and leaves no run folder', (t) => {
    const reference = run([...TRAIN_ARGS, '--no-report'], caseDir({ 't.csv': cleanCsv(TRAIN, ',') }));
    assert.equal(reference.code, 0, reference.stderr);
    fc.assert(
      fc.property(fc.option(csvDefectChoice, { freq: 2 }), fc.nat(), (defect, seed) => {
        const args = [...TRAIN_ARGS, '--no-report'];
        if (defect === null) {
          const dir = caseDir({ 't.csv': noisyCsv(TRAIN, ',', seed).text });
          const r = run(args, dir);
          assertClean(args, r);
          assert.equal(r.code, 0, describeRun(args, r));
          assert.deepEqual(withoutTime(r.stdout), withoutTime(reference.stdout));
          assert.deepEqual(readdirSync(join(dir, 'run')).sort(), ['history.json', 'model.json', 'summary.json']);
          assertNoLeftovers(dir, args);
          return;
        }
        const bad = csvWithDefect(TRAIN, ',', defect, shown);
        const dir = caseDir({ 't.csv': bad.text });
        const line = assertFailure(args, run(args, dir), dir, snapshot(dir));
        assert.ok(line.startsWith(`neuron-pursuit: error: t.csv ${bad.place}: `), `${bad.what}: ${line}`);
        assert.match(line, bad.problem);
      }),
      params(CLI_RUNS),
    );
    t.diagnostic(`${CLI_RUNS} cases`);
  });

  /** A checkpoint after iteration 1 of a 2-iteration fit on TRAIN, as `train --out` writes it. */
  function trainCheckpoint(csv: string): Json {
    const X = fromRows(TRAIN.rows.map((r) => r.slice(0, 2))),
      Y = fromRows(TRAIN.rows.map((r) => r.slice(2)));
    const estimator = new NeuronPursuit({ maxIterations: 2, restarts: 2, pgaSteps: 30, gdSteps: 100, seed: 0 });
    let state: PursuitState | undefined;
    estimator.fit(X, Y, { onIteration: (s) => (state ??= s) });
    const checksum = createHash('sha256').update(csv).digest('hex');
    const source = { data: 't.csv', cwd: '.', targets: ['y'], drop: [], checksum };
    const model = { ...modelToJson(state!.network), features: ['x1', 'x2'], targets: ['y'] };
    return JSON.parse(
      JSON.stringify(
        checkpointFile({ source, options: estimator.options, seconds: 0.1, model, history: state!.history }),
      ),
    ) as Json;
  }
  /** Options whose larger values only make a fit longer (a mutation multiplying them is no input error). */
  const COSTLY = /^(maxIterations|restarts|pgaSteps|firstPgaSteps|gdSteps|maxShrinks|maxShrinksFirst|maxPath)$/;
  const timeless = (dir: string) =>
    JSON.stringify(JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')), (k, v) =>
      k === 'seconds' ? undefined : v,
    );

  it('train --resume: a mutated checkpoint resumes as the original (noise) or is one line, the folder kept', (t) => {
    const csv = cleanCsv(TRAIN, ',');
    const base = trainCheckpoint(csv);
    const referenceDir = caseDir({ 't.csv': csv });
    mkdirSync(join(referenceDir, 'run'));
    writeFileSync(join(referenceDir, 'run', 'checkpoint.json'), JSON.stringify(base));
    const args = ['train', '--resume', 'run', '--quiet', '--json', '--no-report'];
    const reference = run(args, referenceDir);
    assert.equal(reference.code, 0, reference.stderr);
    const referenceModel = readFileSync(join(referenceDir, 'run', 'model.json'), 'utf8');
    const isRecord = (path: JsonPath) => path.length === 1 && path[0] === 'options';
    fc.assert(
      fc.property(mutation(base, isRecord), (m) => {
        const [first, option] = m.path;
        const value = m.path.reduce<Json>((v, k) => (v as Record<string | number, Json>)?.[k] ?? null, m.value);
        fc.pre(!(first === 'options' && COSTLY.test(String(option)) && typeof value === 'number' && value > 50));
        const dir = caseDir({ 't.csv': csv });
        mkdirSync(join(dir, 'run'));
        writeFileSync(join(dir, 'run', 'checkpoint.json'), JSON.stringify(m.value));
        const before = snapshot(dir);
        const r = run(args, dir);
        assertClean(args, r);
        const context = `${m.kind} at ${m.path.join('.')}: ${describeRun(args, r)}`;
        if (r.code === 0) {
          assert.deepEqual(readdirSync(join(dir, 'run')).sort(), ['history.json', 'model.json', 'summary.json']);
          if (m.noise) {
            assert.equal(readFileSync(join(dir, 'run', 'model.json'), 'utf8'), referenceModel, context);
            assert.equal(timeless(join(dir, 'run')), timeless(join(referenceDir, 'run')), context);
          }
          return;
        }
        const line = assertFailure(args, r, dir, before);
        assert.match(line, /checkpoint\.json|t\.csv|: no such file|: EISDIR|: ENAMETOOLONG|is a folder/, context);
      }),
      params(CLI_RUNS),
    );
    t.diagnostic(`${CLI_RUNS} cases`);
  });

  it('sweep: a mutated sweep file is one line naming the file, or valid (refused only for --workers 0)', (t) => {
    const small: Json = {
      name: 'small',
      tasks: ['demo', { name: 'hypercube-f1', samples: [50], seeds: [3], np: { options: { depth: 3 } } }],
      samples: [40],
      seeds: 1,
      algorithms: ['np', 'gd'],
      gd: { width: 4, maxSteps: 100 },
    };
    const isRecord = (path: JsonPath) => String(path.at(-1)) === 'options';
    fc.assert(
      fc.property(mutation(small, isRecord), fc.boolean(), fc.option(textEdit), (m, json, edit) => {
        const name = json ? 'grid.json' : 'grid.yaml';
        const text = json ? JSON.stringify(m.value, null, 1) : toYaml(m.value);
        const dir = caseDir({ [name]: edit ? editText(text, edit) : text });
        const args = ['sweep', name, '--workers', '0', '--store', 's.sqlite', '--quiet'];
        const line = assertFailure(args, run(args, dir), dir, snapshot(dir));
        const valid = line === 'neuron-pursuit: error: --workers: 0 queues the grid, which needs a PostgreSQL store';
        assert.ok(valid || line.startsWith(`neuron-pursuit: error: ${name}: `), `${m.kind} at ${m.path}: ${line}`);
      }),
      params(CLI_RUNS),
    );
    t.diagnostic(`${CLI_RUNS} cases`);
  });
});

// ---------------------------------------------------------------------------------------------------------------

/** Each command's options as Commander knows them: the flag and whether it takes a value. */
function optionsOf(command: Command): { flag: string; value: boolean }[] {
  return command.options.map((o) => ({ flag: o.long ?? o.short!, value: o.required || o.optional }));
}

const COMMANDS: Record<string, { base: string[]; caps: string[]; options: { flag: string; value: boolean }[] }> = {
  'train-csv': {
    base: ['train', '--data', 'd.csv', '--target', 'y'],
    caps: [...['--max-iterations', '1', '--restarts', '2', '--pga-steps', '30', '--gd-steps', '100'], '--quiet'],
    options: optionsOf(trainCommand()),
  },
  'train-task': {
    base: ['train', '--task', 'demo'],
    caps: [
      ...['--samples', '30', '--test-samples', '20', '--max-iterations', '1', '--restarts', '2', '--pga-steps', '30'],
      ...['--gd-steps', '100', '--quiet'],
    ],
    options: optionsOf(trainCommand()),
  },
  'train-gd': {
    base: ['train', '--algorithm', 'gd', '--data', 'd.csv', '--target', 'y'],
    caps: ['--gd-steps', '100', '--width', '3', '--quiet'],
    options: optionsOf(trainCommand()),
  },
  predict: {
    base: ['predict', '--model', 'model.json', '--data', 'x.csv'],
    caps: [],
    options: optionsOf(predictCommand()),
  },
  export: {
    base: ['export', '--model', 'model.json', '--out', 'm.onnx'],
    caps: [],
    options: optionsOf(exportCommand()),
  },
  inspect: { base: ['inspect', 'run'], caps: [], options: optionsOf(inspectCommand()) },
  other: { base: ['--version'], caps: [], options: [{ flag: '--help', value: false }] },
};

/** Values a flag may be given: numbers of every kind, bad spellings, the files there are, paths that are not. */
const VALUES = [
  ...['0', '1', '2', '3', '-1', '0.5', '1e-9', '1e9', '-3', '1e400', 'NaN', 'Infinity', '0x10', '1_000', '+1', '.5'],
  ...['', ' ', 'abc', 'd.csv', 'x.csv', 'model.json', 'nope.csv', 'run', 'out', 'out/deeper', '/proc/np-nope', 'tab'],
  ...[';', '"', 'relu', 'custom', 'leaky-relu', 'demo', 'gd', 'np', 'paths', 'neurons', 'a\nb', 'é', '-', '--quiet'],
];
const ODD_TOKENS = ['--', '-', '---', '--=', '--lr=0x10', '-x', '--max-iter', '--out=', '--data=d.csv', 'extra', '\t'];

/** A command line: a working one for a command, changed by a few random edits, with the cost caps last. */
const commandLine = fc
  .tuple(
    fc.constantFrom(...Object.keys(COMMANDS)),
    fc.array(
      fc.record({
        how: fc.constantFrom('option', 'option', 'delete', 'replace', 'duplicate', 'swap', 'odd'),
        at: fc.nat(),
        pick: fc.nat(),
        value: fc.constantFrom(...VALUES),
        odd: fc.constantFrom(...ODD_TOKENS),
      }),
      { maxLength: 3 },
    ),
  )
  .map(([name, edits]) => {
    const { base, caps, options } = COMMANDS[name]!;
    const args = [...base];
    for (const e of edits) {
      const i = e.at % (args.length + 1);
      switch (e.how) {
        case 'option': {
          const o = options[e.pick % options.length]!;
          args.splice(i, 0, ...(o.value ? [o.flag, e.value] : [o.flag]));
          break;
        }
        case 'delete':
          args.splice(i, 1);
          break;
        case 'replace':
          args[Math.min(i, args.length - 1)] = e.value;
          break;
        case 'duplicate':
          args.splice(i, 0, ...args.slice(i, i + 2));
          break;
        case 'swap':
          if (i + 1 < args.length) [args[i], args[i + 1]] = [args[i + 1]!, args[i]!];
          break;
        default:
          args.splice(i, 0, e.odd);
      }
    }
    return [...args, ...caps];
  });

describe('fuzz: random command lines', () => {
  let setup: string;
  before(() => {
    setup = caseDir({
      'd.csv': cleanCsv({ columns: ['a', 'b', 'y'], rows: [1, 2, 3, 4, 5, 6].map((i) => [i, 7 - i, i % 3]) }, ','),
      'x.csv': 'x2,x1,x3\n1,2,3\n-4,5.5,6e-3\n',
      'model.json': MODEL,
    });
    const r = run(['train', '--data', 'd.csv', '--target', 'y', ...COMMANDS['train-csv']!.caps, '--out', 'run'], setup);
    assert.equal(r.code, 0, r.stderr);
  });

  it('end in success or one line, never a stack trace or a hang, and a failure writes nothing', (t) => {
    fc.assert(
      fc.property(commandLine, (args) => {
        const dir = caseDir({}, setup);
        const before = snapshot(dir);
        const r = run(args, dir);
        assertClean(args, r);
        if (r.code === 0) assertNoLeftovers(dir, args);
        else assertFailure(args, r, dir, before);
      }),
      params(2 * CLI_RUNS),
    );
    t.diagnostic(`${2 * CLI_RUNS} cases`);
  });
});

describe('fuzz regressions: command lines the fuzzing found', () => {
  it('no command at all is one line (Commander printed its whole help to stderr)', () => {
    const dir = caseDir();
    const line = assertFailure([], run([], dir), dir, snapshot(dir));
    assert.match(line, /^neuron-pursuit: error: no command given \(train, predict, .*\); neuron-pursuit --help says/);
  });

  it('--depth 1e9 is refused in one line (it crashed Node with an out-of-memory stack dump)', () => {
    const dir = caseDir({ 'd.csv': cleanCsv({ columns: ['a', 'y'], rows: [[1, 2]] }, ',') });
    const args = ['train', '--data', 'd.csv', '--target', 'y', '--depth', '1e9'];
    const line = assertFailure(args, run(args, dir), dir, snapshot(dir));
    assert.equal(line, 'neuron-pursuit: error: --depth: Too big: expected number to be <=10000');
  });

  it('a fit refused at once (a target of zeros) leaves the run that --force would replace', () => {
    const dir = caseDir({ 'zeros.csv': 'a,y\n1,0\n2,0\n' });
    mkdirSync(join(dir, 'run'));
    for (const file of ['history.json', 'model.json', 'summary.json']) writeFileSync(join(dir, 'run', file), '{}');
    const args = ['train', '--data', 'zeros.csv', '--target', 'y', '--out', 'run', '--force'];
    const line = assertFailure(args, run(args, dir), dir, snapshot(dir));
    assert.equal(line, 'neuron-pursuit: error: the target is zero everywhere: there is nothing to learn');
    assert.ok(existsSync(join(dir, 'run', 'model.json')));
  });

  it('predictions that overflow float64 are refused with their line, not written as Infinity', () => {
    // x2's scale is 0.5: 1.5e308 standardizes to 3e308, beyond float64
    const dir = caseDir({ 'model.json': MODEL, 'x.csv': 'x1,x2,x3\n1,2,3\n1,1.5e308,1\n' });
    const args = ['predict', '--model', 'model.json', '--data', 'x.csv', '--out', 'p.csv'];
    const line = assertFailure(args, run(args, dir), dir, snapshot(dir));
    assert.match(
      line,
      /^neuron-pursuit: error: x\.csv line 3: the prediction is (NaN|-?Infinity) \(it overflows float64/,
    );
  });

  it('train refuses numbers whose squares overflow, and targets whose squares underflow, naming the place', () => {
    const dir = caseDir({ 'big.csv': 'a,y\n1,2\n3,4e200\n', 'tiny.csv': 'a,y\n1,3e-300\n2,-1e-290\n' });
    const big = ['train', '--data', 'big.csv', '--target', 'y'];
    assert.match(
      assertFailure(big, run(big, dir), dir, snapshot(dir)),
      /^neuron-pursuit: error: big\.csv line 3, column 'y': 4e\+200 is too large to fit/,
    );
    const tiny = ['train', '--data', 'tiny.csv', '--target', 'y'];
    assert.match(
      assertFailure(tiny, run(tiny, dir), dir, snapshot(dir)),
      /^neuron-pursuit: error: tiny\.csv: column 'y': its values \(up to 1e-290\) are too small to fit/,
    );
  });
});
