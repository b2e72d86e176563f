/** Error measures of docs/algorithm.md §2. */
import type { Matrix } from '../linalg/matrix.js';

/** E = Σ‖ŷ_i − y_i‖² / Σ‖y_i‖². */
export function relativeError(predicted: Matrix, target: Matrix): number {
  checkShapes(predicted, target);
  let num = 0,
    den = 0;
  const p = predicted.data,
    t = target.data;
  for (let i = 0; i < t.length; i++) {
    const e = p[i]! - t[i]!;
    num += e * e;
    den += t[i]! * t[i]!;
  }
  return den > 0 ? num / den : num === 0 ? 0 : Infinity;
}

/** Fraction of rows whose argmax differs from the target's argmax. */
export function classificationError(predicted: Matrix, target: Matrix): number {
  checkShapes(predicted, target);
  const m = target.cols;
  let wrong = 0;
  for (let i = 0; i < target.rows; i++) {
    if (argmax(predicted.data, i * m, m) !== argmax(target.data, i * m, m)) wrong++;
  }
  return target.rows === 0 ? 0 : wrong / target.rows;
}

function argmax(a: Float64Array, offset: number, length: number): number {
  let best = 0;
  for (let c = 1; c < length; c++) if (a[offset + c]! > a[offset + best]!) best = c;
  return best;
}

function checkShapes(a: Matrix, b: Matrix): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new RangeError(`predictions are ${a.rows}×${a.cols} but targets are ${b.rows}×${b.cols}`);
  }
}
