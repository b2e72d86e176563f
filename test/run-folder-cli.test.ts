/**
 * Runs that never clobber or lose work, through the built CLI: the --out folder is checked before any work and
 * refused in words; an earlier run is replaced only with --force; a fit killed mid-GD resumes to the same history,
 * bit for bit; Ctrl-C says what was kept; a closed stdout ends quietly.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, runCli, timelessHistory } from './helpers.js';

const run = runCli;
const tmp = () => mkdtempSync(join(tmpdir(), 'np-runs-'));
const FAST = ['--restarts', '3', '--pga-steps', '100', '--gd-steps', '500', '--max-iterations', '2', '--quiet'];
const DEMO = ['train', '--task', 'demo', '--samples', '60', '--test-samples', '60', ...FAST];

/** Resolves when `check` holds (polled every 20 ms), rejects after `seconds`. */
async function until(check: () => boolean, seconds: number, what: string): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Completed iterations in a run folder's checkpoint (0 without one). */
function checkpointed(dir: string): number {
  try {
    return JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).history.length;
  } catch {
    return 0;
  }
}

function leftovers(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /(^|\/)\.|tmp/.test(f));
}

describe('the run folder', () => {
  it('checks --out before any work and says in words what is wrong with it', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a-file'), '');
    mkdirSync(join(dir, 'notes'));
    writeFileSync(join(dir, 'notes', 'todo.txt'), 'mine');
    const cases: [string, RegExp][] = [
      ['/proc/np-nope', /^neuron-pursuit: error: cannot write \/proc\/np-nope: \/proc does not accept new files/],
      ['a-file', /error: a-file is a file, not a folder/],
      ['a-file/run', /error: cannot write a-file\/run: .*a-file is a file, not a folder/],
      ['notes', /error: notes is a folder that holds other files, not a run: give --out a new or empty folder/],
    ];
    for (const [out, message] of cases) {
      // the data file is missing too: the destination is checked first, before anything is read or fitted
      const r = run(['train', '--data', 'missing.csv', '--target', 'y', '--out', out, '--force'], dir);
      assert.equal(r.code, 1, out);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /ENOENT|EACCES|ENOTDIR|mkdir/);
    }
    assert.equal(readFileSync(join(dir, 'notes', 'todo.txt'), 'utf8'), 'mine');
    const report = run(['report', 'nowhere', '--out', '/proc/np-nope'], dir);
    assert.match(report.stderr, /cannot write \/proc\/np-nope: \/proc does not accept new files/);
    const predict = run(['predict', '--model', 'm.json', '--data', 'x.csv', '--out', 'a-file/p.csv'], dir);
    assert.match(predict.stderr, /cannot write a-file\/p\.csv: .*a-file is a file, not a folder/);
  });

  it('refuses to replace an earlier run without --force, and replaces it whole with it', () => {
    const dir = tmp();
    const first = run([...DEMO, '--out', 'run'], dir);
    assert.equal(first.code, 0, first.stderr);
    const walkthrough = 'walkthrough-kkt.svg';
    assert.ok(existsSync(join(dir, 'run', walkthrough)));
    const before = readFileSync(join(dir, 'run', 'summary.json'), 'utf8');
    const again = run([...DEMO, '--out', 'run'], dir);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /^neuron-pursuit: error: run already holds a run \(summary\.json, history\.json, model\.json\): pass --force/,
    );
    assert.equal(readFileSync(join(dir, 'run', 'summary.json'), 'utf8'), before);
    // --force replaces the folder, not file by file: nothing of the demo run's views survives a CSV run
    const points = Array.from({ length: 30 }, (_, i) => `${Math.sin(i)},${Math.cos(i)},${Math.sin(i) ** 2}`);
    writeFileSync(join(dir, 'd.csv'), `a,b,y\n${points.join('\n')}\n`);
    const forced = run(['train', '--data', 'd.csv', '--target', 'y', ...FAST, '--out', 'run', '--force'], dir);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(existsSync(join(dir, 'run', walkthrough)), false);
    assert.equal(JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')).data, 'd.csv');
    assert.deepEqual(leftovers(dir), []);
  });
});

