/**
 * The growth strategies through the built CLI: `train --algorithm gradmax` on the shipped CSV data set writes the
 * same run folder as NP (report included), `predict` reads its model, and a fit killed by SIGKILL mid-GD resumes
 * to the history and model of a whole fit, bit for bit. `compare` runs a small grid into its batches, resumes with
 * nothing left to run, and writes its report from the batches.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { readBatches } from '../src/io/result-batches.js';
import { CLI, runCli as run, timelessHistory } from './helpers.js';

const DIABETES = fileURLToPath(new URL('../../data/diabetes.csv', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'np-growth-'));

function checkpointed(dir: string): number {
  try {
    return JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).history.length;
  } catch {
    return 0;
  }
}

describe('growth strategies in the CLI', () => {
  const ARGS = [
    'train',
    '--data',
    DIABETES,
    '--target',
    'progression',
    '--standardize',
    '--algorithm',
    'gradmax',
    '--restarts',
    '4',
    '--pga-steps',
    '200',
    '--gd-steps',
    '30000',
    '--tol',
    '0',
    '--max-iterations',
    '3',
    '--target-error',
    '1e-12',
    '--quiet',
  ];

  it('gradmax on CSV data: run folder, report, predict, and a fit killed by SIGKILL resumed bit for bit', async () => {
    const dir = tmp();
    const whole = run([...ARGS, '--out', 'whole'], dir);
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(whole.stdout, /stopped: max-iterations/);
    assert.ok(existsSync(join(dir, 'whole', 'report.html')));
    const summary = JSON.parse(readFileSync(join(dir, 'whole', 'summary.json'), 'utf8'));
    assert.equal(summary.options.growthRule, 'gradmax');
    const p = run(['predict', '--model', 'whole/model.json', '--data', DIABETES], dir);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout.trim().split('\n').length, 443);

    const child = spawn(process.execPath, [CLI, ...ARGS, '--no-report', '--out', 'part'], {
      cwd: dir,
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, signal) => resolve(signal)));
    const end = Date.now() + 120_000;
    while (checkpointed(join(dir, 'part')) < 1) {
      if (Date.now() > end) throw new Error('timed out waiting for the first checkpoint');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'the fit had finished before the kill: make it longer');
    assert.deepEqual(readdirSync(join(dir, 'part')), ['checkpoint.json']);
    const resumed = run(['train', '--resume', 'part', '--no-report', '--quiet'], dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(timelessHistory(join(dir, 'part')), timelessHistory(join(dir, 'whole')));
    assert.equal(
      readFileSync(join(dir, 'part/model.json'), 'utf8'),
      readFileSync(join(dir, 'whole/model.json'), 'utf8'),
    );
  });

  it('--gradmax-tie goes with gradmax only, --widths with gd only', () => {
    const np = run(['train', '--task', 'demo', '--gradmax-tie', 'one'], tmp());
    assert.equal(np.code, 1);
    assert.match(np.stderr, /--gradmax-tie goes with --algorithm gradmax; --algorithm np does not use it/);
    const gd = run(['train', '--task', 'demo', '--algorithm', 'gd', '--widths', '3,2,1'], tmp());
    assert.equal(gd.code, 1);
    assert.match(gd.stderr, /--widths: a depth-3 network has 2 hidden layers, got 3/);
  });

  it('compare runs a small grid into batches, resumes with nothing left, and reports from the batches', () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'mini.yaml'),
      [
        'name: mini',
        'tasks:',
        '  - name: csv:diabetes',
        '    samples: [120]',
        '    testSamples: 60',
        'samples: [100]',
        'testSamples: 100',
        'seeds: 1',
        'algorithms: [np, gradmax, tiny, random, gd]',
        'np:',
        '  options: { maxIterations: 3, gdSteps: 400, restarts: 4, pgaSteps: 100 }',
        'gd:',
        '  maxSteps: 400',
        '',
      ].join('\n'),
    );
    const args = ['compare', '--grid', 'mini.yaml', '--results', 'out', '--store', 'work.sqlite', '--quiet'];
    const first = run(args, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /compare mini: 6 run\(s\) \(0 failed\)/);
    const runs = readBatches(join(dir, 'out', 'batches'));
    assert.equal(runs.length, 6);
    // GD at the widths NP ended at
    const np = runs.find((r) => r.algorithm === 'np')!;
    const matched = runs.find((r) => r.algorithm === 'gd' && r.config.gd?.widths !== undefined)!;
    assert.deepEqual(matched.config.gd!.widths, np.result!.widths);
    // the batches keep no per-stage GD traces
    assert.ok(runs.every((r) => r.algorithm === 'gd' || r.result!.history.every((h) => !('gdTrace' in h))));
    const again = run(args, dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /compare mini: 0 run\(s\)/);
    const report = run(['compare', '--grid', 'mini.yaml', '--results', 'out', '--report'], dir);
    assert.equal(report.code, 0, report.stderr);
    const md = readFileSync(join(dir, 'out', 'COMPARE.md'), 'utf8');
    assert.match(md, /## csv:diabetes/);
    for (const label of ['NP', 'GradMax', 'TINY', 'random', 'GD \\(NP widths\\)', 'GD'])
      assert.match(md, new RegExp(`\\| ${label} \\| 1 \\|`));
    assert.ok(existsSync(join(dir, 'out', 'figures', 'csv-diabetes-neurons.svg')));
  });
});
