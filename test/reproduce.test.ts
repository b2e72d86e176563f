import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { RunLike } from '../src/experiments/summary.js';
import { auditPicks, expectedSeconds, reproductionOrder, resultDifference } from '../src/experiments/reproduction.js';
import { expandGrid, parseSweepConfig, pointKey } from '../src/experiments/config.js';
import { readBatchRows } from '../src/io/result-batches.js';
import type { GridPoint } from '../src/io/run-record.js';
import type { ModelJSON } from '../src/io/model-format.js';
import {
  claimSettingsFor,
  frequencyShares,
  modularClaims,
  PAPER_CLAIM_SETTINGS,
  peakBeforeTransition,
  pvrClaims,
  sampleComplexityClaims,
  seedsInWords,
  topFrequencyShare,
} from '../src/report/claims.js';
import { CLI, runCli } from './helpers.js';

const SIZES = PAPER_CLAIM_SETTINGS.sizes;

/** A synthetic run: only what the claim rules read. */
function run(
  task: string,
  algorithm: string,
  samples: number,
  seed: number,
  r: { test: number; iterations: number; train?: number },
): RunLike {
  const point: GridPoint = {
    task,
    samples,
    testSamples: 100,
    seed,
    algorithm: algorithm as 'np',
    lr: 0.1,
    options: {},
  };
  return {
    task,
    samples,
    seed,
    algorithm,
    lr: 0.1,
    status: 'ok',
    config: point,
    result: {
      trainError: r.train ?? 5e-4,
      testError: r.test,
      iterations: r.iterations,
      stopReason: 'target',
      widths: [2, 1],
      history: [],
      gdSteps: 0,
      model: {} as ModelJSON,
      seconds: 1,
    },
  };
}

/** A store of one task: NP iterations per size and test error per size, at the grid's seed counts. */
function synthetic(task: string, iterations: number[], test: number[], gdTest?: number[]): RunLike[] {
  const runs: RunLike[] = [];
  SIZES.forEach((n, i) => {
    for (let seed = 0; seed < PAPER_CLAIM_SETTINGS.seedsNeeded(n); seed++) {
      // seeds spread around the mean, so the rules read means, not one run
      const jitter = seed % 2 === 0 ? 1.1 : 0.9;
      runs.push(run(task, 'np', n, seed, { test: test[i]! * jitter, iterations: iterations[i]! }));
      if (gdTest) runs.push(run(task, 'gd', n, seed, { test: gdTest[i]! * jitter, iterations: 1 }));
    }
  });
  return runs;
}

const verdict = (runs: RunLike[], id: string) => sampleComplexityClaims(runs).find((c) => c.id === id)!.verdict;

