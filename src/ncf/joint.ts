/**
 * The paper's joint form (§3.3): the sum of the candidate NCFs of all hidden
 * layers under one norm constraint ‖[a_1, b_1, …, a_{L−1}, b_{L−1}]‖ = 1.
 * Every term has degree p + 1, so its dominant KKT point concentrates on the
 * layer with the largest value; `layerMass` tells which.
 */
import { type Matrix, zeros } from '../linalg/matrix.js';
import type { CandidateNcf } from './candidate.js';
import type { NcfObjective } from './objective.js';

export class JointNcf implements NcfObjective {
  readonly dim: number;
  readonly degree: number;
  /** Start of layer l's block (index l − 1) in a point. */
  readonly offsets: number[];

  constructor(readonly parts: CandidateNcf[]) {
    if (parts.length === 0) throw new RangeError('joint NCF needs at least one layer');
    this.offsets = [];
    let dim = 0;
    for (const part of parts) {
      this.offsets.push(dim);
      dim += part.dim;
    }
    this.dim = dim;
    this.degree = parts[0]!.degree;
  }

  evaluate(points: Matrix, values: Float64Array, grads: Matrix): void {
    const R = points.rows;
    values.fill(0, 0, R);
    const partValues = new Float64Array(R);
    this.parts.forEach((part, k) => {
      const sub = zeros(R, part.dim),
        subGrad = zeros(R, part.dim),
        off = this.offsets[k]!;
      for (let r = 0; r < R; r++)
        sub.data.set(points.data.subarray(r * this.dim + off, r * this.dim + off + part.dim), r * part.dim);
      part.evaluate(sub, partValues, subGrad);
      for (let r = 0; r < R; r++) {
        values[r]! += partValues[r]!;
        grads.data.set(subGrad.data.subarray(r * part.dim, (r + 1) * part.dim), r * this.dim + off);
      }
    });
  }

  /** Squared norm of each layer's block of a point. */
  layerMass(point: ArrayLike<number>): number[] {
    return this.parts.map((part, k) => {
      let s = 0;
      for (let c = 0; c < part.dim; c++) s += point[this.offsets[k]! + c]! ** 2;
      return s;
    });
  }

  /** Layer k's block of a point. */
  block(point: Float64Array, k: number): Float64Array {
    return point.subarray(this.offsets[k], this.offsets[k]! + this.parts[k]!.dim);
  }
}
