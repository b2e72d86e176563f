/**
 * Numeric CSV and TSV with a header row, read by csv-parse (RFC 4180: quoted
 * fields may hold delimiters, quotes and line breaks; a BOM and CRLF line ends
 * are fine). Strict on purpose: a ragged row, a cell that is not a decimal
 * number (`readNumber`), a NaN or an infinity is an error naming the file, line
 * and column, never a silently dropped point (the rules: docs/own-data.md).
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
  /** The line of the file on which each row starts (blank lines and quoted line breaks make them differ). */
  lines: number[];
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
    throw new CsvError(`${shown(value)} is not a delimiter: give one character other than a quote, or 'tab'`);
  return value;
}

/**
 * A decimal number as NumPy's `loadtxt` reads one, but strict: an optional sign, digits with an optional fraction
 * (`5`, `5.`, `.5`, `5.25`), an optional exponent (`e-3`, `E+7`); blanks around it (any Unicode white space, which
 * csv-parse trims around unquoted fields too) are ignored. Nothing else: no hexadecimal (`0x10`, which JavaScript's
 * `Number` reads as 16), no `1_000`, `1,000` or `1 000`, no NaN or infinity in any spelling, no empty cell.
 * Unambiguous, so a cell of a million digits is matched in linear time.
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/** A cell's number, or why it is none (a phrase to follow the quoted cell). */
export function readNumber(text: string): { value: number } | { problem: string } {
  const t = text.trim();
  if (t === '') return { problem: 'is empty (a missing value: fill it in or drop the row)' };
  if (DECIMAL.test(t)) {
    const value = Number(t);
    return Number.isFinite(value) ? { value } : { problem: 'is not a finite number (it overflows float64)' };
  }
  if (NON_FINITE.test(t)) return { problem: 'is not a finite number (NaN and infinities are refused)' };
  if (t.includes('\ufffd')) return { problem: 'is not UTF-8 text (save the file as UTF-8)' };
  return { problem: "is not a decimal number (digits, an optional '.', an optional exponent, as in -1.5e-3)" };
}

/**
 * A file's text as a message quotes it: in single quotes, with line breaks, tabs, control characters and
 * invisible ones escaped (so the message stays one line and says what is there), and cut after 40 characters.
 */
export function shown(text: string): string {
  return `'${escaped(text)}'`;
}