describe('reproduction claims', () => {
  // test error falls below 0.01 from n = 800 on: n* = 800
  const falling = [0.5, 0.3, 0.1, 0.005, 0.002, 0.001, 0.001];

  it('gives ✓ when NP iterations peak one size before the transition, then fall and stay level', () => {
    const runs = synthetic('hypercube-f1', [4, 8, 14, 9, 7, 7, 7], falling);
    assert.equal(verdict(runs, 'hypercube-f1-peak'), '✓');
  });

  it('gives ✗ when the peak is not just before the transition', () => {
    // the peak at 3,200, after n* = 800
    assert.equal(verdict(synthetic('hypercube-f1', [4, 5, 6, 7, 8, 14, 9], falling), 'hypercube-f1-peak'), '✗');
    // no rise at all: level iterations
    assert.equal(verdict(synthetic('hypercube-f1', [2, 2, 2, 2, 2, 2, 2], falling), 'hypercube-f1-peak'), '✗');
    // peaking before n*, but not falling after it
    assert.equal(verdict(synthetic('hypercube-f1', [4, 8, 14, 14, 14, 14, 14], falling), 'hypercube-f1-peak'), '✗');
  });

  it('is inconclusive while a cell is short of seeds, whatever the means say', () => {
    const runs = synthetic('hypercube-f1', [4, 8, 14, 9, 7, 7, 7], falling).filter(
      (r) => !(r.samples === 6400 && r.seed === 2),
    );
    assert.equal(verdict(runs, 'hypercube-f1-peak'), 'inconclusive');
    // what the rule gives on the seeds so far is said beside it: ✓ here, ✗ for a peak after the transition
    assert.equal(sampleComplexityClaims(runs).find((c) => c.id === 'hypercube-f1-peak')!.soFar, '✓');
    const late = synthetic('hypercube-f1', [4, 5, 6, 7, 8, 14, 9], falling).filter((r) => r.seed !== 4);
    const row = sampleComplexityClaims(late).find((c) => c.id === 'hypercube-f1-peak')!;
    assert.deepEqual([row.verdict, row.soFar], ['inconclusive', '✗']);
    // a cell without any run: nothing to say so far
    const none = synthetic('hypercube-f1', [4, 8, 14, 9, 7, 7, 7], falling).filter((r) => r.samples !== 6400);
    assert.equal(sampleComplexityClaims(none).find((c) => c.id === 'hypercube-f1-peak')!.soFar, undefined);
  });

  it('compares sample complexities: the smallest size learned from there on', () => {
    // NP learns from 400, GD from 1,600 (GD's error at 800 dips but rises again at 1,600? no: it stays above)
    const np = [0.5, 0.1, 0.005, 0.004, 0.002, 0.001, 0.001];
    const gd = [0.5, 0.3, 0.1, 0.05, 0.005, 0.002, 0.001];
    const runs = synthetic('hypercube-f2', [3, 6, 4, 4, 4, 4, 4], np, gd);
    assert.equal(verdict(runs, 'hypercube-f2-gd'), '✓', 'NP needs fewer samples than GD');
    const swapped = synthetic('hypercube-f2', [3, 6, 4, 4, 4, 4, 4], gd, np);
    assert.equal(verdict(swapped, 'hypercube-f2-gd'), '✗');
    // a size that is learned and then lost again does not count: n* is where it stays learned
    const relapse = synthetic('hypercube-f2', [3, 6, 4, 4, 4, 4, 4], [0.5, 0.005, 0.5, 0.004, 0.002, 0.001, 0.001], gd);
    assert.match(
      sampleComplexityClaims(relapse).find((c) => c.id === 'hypercube-f2-gd')!.evidence,
      /NP hypercube-f2 800/,
    );
  });

  it('peakBeforeTransition allows the peak one or two sizes before n*', () => {
    const it = (v: number[]) => new Map(SIZES.map((n, i) => [n, v[i]!] as const));
    assert.deepEqual(peakBeforeTransition(SIZES, it([1, 2, 5, 3, 2, 2, 2]), 1600), { holds: true, peak: 400 });
    assert.equal(peakBeforeTransition(SIZES, it([1, 5, 2, 2, 2, 2, 2]), 1600).holds, false, 'three sizes before');
    assert.equal(peakBeforeTransition(SIZES, it([1, 2, 5, 3, 2, 2, 2]), null).holds, false, 'never learned');
  });

  it('measures how one frequency dominates a vector: 1 for a cosine, small for noise', () => {
    const P = 23;
    const cosine = Array.from({ length: P }, (_, t) => Math.cos((2 * Math.PI * 5 * t) / P + 0.3) + 2);
    assert.ok(Math.abs(topFrequencyShare(cosine) - 1) < 1e-12);
    let s = 7;
    const noise = Array.from({ length: P }, () => {
      s = (s * 16807) % 2147483647;
      return (s / 2147483647) * 2 - 1;
    });
    assert.ok(topFrequencyShare(noise) < 0.5);
  });

  it('reads the frequencies of a modular-addition network and decides the claim', () => {
    const P = 5,
      k = 2,
      d = 2 * P + 1;
    const W1 = new Array<number>(k * d).fill(0),
      W2 = new Array<number>(P * k).fill(0);
    for (let j = 0; j < k; j++) {
      for (let t = 0; t < P; t++) {
        W1[j * d + t] = Math.cos((2 * Math.PI * (j + 1) * t) / P);
        W1[j * d + P + t] = Math.sin((2 * Math.PI * (j + 1) * t) / P);
        W2[t * k + j] = Math.cos((2 * Math.PI * (j + 1) * t) / P + 1);
      }
    }
    const model = { widths: [d, k, P], layers: [W1, W2] } as unknown as ModelJSON;
    const shares = frequencyShares(model, P);
    assert.equal(shares.layer1.length, 2 * k);
    for (const v of [...shares.layer1, ...shares.layer2]) assert.ok(Math.abs(v - 1) < 1e-12);
    const runs = [0, 1, 2].map((seed) => {
      const r = run('modular-addition', 'np', 264, seed, { test: 0, iterations: 10 });
      r.result = { ...r.result!, model, trainClassError: 0, testClassError: 0.01 };
      return r;
    });
    const [fit, freq] = modularClaims(runs, 529, 3, P);
    assert.equal(fit!.verdict, '✓');
    assert.match(fit!.evidence, /Holds from 50 %/);
    assert.equal(freq!.verdict, '✓');
    runs[2]!.result!.trainClassError = 0.01;
    assert.equal(modularClaims(runs, 529, 3, P)[0]!.verdict, '✗', 'one seed short of zero training error');
  });

  it('reads the seeds a claim waits for from its grid: the paper grid, and a companion grid of its own sizes', () => {
    const paper = claimSettingsFor(
      expandGrid(parseSweepConfig(readFileSync('presets/paper-reproduction.yaml', 'utf8'), 'paper.yaml')),
    );
    assert.deepEqual(paper.sizes, SIZES);
    assert.deepEqual(
      SIZES.map((n) => paper.seedsNeeded(n)),
      SIZES.map((n) => PAPER_CLAIM_SETTINGS.seedsNeeded(n)),
    );
    assert.equal(paper.algorithmicSeeds, 3);
    assert.equal(seedsInWords(paper), '5 per size up to 3,200, 3 at 6,400');
    const companion = claimSettingsFor(
      expandGrid(
        parseSweepConfig(
          'name: c\ntasks: [hypercube-f2]\nsamples: [100, 200, 400]\nseeds: 2\nalgorithms: [np]\n',
          'c.yaml',
        ),
      ),
    );
    assert.deepEqual(companion.sizes, [100, 200, 400]);
    assert.equal(companion.seedsNeeded(400), 2);
    assert.equal(seedsInWords(companion), '2 per size up to 400');
    // a cell with two seeds of two is decided under the companion's settings, short under the paper's
    const runs = [100, 200, 400].flatMap((n, i) =>
      [0, 1].map((seed) => run('hypercube-f2', 'np', n, seed, { test: [1, 0.5, 1e-3][i]!, iterations: [3, 9, 4][i]! })),
    );
    const peak = (s: typeof paper) =>
      sampleComplexityClaims(runs, s).find((c) => c.id === 'hypercube-f2-peak')!.verdict;
    assert.equal(peak(companion), '✓');
    assert.equal(peak(PAPER_CLAIM_SETTINGS), 'inconclusive');
  });

  it("scores PVR by its relative errors against the paper's stop, and waits for three seeds", () => {
    const pvr = (train: number[], test: number[]) =>
      train.map((t, seed) => run('pvr', 'np', 4000, seed, { train: t, test: test[seed]!, iterations: 30 }));
    const verdictOf = (runs: RunLike[]) => pvrClaims(runs)[0]!.verdict;
    assert.equal(verdictOf(pvr([0.004, 0.001, 0.003], [0.05, 0.03, 0.04])), '✓');
    assert.equal(verdictOf(pvr([0.004, 0.001], [0.05, 0.03])), 'inconclusive', 'two seeds of three');
    assert.equal(verdictOf(pvr([0.02, 0.001, 0.003], [0.05, 0.03, 0.04])), '✗', 'mean training error above 0.005');
    assert.equal(verdictOf(pvr([0.004, 0.001, 0.003], [0.3, 0.03, 0.04])), '✗', 'mean test error above 0.1');
    // a run without classification errors (PVR never has them) still gives numbers, not "undefined"
    assert.match(pvrClaims(pvr([0.004, 0.001, 0.003], [0.05, 0.03, 0.04]))[0]!.evidence, /mean final train 0\.0027/);
  });
});

