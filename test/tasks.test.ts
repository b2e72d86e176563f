import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../src/linalg/rng.js';
import { cubeVertices, getTask, planeGrid, TASKS, taskData } from '../src/tasks/tasks.js';
import { TEACHERS } from '../src/tasks/teachers.js';

describe('teacher networks', () => {
  for (const [name, make] of Object.entries(TEACHERS)) {
    it(`${name}: reproduces the target to 1e-12 at the task's depth and activation`, () => {
      const task = getTask(name);
      const { train } = task.generate(3000, 0, new Rng(7, 'teacher'));
      const net = make();
      assert.equal(net.depth, task.defaults.depth, 'depth');
      assert.equal(net.activation.name, task.defaults.activation, 'activation');
      const out = net.forward(train.X);
      let worst = 0;
      for (let i = 0; i < out.data.length; i++) worst = Math.max(worst, Math.abs(out.data[i]! - train.Y.data[i]!));
      assert.ok(worst < 1e-12, `max |teacher − target| = ${worst}`);
      assert.ok(
        train.Y.data.some((y) => Math.abs(y) > 0.5),
        'the target is not trivially zero',
      );
    });
  }
});

describe('samplers', () => {
  const rng = new Rng(3, 'samplers');
  it('hypersphere inputs lie on the sphere of radius √20 and are centred', () => {
    const { train } = getTask('hypersphere-f1').generate(2000, 0, rng.fork('s'));
    const d = 20;
    const mean = new Float64Array(d);
    for (let i = 0; i < train.X.rows; i++) {
      let sq = 0;
      for (let c = 0; c < d; c++) {
        const v = train.X.data[i * d + c]!;
        sq += v * v;
        mean[c]! += v / train.X.rows;
      }
      assert.ok(Math.abs(Math.sqrt(sq) - Math.sqrt(d)) < 1e-12);
    }
    for (const m of mean) assert.ok(Math.abs(m) < 0.15, `coordinate mean ${m}`);
  });
  it('hypercube inputs are ±1 with both signs equally likely', () => {
    for (const name of ['hypercube-f1', 'hypercube-f2', 'demo']) {
      const { train } = getTask(name).generate(1000, 0, rng.fork(name));
      let plus = 0;
      for (const v of train.X.data) {
        assert.ok(v === 1 || v === -1);
        if (v === 1) plus++;
      }
      assert.ok(Math.abs(plus / train.X.data.length - 0.5) < 0.02);
    }
  });
  it('gaussian inputs have mean 0 and variance 1', () => {
    const { train } = getTask('gaussian-f2').generate(4000, 0, rng.fork('g'));
    const v = train.X.data;
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
    assert.ok(Math.abs(mean) < 0.02 && Math.abs(variance - 1) < 0.03, `mean ${mean}, variance ${variance}`);
  });
  for (const P of [23, 7]) {
    it(`modular addition (P = ${P}): one-hot codes, targets e_(a+b) − 1/P, train and test split all pairs`, () => {
      const task = P === 23 ? TASKS['modular-addition']! : getTask(`modular-addition-${P}`);
      const { train, test } = task.generate(task.defaultSamples, 0, rng.fork(`mod${P}`));
      assert.equal(train.X.rows, Math.floor((P * P) / 2));
      assert.equal(train.X.rows + test.X.rows, P * P);
      const seen = new Set<number>();
      for (const set of [train, test]) {
        const d = 2 * P + 1;
        for (let i = 0; i < set.X.rows; i++) {
          const x = Array.from(set.X.data.subarray(i * d, (i + 1) * d));
          assert.equal(x.filter((v) => v === 1).length, 3);
          assert.equal(x.filter((v) => v === 0).length, d - 3);
          const a = x.indexOf(1),
            b = x.indexOf(1, P) - P;
          assert.ok(a < P && b >= 0 && b < P && x[2 * P] === 1);
          assert.ok(!seen.has(a * P + b), 'a pair is used twice');
          seen.add(a * P + b);
          const y = Array.from(set.Y.data.subarray(i * P, (i + 1) * P));
          for (const [c, v] of y.entries()) assert.ok(Math.abs(v - ((c === (a + b) % P ? 1 : 0) - 1 / P)) < 1e-15);
        }
      }
    });
  }
  it('rejects a bad modulus', () => {
    assert.throws(() => getTask('modular-addition-1'), /modulus/);
  });
  it('modular addition trains on the number of pairs asked for, the first pairs of the same random order', () => {
    const task = getTask('modular-addition-7');
    const few = task.generate(10, 0, new Rng(3, 'split-test'));
    const many = task.generate(40, 0, new Rng(3, 'split-test'));
    assert.equal(few.train.X.rows, 10);
    assert.equal(few.test.X.rows, 39);
    assert.deepEqual(few.train.X.data, many.train.X.data.subarray(0, few.train.X.data.length));
    for (const bad of [0, 49, 2.5])
      assert.throws(() => task.generate(bad, 0, new Rng(3)), /trains on 1 to 48 of its 49/);
  });
  it('PVR labels follow the majority rule of the pointed-to values', () => {
    const { train } = getTask('pvr').generate(3000, 0, rng.fork('pvr'));
    let positive = 0;
    for (let i = 0; i < train.X.rows; i++) {
      const x = Array.from(train.X.data.subarray(i * 21, (i + 1) * 21));
      assert.equal(x[4], 1, 'constant input');
      // Direct computation: the pointer is the binary number of bits 0..3 (−1 → 0), most significant first.
      const pointer = parseInt(
        x
          .slice(0, 4)
          .map((b) => (b === 1 ? '1' : '0'))
          .join(''),
        2,
      );
      const window = [0, 1, 2].map((k) => x[5 + ((pointer + k) % 16)]);
      const label = window.filter((v) => v === 1).length >= 2 ? 1 : -1;
      assert.equal(train.Y.data[i], label);
      if (label === 1) positive++;
    }
    assert.ok(Math.abs(positive / train.X.rows - 0.5) < 0.05);
  });
});

