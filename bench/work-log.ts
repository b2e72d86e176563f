/**
 * The arithmetic work of a whole NP fit, as a replayable log: every network
 * pass (with its widths, batch size and whether it back-propagates) and every
 * NCF evaluation of a PGA step (with its shape and number of active restarts),
 * run-length encoded in call order. PyTorch and TF.js replay the log
 * (bench/engine_torch.py, bench/engine-tfjs.mjs) to time the same work the fit did; the NP logic
 * around it (choosing candidates, δ back-tracking, balancing, bookkeeping)
 * is not replayed, which only favours the reference.
 *
 * It records by wrapping the prototypes of Network, OriginNcf and CandidateNcf
 * for the duration of one call, so the fit it watches is not timed.
 *
 *   node dist/bench/work-log.js DATA_DIR   writes DATA_DIR/np-fit-work.json for
 *   the fit of `npm run bench` (hypercube-f1, n = 1,000, seed 0).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Matrix } from '../src/linalg/matrix.js';
import { Network } from '../src/model/network.js';
import { CandidateNcf } from '../src/ncf/candidate.js';
import { OriginNcf } from '../src/ncf/origin.js';
import { GOLDEN_CASES, goldenFit } from '../test/golden-cases.js';

export type WorkEntry =
  /** Forward (and backward, when `backward`) passes of a network: a GD step when `update`. */
  | { op: 'pass'; widths: number[]; n: number; backward: boolean; update: boolean; count: number }
  /** PGA steps on the origin NCF of a one-wide network of depth L. */
  | { op: 'origin'; d: number; depth: number; m: number; n: number; restarts: number; count: number }
  /** PGA steps on a candidate NCF. */
  | { op: 'candidate'; kin: number; kout: number; n: number; restarts: number; count: number };

export interface WorkLog {
  activation: { p: number; alpha: number };
  entries: WorkEntry[];
}

/** `Omit` applied to each member of a union (plain `Omit` would merge the members). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A work entry before counting. */
type Entry = OmitEach<WorkEntry, 'count'>;

/** Runs `fit` with the library's passes and NCF evaluations recorded. */
export function recordWork(fit: () => { network: Network }): WorkLog {
  const entries: WorkEntry[] = [];
  let lastKey = '';
  const add = (e: Entry): void => {
    const key = JSON.stringify(e);
    if (key === lastKey) entries[entries.length - 1]!.count++;
    else entries.push({ ...e, count: 1 } as WorkEntry);
    lastKey = key;
  };
  const net = Network.prototype,
    origin = OriginNcf.prototype,
    candidate = CandidateNcf.prototype;
  const saved = {
    bind: net.bind,
    loss: net.loss,
    correlation: net.correlation,
    forward: net.forward,
    backprop: net.backpropagateResidual,
    origin: origin.evaluate,
    candidate: candidate.evaluate,
  };
  net.bind = function (this: Network, X: Matrix, Y: Matrix) {
    const batch = saved.bind.call(this, X, Y);
    const widths = [...this.widths];
    return {
      loss: (grad?: Float64Array) => {
        add({ op: 'pass', widths, n: X.rows, backward: grad !== undefined, update: grad !== undefined });
        return batch.loss(grad);
      },
    };
  };
  net.loss = function (this: Network, X: Matrix, Y: Matrix, grad?: Float64Array) {
    add({ op: 'pass', widths: [...this.widths], n: X.rows, backward: grad !== undefined, update: false });
    return saved.loss.call(this, X, Y, grad);
  };
  net.correlation = function (this: Network, X: Matrix, R: Matrix, grad?: Float64Array) {
    add({ op: 'pass', widths: [...this.widths], n: X.rows, backward: grad !== undefined, update: false });
    return saved.correlation.call(this, X, R, grad);
  };
  net.forward = function (this: Network, X: Matrix) {
    add({ op: 'pass', widths: [...this.widths], n: X.rows, backward: false, update: false });
    return saved.forward.call(this, X);
  };
  net.backpropagateResidual = function (this: Network, X: Matrix, R: Matrix) {
    add({ op: 'pass', widths: [...this.widths], n: X.rows, backward: true, update: false });
    return saved.backprop.call(this, X, R);
  };
  origin.evaluate = function (this: OriginNcf, points: Matrix, values: Float64Array, grads: Matrix) {
    add({
      op: 'origin',
      d: this.X.cols,
      depth: this.dim - this.X.cols - this.Y.cols + 2,
      m: this.Y.cols,
      n: this.X.rows,
      restarts: points.rows,
    });
    saved.origin.call(this, points, values, grads);
  };
  candidate.evaluate = function (this: CandidateNcf, points: Matrix, values: Float64Array, grads: Matrix) {
    add({ op: 'candidate', kin: this.inDim, kout: this.outDim, n: this.inputs.rows, restarts: points.rows });
    saved.candidate.call(this, points, values, grads);
  };
  try {
    const { network } = fit();
    return { activation: { p: network.activation.p, alpha: network.activation.alpha }, entries };
  } finally {
    Object.assign(net, {
      bind: saved.bind,
      loss: saved.loss,
      correlation: saved.correlation,
      forward: saved.forward,
      backpropagateResidual: saved.backprop,
    });
    origin.evaluate = saved.origin;
    candidate.evaluate = saved.candidate;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dataDir] = process.argv.slice(2);
  if (dataDir === undefined) throw new Error('usage: node dist/bench/work-log.js DATA_DIR');
  writeFileSync(join(dataDir, 'np-fit-work.json'), JSON.stringify(recordWork(() => goldenFit(GOLDEN_CASES[1]))));
}
