import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../src/linalg/rng.js';
import { getTask } from '../src/tasks/tasks.js';
import { smallInitGd } from '../src/baselines/small-init-gd.js';
import { expandGrid, parseShard, parseSweepConfig, pointKey, shardOf } from '../src/experiments/config.js';
import { chooseStepSize, summarize, type RunLike } from '../src/experiments/summary.js';
import type { GridPoint, PointResult } from '../src/io/run-record.js';
import { modelToJson } from '../src/io/model-format.js';
import { makeActivation } from '../src/model/activation.js';
import { Network } from '../src/model/network.js';

const GRID = `
name: t
tasks: [demo, {name: hypercube-f2, samples: [30]}]
samples: [20, 40]
testSamples: 10
seeds: 3
algorithms: [np, gd]
np: {lrs: [0.1, 0.2], options: {maxIterations: 2}}
gd: {lrs: [0.1]}
`;

describe('sweep files', () => {
  it('expand to task × samples × seeds × algorithm × step size', () => {
    const points = expandGrid(parseSweepConfig(GRID, 'grid.yaml'));
    // demo: 2 sizes × 3 seeds × (2 NP + 1 GD); hypercube-f2: 1 size × 3 seeds × 3
    assert.equal(points.length, 2 * 3 * 3 + 3 * 3);
    assert.equal(new Set(points.map(pointKey)).size, points.length, 'keys are distinct');
    assert.ok(points.every((p) => p.algorithm === 'gd' || p.options.maxIterations === 2));
  });
  it('keys depend on the configuration, not on the order of its fields', () => {
    const p: GridPoint = {
      task: 'demo',
      samples: 10,
      testSamples: 5,
      seed: 0,
      algorithm: 'np',
      lr: 0.1,
      options: { depth: 3, restarts: 4 },
    };
    const q: GridPoint = {
      options: { restarts: 4, depth: 3 },
      lr: 0.1,
      algorithm: 'np',
      seed: 0,
      testSamples: 5,
      samples: 10,
      task: 'demo',
    };
    assert.equal(pointKey(p), pointKey(q));
    assert.notEqual(pointKey(p), pointKey({ ...p, seed: 1 }));
    assert.notEqual(pointKey(p), pointKey({ ...p, options: { depth: 3, restarts: 5 } }));
  });
  it('reject a bad file with a message naming the field', () => {
    const bad: [string, RegExp][] = [
      [GRID.replace('samples: [20, 40]', 'samples: [20, -4]'), /field 'samples\.1'/],
      [GRID.replace('seeds: 3', 'seeds: three'), /field 'seeds'/],
      [GRID.replace('algorithms: [np, gd]', 'algorithms: [np, sgd]'), /field 'algorithms\.1'/],
      [GRID.replace('tasks: [demo,', 'tasks: [dmeo,'), /field 'tasks\.0'.*unknown task 'dmeo'/],
      [GRID.replace('maxIterations: 2', 'maxIterations: 0'), /field 'np\.options'.*maxIterations/],
      [GRID.replace('maxIterations: 2', 'restart: 2'), /field 'np\.options'.*restart/],
      [GRID.replace('maxIterations: 2', 'seed: 2'), /field 'np\.options\.seed'/],
      [`${GRID}extra: 1\n`, /field '\(top level\)'|extra/],
      ['name: t\ntasks: [demo\n', /not valid YAML/],
    ];
    for (const [text, message] of bad) assert.throws(() => parseSweepConfig(text, 'bad.yaml'), message);
  });
  it('shards are disjoint and cover the grid', () => {
    const points = expandGrid(parseSweepConfig(GRID, 'grid.yaml'));
    const parts = [1, 2, 3].map((index) => shardOf(points, { index, count: 3 }).map(pointKey));
    assert.deepEqual(parts.flat().sort(), points.map(pointKey).sort());
    assert.equal(new Set(parts.flat()).size, points.length);
    assert.throws(() => parseShard('0/3'), /--shard/);
    assert.throws(() => parseShard('4/3'), /--shard/);
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
  });
});

/** A model for runs whose model the rules never read. */
const MODEL = modelToJson(new Network([1, 1, 1], makeActivation({ name: 'relu' })));

