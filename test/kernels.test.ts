import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { type KernelActivation, KernelArena, Seed } from '../src/linalg/kernel-arena.js';
import {
  KERNEL_BACKENDS,
  type KernelBackend,
  createArena,
  kernelBackend,
  nativeKernelsAvailable,
  setKernelBackend,
  wasmSimdAvailable,
} from '../src/linalg/kernels.js';
import { kernelThreads, nativeUnavailableReason, setKernelThreads } from '../src/native/kernels-native.js';
import { Rng } from '../src/linalg/rng.js';
import { makeActivation } from '../src/model/activation.js';
import { Network } from '../src/model/network.js';
import { gradientDescent } from '../src/optim/gradient-descent.js';
import { GOLDEN_CASES, goldenFit } from './golden-cases.js';
import { withoutTimes } from './helpers.js';

function gaussian(count: number, rng: Rng): Float64Array {
  const a = new Float64Array(count);
  for (let i = 0; i < count; i++) a[i] = rng.normal();
  return a;
}

/** A panel of the arena holding a copy of `values`. */
function panel(arena: KernelArena, values: Float64Array): Float64Array {
  const view = arena.alloc(values.length);
  view.set(values);
  return view;
}

const ACTIVATIONS = [
  ...['relu', 'leaky-relu', 'square', 'squared-relu', 'linear'].map((name) => ({ name })),
  { name: 'custom', p: 3, alpha: 0.2 }, // through the imported value/derivative
  { name: 'custom', p: 1.5, alpha: -0.5 },
];

/** The backends this machine runs: native where the install built the addon (see 'the native addon' below). */
const BACKENDS = KERNEL_BACKENDS.filter((b) => b !== 'native' || nativeKernelsAvailable());

