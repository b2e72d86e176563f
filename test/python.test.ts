/**
 * The Python loader (python/neuron_pursuit/model.py, and `python3 -m neuron_pursuit`) predicts what `neuron-pursuit
 * predict` predicts, to 1e-12, on the same model and data files: every activation, depths 2–4, 1 and 23 outputs,
 * columns read by name, the preprocessing; and so does its torch.nn.Module when PyTorch imports. Python and NumPy
 * are Debian's (scripts/install-python.sh).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatCsv, parseCsv } from '../src/io/csv.js';
import { type ModelColumns, type ModelPreprocessing, modelToJson } from '../src/io/model-format.js';
import { Rng } from '../src/linalg/rng.js';
import { EXPORT_ACTIVATIONS, gaussianMatrix, maxRelativeDifference, randomNetwork, runCli } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const PYTHON_PATH = fileURLToPath(new URL('../../python', import.meta.url));
const torchImports = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

// No python/neuron_pursuit/__pycache__ left in the checkout.
const env = { ...process.env, PYTHONPATH: PYTHON_PATH, PYTHONDONTWRITEBYTECODE: '1' };

function python(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, ['-m', 'neuron_pursuit', ...args], { cwd, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The loader's command line run once per argument list, in one Python process (NumPy and torch load once). */
function pythonRuns(runs: string[][], cwd: string): void {
  const driver = [
    'import json, sys',
    'import neuron_pursuit',
    'print(json.dumps([neuron_pursuit.main(args) for args in json.loads(sys.argv[1])]))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', driver, JSON.stringify(runs)], { cwd, encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    JSON.parse(r.stdout),
    runs.map(() => 0),
    r.stderr,
  );
}

/** Model files with their data file: named columns (read from a CSV that shuffles them and has one more) or not. */
function workspace(): { dir: string; cases: { model: string; data: string }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'np-python-'));
  const rng = new Rng(0, 'test/python');
  const X = gaussianMatrix(100, 6, rng.fork('inputs'));
  // named.csv: the features a…e shuffled, and a column no model reads; plain.csv: five unnamed features.
  writeFileSync(join(dir, 'named.csv'), formatCsv(['e', 'unused', 'a', 'c', 'b', 'd'], X));
  const plain = { rows: X.rows, cols: 5, data: X.data.filter((_, i) => i % 6 !== 1) };
  writeFileSync(join(dir, 'plain.csv'), formatCsv(['c1', 'c2', 'c3', 'c4', 'c5'], plain));
  const named = (outputs: number): ModelColumns => ({
    features: ['a', 'b', 'c', 'd', 'e'],
    targets: Array.from({ length: outputs }, (_, k) => `t${k}`),
  });
  const cases: { model: string; data: string }[] = [];
  const add = (name: string, widths: number[], i: number, columns?: ModelColumns, pre?: ModelPreprocessing) => {
    const network = randomNetwork(widths, EXPORT_ACTIVATIONS[i]!, rng.fork(name));
    writeFileSync(join(dir, name), JSON.stringify(modelToJson(network, columns, pre)));
    cases.push({ model: name, data: columns ? 'named.csv' : 'plain.csv' });
  };
  for (const [i] of EXPORT_ACTIVATIONS.entries()) {
    const outputs = i % 2 === 0 ? 1 : 23;
    const widths = [5, 7, 6, 4].slice(0, 2 + (i % 3)).concat(outputs);
    add(`model-${i}.json`, widths, i, i % 3 === 1 ? undefined : named(outputs));
  }
  const full = { intercept: true, featureMean: [0, 1, -1, 2, 0.5], featureScale: [1, 2, 0.5, 3, 1], targetMean: [4] };
  add('preprocessed.json', [6, 5, 3, 1], 0, named(1), { ...full, targetScale: [0.25] });
  add('intercept.json', [6, 5, 23], 2, undefined, { intercept: true });
  return { dir, cases };
}

/** The predictions of two CSV files agree: the same columns, every value to 1e-12 of the largest. */
function assertSamePredictions(dir: string, ours: string, theirs: string, what: string): number {
  const a = parseCsv(readFileSync(join(dir, ours), 'utf8'), ours);
  const b = parseCsv(readFileSync(join(dir, theirs), 'utf8'), theirs);
  assert.deepEqual(b.columns, a.columns, what);
  assert.equal(b.rows.length, a.rows.length, what);
  const flat = (rows: Float64Array[]) => rows.flatMap((r) => Array.from(r));
  const difference = maxRelativeDifference(flat(b.rows), flat(a.rows));
  assert.ok(difference <= 1e-12, `${what}: ${difference}`);
  return difference;
}

describe('the Python loader', () => {
  const { dir, cases } = workspace();

  it('predicts with NumPy what neuron-pursuit predict does, on the same files', (t) => {
    for (const { model, data } of cases) {
      const drop = data === 'named.csv' ? ['--drop', 'unused'] : [];
      const ours = runCli(['predict', '--model', model, '--data', data, ...drop, '--out', `${model}.ts.csv`], dir);
      assert.equal(ours.code, 0, ours.stderr);
    }
    pythonRuns(
      cases.map(({ model, data }) => [
        ...['--model', model, '--data', data, '--out', `${model}.py.csv`],
        ...(data === 'named.csv' ? ['--drop', 'unused'] : []),
      ]),
      dir,
    );
    const worst = Math.max(
      ...cases.map(({ model }) => assertSamePredictions(dir, `${model}.ts.csv`, `${model}.py.csv`, model)),
    );
    t.diagnostic(`max |difference| / max |predict|: ${worst.toExponential(2)}`);
  });

  it('builds a torch.nn.Module that predicts the same', { skip: !torchImports && 'PyTorch does not import' }, (t) => {
    pythonRuns(
      cases.map(({ model, data }) => [
        ...['--model', model, '--data', data, '--torch', '--out', `${model}.torch.csv`],
        ...(data === 'named.csv' ? ['--drop', 'unused'] : []),
      ]),
      dir,
    );
    const worst = Math.max(
      ...cases.map(({ model }) =>
        assertSamePredictions(dir, `${model}.ts.csv`, `${model}.torch.csv`, `${model} (torch)`),
      ),
    );
    t.diagnostic(`max |difference| / max |predict|: ${worst.toExponential(2)}`);
  });

  it('refuses a model file it cannot read, or columns it would mix up, in one line and with exit code 1', () => {
    writeFileSync(join(dir, 'newer.json'), JSON.stringify({ format: 'neuron-pursuit-model', version: 3 }));
    writeFileSync(
      join(dir, 'short.json'),
      JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'model-0.json'), 'utf8')), layers: [[1]] }),
    );
    for (const [model, message] of [
      ['newer.json', /format version 3 is not supported/],
      ['short.json', /expected 2 layers/],
      ['missing.json', /missing.json: No such file/],
      // the column rule of `predict`: a column the model never saw needs --drop
      ['model-0.json', /column\(s\) unused not among the model's features or targets; to ignore them, pass --drop/],
    ] as const) {
      const r = python(['--model', model, '--data', 'named.csv'], dir);
      assert.equal(r.code, 1, model);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
