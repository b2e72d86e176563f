/**
 * TF.js's side of the benchmark, one case per process:
 *   node bench/engine-tfjs.mjs CASE DATA_DIR SECONDS BACKEND   (BACKEND: cpu | wasm)
 * prints one JSON line {secondsPerStep, maxRssMiB}. TF.js has no float64
 * tensors, so it runs in float32 (which flatters it). CASE np-fit replays the
 * work log of the library's whole NP fit once and reports its seconds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

const [caseName, dataDir, secondsArg, backend] = process.argv.slice(2);
const budget = Number(secondsArg);
if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} is not available`);
await tf.ready();

const dir = join(dataDir, caseName);
const load = (name, shape) => {
  const b = readFileSync(join(dir, name));
  return tf.tensor(
    Float32Array.from(new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))),
    shape,
    'float32',
  );
};
const work = caseName === 'np-fit' ? JSON.parse(readFileSync(join(dataDir, 'np-fit-work.json'), 'utf8')) : null;
const spec = work ? { activation: work.activation } : JSON.parse(process.env.BENCH_CASES)[caseName];
const { p, alpha } = spec.activation;
const sigma = p === 1 ? (alpha === 0 ? (z) => tf.relu(z) : (z) => tf.leakyRelu(z, alpha)) : (z) => tf.square(z);

/** One full-batch GD step: loss, and when asked gradient and update. */
function makeGdStep(X, Y, Ws, n, lr, backward = true) {
  const loss = () => {
    let h = X;
    for (const W of Ws.slice(0, -1)) h = sigma(tf.matMul(h, W, false, true));
    return tf.div(tf.sum(tf.square(tf.sub(tf.matMul(h, Ws.at(-1), false, true), Y))), 2 * n);
  };
  const optimizer = tf.train.sgd(lr);
  return backward ? () => tf.tidy(() => optimizer.minimize(loss, false, Ws)) : () => tf.tidy(() => loss().dataSync());
}

/** One PGA step for all rows of the variable w: w ← (w + lr ∇Σ values) / norm. */
function makePgaStep(valuesOf, w, lr) {
  const grad = tf.grad((wv) => tf.sum(valuesOf(wv)));
  return () =>
    tf.tidy(() => {
      const v = tf.add(w, tf.mul(grad(w), lr));
      w.assign(tf.div(v, tf.norm(v, 'euclidean', 1, true)));
    });
}
const candidateValues = (P, G, kin, kout) => (wv) => {
  const [a, b] = tf.split(wv, [kin, kout], 1);
  return tf.mean(tf.mul(tf.matMul(G, b, false, true), sigma(tf.matMul(P, a, false, true))), 0);
};
// the one-wide network of depth L for every row w = [w_1 (d), w_2 … w_{L−1}, w_L (m)]
const originValues = (X, Y, d, depth, m) => (wv) => {
  const [w1, mid, wL] = tf.split(wv, [d, depth - 2, m], 1);
  let h = sigma(tf.matMul(X, w1, false, true));
  for (let l = 0; l < depth - 2; l++) h = sigma(tf.mul(h, tf.transpose(tf.slice(mid, [0, l], [-1, 1]))));
  return tf.mean(tf.mul(tf.matMul(Y, wL, false, true), h), 0);
};
const sphere = (rows, dim, seed) =>
  tf.variable(
    tf.tidy(() => {
      const w = tf.randomNormal([rows, dim], 0, 1, 'float32', seed);
      return tf.div(w, tf.norm(w, 'euclidean', 1, true));
    }),
  );

let step;
if (work) {
  // Replays the work log of the library's whole NP fit (bench/work-log.ts), as bench/engine_torch.py does.
  const steps = work.entries.map((e, k) => {
    const normal = (shape) => tf.randomNormal(shape, 0, 1, 'float32', k);
    if (e.op === 'pass') {
      const Ws = e.widths
        .slice(1)
        .map((w, i) => tf.variable(tf.mul(normal([w, e.widths[i]]), 1 / Math.sqrt(e.widths[i]))));
      return [
        makeGdStep(normal([e.n, e.widths[0]]), normal([e.n, e.widths.at(-1)]), Ws, e.n, 1e-3, e.backward),
        e.count,
      ];
    }
    if (e.op === 'candidate')
      return [
        makePgaStep(
          candidateValues(normal([e.n, e.kin]), normal([e.n, e.kout]), e.kin, e.kout),
          sphere(e.restarts, e.kin + e.kout, k),
          0.2,
        ),
        e.count,
      ];
    return [
      makePgaStep(
        originValues(normal([e.n, e.d]), normal([e.n, e.m]), e.d, e.depth, e.m),
        sphere(e.restarts, e.d + e.depth - 2 + e.m, k),
        0.2,
      ),
      e.count,
    ];
  });
  const t = performance.now();
  for (const [s, count] of steps) for (let c = 0; c < count; c++) s();
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ secondsPerStep: (performance.now() - t) / 1000, maxRssMiB })}\n`);
  process.exit(0);
} else if (caseName === 'pga-candidate') {
  const { n, kin, kout, restarts, lr } = spec;
  step = makePgaStep(
    candidateValues(load('P.f64', [n, kin]), load('G.f64', [n, kout]), kin, kout),
    tf.variable(load('W0.f64', [restarts, kin + kout])),
    lr,
  );
} else {
  const { widths, n, lr } = spec;
  const Ws = widths.slice(1).map((k, i) => tf.variable(load(`W${i + 1}.f64`, [k, widths[i]])));
  step = makeGdStep(load('X.f64', [n, widths[0]]), load('Y.f64', [n, widths.at(-1)]), Ws, n, lr);
}

// cpu and wasm compute synchronously: a step has finished when it returns.
const block = async (steps) => {
  for (let s = 0; s < steps; s++) step();
};
// One untimed warm-up step (first-call setup), then blocks of at least 100 ms.
await block(1);
let steps = 1;
for (;;) {
  const t = performance.now();
  await block(steps);
  if (performance.now() - t > 100) break;
  steps *= 2;
}
const perStep = [];
const end = performance.now() + budget * 1000;
while (performance.now() < end || perStep.length < 5) {
  const t = performance.now();
  await block(steps);
  perStep.push((performance.now() - t) / 1000 / steps);
}
perStep.sort((a, b) => a - b);
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ secondsPerStep: perStep[Math.floor(perStep.length / 2)], maxRssMiB })}\n`);
