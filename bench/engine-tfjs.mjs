/**
 * TF.js's side of the benchmark, one case per process:
 *   node bench/engine-tfjs.mjs CASE DATA_DIR SECONDS BACKEND   (BACKEND: cpu | wasm)
 * prints one JSON line {secondsPerStep, maxRssMiB}. TF.js has no float64
 * tensors, so it runs in float32 (which flatters it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

const [caseName, dataDir, secondsArg, backend] = process.argv.slice(2);
const budget = Number(secondsArg);
const spec = JSON.parse(process.env.BENCH_CASES)[caseName];
if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} is not available`);
await tf.ready();

const dir = join(dataDir, caseName);
const load = (name, shape) => {
  const b = readFileSync(join(dir, name));
  return tf.tensor(Float32Array.from(new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))), shape, 'float32');
};
const { p, alpha } = spec.activation;
const sigma = p === 1 ? (alpha === 0 ? (z) => tf.relu(z) : (z) => tf.leakyRelu(z, alpha)) : (z) => tf.square(z);

let step;
if (caseName === 'pga-candidate') {
  const { n, kin, kout, restarts, lr } = spec;
  const P = load('P.f64', [n, kin]), G = load('G.f64', [n, kout]);
  const w = tf.variable(load('W0.f64', [restarts, kin + kout]));
  const f = (wv) => {
    const [a, b] = tf.split(wv, [kin, kout], 1);
    return tf.sum(tf.mean(tf.mul(tf.matMul(G, b, false, true), sigma(tf.matMul(P, a, false, true))), 0));
  };
  const grad = tf.grad(f);
  step = () => tf.tidy(() => {
    const v = tf.add(w, tf.mul(grad(w), lr));
    w.assign(tf.div(v, tf.norm(v, 'euclidean', 1, true)));
  });
} else {
  const { widths, n, lr } = spec;
  const X = load('X.f64', [n, widths[0]]), Y = load('Y.f64', [n, widths.at(-1)]);
  const Ws = widths.slice(1).map((k, i) => tf.variable(load(`W${i + 1}.f64`, [k, widths[i]])));
  const optimizer = tf.train.sgd(lr);
  step = () => tf.tidy(() => {
    optimizer.minimize(() => {
      let h = X;
      for (const W of Ws.slice(0, -1)) h = sigma(tf.matMul(h, W, false, true));
      return tf.div(tf.sum(tf.square(tf.sub(tf.matMul(h, Ws.at(-1), false, true), Y))), 2 * n);
    }, false, Ws);
  });
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
process.stdout.write(JSON.stringify({ secondsPerStep: perStep[Math.floor(perStep.length / 2)], maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
