import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCsv, parseCsv, splitColumns } from '../src/io/csv.js';

describe('CSV', () => {
  it('reads a header and numeric rows, splitting features from targets', () => {
    const table = parseCsv('a,b,"y"\n1,2,3\n\n4,5e-1,-6\n', 'f.csv');
    assert.deepEqual(table.columns, ['a', 'b', 'y']);
    const { X, Y, features } = splitColumns(table, ['y'], 'f.csv');
    assert.deepEqual(features, ['a', 'b']);
    assert.deepEqual(Array.from(X.data), [1, 2, 4, 0.5]);
    assert.deepEqual(Array.from(Y.data), [3, -6]);
    const back = parseCsv(formatCsv(['a', 'b'], X));
    assert.deepEqual(
      back.rows.map((r) => Array.from(r)),
      [
        [1, 2],
        [4, 0.5],
      ],
    );
  });

  it('names the file, line and column of every defect', () => {
    assert.throws(() => parseCsv('a,b\n1,2\n3\n', 'f.csv'), /^CsvError: f\.csv line 3: expected 2 cells, got 1$/);
    assert.throws(() => parseCsv('a,b\n1,x\n', 'f.csv'), /f\.csv line 2, column 'b': 'x' is not a finite number/);
    assert.throws(() => parseCsv('a,b\n1,NaN\n', 'f.csv'), /'NaN' is not a finite number/);
    assert.throws(() => parseCsv('a,b\n1,Infinity\n', 'f.csv'), /'Infinity' is not a finite number/);
    assert.throws(() => parseCsv('a,b\n1,\n', 'f.csv'), /'' is not a finite number/);
    assert.throws(() => parseCsv('', 'f.csv'), /f\.csv is empty/);
    assert.throws(() => parseCsv('a,b\n', 'f.csv'), /no data rows/);
    assert.throws(() => parseCsv('a,a\n1,2\n', 'f.csv'), /appears twice/);
    assert.throws(() => splitColumns(parseCsv('a,b\n1,2\n'), ['y'], 'f.csv'), /target column 'y' is not in the header/);
    assert.throws(() => splitColumns(parseCsv('y\n1\n'), ['y'], 'f.csv'), /no feature columns/);
  });
});
