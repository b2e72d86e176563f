/**
 * The benchmark cases of issue 4: network shapes of the paper's runs, and a
 * deterministic data set for each, written as raw float64 files so every
 * engine (this library, PyTorch, TF.js) steps on the same numbers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/linalg/rng.js';

export interface GdCase {
  name: string;
  /** [d, k_1, …, m] */
  widths: number[];
  n: number;
  activation: { name: string; p: number; alpha: number };
}

export const GD_CASES: GdCase[] = [
  { name: 'np-hypercube', widths: [20, 5, 2, 1], n: 1000, activation: { name: 'leaky-relu', p: 1, alpha: 0.1 } },
  { name: 'gd-wide', widths: [20, 50, 50, 1], n: 3200, activation: { name: 'leaky-relu', p: 1, alpha: 0.1 } },
  { name: 'modular-addition', widths: [47, 40, 23], n: 264, activation: { name: 'square', p: 2, alpha: -1 } },
  { name: 'gaussian-4-layer', widths: [10, 16, 3, 2, 1], n: 1600, activation: { name: 'relu', p: 1, alpha: 0 } },
];

/** One PGA step over all restarts of a candidate NCF: n samples, k_{l−1} inputs, k_{l+1} outputs. */
export const PGA_CASE = {
  name: 'pga-candidate',
  n: 1000,
  kin: 20,
  kout: 5,
  restarts: 50,
  activation: { name: 'leaky-relu', p: 1, alpha: 0.1 },
};

/** GD step size used by every engine (small: random targets must not diverge). */
export const BENCH_LR = 1e-3;
export const PGA_LR = 0.2;

/**
 * Flops of one GD step, the products only: 2·n·k_l k_{l−1} per layer forward, as much for each weight gradient, and
 * as much for each layer's input gradient but the first layer's (nothing needs the gradient of the data).
 */
export function gdFlops(c: GdCase): number {
  let s = 0;
  for (let l = 1; l < c.widths.length; l++) s += c.widths[l]! * c.widths[l - 1]! * (l === 1 ? 2 : 3);
  return 2 * c.n * s;
}

/**
 * Flops of one PGA step over all restarts, the products only: P a and G b forward, Pᵀ(…) and Gᵀ(…) for the gradients
 * of a and b — 2·n·(k_{l−1} + k_{l+1}) each way.
 */
export function pgaFlops(): number {
  const { n, kin, kout, restarts } = PGA_CASE;
  return 2 * 2 * n * restarts * (kin + kout);
}

function gaussian(count: number, rng: Rng, scale = 1): Float64Array {
  const a = new Float64Array(count);
  for (let i = 0; i < count; i++) a[i] = scale * rng.normal();
  return a;
}

/** Writes X, Y and the initial weights (one file per layer, row-major k_l × k_{l−1}) of every case. */
export function writeBenchData(dir: string): void {
  const rng = new Rng(0, 'bench');
  for (const c of GD_CASES) {
    const r = rng.fork(c.name),
      d = c.widths[0]!,
      m = c.widths.at(-1)!;
    const caseDir = join(dir, c.name);
    mkdirSync(caseDir, { recursive: true });
    writeFileSync(join(caseDir, 'X.f64'), gaussian(c.n * d, r));
    writeFileSync(join(caseDir, 'Y.f64'), gaussian(c.n * m, r));
    for (let l = 1; l < c.widths.length; l++) {
      writeFileSync(
        join(caseDir, `W${l}.f64`),
        gaussian(c.widths[l]! * c.widths[l - 1]!, r, 1 / Math.sqrt(c.widths[l - 1]!)),
      );
    }
  }
  const r = rng.fork(PGA_CASE.name),
    { n, kin, kout, restarts } = PGA_CASE;
  const caseDir = join(dir, PGA_CASE.name);
  mkdirSync(caseDir, { recursive: true });
  writeFileSync(join(caseDir, 'P.f64'), gaussian(n * kin, r));
  writeFileSync(join(caseDir, 'G.f64'), gaussian(n * kout, r));
  const w = new Float64Array(restarts * (kin + kout));
  for (let q = 0; q < restarts; q++) w.set(r.onSphere(kin + kout), q * (kin + kout));
  writeFileSync(join(caseDir, 'W0.f64'), w);
}
