/**
 * Dense row-major float64 matrices and the few kernels the rest of the code
 * is built on. A Matrix is plain data, so it crosses worker and JSON
 * boundaries without ceremony.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major: entry (i, j) is data[i * cols + j]. */
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function matrix(rows: number, cols: number, data: ArrayLike<number>): Matrix {
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix ${rows}×${cols} needs ${rows * cols} entries, got ${data.length}`);
  }
  return { rows, cols, data: Float64Array.from(data) };
}

export function fromRows(rows: ArrayLike<ArrayLike<number>>): Matrix {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0]!.length;
  const m = zeros(r, c);
  for (let i = 0; i < r; i++) {
    if (rows[i]!.length !== c) throw new RangeError(`row ${i} has ${rows[i]!.length} entries, expected ${c}`);
    m.data.set(rows[i]!, i * c);
  }
  return m;
}

/** What the library's `fit` and `predict` take: a Matrix, or rows of numbers as plain arrays. */
export type MatrixLike = Matrix | readonly (readonly number[])[];

/**
 * A Matrix from a Matrix (as is) or from rows of numbers (copied); `name` ('X') names it in the one-line error a
 * ragged or non-numeric value gets. With `columnVector`, a flat array of numbers is one column (a single target).
 */
export function toMatrix(value: MatrixLike | readonly number[], name = 'X', columnVector = false): Matrix {
  if (!Array.isArray(value)) {
    const m = value as Partial<Matrix> | null;
    if (m && m.data instanceof Float64Array && Number.isInteger(m.rows) && Number.isInteger(m.cols)) {
      if (m.data.length !== m.rows! * m.cols!)
        throw new RangeError(`${name} is a ${m.rows}×${m.cols} Matrix holding ${m.data.length} entries`);
      return m as Matrix;
    }
    throw new TypeError(`${name} must be a Matrix or an array of rows of numbers (number[][])`);
  }
  const rows = value as readonly unknown[];
  if (columnVector && rows.every((v) => typeof v === 'number')) return column(rows as number[]);
  const cols = Array.isArray(rows[0]) ? rows[0].length : -1;
  const out = zeros(rows.length, Math.max(cols, 0));
  for (const [i, row] of rows.entries()) {
    if (!Array.isArray(row))
      throw new TypeError(`${name} must be a Matrix or an array of rows of numbers; row ${i} is not an array`);
    if (row.length !== cols) throw new RangeError(`${name} row ${i} has ${row.length} entries, row 0 has ${cols}`);
    for (const [j, v] of row.entries()) {
      if (typeof v !== 'number')
        throw new TypeError(`${name} row ${i}, column ${j}: ${JSON.stringify(v)} is not a number`);
      out.data[i * cols + j] = v;
    }
  }
  return out;
}

export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** A column vector (n × 1) from values. */
export function column(values: ArrayLike<number>): Matrix {
  return matrix(values.length, 1, values);
}

export function clone(m: Matrix): Matrix {
  return { rows: m.rows, cols: m.cols, data: m.data.slice() };
}

/** Row i as a view (no copy). */
export function rowView(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** The rows at the given indices, copied. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = zeros(indices.length, m.cols);
  for (let k = 0; k < indices.length; k++) out.data.set(rowView(m, indices[k]!), k * m.cols);
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

export function sumOfSquares(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(sumOfSquares(a));
}

/** out = A Bᵀ, A: n×k, B: r×k, out: n×r. */
export function matmulABt(A: Matrix, B: Matrix, out: Matrix = zeros(A.rows, B.rows)): Matrix {
  const n = A.rows,
    k = A.cols,
    r = B.rows;
  if (B.cols !== k || out.rows !== n || out.cols !== r) throw new RangeError('matmulABt: shape mismatch');
  const a = A.data,
    b = B.data,
    o = out.data;
  for (let i = 0; i < n; i++) {
    const ai = i * k;
    for (let j = 0; j < r; j++) {
      const bj = j * k;
      let s = 0;
      for (let t = 0; t < k; t++) s += a[ai + t]! * b[bj + t]!;
      o[i * r + j] = s;
    }
  }
  return out;
}

/** out = Aᵀ B, A: n×r, B: n×k, out: r×k. */
export function matmulAtB(A: Matrix, B: Matrix, out: Matrix = zeros(A.cols, B.cols)): Matrix {
  const n = A.rows,
    r = A.cols,
    k = B.cols;
  if (B.rows !== n || out.rows !== r || out.cols !== k) throw new RangeError('matmulAtB: shape mismatch');
  const a = A.data,
    b = B.data,
    o = out.data;
  o.fill(0);
  for (let i = 0; i < n; i++) {
    const bi = i * k;
    for (let j = 0; j < r; j++) {
      const aij = a[i * r + j]!;
      if (aij === 0) continue;
      const oj = j * k;
      for (let t = 0; t < k; t++) o[oj + t]! += aij * b[bi + t]!;
    }
  }
  return out;
}

/** True when every entry is a finite number. */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/** Largest absolute entry. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > m) m = v;
  }
  return m;
}