function fakeRun(lr: number, algorithm: string, r: Partial<PointResult>): RunLike {
  const result = {
    trainError: 1,
    testError: 1,
    iterations: 1,
    stopReason: 'x',
    widths: [],
    history: [],
    gdSteps: 0,
    model: MODEL,
    seconds: 1,
    ...r,
  };
  return {
    task: 'demo',
    samples: 10,
    seed: 0,
    algorithm,
    lr,
    status: 'ok',
    config: { options: { targetError: 1e-3 } } as GridPoint,
    result,
  };
}

describe('reporting rules', () => {
  it('NP: among step sizes with test error < 0.01 the fewest iterations', () => {
    const runs = [
      fakeRun(0.1, 'np', { testError: 0.001, iterations: 9 }),
      fakeRun(0.2, 'np', { testError: 0.005, iterations: 4 }),
      fakeRun(0.3, 'np', { testError: 0.5, iterations: 1 }),
    ];
    assert.equal(chooseStepSize(runs).lr, 0.2);
  });
  it('NP: else among those reaching the training target the lowest test error', () => {
    const runs = [
      fakeRun(0.1, 'np', { trainError: 1e-4, testError: 0.3 }),
      fakeRun(0.2, 'np', { trainError: 5e-4, testError: 0.1 }),
      fakeRun(0.3, 'np', { trainError: 0.1, testError: 0.02 }),
    ];
    assert.equal(chooseStepSize(runs).lr, 0.2);
  });
  it('NP: else the lowest training error; GD: the lowest test error', () => {
    const runs = [
      fakeRun(0.1, 'np', { trainError: 0.2, testError: 0.1 }),
      fakeRun(0.2, 'np', { trainError: 0.1, testError: 0.3 }),
    ];
    assert.equal(chooseStepSize(runs).lr, 0.2);
    const gd = [
      fakeRun(0.1, 'gd', { trainError: 0.2, testError: 0.1 }),
      fakeRun(0.2, 'gd', { trainError: 0.1, testError: 0.3 }),
    ];
    assert.equal(chooseStepSize(gd).lr, 0.1);
  });
  it('summaries average the chosen runs over seeds', () => {
    const runs = [0, 1].flatMap((seed) => [
      { ...fakeRun(0.1, 'gd', { testError: 0.2 + seed, trainError: 0.1 }), seed },
      { ...fakeRun(0.2, 'gd', { testError: 0.4 + seed, trainError: 0.1 }), seed },
    ]);
    const [row] = summarize(runs);
    assert.ok(row);
    assert.equal(row.seeds, 2);
    assert.ok(Math.abs(row.testMean - 0.7) < 1e-12 && row.testMin === 0.2 && row.testMax === 1.2);
  });
});

describe('small-initialization GD baseline', () => {
  const task = getTask('hypersphere-f1');
  const { train, test } = task.generate(60, 60, new Rng(1, 'gd-test'));
  it('starts on the sphere of the given radius, 50 wide, and reports the step size with the lowest test error', () => {
    const result = smallInitGd(
      train.X,
      train.Y,
      { depth: 3, activation: 'relu', lrs: [0.02, 0.3], maxSteps: 1500, radius: 0.5, seed: 2 },
      test,
    );
    assert.deepEqual(result.network.hiddenWidths, [50, 50]);
    assert.equal(result.attempts.length, 2);
    const best = result.attempts.reduce((a, b) => (b.testError! < a.testError! ? b : a));
    assert.equal(result.best.lr, best.lr);
    assert.ok(result.best.trainError < 0.9, `GD learns something (training error ${result.best.trainError})`);
    const start = result.best.trace[0]!;
    // The loss at step 0 is that of the initial network: with radius r the output is O(r³), so ≈ ‖y‖²/2n.
    let yy = 0;
    for (const y of train.Y.data) yy += y * y;
    assert.ok(Math.abs(start.loss - yy / (2 * train.X.rows)) / start.loss < 0.2);
  });
  it('uses radius 0.01 at depth 3 and 0.1 at depth 4 unless told', async () => {
    const { smallInitRadius } = await import('../src/baselines/small-init-gd.js');
    assert.equal(smallInitRadius(3), 0.01);
    assert.equal(smallInitRadius(4), 0.1);
  });
});
