/** Small shared helpers for the tests. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Matrix, zeros } from '../src/linalg/matrix.js';
import type { Rng } from '../src/linalg/rng.js';
import { ACTIVATION_NAMES, ACTIVATION_PRESETS, type ActivationSpec } from '../src/model/activation.js';
import { Network } from '../src/model/network.js';

export function gaussianMatrix(rows: number, cols: number, rng: Rng, scale = 1): Matrix {
  const m = zeros(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = scale * rng.normal();
  return m;
}

export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

/** ‖a − b‖ / max(‖a‖, ‖b‖). */
export function relVecDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(na), Math.sqrt(nb), 1e-300);
}

/** Central finite-difference gradient of f at w (w is restored). */
export function numericGradient(f: () => number, w: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    w[i] = v + h;
    const fp = f();
    w[i] = v - h;
    const fm = f();
    w[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** The built command-line entry point. */
export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Run the built CLI in `cwd` and collect its exit code and output. */
export function runCli(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The activations an export must carry: every preset, and custom (p, α) with an integer and a fractional p. */
export const EXPORT_ACTIVATIONS: ActivationSpec[] = [
  ...ACTIVATION_NAMES.map((name) => ({ name, ...ACTIVATION_PRESETS[name] })),
  { name: 'custom', p: 3, alpha: 0.5 },
  { name: 'custom', p: 1.5, alpha: -0.3 },
];

/** A network of the given widths with Gaussian weights of variance 1/fan-in (values stay of order 1 with depth). */
export function randomNetwork(widths: number[], activation: ActivationSpec, rng: Rng): Network {
  const net = new Network(widths, activation);
  for (let l = 1; l <= net.depth; l++) {
    const W = net.layer(l);
    for (let i = 0; i < W.data.length; i++) W.data[i] = rng.normal() / Math.sqrt(W.cols);
  }
  return net;
}

/** max |a − b| over max |b|: the difference relative to the largest reference value. */
export function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0,
    scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-300);
}

/** A sweep file of 18 grid points whose runs take a fraction of a second each (sweep and store tests). */
export const TINY_GRID = `
name: tiny
tasks: [demo, {name: hypersphere-f1, samples: [40]}]
samples: [30, 50]
testSamples: 50
seeds: 2
algorithms: [np, gd]
np: {options: {maxIterations: 2, gdSteps: 500, restarts: 3, pgaSteps: 100}}
gd: {lrs: [0.1, 0.3], maxSteps: 500, width: 8, radius: 0.3}
`;

/** A fit's history without its wall-clock times: what two runs of the same fit share bit for bit. */
export function withoutTimes<R extends { seconds: number }>(history: readonly R[]): Omit<R, 'seconds'>[] {
  return history.map(({ seconds: _s, ...rest }) => rest);
}

/** A run folder's history.json, its history without wall-clock times. */
export function timelessHistory(dir: string): unknown {
  const { history, ...rest } = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'));
  return { ...rest, history: withoutTimes(history) };
}