// The kernels promise the summation order of the textbook loops, so every backend
// must match them bit for bit, including every remainder path of the SIMD blocks
// (rows, columns and samples that are not multiples of the block sizes).
for (const backend of BACKENDS) {
  /** An arena of this backend with room for panels of these lengths. */
  const arenaFor = (lengths: number[], activation?: KernelActivation): KernelArena =>
    createArena(KernelArena.sizeFor(lengths), activation, backend);

  describe(`${backend} kernels`, () => {
    const rng = new Rng(7, 'kernels');
    for (const [rows, inner, n] of [
      [5, 20, 1001],
      [3, 7, 6],
      [1, 1, 1],
      [23, 40, 264],
      [9, 13, 5],
      [2, 3, 3],
    ] as const) {
      it(`productAB, productAtB, addProductABt equal the plain loops bit for bit (${rows}×${inner}, n = ${n})`, () => {
        const stride = inner + 3,
          a0 = 3;
        const arena = arenaFor([
          a0 + rows * stride,
          inner * n,
          rows * n,
          rows * n,
          inner * n,
          n * inner,
          1 + rows * stride,
        ]);
        const A = panel(arena, gaussian(a0 + rows * stride, rng)),
          B = panel(arena, gaussian(inner * n, rng));
        const D = panel(arena, gaussian(rows * n, rng));
        const out = arena.alloc(rows * n).fill(NaN);
        arena.productAB(out, A, a0, stride, rows, inner, B, n);
        const expected = new Float64Array(rows * n);
        for (let j = 0; j < rows; j++) {
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (let c = 0; c < inner; c++) s += A[a0 + j * stride + c]! * B[c * n + i]!;
            expected[j * n + i] = s;
          }
        }
        assert.deepEqual(Array.from(out), Array.from(expected));

        const back = arena.alloc(inner * n).fill(NaN);
        arena.productAtB(back, A, a0, stride, rows, inner, D, n);
        const backExpected = new Float64Array(inner * n);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < rows; j++) {
            for (let c = 0; c < inner; c++) backExpected[c * n + i]! += D[j * n + i]! * A[a0 + j * stride + c]!;
          }
        }
        assert.deepEqual(Array.from(back), Array.from(backExpected));

        // The weight gradient reads its right factor sample-major.
        const Bs = arena.alloc(n * inner);
        arena.toSampleMajor(Bs, B, inner, n);
        for (let i = 0; i < n; i++) for (let c = 0; c < inner; c++) assert.equal(Bs[i * inner + c], B[c * n + i]);
        const start = gaussian(1 + rows * stride, rng);
        const grad = panel(arena, start);
        arena.addProductABt(grad, 1, stride, rows, inner, D, Bs, inner, n);
        const gradExpected = start.slice();
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < rows; j++) {
            for (let c = 0; c < inner; c++) gradExpected[1 + j * stride + c]! += D[j * n + i]! * B[c * n + i]!;
          }
        }
        assert.deepEqual(Array.from(grad), Array.from(gradExpected));
      });
    }

    it('toFeatureMajor and toSampleMajor are inverse copies', () => {
      const arena = arenaFor([6, 6, 6]);
      const M = panel(arena, Float64Array.from([1, 2, 3, 4, 5, 6])); // 3 samples × 2 features
      const F = arena.alloc(6),
        S = arena.alloc(6);
      arena.toFeatureMajor(F, M, 3, 2);
      assert.deepEqual(Array.from(F), [1, 3, 5, 2, 4, 6]);
      arena.toSampleMajor(S, F, 2, 3);
      assert.deepEqual(Array.from(S), Array.from(M));
    });

    for (const spec of ACTIVATIONS) {
      const act = makeActivation(spec);
      const what = `${act.name} p = ${act.p}, α = ${act.alpha}`;
      const claim = 'forwardLayer, backwardLayer and candidatePointwise equal productAB/productAtB and activation.ts';
      it(`${claim} bit for bit (${what})`, () => {
        for (const [rows, inner, n] of [
          [6, 5, 11],
          [4, 3, 8],
          [1, 2, 3],
        ] as const) {
          const lengths = [rows * inner, inner * n, rows * n, rows * n, rows * n, rows * n, rows * n];
          const arena = arenaFor([...lengths, inner * n, inner * n, inner * n, inner * n], act);
          const A = panel(arena, gaussian(rows * inner, rng)),
            B = panel(arena, gaussian(inner * n, rng));
          for (let c = 0; c < inner; c++) B[c * n] = 0; // sample 0 gets z = 0 exactly: the kink
          const Z = arena.alloc(rows * n),
            H = arena.alloc(rows * n),
            Hs = arena.alloc(rows * n);
          const plain = arena.alloc(rows * n);
          arena.forwardLayer(Z, H, Hs, A, 0, inner, rows, inner, B, n);
          arena.productAB(plain, A, 0, inner, rows, inner, B, n);
          assert.deepEqual(Array.from(Z), Array.from(plain));
          for (let j = 0; j < rows; j++) {
            for (let i = 0; i < n; i++) {
              assert.ok(Object.is(H[j * n + i], act.value(Z[j * n + i]!)), `σ(${Z[j * n + i]})`);
              assert.ok(Object.is(Hs[i * rows + j], H[j * n + i]));
            }
          }
          // backward through A to `inner` features, times σ' of pre-activations that include 0 and −0
          const dZ = panel(arena, gaussian(rows * n, rng)),
            Zp = panel(arena, gaussian(inner * n, rng));
          Zp[0] = 0;
          Zp[1] = -0;
          const D = arena.alloc(inner * n),
            back = arena.alloc(inner * n);
          arena.backwardLayer(D, A, 0, inner, rows, inner, dZ, n, Zp);
          arena.productAtB(back, A, 0, inner, rows, inner, dZ, n);
          for (let k = 0; k < inner * n; k++) {
            assert.ok(Object.is(D[k], back[k]! * act.derivative(Zp[k]!)), `σ'(${Zp[k]})`);
          }
        }

        const R = 3,
          n = 31,
          inv = 1 / n;
        const arena = arenaFor([R * n, R * n, R], act);
        const zs = gaussian(R * n, rng),
          us = gaussian(R * n, rng);
        zs[0] = 0;
        const Zc = panel(arena, zs),
          Uc = panel(arena, us),
          values = arena.alloc(R);
        arena.candidatePointwise(values, Zc, Uc, R, n, inv);
        for (let r = 0; r < R; r++) {
          let value = 0;
          for (let k = r * n; k < (r + 1) * n; k++) {
            const s = act.value(zs[k]!),
              ds = act.derivative(zs[k]!);
            value += us[k]! * s;
            assert.equal(Zc[k], us[k]! * ds * inv);
            assert.equal(Uc[k], s * inv);
          }
          assert.equal(values[r], value * inv);
        }
      });
    }

    it('outputSeed sums sample by sample, output by output', () => {
      const n = 7,
        m = 3,
        scale = 0.25;
      const arena = arenaFor([n * m, n * m, n * m, 1]);
      const Z = panel(arena, gaussian(n * m, rng)),
        T = panel(arena, gaussian(n * m, rng));
      const dZ = arena.alloc(n * m),
        value = arena.alloc(1);
      let loss = 0,
        corr = 0;
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < m; c++) {
          const e = Z[c * n + i]! - T[i * m + c]!;
          loss += e * e;
          corr += T[i * m + c]! * Z[c * n + i]!;
        }
      }
      arena.outputSeed(dZ, Z, T, n, m, Seed.Loss, scale, value);
      assert.equal(value[0], loss);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < m; c++) assert.equal(dZ[c * n + i], (Z[c * n + i]! - T[i * m + c]!) * scale);
      }
      arena.outputSeed(dZ, Z, T, n, m, Seed.Correlation, scale, value);
      assert.equal(value[0], corr);
      for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) assert.equal(dZ[c * n + i], T[i * m + c]! * scale);
    });

    it('rejects arrays from outside the arena and allocation past its size', () => {
      const arena = createArena(8, undefined, backend);
      const inside = arena.alloc(4);
      assert.throws(() => arena.toSampleMajor(new Float64Array(4), inside, 2, 2), /not a panel of this arena/);
      assert.throws(() => arena.alloc(arena.capacity), /kernel arena full/);
    });
  });
}

