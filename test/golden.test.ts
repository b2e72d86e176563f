/**
 * Golden histories: the full NP history of `demo` (n = 500) and `hypercube-f1`
 * (n = 1,000), seed 0, task defaults, must match test/fixtures/ to 1e-9
 * relative. This is the check that speed work (kernels, loop orders) has not
 * changed what NP computes; `npm run golden:update` regenerates the fixtures,
 * for intended algorithm changes only.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  GOLDEN_CASES,
  fromGoldenJson,
  goldenDifferences,
  goldenFit,
  goldenFixturePath,
  goldenRecord,
} from './golden-cases.js';

const RELATIVE_TOLERANCE = 1e-9;

describe('golden NP histories', () => {
  for (const c of GOLDEN_CASES) {
    it(`${c.task} (n = ${c.samples}, seed ${c.seed}) matches its fixture to 1e-9 relative`, () => {
      const expected = fromGoldenJson(readFileSync(goldenFixturePath(c), 'utf8'));
      const fitted = goldenFit(c);
      const diffs = goldenDifferences(expected, goldenRecord(fitted), RELATIVE_TOLERANCE);
      assert.deepEqual(diffs.slice(0, 10), [], `${diffs.length} difference(s)`);
      if (c.task === 'hypercube-f1') {
        // The recovery claim of the foundation issue, checked on the same fit.
        assert.ok(fitted.history.length <= 12, `${fitted.history.length} iterations`);
        assert.ok(fitted.history.at(-1)!.testError! < 1e-2, `test error ${fitted.history.at(-1)!.testError}`);
      }
    });
  }

  it('the comparison catches a change in the 9th digit, a changed label and a missing row', () => {
    const base = { history: [{ loss: 1.2345678901, layers: [1], gdStopReason: 'plateau' }] };
    assert.deepEqual(goldenDifferences(base, structuredClone(base), 1e-9), []);
    assert.equal(
      goldenDifferences(
        base,
        { history: [{ loss: 1.2345678901 * (1 + 1e-12), layers: [1], gdStopReason: 'plateau' }] },
        1e-9,
      ).length,
      0,
    );
    assert.equal(
      goldenDifferences(
        base,
        { history: [{ loss: 1.2345678901 * (1 + 1e-8), layers: [1], gdStopReason: 'plateau' }] },
        1e-9,
      ).length,
      1,
    );
    assert.equal(
      goldenDifferences(base, { history: [{ loss: 1.2345678901, layers: [2], gdStopReason: 'plateau' }] }, 1e-9).length,
      1,
    );
    assert.equal(
      goldenDifferences(base, { history: [{ loss: 1.2345678901, layers: [1], gdStopReason: 'target' }] }, 1e-9).length,
      1,
    );
    assert.equal(goldenDifferences(base, { history: [] }, 1e-9).length, 1);
  });
});
