/**
 * The scikit-learn estimators of python/neuron_pursuit: scikit-learn's own check_estimator, and what users do with
 * them — cross_val_score on a CSV read with pandas, a Pipeline, GridSearchCV, a DataFrame whose columns the saved
 * model keeps and whose predictions `neuron-pursuit predict` repeats to 1e-12 — and the command's errors, or its
 * absence, as Python exceptions. Python, scikit-learn and pandas are Debian's (scripts/install-python.sh).
 *
 * check_estimator fits ~40 times per estimator, and at NP's defaults a fit on its small random data runs to the
 * 31-iteration cap (seconds each). Here the regressor is checked as constructed, `NeuronPursuitRegressor()` (about
 * 4 minutes of CPU), and the classifier with 3 iterations and small PGA and GD budgets: at its defaults one check
 * alone (check_classifiers_train, whose blobs touch, so no fit reaches zero mistakes) costs 25 minutes of CPU over
 * its three variants. `npm run test:sklearn` runs both as constructed (NEURON_PURSUIT_SKLEARN_DEFAULTS=1).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../src/io/csv.js';
import { CLI, maxRelativeDifference, runCli } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const PYTHON_PATH = fileURLToPath(new URL('../../python', import.meta.url));
const DEFAULTS = process.env.NEURON_PURSUIT_SKLEARN_DEFAULTS === '1';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A Python program run with python/ on the path (no __pycache__ left in the checkout). */
function python(code: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', code, ...args], {
      cwd,
      env: { PYTHONPATH: PYTHON_PATH, ...env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ code: status, stdout, stderr }));
  });
}

