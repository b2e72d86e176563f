import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getHeapSpaceStatistics } from 'node:v8';
import { Rng } from '../src/linalg/rng.js';
import { makeActivation } from '../src/model/activation.js';
import { Network } from '../src/model/network.js';
import { gdStopLabel, gradientDescent } from '../src/optim/gradient-descent.js';
import { gaussianMatrix } from './helpers.js';

function problem(seed: number) {
  const rng = new Rng(seed);
  const teacher = new Network([5, 3, 1], makeActivation({ name: 'relu' }), rng.normals(18));
  const X = gaussianMatrix(100, 5, rng);
  const Y = teacher.forward(X);
  const student = new Network(
    [5, 4, 1],
    makeActivation({ name: 'relu' }),
    rng.normals(24).map((v) => 0.5 * v),
  );
  return { X, Y, student };
}

/** Bytes in V8's young generation: what short-lived allocations fill. */
function youngBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
}

/** Where the garbage goes, so that the compiler keeps it. */
const sink: { value: unknown } = { value: null };
/** Allocates garbage until a scavenge empties the young generation, so what follows is counted whole. */
function emptyYoungGeneration(): void {
  for (let last = youngBytes(); ; ) {
    for (let i = 0; i < 64; i++) sink.value = new Array(16);
    const now = youngBytes();
    if (now < last) return;
    last = now;
  }
}

describe('gradientDescent', () => {
  it('allocates no buffers or objects in the step loop', () => {
    const { X, Y, student } = problem(3);
    const run = (steps: number): number => {
      emptyYoungGeneration();
      const before = youngBytes();
      gradientDescent(student, X, Y, { lr: 1e-3, maxSteps: steps, targetError: 0, tol: 0, checkEvery: 1e9 });
      return youngBytes() - before;
    };
    for (let i = 0; i < 5; i++) run(2000); // optimized code first
    // What 2,000 more steps add (far less than a fresh young generation holds, so no collection intervenes).
    const perStep = Math.min(...[0, 1, 2].map(() => (run(2200) - run(200)) / 2000));
    // No buffer and no object (the smallest, one field, is 32 bytes). Depending on how V8 has compiled
    // the loop by then, the step's loss may still come back as one boxed number (16 bytes): measured 0 or 16.
    assert.ok(perStep < 24, `${perStep} bytes per step`);
  });

  it('descends: the loss never rises between checks at a stable step', () => {
    const { X, Y, student } = problem(1);
    const start = student.loss(X, Y);
    const result = gradientDescent(student, X, Y, {
      lr: 0.05,
      maxSteps: 5000,
      targetError: 0,
      tol: 0,
      checkEvery: 100,
    });
    assert.equal(result.stopReason, 'max-steps');
    assert.equal(result.steps, 5000);
    assert.ok(result.loss < 0.5 * start);
    for (let i = 1; i < result.trace.length; i++) assert.ok(result.trace[i]!.loss <= result.trace[i - 1]!.loss);
    assert.equal(result.loss, student.loss(X, Y));
  });

  it('stops at the error target', () => {
    const rng = new Rng(2);
    const X = gaussianMatrix(50, 3, rng);
    const truth = new Network([3, 1, 1], makeActivation({ name: 'linear' }), [1, -2, 0.5, 2]);
    const Y = truth.forward(X);
    const net = new Network([3, 1, 1], makeActivation({ name: 'linear' }), [0.5, -1, 0.2, 1]);
    const result = gradientDescent(net, X, Y, {
      lr: 0.05,
      maxSteps: 100_000,
      targetError: 1e-8,
      tol: 0,
      checkEvery: 50,
    });
    assert.equal(result.stopReason, 'target');
    assert.ok(result.error < 1e-8);
    assert.ok(result.steps < 100_000);
  });

  it('stops on a plateau only after escaping the starting point', () => {
    const { X, Y } = problem(3);
    const student = new Network(
      [5, 1, 1],
      makeActivation({ name: 'relu' }),
      new Rng(3).normals(6).map((v) => 0.5 * v),
    ); // too narrow to fit
    const result = gradientDescent(student, X, Y, {
      lr: 0.05,
      maxSteps: 200_000,
      targetError: 0,
      tol: 1e-3,
      kappa: 0.01,
      checkEvery: 100,
    });
    assert.equal(result.stopReason, 'plateau');
    assert.ok(result.loss < 0.99 * result.trace[0]!.loss);
    const [prev, last] = result.trace.slice(-2);
    assert.ok(prev && last);
    assert.ok(prev.loss - last.loss <= 1e-3 * last.loss);
    // At the origin (a saddle) the loss never moves: no escape, so no plateau stop: it runs to the cap.
    const still = new Network([5, 1, 1], makeActivation({ name: 'relu' }), new Float64Array(6));
    const stuck = gradientDescent(still, X, Y, {
      lr: 0.05,
      maxSteps: 2000,
      targetError: 0,
      tol: 1e-3,
      kappa: 0.01,
      checkEvery: 100,
    });
    assert.equal(stuck.stopReason, 'max-steps');
  });

  it('recovers from divergence by restoring the last check and halving the step', () => {
    const { X, Y, student } = problem(4);
    const start = student.loss(X, Y);
    const result = gradientDescent(student, X, Y, {
      lr: 5,
      maxSteps: 3000,
      targetError: 0,
      tol: 0,
      checkEvery: 20,
      maxHalvings: 10,
    });
    assert.ok(result.halvings > 0);
    assert.ok(result.lr < 5);
    assert.ok(Number.isFinite(result.loss) && result.loss < start);
    const hopeless = gradientDescent(problem(4).student, X, Y, {
      lr: 1e6,
      maxSteps: 3000,
      targetError: 0,
      tol: 0,
      checkEvery: 20,
      maxHalvings: 2,
    });
    assert.equal(hopeless.stopReason, 'diverged');
    assert.equal(hopeless.halvings, 2);
    assert.ok(Number.isFinite(hopeless.loss));
    // tables say what happened, not 'diverged'
    assert.equal(gdStopLabel(hopeless.stopReason, hopeless.halvings), 'η halved ×2');
    assert.equal(gdStopLabel('diverged'), 'η halved');
    assert.equal(gdStopLabel('plateau', 2), 'plateau (η/4)');
    assert.equal(gdStopLabel('target', 0), 'target');
  });

  it("halves η only on a non-finite loss with halveOn 'blow-up' (a large step's oscillations run on)", () => {
    const settings = { lr: 0.5, maxSteps: 3000, targetError: 0, tol: 0, checkEvery: 20, maxHalvings: 10 };
    const rises = (trace: { loss: number }[]) => trace.filter((c, i) => i > 0 && c.loss > trace[i - 1]!.loss).length;
    const a = problem(4);
    const guarded = gradientDescent(a.student, a.X, a.Y, { ...settings, halveOn: 'rise' });
    assert.ok(guarded.halvings > 0, 'this step makes the loss rise at a check');
    assert.equal(rises(guarded.trace), 0);
    const b = problem(4);
    const free = gradientDescent(b.student, b.X, b.Y, { ...settings, halveOn: 'blow-up' });
    assert.equal(free.halvings, 0);
    assert.equal(free.lr, 0.5);
    assert.ok(rises(free.trace) > 0, 'the rises are kept, not undone');
    const c = problem(4);
    const hopeless = gradientDescent(c.student, c.X, c.Y, { ...settings, lr: 1e6, maxHalvings: 2, halveOn: 'blow-up' });
    assert.equal(hopeless.stopReason, 'diverged', 'an overflow still restores and halves');
    assert.ok(Number.isFinite(hopeless.loss));
  });
});
