/**
 * Generators of the inputs the fuzz tests feed the tool (test/fuzz-readers.test.ts in process,
 * test/fuzz-cli.test.ts through the command line), and their settings: numeric tables and the CSV files that spell
 * them (cleanly, noisily, or with one defect at a known line and column), and mutations of JSON documents. What is
 * fuzzed and why: docs/fuzzing.md.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../src/linalg/rng.js';

/** A count from the environment (`NP_FUZZ_RUNS=5000 npm run fuzz`), or its default. */
function setting(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name}=${text}: expected a whole number`);
  return value;
}

/** Cases per in-process property: a few dozen in `npm test`, thousands in `npm run fuzz`. */
export const RUNS = setting('NP_FUZZ_RUNS', 40);
/** Cases per end-to-end property (each one spawns the CLI, about a second here). */
export const CLI_RUNS = setting('NP_FUZZ_CLI_RUNS', 2);
/** The seed of every property: the same cases on every run; fast-check prints a failing case's seed and path. */
export const SEED = setting('NP_FUZZ_SEED', 23);

/** fast-check's parameters for a property of `numRuns` cases. */
export const params = (numRuns: number) => ({ numRuns, seed: SEED, includeErrorInReport: true });

// ---------------------------------------------------------------------------------------------------------------
// Numeric tables and their CSV spellings

export interface NumericTable {
  columns: string[];
  rows: number[][];
}

/** Characters of column names: delimiters, quotes, line breaks and non-ASCII among them (quoting keeps them). */
const NAME_CHARS = [
  'a',
  'b',
  'x',
  'Y',
  '1',
  '_',
  '-',
  ' ',
  '.',
  ',',
  ';',
  '|',
  '"',
  "'",
  '\t',
  '\n',
  '\r',
  'é',
  '中',
  '😀',
];
const blankEnds = /^[\s\u00a0]|[\s\u00a0]$/;
export const columnName = fc
  .string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: 6 })
  .filter((name) => !blankEnds.test(name));

/** Numbers from every corner of float64: integers, fractions, extremes, subnormals, −0. */
export const anyNumber = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -10, max: 10, noNaN: true }),
  fc.constantFrom(0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e21, 1e-7, 0.1, -1 / 3),
);

/** Tables of 1–5 columns and 1–6 rows, now and then a wide (up to 400 columns) or a long one (up to 600 rows). */
export function numericTable(value = anyNumber, name = columnName): fc.Arbitrary<NumericTable> {
  const shape = fc.oneof(
    { arbitrary: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 })), weight: 18 },
    { arbitrary: fc.tuple(fc.integer({ min: 50, max: 400 }), fc.integer({ min: 1, max: 3 })), weight: 1 },
    { arbitrary: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 100, max: 600 })), weight: 1 },
  );
  return shape.chain(([cols, rows]) =>
    fc.record({
      columns: fc.uniqueArray(name, { minLength: cols, maxLength: cols }),
      rows: fc.array(fc.array(value, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
    }),
  );
}

/** A number as `String` writes it, keeping the sign of −0. */
export function spell(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/** Spellings of exactly the same decimal value (so of the same double), in the accepted grammar. */
export function spellings(v: number): string[] {
  const s = spell(v);
  const sign = s.startsWith('-') ? '-' : '';
  const body = sign ? s.slice(1) : s;
  const [mantissa, exponent] = body.split('e') as [string, string | undefined];
  const e = exponent === undefined ? '' : `e${exponent}`;
  const out = [s, `${sign}${Math.abs(v).toExponential()}`, `${sign}${body.toUpperCase()}`, `${sign}00${body}`];
  if (!sign) out.push(`+${body}`);
  if (mantissa.includes('.')) out.push(`${sign}${mantissa}000${e}`);
  else out.push(`${sign}${mantissa}.${e}`, `${sign}${mantissa}.00${e}`);
  if (mantissa.startsWith('0.')) out.push(`${sign}${mantissa.slice(1)}${e}`);
  if (exponent === undefined) out.push(`${s}e0`, `${s}E-00`);
  else out.push(`${sign}${mantissa}e${exponent.replace(/^([+-]?)/, '$10')}`);
  return out;
}

/** A field as RFC 4180 writes it when it must be quoted. */
export const quoted = (text: string) => `"${text.replace(/"/g, '""')}"`;