describe('task data', () => {
  it("draws a task's sets from the stream data/TASK, as every command does", () => {
    const task = getTask('hypersphere-f1');
    const a = taskData(task, 5, { samples: 50, testSamples: 20 });
    const b = task.generate(50, 20, new Rng(5, 'data/hypersphere-f1'));
    assert.deepEqual(a, b);
    assert.equal(taskData(task, 5).train.X.rows, task.defaultSamples);
  });

  it('adds Gaussian noise of the given σ to the training targets only', () => {
    const task = getTask('ridges-2d');
    const clean = taskData(task, 1, { samples: 4000, testSamples: 100 });
    const noisy = taskData(task, 1, { samples: 4000, testSamples: 100, noise: 0.2 });
    assert.deepEqual(noisy.train.X, clean.train.X);
    assert.deepEqual(noisy.test, clean.test);
    const diff = noisy.train.Y.data.map((y, i) => y - clean.train.Y.data[i]!);
    const mean = diff.reduce((s, v) => s + v, 0) / diff.length;
    const sd = Math.sqrt(diff.reduce((s, v) => s + (v - mean) ** 2, 0) / diff.length);
    assert.ok(Math.abs(mean) < 0.015 && Math.abs(sd - 0.2) < 0.01, `mean ${mean}, σ ${sd}`);
    assert.throws(() => taskData(task, 1, { noise: -1 }), /noise must be a finite σ ≥ 0/);
  });

  it('plane tasks draw (x1, x2) on [−1, 1]² and a constant; the grid covers the square by cell centres', () => {
    for (const name of ['ridges-2d', 'max-planes-2d', 'abs-2d']) {
      const { train } = taskData(getTask(name), 0, { samples: 500, testSamples: 0 });
      for (let i = 0; i < 500; i++) {
        const [x1, x2, one] = train.X.data.subarray(3 * i, 3 * i + 3);
        assert.ok(Math.abs(x1!) <= 1 && Math.abs(x2!) <= 1 && one === 1);
      }
      assert.ok(
        train.Y.data.some((y) => Math.abs(y) > 0.5),
        `${name}: the target is not trivially small`,
      );
    }
    const grid = planeGrid(3, 2, 4);
    assert.deepEqual(Array.from(grid.data.subarray(0, 6)), [-1.5, -1.5, 1, -0.5, -1.5, 1]);
    assert.deepEqual(Array.from(grid.data.subarray(3 * 15)), [1.5, 1.5, 1]);
  });

  it('lists the vertices of the first c inputs, the others at +1', () => {
    const { names, X } = cubeVertices(4, 2);
    assert.deepEqual(names, ['−−', '−+', '+−', '++']);
    assert.deepEqual(Array.from(X.data.subarray(4, 8)), [-1, 1, 1, 1]);
  });
});
