/**
 * This library's side of the benchmark, run in a child process per case:
 *   node dist/bench/engine-np.js CASE DATA_DIR SECONDS
 * prints one JSON line {secondsPerStep (median over blocks), maxRssMiB, backend, threads}; with CASE = peak,
 * {peakGflops: {threads → GFLOP/s}}, the peak of the native kernels' AVX2 without FMA (null without them).
 * It runs the kernels users get: native where the install built them, with NEURON_PURSUIT_THREADS threads.
 * The GD step is `gradientDescent` itself (loss, gradient, update) and the
 * PGA step is `projectedGradientAscent` with convergence checks off.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/linalg/rng.js';
import { Network } from '../src/model/network.js';
import { CandidateNcf } from '../src/ncf/candidate.js';
import { projectedGradientAscent } from '../src/ncf/pga.js';
import { gradientDescent } from '../src/optim/gradient-descent.js';
import { makeActivation } from '../src/model/activation.js';
import { goldenFit, GOLDEN_CASES } from '../test/golden-cases.js';
import { kernelBackend } from '../src/linalg/kernels.js';
import { kernelThreads, nativePeakGflops } from '../src/native/kernels-native.js';
import { BENCH_LR, GD_CASES, PGA_CASE, PGA_LR } from './cases.js';

const [caseName, dataDir, secondsArg] = process.argv.slice(2);
if (caseName === undefined || dataDir === undefined)
  throw new Error('usage: node dist/bench/engine-np.js CASE DATA_DIR SECONDS');
const budget = Number(secondsArg ?? '1');

function load(path: string): Float64Array {
  const b = readFileSync(path);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/**
 * Runs `block(steps)` in blocks until the budget is spent; the median seconds per step.
 * One untimed warm-up step first (first-call setup), then blocks of at least 100 ms,
 * so GD's one closing loss evaluation per call adds at most a few percent.
 */
function measure(block: (steps: number) => void): number {
  block(1);
  let steps = 1;
  for (;;) {
    const t = performance.now();
    block(steps);
    if (performance.now() - t > 100) break;
    steps *= 2;
  }
  const perStep: number[] = [];
  const end = performance.now() + budget * 1000;
  while (performance.now() < end || perStep.length < 5) {
    const t = performance.now();
    block(steps);
    perStep.push((performance.now() - t) / 1000 / steps);
  }
  perStep.sort((a, b) => a - b);
  return perStep[Math.floor(perStep.length / 2)]!;
}

if (caseName === 'peak') {
  const peakGflops = { 1: nativePeakGflops(1, budget), 2: nativePeakGflops(2, budget) };
  process.stdout.write(`${JSON.stringify({ peakGflops })}\n`);
  process.exit(0);
}

let secondsPerStep: number;
if (caseName === 'np-fit') {
  const t = performance.now();
  goldenFit(GOLDEN_CASES[1]);
  secondsPerStep = (performance.now() - t) / 1000;
} else if (caseName === PGA_CASE.name) {
  const { n, kin, kout, restarts } = PGA_CASE;
  const dir = join(dataDir, caseName);
  const ncf = new CandidateNcf(
    { rows: n, cols: kin, data: load(join(dir, 'P.f64')) },
    { rows: n, cols: kout, data: load(join(dir, 'G.f64')) },
    makeActivation(PGA_CASE.activation),
  );
  // All restarts advance every step: convergence and stall checks off.
  secondsPerStep = measure((steps) => {
    projectedGradientAscent(ncf, { restarts, steps, lr: PGA_LR, tol: 0, stallTol: 0, rng: new Rng(0, 'bench/pga') });
  });
} else {
  const c = GD_CASES.find((g) => g.name === caseName);
  if (!c) throw new Error(`unknown case ${caseName}`);
  const dir = join(dataDir, c.name),
    d = c.widths[0]!,
    m = c.widths.at(-1)!;
  const net = new Network(c.widths, makeActivation(c.activation));
  for (let l = 1; l < c.widths.length; l++) net.layer(l).data.set(load(join(dir, `W${l}.f64`)));
  const X = { rows: c.n, cols: d, data: load(join(dir, 'X.f64')) },
    Y = { rows: c.n, cols: m, data: load(join(dir, 'Y.f64')) };
  // Checks only at the start and the end: what remains is the step loop.
  secondsPerStep = measure((steps) => {
    gradientDescent(net, X, Y, { lr: BENCH_LR, maxSteps: steps, tol: 0, targetError: 0, checkEvery: steps + 1 });
  });
}
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
const backend = kernelBackend();
const threads = backend === 'native' ? kernelThreads() : 1;
process.stdout.write(`${JSON.stringify({ secondsPerStep, maxRssMiB, backend, threads })}\n`);
