/**
 * Numeric CSV and TSV with a header row, read by csv-parse (RFC 4180: quoted
 * fields may hold delimiters, quotes and line breaks; a BOM and CRLF line ends
 * are fine). Strict on purpose: a ragged row, a non-numeric cell or a NaN is an
 * error naming the file, line and column, never a silently dropped point.
 *
 * Columns are matched by name, as scikit-learn does: a model reads its own
 * feature columns wherever they stand; a missing feature, or a column the model
 * never saw, is an error naming it, except the model's target columns (ignored)
 * and the columns the user drops.
 */
import { CsvError as ParseError, parse } from 'csv-parse/browser/esm/sync';
import { type Matrix, zeros } from '../linalg/matrix.js';

export interface Table {
  columns: string[];
  rows: Float64Array[];
}

export class CsvError extends Error {
  override name = 'CsvError';
}

/** The delimiter a file name suggests: a tab for .tsv and .tab files, else a comma. */
export function delimiterFor(path: string): string {
  return /\.(tsv|tab)$/i.test(path) ? '\t' : ',';
}

/** A delimiter as the user may type it: one character, or `tab` / `\t`. */
export function parseDelimiter(value: string): string {
  if (value === 'tab' || value === '\\t') return '\t';
  if ([...value].length !== 1 || value === '"' || value === '\n' || value === '\r')
    throw new CsvError(`'${value}' is not a delimiter: give one character other than a quote, or 'tab'`);
  return value;
}

interface ParsedRecord {
  record: string[];
  info: { lines: number; empty_lines: number };
}

/** Parse `text` (header row, then numbers); `delimiter` defaults to a comma. */
export function parseCsv(text: string, source = 'CSV', options: { delimiter?: string } = {}): Table {
  let records: ParsedRecord[];
  try {
    records = parse(text, {
      bom: true,
      delimiter: options.delimiter ?? ',',
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as ParsedRecord[];
  } catch (err) {
    throw new CsvError(parseErrorMessage(err, source));
  }
  const header = records[0];
  if (header === undefined) throw new CsvError(`${source} is empty (expected a header row and data rows)`);
  // csv-parse reports the line a record ends on; a quoted line break makes it start earlier.
  let lastLine = 0,
    lastEmpty = 0;
  const startLine = (r: ParsedRecord) => {
    const line = lastLine + 1 + (r.info.empty_lines - lastEmpty);
    lastLine = r.info.lines;
    lastEmpty = r.info.empty_lines;
    return line;
  };
  const headerLine = startLine(header);
  const columns = header.record;
  if (columns.some((c) => c === ''))
    throw new CsvError(`${source} line ${headerLine}: the header has an empty column name`);
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new CsvError(`${source}: column '${c}' appears twice in the header`);
    seen.add(c);
  }
  const rows: Float64Array[] = [];
  for (const r of records.slice(1)) {
    const line = startLine(r);
    const cells = r.record;
    if (cells.length !== columns.length) {
      throw new CsvError(`${source} line ${line}: expected ${columns.length} cells, got ${cells.length}`);
    }
    const row = new Float64Array(cells.length);
    cells.forEach((text, c) => {
      const v = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(v)) {
        throw new CsvError(`${source} line ${line}, column '${columns[c]}': '${text}' is not a finite number`);
      }
      row[c] = v;
    });
    rows.push(row);
  }
  if (rows.length === 0) throw new CsvError(`${source} has a header but no data rows`);
  return { columns, rows };
}

/** csv-parse's error as one line naming the file and line. */
function parseErrorMessage(err: unknown, source: string): string {
  if (!(err instanceof ParseError)) return `${source}: ${String((err as Error).message ?? err)}`;
  const line = (err as ParseError & { lines?: number }).lines;
  const where = line ? `${source} line ${line}` : source;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `${where}: a quoted field is never closed (a '"' without its closing '"')`;
    case 'INVALID_OPENING_QUOTE':
      return `${where}: a '"' inside an unquoted field (quote the whole field, and double the quote inside it)`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `${where}: text follows the closing '"' of a quoted field`;
    default:
      return `${where}: ${err.message.split('\n')[0]}`;
  }
}

