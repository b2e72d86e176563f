import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matrix } from '../src/linalg/matrix.js';
import {
  delimiterFor,
  formatCsv,
  parseCsv,
  parseDelimiter,
  readNumber,
  selectColumns,
  shown,
  splitColumns,
} from '../src/io/csv.js';

const rows = (t: { rows: Float64Array[] }) => t.rows.map((r) => Array.from(r));

describe('CSV', () => {
  it('reads a header and numeric rows, splitting features from targets', () => {
    const table = parseCsv('a,b,"y"\n1,2,3\n\n4,5e-1,-6\n', 'f.csv');
    assert.deepEqual(table.columns, ['a', 'b', 'y']);
    const { X, Y, features } = splitColumns(table, ['y'], 'f.csv');
    assert.deepEqual(features, ['a', 'b']);
    assert.deepEqual(Array.from(X.data), [1, 2, 4, 0.5]);
    assert.deepEqual(Array.from(Y.data), [3, -6]);
    assert.deepEqual(rows(parseCsv(formatCsv(['a', 'b'], X))), [
      [1, 2],
      [4, 0.5],
    ]);
  });

  it('reads RFC 4180 quoting, a BOM, CRLF line ends and tabs', () => {
    // a quoted header holding the delimiter, a quote and a line break; a quoted number
    const text = '\ufeff"a, b","say ""hi""","multi\r\nline"\r\n1,"2",3\r\n4,5,6\r\n';
    const table = parseCsv(text, 'q.csv');
    assert.deepEqual(table.columns, ['a, b', 'say "hi"', 'multi\r\nline']);
    assert.deepEqual(rows(table), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const tsv = parseCsv('a\tb,c\n1\t2\n', 't.tsv', { delimiter: '\t' });
    assert.deepEqual([tsv.columns, rows(tsv)], [['a', 'b,c'], [[1, 2]]]);
    assert.equal(delimiterFor('data/x.TSV'), '\t');
    assert.equal(delimiterFor('x.csv'), ',');
    assert.equal(parseDelimiter('tab'), '\t');
    assert.equal(parseDelimiter(';'), ';');
    assert.throws(() => parseDelimiter(';;'), /';;' is not a delimiter/);
    // names that need quoting survive a round trip through formatCsv
    const names = ['x, y', 'q"uote'];
    assert.deepEqual(parseCsv(formatCsv(names, matrix(1, 2, [1, 2]))).columns, names);
  });

  it('names the file, line and column of every defect', () => {
    assert.throws(() => parseCsv('a,b\n1,2\n3\n', 'f.csv'), /^CsvError: f\.csv line 3: expected 2 cells, got 1$/);
    assert.throws(() => parseCsv('a,b\n1,x\n', 'f.csv'), /f\.csv line 2, column 'b': 'x' is not a decimal number/);
    assert.throws(() => parseCsv('a,b\n1,NaN\n', 'f.csv'), /'NaN' is not a finite number/);
    assert.throws(() => parseCsv('a,b\n1,Infinity\n', 'f.csv'), /'Infinity' is not a finite number/);
    assert.throws(() => parseCsv('a,b\n1,\n', 'f.csv'), /f\.csv line 2, column 'b': '' is empty \(a missing value/);
    assert.throws(() => parseCsv('', 'f.csv'), /f\.csv is empty/);
    assert.throws(() => parseCsv('a,b\n', 'f.csv'), /no data rows/);
    assert.throws(() => parseCsv('a,a\n1,2\n', 'f.csv'), /appears twice/);
    // a record with a quoted line break starts on its first line; lines after it keep their numbers
    assert.throws(() => parseCsv('a,b\n\n"1\n",x\n3,4\n', 'f.csv'), /f\.csv line 3, column 'b': 'x'/);
    assert.throws(() => parseCsv('a,b\n"1\n",2\n3,x\n', 'f.csv'), /f\.csv line 4, column 'b': 'x'/);
    assert.throws(
      () => parseCsv('a,b\n1,2\n3,"4\n5,6\n', 'f.csv'),
      /^CsvError: f\.csv line \d: a quoted field is never closed/,
    );
    assert.throws(() => parseCsv('a,b\n1,2"x\n', 'f.csv'), /^CsvError: f\.csv line 2: a '"' inside an unquoted field/);
    assert.throws(() => parseCsv('a,b\n1,"2"x\n', 'f.csv'), /^CsvError: f\.csv line 2: text follows the closing '"'/);
    assert.throws(() => splitColumns(parseCsv('a,b\n1,2\n'), ['y'], 'f.csv'), /target column 'y' not in the header/);
    assert.throws(() => splitColumns(parseCsv('y\n1\n'), ['y'], 'f.csv'), /no feature columns/);
  });
});

describe('the number grammar', () => {
  const read = (cell: string) => {
    const r = readNumber(cell);
    return 'value' in r ? r.value : r.problem;
  };

  it('reads decimal numbers: a sign, digits, a fraction, an exponent, blanks around them', () => {
    const accepted: [string, number][] = [
      ['1', 1],
      ['-2.5', -2.5],
      ['+3', 3],
      ['.5', 0.5],
      ['5.', 5],
      ['-.5e-3', -0.0005],
      ['1E3', 1000],
      ['1e+3', 1000],
      ['007', 7],
      ['1.e5', 100000],
      [' 4 ', 4],
      ['\t4\u00a0', 4],
      ['1e-400', 0], // underflows to 0, as in NumPy
      ['-0', -0],
      ['0.1', 0.1],
      ['2.2250738585072014e-308', 2.2250738585072014e-308],
      ['4.9e-324', 5e-324],
    ];
    for (const [cell, value] of accepted)
      assert.ok(Object.is(read(cell), value), `${JSON.stringify(cell)}: ${read(cell)}`);
  });

  it('refuses everything else, saying why', () => {
    const refused: [string, RegExp][] = [
      ['', /is empty/],
      ['  ', /is empty/],
      ['nan', /not a finite number \(NaN and infinities/],
      ['-Infinity', /not a finite number \(NaN and infinities/],
      ['inf', /not a finite number/],
      ['1e400', /overflows float64/],
      ['0x10', /not a decimal number/], // JavaScript's Number reads 16
      ['0b11', /not a decimal number/],
      ['1_000', /not a decimal number/], // Python's float reads 1000
      ['1,000', /not a decimal number/],
      ['1 000', /not a decimal number/],
      ['1,5', /not a decimal number/], // a decimal comma
      ['e5', /not a decimal number/],
      ['1e', /not a decimal number/],
      ['.', /not a decimal number/],
      ['+-1', /not a decimal number/],
      ['１', /not a decimal number/], // a full-width digit
      ['1\ufffd', /not UTF-8 text/],
    ];
    for (const [cell, problem] of refused) assert.match(String(read(cell)), problem, JSON.stringify(cell));
  });

  it('quotes a cell in a message with its line breaks and invisible characters escaped, and cut short', () => {
    assert.equal(shown('a\nb\tc\u00a0d\ufeff'), "'a\\nb\\tc\\u00a0d\\ufeff'");
    assert.equal(shown('x'.repeat(50)), `'${'x'.repeat(40)}… (50 characters)'`);
  });
});

describe('columns by name', () => {
  const table = parseCsv('id,x2,y,x1\n7,2,3,1\n8,5,6,4\n', 't.csv');

  it('drops the columns asked for, and reads a model its features wherever they stand', () => {
    const train = splitColumns(table, ['y'], 't.csv', ['id']);
    assert.deepEqual(train.features, ['x2', 'x1']);
    const { X, Y } = selectColumns(table, { features: ['x1', 'x2'], targets: ['y'], drop: ['id'] }, 't.csv');
    assert.deepEqual(Array.from(X.data), [1, 2, 4, 5]);
    assert.deepEqual(Array.from(Y!.data), [3, 6]);
    // predict: the model's targets may be absent, and are ignored when present
    const inputs = parseCsv('x2,x1\n2,1\n', 'p.csv');
    const p = selectColumns(inputs, { features: ['x1', 'x2'], targets: ['y'] }, 'p.csv');
    assert.deepEqual([Array.from(p.X.data), p.Y], [[1, 2], undefined]);
  });

  it('refuses a missing feature, a column the model never saw, a missing test target, a bad drop', () => {
    const rule = { features: ['x1', 'x2', 'x5'], targets: ['y'] };
    assert.throws(
      () => selectColumns(table, { ...rule, drop: ['id'] }, 't.csv'),
      /^CsvError: t\.csv: feature column 'x5' missing; the model reads x1, x2, x5$/,
    );
    assert.throws(
      () => selectColumns(table, { features: ['x1', 'x2'], targets: ['y'] }, 't.csv'),
      /t\.csv: column 'id' not among the model's features \(x1, x2\) or targets; to ignore it, pass --drop id/,
    );
    const noTarget = parseCsv('x1,x2\n1,2\n', 'test.csv');
    assert.throws(
      () => selectColumns(noTarget, { features: ['x1', 'x2'], targets: ['y'], requireTargets: true }, 'test.csv'),
      /test\.csv: target column 'y' not in the header/,
    );
    assert.throws(() => splitColumns(table, ['y'], 't.csv', ['nope']), /dropped column 'nope' is not in the header/);
    assert.throws(() => splitColumns(table, ['y'], 't.csv', ['y']), /column 'y' is both a target and dropped/);
  });
});