function escaped(text: string): string {
  const chars = [...text];
  const cut = chars.length > 40 ? `${chars.slice(0, 40).join('')}… (${chars.length} characters)` : text;
  // Control and format characters, line and paragraph separators, and blanks other than the space.
  return cut.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|(?! )\p{Zs}/gu, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`;
  });
}

/** Column names as a message lists them: escaped, the first 20 of a long list and how many there are. */
function nameList(names: readonly string[], separator = ', ', format = escaped): string {
  const listed = names.slice(0, 20).map(format).join(separator);
  return names.length > 20 ? `${listed}${separator}… (${names.length} in all)` : listed;
}

/** A record as csv-parse hands it over, with the offset (in UTF-8 bytes) just past it. */
interface ParsedRecord {
  cells: string[];
  end: number;
}

/**
 * Line numbers of the records csv-parse reads, from the offsets (in UTF-8 bytes) it gives, asked for in increasing
 * order. A line ends at `\n`, `\r\n` or a lone `\r`, whichever the file uses (a line break in a quoted field
 * counts too); a record starts on the line of its first character that is not white space (csv-parse trims white
 * space around fields and skips lines that hold nothing else).
 */
class LineCounter {
  private char = 0;
  private byte = 0;
  private line = 1;

  constructor(private readonly text: string) {}

  /** The line on which the first record after byte `offset` starts. */
  startAfter(offset: number): number {
    const text = this.text;
    while (this.byte < offset && this.char < text.length) this.step();
    while (this.char < text.length && /\s/.test(text[this.char]!)) this.step();
    return this.line;
  }

  private step(): void {
    const c = this.text.codePointAt(this.char)!;
    if (c === 0x0a || (c === 0x0d && this.text[this.char + 1] !== '\n')) this.line++;
    // UTF-8: 1 to 4 bytes; a lone surrogate is written as U+FFFD, 3 bytes.
    this.byte += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    this.char += c < 0x10000 ? 1 : 2;
  }
}

/** Parse `text` (header row, then numbers); `delimiter` defaults to a comma. */
export function parseCsv(text: string, source = 'CSV', options: { delimiter?: string } = {}): Table {
  const lines = new LineCounter(text);
  const records: ParsedRecord[] = [];
  try {
    parse(text, {
      bom: true,
      delimiter: options.delimiter ?? ',',
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: (cells: string[], context: { bytes: number }) => {
        records.push({ cells, end: context.bytes });
        return null;
      },
    });
  } catch (err) {
    // The record that failed starts after the last one read.
    throw new CsvError(parseErrorMessage(err, source, lines.startAfter(records.at(-1)?.end ?? 0)));
  }
  const header = records[0];
  if (header === undefined) throw new CsvError(`${source} is empty (expected a header row and data rows)`);
  const headerLine = lines.startAfter(0);
  const columns = header.cells;
  const seen = new Map<string, number>();
  for (const [i, c] of columns.entries()) {
    const where = `${source} line ${headerLine}, column ${i + 1}`;
    if (c === '') throw new CsvError(`${where}: the header has an empty column name`);
    if (c.includes('\ufffd'))
      throw new CsvError(`${where}: the name ${shown(c)} is not UTF-8 text (save the file as UTF-8)`);
    const first = seen.get(c);
    if (first !== undefined)
      throw new CsvError(`${where}: column ${shown(c)} appears twice in the header (also column ${first + 1})`);
    seen.set(c, i);
  }
  const rows: Float64Array[] = [];
  const rowLines: number[] = [];
  for (let r = 1; r < records.length; r++) {
    const line = lines.startAfter(records[r - 1]!.end);
    rowLines.push(line);
    const cells = records[r]!.cells;
    if (cells.length !== columns.length) {
      throw new CsvError(`${source} line ${line}: expected ${columns.length} cells, got ${cells.length}`);
    }
    const row = new Float64Array(cells.length);
    for (let c = 0; c < cells.length; c++) {
      const number = readNumber(cells[c]!);
      if ('problem' in number)
        throw new CsvError(
          `${source} line ${line}, column ${shown(columns[c]!)}: ${shown(cells[c]!)} ${number.problem}`,
        );
      row[c] = number.value;
    }
    rows.push(row);
  }
  if (rows.length === 0) throw new CsvError(`${source} has a header but no data rows`);
  return { columns, rows, lines: rowLines };
}

/** csv-parse's error as one line naming the file and the line where the failing record starts. */
function parseErrorMessage(err: unknown, source: string, line: number): string {
  if (!(err instanceof ParseError)) return `${source}: ${String((err as Error).message ?? err).split('\n')[0]}`;
  const where = `${source} line ${line}`;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `${where}: a quoted field is never closed (a '"' without its closing '"')`;
    case 'INVALID_OPENING_QUOTE':
      return `${where}: a '"' inside an unquoted field (quote the whole field, and double the quote inside it)`;
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
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
  // Sets and a map, not list searches: a file of 100,000 columns is read in linear time.
  const position = new Map(table.columns.map((c, i) => [c, i]));
  const has = (c: string) => position.has(c);
  const [targetSet, dropSet] = [new Set(targets), new Set(drop)];
  const list = (names: string[]) => nameList(names, ', ', shown);
  const header = `(columns: ${nameList(table.columns)})`;
  if (targetSet.size < targets.length) {
    const twice = targets.find((t, i) => targets.indexOf(t, i + 1) > i)!;
    throw new CsvError(`${source}: target column ${shown(twice)} is named twice`);
  }
  for (const d of drop) {
    if (targetSet.has(d)) throw new CsvError(`column ${shown(d)} is both a target and dropped`);
    if (!has(d)) throw new CsvError(`${source}: dropped column ${shown(d)} is not in the header ${header}`);
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
      throw new CsvError(`${source}: ${what} ${list(missing)} missing; the model reads ${nameList(features)}`);
    }
    const featureSet = new Set(features);
    const unknown = table.columns.filter((c) => !featureSet.has(c) && !targetSet.has(c) && !dropSet.has(c));
    if (unknown.length > 0) {
      const [what, them] = unknown.length === 1 ? ['column', 'it'] : ['columns', 'them'];
      const flags = nameList(
        unknown.map((c) => `--drop ${c}`),
        ' ',
      );
      throw new CsvError(
        `${source}: ${what} ${list(unknown)} not among the model's features (${nameList(features)}) ` +
          `or targets; to ignore ${them}, pass ${flags}`,
      );
    }
    featureNames = features;
  } else {
    featureNames = table.columns.filter((c) => !targetSet.has(c) && !dropSet.has(c));
    if (featureNames.length === 0) throw new CsvError(`${source}: no feature columns besides the target`);
  }
  const index = (names: string[]) => names.map((n) => position.get(n)!);
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

/** A header row and one row per matrix row, which `parseCsv` reads back to the same names and numbers. */
export function formatCsv(columns: string[], m: Matrix, delimiter = ','): string {
  // Quoted when it holds the delimiter, a quote or a line break, or has blanks at either end (which reading trims).
  const quote = (name: string) =>
    name.includes(delimiter) || /["\r\n]|^[ \t]|[ \t]$/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
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
