import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../src/linalg/rng.js';
import { orthogonalMatchingPursuit } from '../src/baselines/omp.js';
import { diagonalNeuronPursuit, diagonalSmallInitGd, sparseInstance } from '../src/baselines/diagonal.js';

describe('diagonal linear networks (paper D.5)', () => {
  for (const [n, d, s] of [
    [15, 30, 5],
    [10, 20, 3],
    [12, 30, 4],
  ] as const) {
    for (const seed of [0, 1, 2]) {
      const instance = `n=${n}, d=${d}, s=${s}, seed ${seed}`;
      it(`NP picks OMP's atoms in OMP's order and reaches its coefficients (${instance})`, () => {
        const { X, y } = sparseInstance(n, d, s, new Rng(seed, 'diagonal'));
        const omp = orthogonalMatchingPursuit(X, y);
        const np = diagonalNeuronPursuit(X, y);
        assert.deepEqual(np.support, omp.support);
        for (let j = 0; j < d; j++)
          assert.ok(
            Math.abs(np.coefficients[j]! - omp.coefficients[j]!) < 1e-6,
            `atom ${j}: ${np.coefficients[j]} vs ${omp.coefficients[j]}`,
          );
        assert.ok(omp.residual < 1e-10 && np.residual < 1e-8);
        // NP's NCF values decrease as the residual shrinks: each is |X_jᵀ r|/(2n) of the chosen atom
        assert.equal(np.ncfValues.length, np.support.length);
      });
    }
  }

  it('OMP recovers a well-posed planted support exactly', () => {
    const { X, y, beta } = sparseInstance(15, 30, 5, new Rng(0, 'diagonal'));
    const omp = orthogonalMatchingPursuit(X, y);
    assert.deepEqual(
      [...omp.support].sort((a, b) => a - b),
      [...beta.keys()].filter((j) => beta[j] !== 0),
    );
    for (let j = 0; j < 30; j++) assert.ok(Math.abs(omp.coefficients[j]! - beta[j]!) < 1e-9);
  });

  it('small-initialization GD interpolates with a smaller ℓ1 norm and another support than OMP', () => {
    // Beyond OMP's recovery regime: OMP takes a wrong atom first and ends with all 10 rows' worth of atoms.
    const { X, y } = sparseInstance(10, 20, 3, new Rng(0, 'diagonal'));
    const omp = orthogonalMatchingPursuit(X, y);
    const gd = diagonalSmallInitGd(X, y);
    assert.ok(gd.residual < 1e-5, `GD residual ${gd.residual}`);
    assert.ok(gd.l1 < omp.l1 - 1, `ℓ1: GD ${gd.l1}, OMP ${omp.l1}`);
    assert.notDeepEqual(
      [...gd.support].sort((a, b) => a - b),
      [...omp.support].sort((a, b) => a - b),
    );
  });
});