/** Every panel of `arena`'s kernel call, as plain numbers: what the backends are compared on. */
type Outputs = number[][];

/** Runs `call` on arenas of both backends filled with the same values; returns each backend's outputs. */
function onBothBackends(
  lengths: number[],
  activation: KernelActivation,
  seed: string,
  call: (arena: KernelArena, panels: Float64Array[]) => Float64Array[],
): Record<KernelBackend, Outputs> {
  const result = {} as Record<KernelBackend, Outputs>;
  for (const backend of BACKENDS) {
    const rng = new Rng(11, seed);
    const arena = createArena(KernelArena.sizeFor(lengths), activation, backend);
    const panels = lengths.map((length) => panel(arena, gaussian(length, rng)));
    result[backend] = call(arena, panels).map((p) => Array.from(p));
  }
  return result;
}

describe('the native, wasm and ts backends', () => {
  for (const spec of ACTIVATIONS) {
    const act = makeActivation(spec);
    it(`give the same bits in every kernel (${act.name} p = ${act.p}, α = ${act.alpha})`, () => {
      const rows = 7,
        inner = 9,
        n = 13;
      const products = onBothBackends(
        [rows * inner, inner * n, rows * n, rows * n, n * rows, inner * n, rows * n, rows * inner, n * inner],
        act,
        'products',
        (arena, [A, B, Z, H, Hs, back, D, grad, Bs]) => {
          arena.forwardLayer(Z!, H!, Hs!, A!, 0, inner, rows, inner, B!, n);
          arena.backwardLayer(back!, A!, 0, inner, rows, inner, D!, n, B!);
          arena.toSampleMajor(Bs!, B!, inner, n);
          arena.addProductABt(grad!, 0, inner, rows, inner, D!, Bs!, inner, n);
          return [Z!, H!, Hs!, back!, grad!];
        },
      );
      assert.deepEqual(products.ts, products.wasm);
      if (products.native) assert.deepEqual(products.native, products.ts);

      const R = 5;
      const ncf = onBothBackends([R * n, R * n, R], act, 'candidate', (arena, [Z, U, values]) => {
        arena.candidatePointwise(values!, Z!, U!, R, n, 1 / n);
        return [values!, Z!, U!];
      });
      assert.deepEqual(ncf.ts, ncf.wasm);
      if (ncf.native) assert.deepEqual(ncf.native, ncf.ts);

      // odd and even sample counts: the SIMD chain runs two samples per vector
      for (const [d, L, m, samples] of [
        [4, 4, 2, 9],
        [3, 2, 1, 6],
        [5, 3, 3, 1],
      ] as const) {
        const dim = d + (L - 2) + m;
        const origin = onBothBackends(
          [R * samples, R * samples, R * dim, R * dim, samples * m, 4 * L, R],
          act,
          `origin-${L}`,
          (arena, [Z1, D1, W, G, Y, scratch, values]) => {
            arena.originChain(values!, Z1!, D1!, W!, G!, Y!, scratch!, R, samples, d, L, m, 1 / samples);
            return [values!, D1!, G!];
          },
        );
        assert.deepEqual(origin.ts, origin.wasm, `d = ${d}, L = ${L}, m = ${m}, n = ${samples}`);
        if (origin.native) assert.deepEqual(origin.native, origin.ts, `native: d = ${d}, L = ${L}, m = ${m}`);
      }
    });
  }

  it('fit the demo task to the same history, bit for bit', () => {
    const before = kernelBackend();
    const records = BACKENDS.map((backend) => {
      setKernelBackend(backend);
      try {
        const fitted = goldenFit(GOLDEN_CASES[0]);
        return {
          history: withoutTimes(fitted.history),
          params: Array.from(fitted.network.params),
        };
      } finally {
        setKernelBackend(before);
      }
    });
    assert.ok(records[0]!.history.length >= 2);
    for (const record of records.slice(1)) assert.deepEqual(record, records[0]);
  });

  it('default to wasm where WebAssembly SIMD runs, to ts without WebAssembly, and obey the environment', () => {
    assert.equal(wasmSimdAvailable(), true, 'Node 20 has WebAssembly SIMD');
    const kernels = new URL('../src/linalg/kernels.js', import.meta.url).href;
    const backendIn = (prelude: string, env: Record<string, string> = {}) => {
      const load = `const k = await import(${JSON.stringify(kernels)})`;
      const script = `${prelude}; ${load}; process.stdout.write(k.kernelBackend());`;
      const { NEURON_PURSUIT_KERNELS: _unset, ...inherited } = process.env;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...inherited, ...env },
      });
      return r.status === 0
        ? r.stdout
        : `error: ${r.stderr
            .trim()
            .split('\n')
            .find((l) => /^\w*Error: /.test(l))}`;
    };
    assert.equal(backendIn(''), 'wasm', 'the core alone never loads the native addon');
    assert.equal(backendIn('delete globalThis.WebAssembly'), 'ts');
    assert.equal(backendIn('', { NEURON_PURSUIT_KERNELS: 'ts' }), 'ts');
    assert.match(
      backendIn('delete globalThis.WebAssembly', { NEURON_PURSUIT_KERNELS: 'wasm' }),
      /needs WebAssembly SIMD/,
    );
    assert.match(backendIn('', { NEURON_PURSUIT_KERNELS: 'gpu' }), /unknown kernel backend 'gpu'/);
    assert.match(backendIn('', { NEURON_PURSUIT_KERNELS: 'native' }), /native kernel backend is not loaded/);
    assert.throws(() => setKernelBackend('gpu' as KernelBackend), /unknown kernel backend/);
  });
});