/** Which columns of a table are inputs and targets. */
export interface ColumnRule {
  /** Target columns. With `features`, they may be absent (predict) unless `requireTargets`. */
  targets: string[];
  /** The model's feature columns, matched by name (absent: every column that is neither a target nor dropped). */
  features?: string[];
  /** Columns to ignore (an id column, say). */
  drop?: string[];
  /** With `features`: the targets must be there too (a test set). */
  requireTargets?: boolean;
}

/**
 * Split a table into inputs and targets by name. Without `rule.features`, every column that is neither a target nor
 * dropped is a feature; with them, each must be present, and any other column must be a target or dropped.
 */
export function selectColumns(
  table: Table,
  rule: ColumnRule,
  source = 'CSV',
): { X: Matrix; Y: Matrix | undefined; features: string[] } {
  const { targets, features, drop = [] } = rule;
  const has = (c: string) => table.columns.includes(c);
  const list = (names: string[]) => names.map((n) => `'${n}'`).join(', ');
  const header = `(columns: ${table.columns.join(', ')})`;
  for (const d of drop) {
    if (targets.includes(d)) throw new CsvError(`column '${d}' is both a target and dropped`);
    if (!has(d)) throw new CsvError(`${source}: dropped column '${d}' is not in the header ${header}`);
  }
  const missingTargets = targets.filter((t) => !has(t));
  if (missingTargets.length > 0 && (!features || rule.requireTargets)) {
    const what = missingTargets.length === 1 ? 'target column' : 'target columns';
    throw new CsvError(`${source}: ${what} ${list(missingTargets)} not in the header ${header}`);
  }
  let featureNames: string[];
  if (features) {
    const missing = features.filter((f) => !has(f));
    if (missing.length > 0) {
      const what = missing.length === 1 ? 'feature column' : 'feature columns';
      throw new CsvError(`${source}: ${what} ${list(missing)} missing; the model reads ${features.join(', ')}`);
    }
    const unknown = table.columns.filter((c) => !features.includes(c) && !targets.includes(c) && !drop.includes(c));
    if (unknown.length > 0) {
      const [what, them] = unknown.length === 1 ? ['column', 'it'] : ['columns', 'them'];
      const flags = unknown.map((c) => `--drop ${c}`).join(' ');
      throw new CsvError(
        `${source}: ${what} ${list(unknown)} not among the model's features (${features.join(', ')}) ` +
          `or targets; to ignore ${them}, pass ${flags}`,
      );
    }
    featureNames = features;
  } else {
    featureNames = table.columns.filter((c) => !targets.includes(c) && !drop.includes(c));
    if (featureNames.length === 0) throw new CsvError(`${source}: no feature columns besides the target`);
  }
  const index = (names: string[]) => names.map((n) => table.columns.indexOf(n));
  return {
    X: pick(table, index(featureNames)),
    Y: missingTargets.length === 0 ? pick(table, index(targets)) : undefined,
    features: featureNames,
  };
}

/** Features and targets of a training table: every column that is neither a target nor dropped is a feature. */
export function splitColumns(
  table: Table,
  targets: string[],
  source = 'CSV',
  drop: string[] = [],
): { X: Matrix; Y: Matrix; features: string[] } {
  const { X, Y, features } = selectColumns(table, { targets, drop }, source);
  return { X, Y: Y!, features };
}

/** A header row and one row per matrix row; a name holding the delimiter, a quote or a line break is quoted. */
export function formatCsv(columns: string[], m: Matrix, delimiter = ','): string {
  const quote = (name: string) =>
    name.includes(delimiter) || /["\r\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
  const out: string[] = [columns.map(quote).join(delimiter)];
  for (let i = 0; i < m.rows; i++)
    out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), String).join(delimiter));
  return `${out.join('\n')}\n`;
}

function pick(table: Table, indices: number[]): Matrix {
  const m = zeros(table.rows.length, indices.length);
  for (const [i, row] of table.rows.entries()) {
    for (const [k, c] of indices.entries()) m.data[i * indices.length + k] = row[c]!;
  }
  return m;
}
