/**
 * Numeric CSV with a header row. Strict on purpose: a ragged row, a
 * non-numeric cell or a NaN is an error naming the file, line and column,
 * never a silently dropped point.
 */
import { type Matrix, zeros } from '../linalg/matrix.js';

export interface Table {
  columns: string[];
  rows: Float64Array[];
}

export class CsvError extends Error {
  override name = 'CsvError';
}

export function parseCsv(text: string, source = 'CSV'): Table {
  const lines = text.split(/\r?\n/);
  let lineNo = 0;
  while (lineNo < lines.length && lines[lineNo]!.trim() === '') lineNo++;
  if (lineNo === lines.length) throw new CsvError(`${source} is empty (expected a header row and data rows)`);
  const columns = splitLine(lines[lineNo]!).map(unquote);
  if (columns.some((c) => c === ''))
    throw new CsvError(`${source} line ${lineNo + 1}: the header has an empty column name`);
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new CsvError(`${source}: column '${c}' appears twice in the header`);
    seen.add(c);
  }
  const rows: Float64Array[] = [];
  for (let i = lineNo + 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const cells = splitLine(lines[i]!);
    if (cells.length !== columns.length) {
      throw new CsvError(`${source} line ${i + 1}: expected ${columns.length} cells, got ${cells.length}`);
    }
    const row = new Float64Array(cells.length);
    cells.forEach((cell, c) => {
      const text = unquote(cell);
      const v = text === '' ? NaN : Number(text);
      if (!Number.isFinite(v)) {
        throw new CsvError(`${source} line ${i + 1}, column '${columns[c]}': '${text}' is not a finite number`);
      }
      row[c] = v;
    });
    rows.push(row);
  }
  if (rows.length === 0) throw new CsvError(`${source} has a header but no data rows`);
  return { columns, rows };
}

/** Split a table into inputs (all other columns, or `features` in that order) and targets. */
export function splitColumns(
  table: Table,
  targets: string[],
  source = 'CSV',
  features?: string[],
): { X: Matrix; Y: Matrix; features: string[] } {
  for (const t of targets) {
    if (!table.columns.includes(t))
      throw new CsvError(`${source}: target column '${t}' is not in the header (${table.columns.join(', ')})`);
  }
  const featureNames = features ?? table.columns.filter((c) => !targets.includes(c));
  if (featureNames.length === 0) throw new CsvError(`${source}: no feature columns besides the target`);
  for (const f of featureNames) {
    if (!table.columns.includes(f))
      throw new CsvError(`${source}: feature column '${f}' is missing (${table.columns.join(', ')})`);
  }
  return {
    X: pick(
      table,
      featureNames.map((f) => table.columns.indexOf(f)),
    ),
    Y: pick(
      table,
      targets.map((t) => table.columns.indexOf(t)),
    ),
    features: featureNames,
  };
}

export function tableToMatrix(table: Table): Matrix {
  return pick(
    table,
    table.columns.map((_, i) => i),
  );
}

export function formatCsv(columns: string[], m: Matrix): string {
  const out: string[] = [columns.join(',')];
  for (let i = 0; i < m.rows; i++)
    out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), String).join(','));
  return `${out.join('\n')}\n`;
}

function pick(table: Table, indices: number[]): Matrix {
  const m = zeros(table.rows.length, indices.length);
  for (const [i, row] of table.rows.entries()) {
    for (const [k, c] of indices.entries()) m.data[i * indices.length + k] = row[c]!;
  }
  return m;
}

function splitLine(line: string): string[] {
  return line.split(',').map((c) => c.trim());
}

function unquote(cell: string): string {
  return cell.length >= 2 && cell.startsWith('"') && cell.endsWith('"') ? cell.slice(1, -1) : cell;
}
