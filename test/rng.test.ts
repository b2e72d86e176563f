import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../src/linalg/rng.js';

describe('Rng', () => {
  it('repeats itself from a seed and differs across seeds and streams', () => {
    const draw = (r: Rng) => Array.from({ length: 100 }, () => r.uniform());
    assert.deepEqual(draw(new Rng(5)), draw(new Rng(5)));
    assert.notDeepEqual(draw(new Rng(5)), draw(new Rng(6)));
    assert.notDeepEqual(draw(new Rng(5).fork('a')), draw(new Rng(5).fork('b')));
    assert.deepEqual(draw(new Rng(5).fork('a')), draw(new Rng(5).fork('a')));
  });

  it('draws uniforms in [0, 1) and standard normals with the right moments', () => {
    const rng = new Rng(1);
    let su = 0,
      sn = 0,
      sn2 = 0;
    const N = 200_000;
    for (let i = 0; i < N; i++) {
      const u = rng.uniform();
      assert.ok(u >= 0 && u < 1);
      su += u;
      const z = rng.normal();
      sn += z;
      sn2 += z * z;
    }
    assert.ok(Math.abs(su / N - 0.5) < 0.005);
    assert.ok(Math.abs(sn / N) < 0.01);
    assert.ok(Math.abs(sn2 / N - 1) < 0.02);
  });

  it('draws points on the sphere with the asked radius and no preferred direction', () => {
    const rng = new Rng(2);
    const mean = new Float64Array(3);
    for (let i = 0; i < 20_000; i++) {
      const v = rng.onSphere(3, 2);
      assert.ok(Math.abs(Math.hypot(...v) - 2) < 1e-12);
      for (let c = 0; c < 3; c++) mean[c]! += v[c]! / 20_000;
    }
    for (const m of mean) assert.ok(Math.abs(m) < 0.05);
  });

  it('shuffles into a permutation', () => {
    const p = new Rng(3).permutation(50);
    assert.deepEqual(
      [...p].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });
});