/** A header name as a careful writer spells it: quoted when it holds the delimiter, a quote or a line break. */
function headerField(name: string, delimiter: string): string {
  return name.includes(delimiter) || /["\r\n]/.test(name) ? quoted(name) : name;
}

/** The plain spelling of a table: minimal quoting, `String`'s numbers, `\n` line ends. */
export function cleanCsv(table: NumericTable, delimiter: string): string {
  const lines = [table.columns.map((c) => headerField(c, delimiter)).join(delimiter)];
  for (const row of table.rows) lines.push(row.map(spell).join(delimiter));
  return `${lines.join('\n')}\n`;
}

/** How many line breaks (`\r\n`, `\r` or `\n`) a text holds. */
export const lineBreaks = (text: string) => text.match(/\r\n|\r|\n/g)?.length ?? 0;

/**
 * The same table spelled as people and programs do: a BOM, `\r\n` or `\r` line ends, blank lines (some holding
 * blanks), blanks around fields, quotes around any field, other spellings of the same numbers, no final line end.
 * Decisions come from a seeded generator (`seed`). Returns the text and the line each data row starts on.
 */
export function noisyCsv(table: NumericTable, delimiter: string, seed: number): { text: string; lines: number[] } {
  const rng = new Rng(seed, 'csv-noise');
  const pick = <T>(items: readonly T[]) => items[rng.int(items.length)]!;
  const ascii = [' ', '  ', '\t', ' \t'].filter((b) => !b.includes(delimiter));
  const blanks = [...ascii, '\u00a0', '\u2003 '];
  // Any Unicode blank around a field, but only spaces and tabs after a closing quote (csv-parse refuses others there).
  const pad = (afterQuote = false) => (rng.int(4) === 0 ? pick(afterQuote ? ascii : blanks) : '');
  const eol = pick(['\n', '\r\n', '\r']);
  const blankLines = () => {
    let out = '';
    while (rng.int(4) === 0) out += (rng.int(2) === 0 ? '' : pick(blanks)) + eol;
    return out;
  };
  let text = (rng.int(3) === 0 ? '\ufeff' : '') + blankLines();
  text += table.columns
    .map((c) => {
      const field = headerField(c, delimiter) === c && rng.int(3) === 0 ? quoted(c) : headerField(c, delimiter);
      return pad() + field + pad(field.endsWith('"'));
    })
    .join(delimiter);
  const lines: number[] = [];
  for (const row of table.rows) {
    text += eol + blankLines();
    lines.push(lineBreaks(text) + 1);
    text += row
      .map((v) => {
        const number = pick(spellings(v));
        return rng.int(4) === 0 ? pad() + quoted(pad() + number + pad()) + pad(true) : pad() + number + pad();
      })
      .join(delimiter);
  }
  if (rng.int(3) > 0) text += eol + blankLines();
  return { text, lines };
}

/** Cells that are not decimal numbers, each with the words of the error it must draw. */
export const BAD_CELLS: [cell: string, problem: RegExp][] = [
  ['', /is empty/],
  ['NaN', /not a finite number/],
  ['nan', /not a finite number/],
  ['-inf', /not a finite number/],
  ['+Infinity', /not a finite number/],
  ['INF', /not a finite number/],
  ['1e400', /overflows float64/],
  ['-1e999', /overflows float64/],
  [`1${'0'.repeat(400)}`, /overflows float64/],
  ['0x10', /not a decimal number/],
  ['0X1F', /not a decimal number/],
  ['0b1', /not a decimal number/],
  ['0o7', /not a decimal number/],
  ['1_000', /not a decimal number/],
  ['1,000', /not a decimal number/],
  ['1 000', /not a decimal number/],
  ['1\u00a0000', /not a decimal number/],
  ['1\u2009000', /not a decimal number/],
  ['١٢', /not a decimal number/],
  ['１', /not a decimal number/],
  ['e5', /not a decimal number/],
  ['1e', /not a decimal number/],
  ['1e+', /not a decimal number/],
  ['.', /not a decimal number/],
  ['-', /not a decimal number/],
  ['++1', /not a decimal number/],
  ['1..2', /not a decimal number/],
  ['1.2.3', /not a decimal number/],
  ['1e5.5', /not a decimal number/],
  ['abc', /not a decimal number/],
  ['true', /not a decimal number/],
  ['1\n2', /not a decimal number/],
  ['\u0000', /not a decimal number/],
  ['1%', /not a decimal number/],
  ['$1', /not a decimal number/],
  ['½', /not a decimal number/],
  ['1d', /not a decimal number/],
  ['\ufffd', /not UTF-8 text/],
  ['1\ufffd', /not UTF-8 text/],
  [`${'1'.repeat(100_000)}x`, /not a decimal number/],
];

/** One defect put into a CSV file, and where the error must say it is. */
export interface CsvDefect {
  text: string;
  /** `line N` or `line N, column 'name'`: what follows the file name in the message. */
  place: string;
  /** The words the message must hold after the place. */
  problem: RegExp;
  what: string;
}

/**
 * A table's plain spelling with one defect put in: a cell that is not a decimal number, a row with a cell too
 * few or too many, a quote never closed, a stray quote, text after a closing quote, a header name repeated,
 * empty or not UTF-8. `shown` is how messages quote a name (src/io/csv.ts).
 */
export function csvWithDefect(
  table: NumericTable,
  delimiter: string,
  choice: { kind: number; row: number; col: number; cell: number },
  shown: (text: string) => string,
): CsvDefect {
  const header = table.columns.map((c) => headerField(c, delimiter));
  const rows = table.rows.map((row) => row.map(spell));
  const r = choice.row % rows.length;
  const c = choice.col % header.length;
  const headerLines = lineBreaks(header.join(delimiter));
  const line = headerLines + 2 + r;
  const text = () => `${[header.join(delimiter), ...rows.map((row) => row.join(delimiter))].join('\n')}\n`;
  const kinds = [
    'cell',
    'cell',
    'cell',
    'short row',
    'long row',
    'unclosed',
    'stray',
    'after',
    'twice',
    'empty',
    'utf8',
  ];
  let kind = kinds[choice.kind % kinds.length]!;
  // A row of one column less is a blank line, which is skipped: add a cell instead.
  if (kind === 'short row' && header.length === 1) kind = 'long row';
  const at = `line ${line}, column ${shown(table.columns[c]!)}`;
  switch (kind) {
    case 'short row':
      rows[r]!.pop();
      return { text: text(), place: `line ${line}`, problem: /expected \d+ cells, got \d+/, what: kind };
    case 'long row':
      rows[r]!.push('1');
      return { text: text(), place: `line ${line}`, problem: /expected \d+ cells, got \d+/, what: kind };
    case 'unclosed':
      rows[r]![c] = `"${rows[r]![c]}`;
      return { text: text(), place: `line ${line}`, problem: /a quoted field is never closed/, what: kind };
    case 'stray':
      rows[r]![c] = `${rows[r]![c]}"5`;
      return { text: text(), place: `line ${line}`, problem: /a '"' inside an unquoted field/, what: kind };
    case 'after':
      rows[r]![c] = `"${rows[r]![c]}"5`;
      return { text: text(), place: `line ${line}`, problem: /text follows the closing '"'/, what: kind };
    case 'twice': {
      if (header.length > 1) {
        const other = (c + 1 + (choice.cell % (header.length - 1))) % header.length;
        header[Math.max(c, other)] = header[Math.min(c, other)]!;
        const first = table.columns[Math.min(c, other)]!;
        const where = `line 1, column ${Math.max(c, other) + 1}`;
        return {
          text: text(),
          place: where,
          problem: new RegExp(`column ${literally(shown(first))} appears twice`),
          what: kind,
        };
      }
      header[c] = `${header[c]}${delimiter}${header[c]}`;
      return { text: text(), place: `line 1, column 2`, problem: /appears twice/, what: kind };
    }
    case 'empty':
      // A blank header of one column is a blank line, skipped: quote it.
      header[c] = choice.cell % 2 || header.length === 1 ? '""' : ' ';
      return { text: text(), place: `line 1, column ${c + 1}`, problem: /empty column name/, what: kind };
    case 'utf8':
      if (choice.cell % 2) {
        header[c] = quoted(`${table.columns[c]}\ufffd`);
        return { text: text(), place: `line 1, column ${c + 1}`, problem: /is not UTF-8 text/, what: kind };
      }
      rows[r]![c] = `${rows[r]![c]}\ufffd`;
      return { text: text(), place: at, problem: /is not UTF-8 text/, what: kind };
    default: {
      const [cell, problem] = BAD_CELLS[choice.cell % BAD_CELLS.length]!;
      // An empty cell alone on its line is a blank line, skipped: quote it.
      const quote = cell.includes(delimiter) || /["\r\n]/.test(cell) || (cell === '' && header.length === 1);
      rows[r]![c] = quote ? quoted(cell) : cell;
      return { text: text(), place: at, problem, what: `cell ${JSON.stringify(cell.slice(0, 20))}` };
    }
  }
}

/** A string as a regular expression matching it literally. */
export const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const csvDefectChoice = fc.record({ kind: fc.nat(), row: fc.nat(), col: fc.nat(), cell: fc.nat() });

/** Strings built mostly of what makes CSV hard: quotes, delimiters, line breaks, blanks, BOMs, bits of numbers. */
export const csvGarbage = fc.oneof(
  fc.string({
    unit: fc.constantFrom(...',"\n\r\t ;1-0.5e+xa\ufeff\u00a0\ufffd'.split(''), '\r\n', 'NaN', '0x1', ',,'),
    maxLength: 60,
  }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

// ---------------------------------------------------------------------------------------------------------------
// Mutations of JSON documents (model.json, checkpoint.json, sweep files)

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonPath = (string | number)[];

/** A document changed in one place. */
export interface Mutated {
  value: Json;
  kind: string;
  /** Where: the value changed or removed, or the object that got a key. */
  path: JsonPath;
  /**
   * True when the change is noise the reader must see through (a `__proto__` key; an unknown key where the format
   * ignores them): the document must then read as the original did, or be refused.
   */
  noise: boolean;
}

/** Values of every JSON type, odd ones among them. */
const ODD_VALUES: Json[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  0.5,
  -0.5,
  1e300,
  -1e300,
  5e-324,
  2 ** 53 + 2,
  '',
  ' ',
  'x',
  '1',
  'NaN',
  'a\nb',
  '\u0000',
  [],
  [null],
  [1, 'a'],
  {},
  { a: 1 },
];
const EXTRA_KEYS = ['extra', 'comment', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'Format', ''];

/** Every path into a document, the root's included. */
export function pathsOf(value: Json, path: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [path];
  if (Array.isArray(value)) for (const [i, v] of value.entries()) out.push(...pathsOf(v, [...path, i]));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...path, k]));
  return out;
}

function at(value: Json, path: JsonPath): Json {
  return path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, value);
}