describe('reproduction scheduling and audit', () => {
  const p = (task: string, samples: number, seed: number, algorithm: 'np' | 'gd' = 'np'): GridPoint => ({
    task,
    samples,
    testSamples: 10,
    seed,
    algorithm,
    lr: 0.1,
    options: {},
  });

  it('runs seed by seed, cheapest expected first', () => {
    const finished = [
      { point: p('a', 100, 0, 'gd'), seconds: 10 },
      { point: p('a', 100, 0), seconds: 1 },
    ];
    assert.equal(expectedSeconds(p('a', 400, 1, 'gd'), finished), 40, 'scaled with the size');
    const todo = [p('a', 400, 1), p('a', 400, 0, 'gd'), p('a', 100, 1, 'gd'), p('a', 800, 0)].map((point) => ({
      point,
    }));
    const order = reproductionOrder(todo, finished).map(
      (t) => `${t.point.seed}:${t.point.algorithm}${t.point.samples}`,
    );
    assert.deepEqual(order, ['0:np800', '0:gd400', '1:np400', '1:gd100']);
  });

  it('picks audits reproducibly and compares results exactly, time apart', () => {
    const runs = Array.from({ length: 20 }, (_, i) => ({ id: i, seconds: 20 - i }));
    assert.deepEqual(auditPicks(runs, 3, 1), auditPicks(runs, 3, 1));
    assert.equal(new Set(auditPicks(runs, 5, 2).map((r) => r.id)).size, 5);
    const stored = JSON.stringify({ a: 1.5, b: [1, 2], seconds: 3, c: null });
    assert.equal(resultDifference(stored, { b: [1, 2], a: 1.5, c: NaN, seconds: 9 }), null);
    assert.equal(resultDifference(stored, { a: 1.5 + 2 ** -51, b: [1, 2], c: NaN, seconds: 3 }), 'a');
    // each iteration's wall time and the run's CPU time are times too; the values beside them are not
    const history = (loss: number, seconds: number) => [{ iteration: 1, loss, seconds }];
    const run = JSON.stringify({ a: 1, history: history(0.5, 0.1), cpuSeconds: 0.2 });
    assert.equal(resultDifference(run, { a: 1, history: history(0.5, 7), cpuSeconds: 9 }), null);
    assert.equal(resultDifference(run, { a: 1, history: history(0.5 + 2 ** -53, 0.1), cpuSeconds: 0.2 }), 'history');
  });
});

