import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from './helpers.js';

const run = runCli;

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'np-cli-'));
  // a small learnable data set: y = relu(x1 + x2)
  const rows = ['x1,x2,x3,y'];
  for (let i = 0; i < 60; i++) {
    const x = [Math.sin(i), Math.cos(3 * i), Math.sin(7 * i + 1)];
    rows.push([...x, Math.max(0, x[0]! + x[1]!)].join(','));
  }
  writeFileSync(join(dir, 'train.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'test.csv'), `${rows.slice(0, 21).join('\n')}\n`);
  return dir;
}

const FAST = ['--restarts', '5', '--pga-steps', '200', '--gd-steps', '2000', '--max-iterations', '3', '--quiet'];

describe('CLI', () => {
  it('trains on CSV data, writes the run folder, and predicts with the saved model', () => {
    const dir = workspace();
    const r = run(
      ['train', '--data', 'train.csv', '--test', 'test.csv', '--target', 'y', '--out', 'run', '--json', ...FAST],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    for (const key of ['iterations', 'stopReason', 'trainError', 'testError', 'widths', 'seconds'])
      assert.ok(key in summary, key);
    assert.deepEqual(readdirSync(join(dir, 'run')).sort(), [
      'errors.png',
      'errors.svg',
      'history.json',
      'loss.png',
      'loss.svg',
      'model.json',
      'report.html',
      'summary.json',
      'weights-layer1.png',
      'weights-layer1.svg',
      'weights-layer2.png',
      'weights-layer2.svg',
      'weights-layer3.png',
      'weights-layer3.svg',
      'widths.png',
      'widths.svg',
    ]);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'run/summary.json'), 'utf8')), summary);
    const history = JSON.parse(readFileSync(join(dir, 'run/history.json'), 'utf8'));
    assert.equal(history.history.length, summary.iterations);

    const p = run(['predict', '--model', 'run/model.json', '--data', 'test.csv', '--out', 'pred.csv'], dir);
    assert.equal(p.code, 0, p.stderr);
    const lines = readFileSync(join(dir, 'pred.csv'), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'y');
    assert.equal(lines.length, 21);
    // the predictions reproduce the recorded test error
    const truth = readFileSync(join(dir, 'test.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[3]));
    const pred = lines.slice(1).map(Number);
    const err = pred.reduce((s, v, i) => s + (v - truth[i]!) ** 2, 0) / truth.reduce((s, v) => s + v * v, 0);
    assert.ok(Math.abs(err - summary.testError) <= 1e-9 * Math.max(err, 1e-12));
  });

  it('matches columns by name: train drops an id, predict reads the features wherever they stand', () => {
    const dir = workspace();
    // train.csv with an id column in front
    const lines = readFileSync(join(dir, 'train.csv'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'ids.csv'), `${lines.map((l, i) => `${i === 0 ? 'id' : 1000 + i},${l}`).join('\n')}\n`);
    const t = run(['train', '--data', 'ids.csv', '--target', 'y', '--drop', 'id', '--out', 'run', ...FAST], dir);
    assert.equal(t.code, 0, t.stderr);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'run/model.json'), 'utf8')).features, ['x1', 'x2', 'x3']);
    const predict = (file: string, ...extra: string[]) =>
      run(['predict', '--model', 'run/model.json', '--data', file, ...extra], dir);
    const plain = predict('train.csv');
    assert.equal(plain.code, 0, plain.stderr);
    // the same points with the columns shuffled and the id kept: the same predictions, bit for bit
    const shuffled = lines.map((l, i) => {
      const [x1, x2, x3, y] = l.split(',');
      return [i === 0 ? 'id' : String(i), y, x3, x1, x2].join(',');
    });
    writeFileSync(join(dir, 'shuffled.csv'), `${shuffled.join('\n')}\n`);
    const same = predict('shuffled.csv', '--drop', 'id');
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stdout, plain.stdout);

    const failures: [string, string, RegExp][] = [
      ['x1,x2,y\n1,2,3\n', 'missing.csv', /missing\.csv: feature column 'x3' missing; the model reads x1, x2, x3/],
      ['x1,x2,x33,y\n1,2,3,4\n', 'typo.csv', /typo\.csv: feature column 'x3' missing/],
      ['x1,x2,x3,x4\n1,2,3,4\n', 'extra.csv', /extra\.csv: column 'x4' not among the model's features/],
    ];
    for (const [text, file, message] of failures) {
      writeFileSync(join(dir, file), text);
      const r = predict(file, '--out', 'pred.csv');
      assert.notEqual(r.code, 0, file);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(existsSync(join(dir, 'pred.csv')), false);
    }
    assert.equal(predict('extra.csv', '--drop', 'x4').code, 0);
  });

  it('--intercept --standardize fit an offset target; predict undoes the scaling; a hint when they are off', () => {
    const dir = workspace();
    const shift = (file: string) => {
      const [header, ...rows] = readFileSync(join(dir, file), 'utf8').trim().split('\n');
      const shifted = rows.map((l) => l.replace(/[^,]+$/, (y) => String(Number(y) + 5)));
      writeFileSync(join(dir, `shifted-${file}`), `${[header, ...shifted].join('\n')}\n`);
    };
    shift('train.csv');
    shift('test.csv');
    const data = ['--data', 'shifted-train.csv', '--test', 'shifted-test.csv', '--target', 'y'];
    const plain = run(['train', ...data, ...FAST, '--max-iterations', '1', '--json'], dir);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(
      plain.stderr,
      /^hint: target 'y' has mean 5\.\d+ against a spread of 0\.\d+, .*--intercept --standardize/,
    );
    assert.equal(plain.stderr.trim().split('\n').length, 1);
    const r = run(['train', ...data, ...FAST, '--intercept', '--standardize', '--out', 'run', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const summary = JSON.parse(r.stdout);
    assert.ok(summary.trainError < 1e-3, `training error ${summary.trainError}`);
    const model = JSON.parse(readFileSync(join(dir, 'run/model.json'), 'utf8'));
    assert.equal(model.version, 2);
    assert.deepEqual([model.widths[0], model.preprocessing.intercept], [4, true]);
    const p = run(['predict', '--model', 'run/model.json', '--data', 'shifted-test.csv'], dir);
    assert.equal(p.code, 0, p.stderr);
    // predictions are in the raw units: on the standardized scale they give the recorded test error
    const [mean, scale] = [model.preprocessing.targetMean[0], model.preprocessing.targetScale[0]];
    const truth = readFileSync(join(dir, 'shifted-test.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => (Number(l.split(',')[3]) - mean) / scale);
    const pred = p.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((v) => (Number(v) - mean) / scale);
    const err = pred.reduce((s, v, i) => s + (v - truth[i]!) ** 2, 0) / truth.reduce((s, v) => s + v * v, 0);
    assert.ok(Math.abs(err - summary.testError) <= 1e-9 * err, `${err} against ${summary.testError}`);
  });

  it('reads TSV files and a chosen delimiter', () => {
    const dir = workspace();
    const text = readFileSync(join(dir, 'train.csv'), 'utf8');
    writeFileSync(join(dir, 'train.tsv'), text.replace(/,/g, '\t'));
    writeFileSync(join(dir, 'train.txt'), text.replace(/,/g, ';'));
    const csv = run(['train', '--data', 'train.csv', '--target', 'y', '--json', ...FAST], dir);
    const tsv = run(['train', '--data', 'train.tsv', '--target', 'y', '--json', ...FAST], dir);
    const semi = run(['train', '--data', 'train.txt', '--delimiter', ';', '--target', 'y', '--json', ...FAST], dir);
    for (const r of [csv, tsv, semi]) assert.equal(r.code, 0, r.stderr);
    const errors = [csv, tsv, semi].map((r) => JSON.parse(r.stdout).trainError);
    assert.deepEqual(errors, [errors[0], errors[0], errors[0]]);
  });

  it('prints the iteration table and the errors for a task', () => {
    const dir = workspace();
    const r = run(['train', '--task', 'demo', '--samples', '200', '--test-samples', '500', ...FAST], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /iter\s+layer\s+NCF/);
    assert.match(r.stdout, /test error: \d/);
    // the demo run's report walks through the iterations (paper Fig 6)
    const w = run(
      ['train', '--task', 'demo', '--samples', '200', '--test-samples', '500', '--out', 'demo', ...FAST],
      dir,
    );
    assert.equal(w.code, 0, w.stderr);
    const files = readdirSync(join(dir, 'demo'));
    for (const f of ['walkthrough-kkt.svg', 'walkthrough-weights.png', 'walkthrough-function.svg', 'function.svg'])
      assert.ok(files.includes(f), f);
    assert.match(readFileSync(join(dir, 'demo/report.html'), 'utf8'), /Walk-through, dominant KKT vectors/);
  });

  /** Writes `text` as bad.csv in `dir` and returns the arguments that read it. */
  const badCsv = (dir: string, text: string, args = ['--data', 'bad.csv', '--target', 'y']) => {
    writeFileSync(join(dir, 'bad.csv'), text);
    return args;
  };
  const bad: [string, (dir: string) => string[], RegExp][] = [
    ['a ragged CSV row', (d) => badCsv(d, 'a,y\n1,2\n3\n'), /line 3: expected 2 cells/],
    ['a non-numeric cell', (d) => badCsv(d, 'a,y\n1,two\n'), /'two' is not a decimal number/],
    ['a NaN cell', (d) => badCsv(d, 'a,y\nNaN,2\n'), /'NaN' is not a finite number/],
    ['an infinite cell', (d) => badCsv(d, 'a,y\n1,-Infinity\n'), /'-Infinity' is not a finite number/],
    ['a missing target column', () => ['--data', 'train.csv', '--target', 'z'], /target column 'z' not in the header/],
    ['no target column given', () => ['--data', 'train.csv'], /needs at least one --target/],
    ['an empty data set', (d) => badCsv(d, 'a,y\n'), /no data rows/],
    ['an empty file', (d) => badCsv(d, ''), /is empty/],
    ['a missing file', () => ['--data', 'nope.csv', '--target', 'y'], /nope\.csv: no such file/],
    [
      'a test set without a training feature',
      (d) => badCsv(d, 'x1,x2,y\n1,2,3\n', ['--data', 'train.csv', '--test', 'bad.csv', '--target', 'y']),
      /feature column 'x3' missing; the model reads x1, x2, x3/,
    ],
    [
      'a test set with a column the training set does not have',
      (d) => badCsv(d, 'x1,x2,x3,x4,y\n1,2,3,4,5\n', ['--data', 'train.csv', '--test', 'bad.csv', '--target', 'y']),
      /bad\.csv: column 'x4' not among the model's features \(x1, x2, x3\) or targets; to ignore it, pass --drop x4/,
    ],
    [
      'a dropped column that is not there',
      () => ['--data', 'train.csv', '--target', 'y', '--drop', 'id'],
      /dropped column 'id' is not in the header/,
    ],
    ['a quote never closed', (d) => badCsv(d, 'a,y\n1,2\n"3,4\n'), /bad\.csv line 3: a quoted field is never closed/],
    ['an all-zero target', (d) => badCsv(d, 'a,y\n1,0\n2,0\n'), /nothing to learn/],
    ['an unknown task', () => ['--task', 'hypercube-f9'], /unknown task 'hypercube-f9'/],
    ['an unknown activation', () => ['--task', 'demo', '--activation', 'tanh'], /--activation/],
    ['a negative sample count', () => ['--task', 'demo', '--samples', '-3'], /'-3' must be at least 1/],
    [
      'more training pairs than modular addition has',
      () => ['--task', 'modular-addition-7', '--samples', '49'],
      /modular addition \(P = 7\) trains on 1 to 48 of its 49 pairs \(got 49\)/,
    ],
    ['an unknown guard', () => ['--task', 'demo', '--halve-on', 'never'], /--halve-on/],
    ['negative noise', () => ['--task', 'demo', '--noise', '-0.1'], /--noise.*'-0.1' must not be negative/],
    ['noise on CSV data', () => ['--data', 'train.csv', '--target', 'y', '--noise', '0.1'], /--noise go with --task/],
    ['depth below 2', () => ['--task', 'demo', '--depth', '1'], /--depth/],
    ['alpha outside [-1, 1]', () => ['--task', 'demo', '--alpha', '1.5'], /--alpha/],
    ['a negative step size', () => ['--task', 'demo', '--lr', '-0.1'], /--lr/],
    ['an unknown option', () => ['--task', 'demo', '--speed', 'fast'], /unknown option '--speed'/],
    ['neither task nor data', () => [], /give a task/],
  ];
  for (const [what, args, message] of bad) {
    it(`train rejects ${what} with one line, a non-zero exit and no output`, () => {
      const dir = workspace();
      const r = run(['train', ...args(dir), '--out', 'out', '--quiet'], dir);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(existsSync(join(dir, 'out')), false);
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.startsWith('.')),
        [],
      );
    });
  }

  const badPredict: [string, (dir: string) => void, RegExp][] = [
    [
      'a corrupt model file',
      (d) => writeFileSync(join(d, 'model.json'), '{"format": "neuron-pursuit-model", '),
      /not valid JSON/,
    ],
    [
      'a model of another format version',
      (d) => writeFileSync(join(d, 'model.json'), JSON.stringify({ format: 'neuron-pursuit-model', version: 3 })),
      /version 3 is not supported/,
    ],
    ['a model that is not a model', (d) => writeFileSync(join(d, 'model.json'), '[1, 2]'), /invalid model file/],
    [
      'inputs with the wrong number of features',
      (d) =>
        writeFileSync(
          join(d, 'model.json'),
          JSON.stringify({
            format: 'neuron-pursuit-model',
            version: 1,
            activation: { name: 'relu', p: 1, alpha: 0 },
            widths: [2, 1, 1],
            layers: [[1, 1], [1]],
          }),
        ),
      /has 4 feature columns, the model takes 2/,
    ],
  ];
  for (const [what, setup, message] of badPredict) {
    it(`predict rejects ${what}`, () => {
      const dir = workspace();
      setup(dir);
      const r = run(['predict', '--model', 'model.json', '--data', 'train.csv', '--out', 'pred.csv'], dir);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(existsSync(join(dir, 'pred.csv')), false);
    });
  }

  it('commands agree: required marked, stores named alike, defaults shown, errors defined, options suggested', () => {
    const dir = workspace();
    const help = (command: string) => run([command, '--help'], dir).stdout.replace(/\s+/g, ' ');
    assert.match(help('report'), /--out <dir> .*\(required\)/);
    assert.match(help('predict'), /--model <model.json> .*\(required\)/);
    const train = help('train');
    assert.doesNotMatch(train, /\(default: \[\]\)/, '--target and --drop collect, with no default to show');
    assert.match(train, /relative squared error Σ‖H\(x\) − y‖² \/ Σ‖y‖²/);
    assert.match(train, /classification error/);
    assert.match(
      help('saddle'),
      /--lr <eta> GD step \(default: 0.1 for square and squared-relu, 0.05 for the others\)/,
    );
    assert.match(help('saddle'), /--depth <L> layers \(default: 3\)/);
    // `runs STORE` as `report STORE`; a store that is not there is named
    const runs = run(['runs', 'nope.sqlite'], dir);
    assert.equal(runs.code, 1);
    assert.equal(runs.stderr, 'neuron-pursuit: error: nope.sqlite: no such store\n');
    // an option cut short is completed; a misspelt one gets Commander's own suggestion; both on one line
    for (const [args, message] of [
      [['train', '--max-iter', '3'], "error: unknown option '--max-iter' (Did you mean --max-iterations?)"],
      [['train', '--seeed', '3'], "error: unknown option '--seeed' (Did you mean --seed?)"],
    ] as const) {
      const r = run([...args], dir);
      assert.notEqual(r.code, 0);
      assert.equal(r.stderr, `neuron-pursuit: ${message}\n`);
    }
  });
});