describe('checkpoints and --resume', () => {
  /** A fit whose iterations are mostly GD: a kill lands mid-GD with high probability. */
  const LONG = [
    'train',
    '--task',
    'hypercube-f1',
    '--samples',
    '300',
    '--test-samples',
    '300',
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
    '--no-report',
    '--quiet',
  ];

  it('a fit killed by SIGKILL mid-GD resumes to the history and model of a whole fit, bit for bit', async () => {
    const dir = tmp();
    const whole = run([...LONG, '--out', 'whole'], dir);
    assert.equal(whole.code, 0, whole.stderr);
    const child = spawn(process.execPath, [CLI, ...LONG, '--out', 'part'], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    // After iteration 1's checkpoint, iteration 2 is in its GD stage for almost all of its time.
    await until(() => checkpointed(join(dir, 'part')) >= 1, 120, 'the first checkpoint');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'the fit had finished before the kill: make it longer');
    const kept = checkpointed(join(dir, 'part'));
    assert.ok(kept >= 1 && kept < 3, `${kept} iteration(s) checkpointed`);
    assert.deepEqual(readdirSync(join(dir, 'part')), ['checkpoint.json']);

    const resumed = run(['train', '--resume', 'part', '--json', '--no-report'], dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(timelessHistory(join(dir, 'part')), timelessHistory(join(dir, 'whole')));
    assert.equal(
      readFileSync(join(dir, 'part/model.json'), 'utf8'),
      readFileSync(join(dir, 'whole/model.json'), 'utf8'),
    );
    const summary = (d: string) => {
      const { seconds: _s, ...rest } = JSON.parse(readFileSync(join(dir, d, 'summary.json'), 'utf8'));
      return rest;
    };
    assert.deepEqual(summary('part'), summary('whole'));
    assert.deepEqual(readdirSync(join(dir, 'part')).sort(), ['history.json', 'model.json', 'summary.json']);
    assert.deepEqual(leftovers(dir), []);
    // a finished run has nothing to resume; --resume takes no options of its own
    assert.match(run(['train', '--resume', 'part'], dir).stderr, /part holds a finished run .*nothing to resume/);
    assert.match(
      run(['train', '--resume', 'whole', '--lr', '0.2'], dir).stderr,
      /--resume continues a run with its own options and data; --lr cannot be given with it/,
    );
  });

  it('resumes CSV runs from their files, and refuses files that changed', async () => {
    const dir = tmp();
    const rows = Array.from({ length: 80 }, (_, i) => [Math.sin(i), Math.cos(3 * i), Math.sin(7 * i + 1)]);
    const csv = (f: (x: number[]) => number) => `x1,x2,x3,y\n${rows.map((x) => [...x, f(x)].join(',')).join('\n')}\n`;
    writeFileSync(
      join(dir, 'train.csv'),
      csv((x) => Math.max(0, x[0]! + x[1]!) + 2),
    );
    const args = ['train', '--data', 'train.csv', '--target', 'y', '--intercept', '--standardize', ...LONG.slice(7)];
    args.push('--target-error', '1e-12'); // all three iterations, whatever the fit reaches
    const whole = run([...args, '--out', 'whole'], dir);
    assert.equal(whole.code, 0, whole.stderr);
    const child = spawn(process.execPath, [CLI, ...args, '--out', 'part'], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await until(() => checkpointed(join(dir, 'part')) >= 1, 120, 'the first checkpoint');
    child.kill('SIGKILL');
    assert.equal(await exited, null, 'the fit had finished before the kill: make it longer');
    const checkpoint = readFileSync(join(dir, 'part', 'checkpoint.json'), 'utf8');
    // the checkpoint's model is a model file: predict reads it, preprocessing and columns included
    writeFileSync(join(dir, 'partial-model.json'), JSON.stringify(JSON.parse(checkpoint).model));
    const p = run(['predict', '--model', 'partial-model.json', '--data', 'train.csv'], dir);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout.trim().split('\n').length, 81);
    // from another folder, with the data unchanged
    mkdirSync(join(dir, 'elsewhere'));
    const resumed = run(['train', '--resume', '../part'], join(dir, 'elsewhere'));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(timelessHistory(join(dir, 'part')), timelessHistory(join(dir, 'whole')));
    // changed data is refused, and the checkpoint is kept
    const again = join(dir, 'again');
    mkdirSync(again);
    writeFileSync(join(again, 'checkpoint.json'), checkpoint);
    writeFileSync(
      join(dir, 'train.csv'),
      csv((x) => Math.max(0, x[0]! + x[1]!) + 3),
    );
    const refused = run(['train', '--resume', 'again'], dir);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /train\.csv changed since the run started \(its SHA-256 differs\)/);
    assert.deepEqual(readdirSync(again), ['checkpoint.json']);
  });

  it('Ctrl-C stops at once and says what was kept and how to go on', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, [CLI, ...LONG, '--out', 'run'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until(() => checkpointed(join(dir, 'run')) >= 1, 120, 'the first checkpoint');
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.match(
      stderr,
      new RegExp(
        '^interrupted: run/checkpoint\\.json keeps [12] completed iteration\\(s\\) of at most 3; ' +
          'continue with: neuron-pursuit train --resume run\n$',
      ),
    );
    assert.deepEqual(readdirSync(join(dir, 'run')), ['checkpoint.json']);
    const refused = run([...LONG, '--out', 'run'], dir);
    assert.match(refused.stderr, /run holds an unfinished run \(checkpoint\.json\): continue it with --resume run/);
  });
});

describe('a closed stdout', () => {
  it('ends predict quietly with status 0 when the reader stops early (`| head -1`)', () => {
    const dir = tmp();
    const model = {
      format: 'neuron-pursuit-model',
      version: 1,
      activation: { name: 'relu', p: 1, alpha: 0 },
      widths: [2, 1, 1],
      layers: [[1, 1], [1]],
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
    // far more output than a pipe buffer holds
    writeFileSync(join(dir, 'x.csv'), `a,b\n${Array.from({ length: 40_000 }, (_, i) => `${i},${i / 7}`).join('\n')}\n`);
    const predict = `"${process.execPath}" "${CLI}" predict --model model.json --data x.csv`;
    const r = spawnSync('bash', ['-c', `${predict} | head -1; echo "status \${PIPESTATUS[0]}" >&2`], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(r.stdout, 'y\n');
    assert.equal(r.stderr, 'status 0\n');
  });
});