const TINY_GRID = `
name: tiny-reproduction
tasks:
  - { name: hypersphere-f1, samples: [40, 80] }
samples: [40]
testSamples: 200
seeds: 3
algorithms: [np, gd]
np:
  options: { maxIterations: 2, gdSteps: 300 }
gd:
  lrs: [0.2]
  maxSteps: 400
`;

function storedCount(store: string): number {
  if (!existsSync(store)) return 0;
  const db = new Database(store, { readonly: true, fileMustExist: true });
  try {
    const has = (db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'runs'").get() as { n: number }).n;
    return has ? (db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'ok'").get() as { n: number }).n : 0;
  } finally {
    db.close();
  }
}

describe('neuron-pursuit reproduce', () => {
  it('resumes after a kill, appends each run once, regenerates identical reports and audits bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-reproduce-'));
    writeFileSync(join(dir, 'grid.yaml'), TINY_GRID);
    const points = expandGrid(parseSweepConfig(TINY_GRID, 'grid.yaml'));
    const args = ['reproduce', '--grid', 'grid.yaml', '--results', 'res', '--store', 's.sqlite', '--workers', '2'];
    const store = join(dir, 's.sqlite');

    // Kill it once a run is stored.
    const child = spawn(process.execPath, [CLI, ...args, '--quiet'], { cwd: dir, stdio: 'ignore' });
    let running = true;
    const exited = new Promise((resolve) =>
      child.on('exit', () => {
        running = false;
        resolve(null);
      }),
    );
    const deadline = Date.now() + 60_000;
    while (storedCount(store) < 1) {
      await new Promise((r) => setTimeout(r, 20));
      if (!running) assert.fail('reproduce ended before its first run was stored');
      if (Date.now() > deadline) break;
    }
    child.kill('SIGKILL');
    await exited;
    const partial = storedCount(store);
    assert.ok(partial >= 1 && partial < points.length, `killed mid-grid (${partial} of ${points.length})`);

    const resumed = runCli(args, dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`${points.length} grid points, ${partial} already finished`));
    const rows = readBatchRows(join(dir, 'res', 'batches'));
    assert.deepEqual(rows.map((r) => r.key).sort(), points.map(pointKey).sort(), 'every point once in the batches');

    const again = runCli(args, dir);
    assert.match(again.stdout, /0 run \(0 failed\)/);
    assert.equal(readdirSync(join(dir, 'res', 'batches')).length, 1, 'nothing new, no new batch');

    // From a clean store, the batches are the results: the report is the same file twice.
    const report = () => {
      const r = runCli(['reproduce', '--grid', 'grid.yaml', '--results', 'res', '--report'], dir);
      assert.equal(r.code, 0, r.stderr);
      const files = [
        'REPRODUCTION.md',
        'runs.csv',
        ...readdirSync(join(dir, 'res', 'figures')).map((f) => `figures/${f}`),
      ];
      return Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, 'res', f)).toString('base64')]));
    };
    const first = report();
    assert.deepEqual(report(), first);
    const csv = readFileSync(join(dir, 'res', 'runs.csv'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(csv.length, points.length + 1);
    for (const col of [
      'task',
      'samples',
      'seed',
      'algorithm',
      'lr',
      'trainError',
      'testError',
      'iterations',
      'widths',
      'seconds',
    ])
      assert.ok(csv[0]!.split(',').includes(col), `runs.csv has ${col}`);
    const md = readFileSync(join(dir, 'res', 'REPRODUCTION.md'), 'utf8');
    // judged by the tiny grid's own sizes and seeds: 2 NP iterations leave training error above 1e-3 (decided);
    // a claim about n = 1,600, a size the grid lacks, waits
    assert.match(md, /\| hypersphere-f1: NP fits the training set .* \| ✗ \|/);
    assert.match(md, /hypercube-f2: at n = 1600 NP often fails .* \| inconclusive \|/);
    assert.match(md, /seeds than the grid asks \(3 per size up to 80;/);
    assert.ok(existsSync(join(dir, 'res', 'figures', 'fig7-hypersphere.svg')));

    const audit = runCli(['reproduce', '--grid', 'grid.yaml', '--results', 'res', '--audit', '2'], dir);
    assert.equal(audit.code, 0, audit.stdout + audit.stderr);
    assert.match(audit.stdout, /\n2 of 2 bit-identical\n$/);
  });

  it('refuses an unknown task for --only and a grid with nothing stored for --report, in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-reproduce-'));
    writeFileSync(join(dir, 'grid.yaml'), TINY_GRID);
    const only = runCli(['reproduce', '--grid', 'grid.yaml', '--only', 'nope', '--store', 's.sqlite'], dir);
    assert.equal(only.code, 1);
    assert.match(only.stderr, /^neuron-pursuit: error: --only: nope: not a task of the grid tiny-reproduction\n$/);
    const empty = runCli(['reproduce', '--grid', 'grid.yaml', '--results', 'res', '--report'], dir);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /no finished runs of the grid tiny-reproduction/);
  });
});