describe('the native addon', () => {
  it('is built by the install wherever it can run (a C compiler, x86-64 with AVX2)', (t) => {
    const compiler = spawnSync('cc', ['--version']).status === 0;
    if (!compiler || process.arch !== 'x64' || nativeUnavailableReason.includes('AVX2')) {
      t.skip(`cannot run here: ${nativeUnavailableReason || 'no C compiler or not x86-64'}`);
      return;
    }
    assert.ok(nativeKernelsAvailable(), `native kernels not loaded: ${nativeUnavailableReason}`);
  });

  it('rejects a bad NEURON_PURSUIT_THREADS at the first arena, in one line', (t) => {
    if (!nativeKernelsAvailable()) {
      t.skip(nativeUnavailableReason);
      return;
    }
    const url = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
    const script =
      `await import(${url('../src/native/kernels-native.js')});` +
      `const k = await import(${url('../src/linalg/kernels.js')});` +
      'try { k.createArena(8); } catch (e) { process.stdout.write(e.message); }';
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NEURON_PURSUIT_THREADS: '0.5' },
    });
    assert.equal(r.stdout, "NEURON_PURSUIT_THREADS: expected an integer from 1 to 64, not '0.5'");
  });

  // Threads split samples (products) or restarts (NCF steps) into tasks, never a sum: the same bits for any count.
  it('gives the same bits on 1, 2 and 3 threads, in every kernel and along a GD history', (t) => {
    if (!nativeKernelsAvailable()) {
      t.skip(nativeUnavailableReason);
      return;
    }
    const before = kernelThreads();
    const act = makeActivation({ name: 'leaky-relu' });
    const rows = 50,
      inner = 50,
      n = 3001,
      R = 50,
      d = 10,
      L = 4,
      m = 2;
    const dim = d + (L - 2) + m;
    const kernelsOn = (threads: number): Outputs => {
      setKernelThreads(threads);
      assert.equal(kernelThreads(), threads);
      const rng = new Rng(5, 'threads');
      const lengths = [rows * inner, inner * n, rows * n, rows * n, n * rows, inner * n, rows * inner];
      const ncf = [R * n, R * n, R, R * dim, R * dim, n * m, 4 * L];
      const arena = createArena(KernelArena.sizeFor([...lengths, inner * n, ...ncf]), act, 'native');
      const [A, B, Z, H, Hs, back, grad, Bs, Zc, Uc, values, W, G, Y, scratch] = [...lengths, inner * n, ...ncf].map(
        (length) => panel(arena, gaussian(length, rng)),
      ) as Float64Array[];
      arena.forwardLayer(Z!, H!, Hs!, A!, 0, inner, rows, inner, B!, n);
      arena.backwardLayer(back!, A!, 0, inner, rows, inner, Z!, n, B!);
      arena.toSampleMajor(Bs!, B!, inner, n);
      arena.addProductABt(grad!, 0, inner, rows, inner, Z!, Bs!, inner, n);
      const candidateValues = values!.slice();
      arena.candidatePointwise(values!, Zc!, Uc!, R, n, 1 / n);
      candidateValues.set(values!);
      arena.originChain(values!, Zc!, Uc!, W!, G!, Y!, scratch!, R, n, d, L, m, 1 / n);
      return [Z!, H!, Hs!, back!, grad!, candidateValues, Zc!, values!, Uc!, G!].map((p) => Array.from(p));
    };
    const historyOn = (threads: number) => {
      setKernelThreads(threads);
      const rng = new Rng(9, 'threads/gd');
      const X = { rows: n, cols: d, data: gaussian(n * d, rng) },
        Y = { rows: n, cols: 1, data: gaussian(n, rng) };
      const net = new Network([d, 50, 50, 1], act);
      net.params.set(gaussian(net.size, rng).map((v) => v * 0.1));
      const result = gradientDescent(net, X, Y, { lr: 0.05, maxSteps: 20, tol: 0, targetError: 0, checkEvery: 1 });
      return { trace: result.trace, params: Array.from(net.params) };
    };
    const previous = kernelBackend();
    setKernelBackend('native');
    try {
      const one = kernelsOn(1);
      assert.deepEqual(kernelsOn(2), one);
      assert.deepEqual(kernelsOn(3), one);
      const history = historyOn(1);
      assert.equal(history.trace.length, 21);
      assert.deepEqual(historyOn(2), history);
      assert.deepEqual(historyOn(3), history);
    } finally {
      setKernelThreads(before);
      setKernelBackend(previous);
    }
  });
});
