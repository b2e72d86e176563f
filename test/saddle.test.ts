import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../src/linalg/rng.js';
import { SADDLE_DEFAULTS, recordSchedule, runSaddleLab } from '../src/lab/saddle.js';
import { getTask } from '../src/tasks/tasks.js';

const { train } = getTask('gaussian-f1').generate(400, 0, new Rng(0, 'data/gaussian-f1'));

describe('saddle lab', () => {
  it('square: w_z aligns with the NCF gradient (> 0.9) before escaping, one neuron escapes, Lemma 9 holds', () => {
    const { verdict, trace } = runSaddleLab(train.X, train.Y, {
      ...SADDLE_DEFAULTS.square,
      activation: 'square',
      seed: 0,
    });
    assert.ok(verdict.alignmentBeforeEscape > 0.9, `alignment ${verdict.alignmentBeforeEscape}`);
    assert.ok(trace[0]!.alignment < 0.5, 'the random perturbation starts unaligned');
    assert.notEqual(verdict.escapeStep, null);
    assert.ok(verdict.nextPlateauStep! > verdict.escapeStep!);
    assert.ok(verdict.activeNeurons.length >= 1 && verdict.activeNeurons.length <= 2);
    assert.equal(verdict.sparsityKept, true);
    for (const ratio of verdict.inOutRatios)
      assert.ok(Math.abs(ratio - 2) < 0.05, `‖in‖²/‖out‖² = ${ratio}, Lemma 9: 2`);
    // near the saddle the loss stays put and w_n barely moves
    const before = trace.filter((r) => r.step < verdict.escapeStep!);
    for (const r of before) assert.ok(Math.abs(r.loss - verdict.saddleLoss) < 1e-3 * verdict.saddleLoss);
  });

  it('relu: the escape is fast and the alignment exceeds 0.8 before it; Lemma 9 gives ‖in‖² = ‖out‖²', () => {
    const { verdict } = runSaddleLab(train.X, train.Y, { ...SADDLE_DEFAULTS.relu, activation: 'relu', seed: 0 });
    assert.ok(verdict.alignmentBeforeEscape > 0.8, `alignment ${verdict.alignmentBeforeEscape}`);
    assert.ok(verdict.escapeStep !== null && verdict.escapeStep < 5000);
    assert.ok(verdict.activeNeurons.length >= 1);
    for (const ratio of verdict.inOutRatios) assert.ok(Math.abs(ratio - 1) < 0.05, `‖in‖²/‖out‖² = ${ratio}`);
  });

  it('records on a sorted log-and-linear schedule from 0 to the last step', () => {
    const s = recordSchedule(30_000, 100);
    assert.equal(s[0], 0);
    assert.equal(s.at(-1), 30_000);
    for (let k = 1; k < s.length; k++) assert.ok(s[k]! > s[k - 1]!);
    assert.ok(s.includes(1) && s.includes(10) && s.includes(15_000));
  });
});