/** The JSON a program printed last, after it exited 0. */
async function pythonJson<T>(code: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<T> {
  const r = await python(code, args, cwd, env);
  assert.equal(r.code, 0, `python exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

const dir = mkdtempSync(join(tmpdir(), 'np-sklearn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// data.csv: an id column and y = max(x1, x2), which a ReLU network without biases represents exactly; 150 rows.
const rows = ['id,x1,x2,y'];
for (let i = 0; i < 150; i++) {
  const a = Math.sin(i),
    b = Math.cos(7 * i);
  rows.push([i, a, b, Math.max(a, b)].map((v) => +v.toFixed(4)).join(','));
}
writeFileSync(join(dir, 'data.csv'), `${rows.join('\n')}\n`);

const READ_DATA = `
import json
import pandas as pd
data = pd.read_csv("data.csv")
X, y = data[["x1", "x2"]], data["y"]
`;

/** scikit-learn's checks, each run and reported: passed, skipped (an _xfail_checks entry) or failed. */
const CHECK_ESTIMATOR = `
import json, sys, unittest, warnings
from sklearn.utils.estimator_checks import check_estimator
import neuron_pursuit

estimator = getattr(neuron_pursuit, sys.argv[1])(**json.loads(sys.argv[2]))
report = {"passed": [], "skipped": [], "failed": []}
for instance, check in check_estimator(estimator, generate_only=True):
    name = getattr(check, "func", check).__name__
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check(instance)
    except unittest.SkipTest as skip:
        report["skipped"].append(str(skip))
    except Exception as err:
        report["failed"].append(f"{name}: {type(err).__name__}: {err}")
    else:
        report["passed"].append(name)
print(json.dumps(report))
`;

/** Small budgets, so that each of check_estimator's fits takes well under a second (the command's start). */
const QUICK = { max_iterations: 3, restarts: 5, pga_steps: 500, gd_steps: 5000 };

describe('the scikit-learn estimators', () => {
  const classifierSettings = DEFAULTS ? {} : QUICK;
  it(`pass scikit-learn's check_estimator (the classifier ${DEFAULTS ? 'at its defaults' : 'quick'})`, async (t) => {
    const estimators = ['NeuronPursuitRegressor', 'NeuronPursuitClassifier'];
    const settings = [{}, classifierSettings].map((s) => JSON.stringify(s));
    // The two suites at once: each is one process per fit, mostly waiting on the command.
    const reports = await Promise.all(
      estimators.map((name, i) =>
        pythonJson<{ passed: string[]; skipped: string[]; failed: string[] }>(
          CHECK_ESTIMATOR,
          [name, settings[i]!],
          dir,
        ),
      ),
    );
    for (const [i, report] of reports.entries()) {
      assert.deepEqual(report.failed, [], estimators[i]);
      // Every check applies: the estimators list no _xfail_checks.
      assert.deepEqual(report.skipped, [], estimators[i]);
      assert.ok(report.passed.length >= 40, `${estimators[i]}: only ${report.passed.length} checks ran`);
      t.diagnostic(`${estimators[i]}: ${report.passed.length} checks passed`);
    }
  });

  it('run in cross_val_score on a CSV file read with pandas', async () => {
    const scores = await pythonJson<number[]>(
      `${READ_DATA}
from sklearn.model_selection import cross_val_score
from neuron_pursuit import NeuronPursuitRegressor
print(json.dumps(list(cross_val_score(NeuronPursuitRegressor(max_iterations=5), X, y, cv=3))))`,
      [],
      dir,
    );
    assert.equal(scores.length, 3);
    // R² on each held-out third: y = max(x1, x2) is a network of two neurons.
    for (const score of scores) assert.ok(score > 0.99, `R² ${scores.join(', ')}`);
  });

  it('run in a Pipeline after a StandardScaler', async () => {
    const r = await pythonJson<{ score: number; widths: number[] }>(
      `${READ_DATA}
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from neuron_pursuit import NeuronPursuitRegressor
# Scaled inputs shift max(x1, x2) off the origin: the intercept gives the network its bias.
pipeline = make_pipeline(StandardScaler(), NeuronPursuitRegressor(max_iterations=6, intercept=True))
pipeline.fit(X[:100], y[:100])
print(json.dumps({"score": pipeline.score(X[100:], y[100:]), "widths": pipeline[-1].widths_}))`,
      [],
      dir,
    );
    assert.ok(r.score > 0.99, `held-out R² ${r.score}`);
    assert.equal(r.widths.length, 2); // depth 3: two hidden layers
  });

  it('are tuned by GridSearchCV', async () => {
    const r = await pythonJson<{ best: Record<string, number>; scores: number[] }>(
      `${READ_DATA}
from sklearn.model_selection import GridSearchCV
from neuron_pursuit import NeuronPursuitRegressor
search = GridSearchCV(NeuronPursuitRegressor(), {"max_iterations": [1, 5]}, cv=2).fit(X, y)
print(json.dumps({"best": search.best_params_, "scores": list(search.cv_results_["mean_test_score"])}))`,
      [],
      dir,
    );
    // One neuron is a ridge, not the max of two: more iterations score better on held-out data.
    assert.deepEqual(r.best, { max_iterations: 5 });
    assert.ok(r.scores[1]! > r.scores[0]!, r.scores.join(', '));
  });

  it('fit a DataFrame: its columns go into model.json, and predict agrees with neuron-pursuit predict', async () => {
    const r = await pythonJson<{ names: string[]; n_iter: number; history: number }>(
      `${READ_DATA}
import numpy as np
from neuron_pursuit import NeuronPursuitRegressor
data["y"] = data["y"] * 3 + 5  # an offset and a scale: the intercept and standardization, carried by the model
train, test = data[:100], data[100:]
model = NeuronPursuitRegressor(max_iterations=4, intercept=True, standardize=True, random_state=3)
model.fit(train[["x1", "x2"]], train["y"])
model.model_.save("fitted.json")
test.to_csv("test.csv", index=False)
np.savetxt("python.csv", model.predict(test[["x1", "x2"]]), fmt="%.17g", header="y", comments="")
print(json.dumps({"names": list(model.feature_names_in_), "n_iter": model.n_iter_, "history": len(model.history_)}))`,
      [],
      dir,
    );
    assert.deepEqual(r.names, ['x1', 'x2']);
    assert.equal(r.history, r.n_iter);
    const model = JSON.parse(readFileSync(join(dir, 'fitted.json'), 'utf8'));
    assert.deepEqual([model.features, model.targets], [['x1', 'x2'], ['y']]);
    assert.equal(model.preprocessing.intercept, true);
    const cli = runCli(
      ['predict', '--model', 'fitted.json', '--data', 'test.csv', '--drop', 'id', '--out', 'cli.csv'],
      dir,
    );
    assert.equal(cli.code, 0, cli.stderr);
    const ours = parseCsv(readFileSync(join(dir, 'cli.csv'), 'utf8')).rows.map((row) => row[0]!);
    const theirs = parseCsv(readFileSync(join(dir, 'python.csv'), 'utf8')).rows.map((row) => row[0]!);
    assert.equal(theirs.length, 50);
    assert.ok(maxRelativeDifference(theirs, ours) <= 1e-12, `${maxRelativeDifference(theirs, ours)}`);
  });

  it('raise the command’s one-line error: a refused setting as a ValueError naming the parameter', async () => {
    const r = await pythonJson<{ types: string[]; message: string }>(
      `${READ_DATA}
from neuron_pursuit import NeuronPursuitError, NeuronPursuitRegressor
try:
    NeuronPursuitRegressor(max_iterations=0).fit(X, y)
except NeuronPursuitError as err:
    print(json.dumps({"types": [c.__name__ for c in type(err).__mro__], "message": str(err)}))`,
      [],
      dir,
    );
    assert.ok(r.types.includes('ValueError') && r.types.includes('RuntimeError'), r.types.join(', '));
    assert.equal(
      r.message,
      "neuron-pursuit: error: option '--max-iterations <K>' argument '0' is invalid. '0' must be at least 1. " +
        '(from the parameter max_iterations=0)',
    );
  });

  it('find the command (NEURON_PURSUIT_BIN, the package, npx) or say what they tried', async () => {
    // A copy of the Python package with no built package beside it; PATH from folders of stand-in commands.
    const lone = join(dir, 'lone');
    cpSync(join(PYTHON_PATH, 'neuron_pursuit'), join(lone, 'python', 'neuron_pursuit'), { recursive: true });
    const command = (folder: string, name: string, body: string) => {
      mkdirSync(join(dir, folder), { recursive: true });
      writeFileSync(join(dir, folder, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, folder, name), 0o755);
      return join(dir, folder, name);
    };
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const failing = command(
      'bin',
      'failing',
      'echo "hint: x" >&2; echo "neuron-pursuit: error: disk full" >&2; exit 1',
    );
    // npx comes last, with --no-install (it never downloads): one that finds no package, one that runs this build.
    command('no-package', 'npx', 'echo "npm error could not determine executable to run" >&2; exit 1');
    const run = `exec '${process.execPath}' '${CLI}' "$@"`;
    command('package', 'npx', `[ "$1" = --no-install ] && [ "$2" = neuron-pursuit ] || exit 9\nshift 2\n${run}`);
    const node = dirname(process.execPath);
    const cases: [env: Record<string, string>, expected: Record<string, unknown>][] = [
      [
        { PATH: empty },
        {
          error:
            'cannot find the neuron-pursuit command: NEURON_PURSUIT_BIN is not set; ' +
            `${join(lone, 'dist/src/cli/main.js')} does not exist (run \`npm run build\` in the package); ` +
            'npx is not on PATH. Install the npm package (npm install neuron-pursuit) ' +
            'or set NEURON_PURSUIT_BIN to its command',
        },
      ],
      [
        { PATH: join(dir, 'no-package') },
        { error: /`npx --no-install neuron-pursuit --version` failed: npm error could/ },
      ],
      [
        { PATH: empty, NEURON_PURSUIT_BIN: join(dir, 'nowhere') },
        { error: `NEURON_PURSUIT_BIN=${join(dir, 'nowhere')}: no such file` },
      ],
      [
        { PATH: empty, NEURON_PURSUIT_BIN: CLI },
        { error: `NEURON_PURSUIT_BIN=${CLI} is a script, and node is not on PATH` },
      ],
      // the command's own error, not a setting's: a NeuronPursuitError that is no ValueError
      [
        { PATH: empty, NEURON_PURSUIT_BIN: failing },
        { error: 'neuron-pursuit: error: disk full', valueError: false },
      ],
      [{ PATH: node, NEURON_PURSUIT_BIN: CLI }, { fitted: true }],
      [{ PATH: join(dir, 'package') }, { fitted: true }],
    ];
    // One process: the command is looked up again whenever NEURON_PURSUIT_BIN or PATH changes.
    const results = await pythonJson<Record<string, unknown>[]>(
      `
import json, os, sys
import numpy as np
from neuron_pursuit import NeuronPursuitError, NeuronPursuitRegressor
X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.2]])
results = []
for env in json.loads(sys.argv[1]):
    os.environ.pop("NEURON_PURSUIT_BIN", None)
    os.environ.update(env)
    try:
        NeuronPursuitRegressor(max_iterations=1).fit(X, X.max(axis=1))
        results.append({"fitted": True})
    except NeuronPursuitError as err:
        results.append({"error": str(err), "valueError": isinstance(err, ValueError)})
print(json.dumps(results))`,
      [JSON.stringify(cases.map(([env]) => env))],
      dir,
      { PYTHONPATH: join(lone, 'python') },
    );
    for (const [i, [env, expected]] of cases.entries()) {
      const got = results[i]!;
      for (const [key, value] of Object.entries(expected)) {
        if (value instanceof RegExp) assert.match(String(got[key]), value, JSON.stringify(env));
        else assert.equal(got[key], value, JSON.stringify(env));
      }
    }
  });
});
