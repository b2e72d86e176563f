/**
 * What GradMax and TINY read of a hidden layer l at the saddle: P (rows h_{l−1}(x_i), the new neuron's inputs),
 * G (rows g_i = J_{l+1}(x_i)ᵀ r_i, the residual back-propagated to the pre-activations the new neuron feeds; the
 * loss's gradient there is −G/n) and H (rows h_l(x_i), the layer's present outputs), with the small dense algebra
 * their factorizations need (ml-matrix does the factorizations).
 */
import { Matrix as MlMatrix } from 'ml-matrix';
import { type Matrix, matmulABt, matmulAtB } from '../../linalg/matrix.js';
import type { Network } from '../../model/network.js';
import { tieSlope } from '../../ncf/candidates.js';
import type { ResolvedOptions } from '../options.js';

export interface LayerStatistics {
  /** Hidden layer (1-based). */
  layer: number;
  P: Matrix;
  G: Matrix;
}

/** P and G of every hidden layer (σ′ at ties by the run's tie rule, as NP's candidates see them). */
export function layerStatistics(net: Network, X: Matrix, R: Matrix, o: ResolvedOptions): LayerStatistics[] {
  const { inputs, residuals } = net.backpropagateResidual(X, R, tieSlope(o.tieRule, net.activation.alpha));
  return inputs.map((P, i) => ({ layer: i + 1, P, G: residuals[i]! }));
}

/** H = σ(P W_lᵀ): the outputs of hidden layer l on inputs P. */
export function layerOutputs(net: Network, l: number, P: Matrix): Matrix {
  const H = matmulABt(P, net.layer(l));
  const sigma = net.activation.value;
  for (let i = 0; i < H.data.length; i++) H.data[i] = sigma(H.data[i]!);
  return H;
}

/** AᵀB / n. */
export function crossMoment(A: Matrix, B: Matrix): MlMatrix {
  const M = matmulAtB(A, B);
  for (let i = 0; i < M.data.length; i++) M.data[i]! /= A.rows;
  return toMl(M);
}

export function toMl(m: Matrix): MlMatrix {
  return MlMatrix.from1DArray(m.rows, m.cols, Array.from(m.data));
}

/** A column of an ml-matrix as a Float64Array, its sign fixed (largest entry in absolute value positive). */
export function signedColumn(m: MlMatrix, j: number): Float64Array {
  const v = Float64Array.from(m.getColumn(j));
  let big = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]!) > Math.abs(v[big]!)) big = i;
  if (v[big]! < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i]!;
  return v;
}