/** An own `__proto__` key, as `JSON.parse` makes one from `"__proto__": …` in a file. */
function setOwn(target: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * One mutation of `base`: a key removed, a value of another type, an unknown key or a `__proto__` key added, a
 * number or a string changed, an array emptied or grown, the format or version changed. `isRecord(path)` says
 * where the format keeps a free-form map (whose keys are data, so an unknown key there is no noise).
 */
export function mutation(base: Json, isRecord: (path: JsonPath) => boolean = () => false): fc.Arbitrary<Mutated> {
  const paths = pathsOf(base);
  return fc
    .record({
      kind: fc.constantFrom('delete', 'retype', 'extra', 'proto', 'number', 'string', 'array', 'version'),
      where: fc.nat(),
      odd: fc.constantFrom(...ODD_VALUES),
      key: fc.constantFrom(...EXTRA_KEYS),
      factor: fc.constantFrom(0, -1, 0.5, 1e9, 1e-9, 2),
    })
    .map(({ kind, where, odd, key, factor }): Mutated => {
      const value = structuredClone(base);
      const of = (test: (v: Json) => boolean) => paths.filter((p) => test(at(value, p)));
      const choose = (candidates: JsonPath[]) => candidates[where % candidates.length];
      const set = (path: JsonPath, v: Json) => {
        if (path.length === 0) return v;
        (at(value, path.slice(0, -1)) as Record<string | number, Json>)[path.at(-1)!] = v;
        return value;
      };
      const isObject = (v: Json) => v !== null && typeof v === 'object' && !Array.isArray(v);
      switch (kind) {
        case 'delete': {
          const path = choose(paths.filter((p) => p.length > 0))!;
          const parent = at(value, path.slice(0, -1));
          if (Array.isArray(parent)) parent.splice(path.at(-1) as number, 1);
          else delete (parent as Record<string, Json>)[path.at(-1)!];
          return { value, kind, path, noise: false };
        }
        case 'extra':
        case 'proto': {
          const path = choose(of(isObject))!;
          const target = at(value, path) as Record<string, Json>;
          if (kind === 'proto') setOwn(target, '__proto__', { polluted: true, depth: 1, format: 'x' });
          else if (!Object.hasOwn(target, key)) setOwn(target, key, odd);
          return { value, kind, path, noise: kind === 'proto' || !isRecord(path) };
        }
        case 'number': {
          const path = choose(of((v) => typeof v === 'number'));
          if (!path) break;
          const v = at(value, path) as number;
          return {
            value: set(path, factor === 0 ? -v : v * factor + (factor === 2 ? 0.5 : 0)),
            kind,
            path,
            noise: false,
          };
        }
        case 'string': {
          const path = choose(of((v) => typeof v === 'string'));
          if (!path) break;
          const v = at(value, path) as string;
          const changed = [``, ` ${v}`, `${v}\n`, v.toUpperCase(), `${v}\u0000`, 'x'.repeat(5000)][where % 6]!;
          return { value: set(path, changed), kind, path, noise: false };
        }
        case 'array': {
          const path = choose(of(Array.isArray));
          if (!path) break;
          const array = at(value, path) as Json[];
          if (where % 3 === 0) array.length = 0;
          else if (where % 3 === 1 && array.length > 0) array.push(structuredClone(array[0]!));
          else array.push(odd);
          return { value, kind, path, noise: false };
        }
        case 'version':
          if (isObject(value)) {
            const field = where % 2 ? 'version' : 'format';
            const odds: Json[] =
              field === 'version' ? [0, 2, 3, 99, -1, 1.5, '1', null] : ['', 'other', 'NEURON-PURSUIT-MODEL', 7];
            (value as Record<string, Json>)[field] = odds[where % odds.length]!;
            return { value, kind, path: [field], noise: false };
          }
          break;
      }
      // retype (and the kinds that found nothing to change)
      const path = choose(paths)!;
      return { value: set(path, odd), kind: 'retype', path, noise: false };
    });
}

/** A JSON document's text with one edit: a character dropped, doubled or inserted, or the text cut short. */
export const textEdit = fc.record({
  where: fc.nat(),
  how: fc.constantFrom('drop', 'double', 'insert', 'cut'),
  char: fc.constantFrom(...'{}[]:,"\'\n -#&*!|>\\\ufeff\u0000'.split('')),
});

export function editText(text: string, edit: { where: number; how: string; char: string }): string {
  const i = edit.where % (text.length + 1);
  switch (edit.how) {
    case 'drop':
      return text.slice(0, i) + text.slice(i + 1);
    case 'double':
      return text.slice(0, i) + text.slice(i, i + 1) + text.slice(i);
    case 'cut':
      return text.slice(0, i);
    default:
      return text.slice(0, i) + edit.char + text.slice(i);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// What every failure must look like

/** One line: no line break anywhere (a message quoting a cell escapes them). */
export function assertOneLine(message: string, context: string): void {
  assert.ok(
    !/[\r\n\u2028\u2029]/.test(message),
    `a message of more than one line for ${context}: ${JSON.stringify(message)}`,
  );
}

/** The field a `file: field 'a.b': …` message names, as a path; undefined when it names none. */
export function namedField(message: string): JsonPath | undefined {
  const m = /field '([^']*)'/.exec(message);
  if (!m) return undefined;
  return m[1] === '(top level)' || m[1] === '' ? [] : m[1]!.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
}

/** Whether a message's field is where a mutation was made: one path leads into the other, or they share a root. */
export function sameNeighbourhood(named: JsonPath, mutated: JsonPath): boolean {
  if (named.length === 0) return mutated.length <= 1;
  const prefix = (a: JsonPath, b: JsonPath) => a.every((k, i) => String(k) === String(b[i]));
  return prefix(named, mutated) || prefix(mutated, named) || String(named[0]) === String(mutated[0]);
}
