import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addProductABt, productAB, productAtB, transposeInto } from '../src/linalg/kernels.js';
import { Rng } from '../src/linalg/rng.js';

function gaussian(count: number, rng: Rng): Float64Array {
  const a = new Float64Array(count);
  for (let i = 0; i < count; i++) a[i] = rng.normal();
  return a;
}

// The kernels promise the summation order of the textbook loops, so they must
// match them bit for bit, including the remainder loops (n, cols not multiples of 4).
describe('batched kernels', () => {
  const rng = new Rng(7, 'kernels');
  for (const [rows, inner, n] of [[5, 20, 1001], [3, 7, 6], [1, 1, 1], [23, 40, 264]]) {
    it(`productAB, productAtB, addProductABt equal the plain loops bit for bit (${rows}×${inner}, n = ${n})`, () => {
      const stride = inner + 3, a0 = 2;
      const A = gaussian(a0 + rows * stride, rng), B = gaussian(inner * n, rng), D = gaussian(rows * n, rng);
      const out = new Float64Array(rows * n).fill(NaN);
      productAB(out, A, a0, stride, rows, inner, B, n);
      const expected = new Float64Array(rows * n);
      for (let j = 0; j < rows; j++) {
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let c = 0; c < inner; c++) s += A[a0 + j * stride + c] * B[c * n + i];
          expected[j * n + i] = s;
        }
      }
      assert.deepEqual(out, expected);

      const back = new Float64Array(inner * n).fill(NaN);
      productAtB(back, A, a0, stride, rows, inner, D, n);
      const backExpected = new Float64Array(inner * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < rows; j++) for (let c = 0; c < inner; c++) backExpected[c * n + i] += D[j * n + i] * A[a0 + j * stride + c];
      }
      assert.deepEqual(back, backExpected);

      const start = gaussian(1 + rows * stride, rng);
      const grad = start.slice();
      addProductABt(grad, 1, stride, rows, inner, D, B, n);
      const gradExpected = start.slice();
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < rows; j++) for (let c = 0; c < inner; c++) gradExpected[1 + j * stride + c] += D[j * n + i] * B[c * n + i];
      }
      assert.deepEqual(grad, gradExpected);
    });
  }

  it('transposeInto makes the feature-major panel', () => {
    const M = Float64Array.from([1, 2, 3, 4, 5, 6]); // 3 × 2
    const out = new Float64Array(6);
    transposeInto(out, M, 3, 2);
    assert.deepEqual(Array.from(out), [1, 3, 5, 2, 4, 6]);
  });
});
