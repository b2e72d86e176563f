/**
 * The data `train` fits: a task's draw or CSV files, from the command line or, for `--resume`, from the source a
 * checkpoint recorded — the same data either way, or an error saying why not.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { DataSource } from '../io/checkpoint-format.js';
import { type Table, selectColumns, splitColumns, delimiterFor, parseCsv, shown } from '../io/csv.js';
import { readText } from '../io/files.js';
import type { Matrix } from '../linalg/matrix.js';
import type { NeuronPursuitOptions } from '../pursuit/options.js';
import { getTask, taskData } from '../tasks/tasks.js';

export interface TrainingData {
  /** How to read it again (a checkpoint keeps this). */
  source: DataSource;
  /** What summary.json says of it. */
  summary: Record<string, unknown>;
  train: { X: Matrix; Y: Matrix };
  test?: { X: Matrix; Y: Matrix };
  /** A task's network defaults (none for CSV data). */
  defaults: NeuronPursuitOptions;
  /** CSV data: the feature and target columns. */
  features?: string[];
  targets?: string[];
}

/** The data the command line asks for. */
export function dataFromOptions(opts: Record<string, unknown>): TrainingData {
  const seed = opts.seed as number;
  if (opts.task !== undefined && opts.data !== undefined) throw new Error('give --task or --data, not both');
  if (typeof opts.task === 'string') {
    for (const flag of ['test', 'target', 'drop', 'delimiter'] as const) {
      if (opts[flag] !== undefined) throw new Error(`--${flag} goes with --data, not --task`);
    }
    const task = getTask(opts.task);
    const samples = (opts.samples as number | undefined) ?? task.defaultSamples;
    const testSamples = (opts.testSamples as number | undefined) ?? task.defaultTestSamples;
    const noise = (opts.noise as number | undefined) ?? 0;
    const data = drawTask({ task: task.name, samples, testSamples, seed, ...(noise > 0 ? { noise } : {}) });
    return {
      ...data,
      defaults: opts.schedule === 'paper' ? { ...task.defaults, ...task.paperSchedule } : data.defaults,
    };
  }
  if (typeof opts.data === 'string') {
    if (opts.samples !== undefined || opts.testSamples !== undefined || opts.noise !== undefined)
      throw new Error('--samples, --test-samples and --noise go with --task, not --data');
    if (opts.schedule === 'paper') throw new Error('--schedule paper goes with --task, not --data');
    const targets = (opts.target as string[] | undefined) ?? [];
    if (targets.length === 0) throw new Error('--data needs at least one --target column');
    return csvData(
      {
        data: opts.data,
        ...(typeof opts.test === 'string' ? { test: opts.test } : {}),
        targets,
        drop: (opts.drop as string[] | undefined) ?? [],
        ...(typeof opts.delimiter === 'string' ? { delimiter: opts.delimiter } : {}),
      },
      process.cwd(),
    );
  }
  throw new Error('give a task (--task NAME) or data (--data FILE.csv --target COLUMN)');
}

/** The data a checkpoint recorded; CSV files must be unchanged. */
export function dataFromSource(source: DataSource): TrainingData {
  if ('task' in source) return drawTask(source);
  const data = csvData(source, source.cwd);
  if (data.source.checksum !== source.checksum) {
    const files = source.test ? `${source.data} or ${source.test}` : source.data;
    throw new Error(`${files} changed since the run started (its SHA-256 differs): a resumed fit needs the same data`);
  }
  return data;
}

/** A task's draw, as every command draws it (`taskData`: the sets, then the noise on the training targets). */
function drawTask(source: {
  task: string;
  samples: number;
  testSamples: number;
  seed: number;
  noise?: number;
}): TrainingData {
  const task = getTask(source.task);
  const { train, test } = taskData(task, source.seed, source);
  return {
    source,
    summary: {
      task: task.name,
      samples: train.X.rows,
      testSamples: test.X.rows,
      ...(source.noise ? { noise: source.noise } : {}),
    },
    train,
    test: test.X.rows > 0 ? test : undefined,
    defaults: task.defaults,
  };
}

/** CSV files (paths relative to `cwd`): every column neither a target nor dropped is a feature, matched by name. */
function csvData(
  files: { data: string; test?: string; targets: string[]; drop: string[]; delimiter?: string },
  cwd: string,
): TrainingData & { source: { checksum: string } } {
  const { data, test: testPath, targets, drop, delimiter } = files;
  const read = (path: string) => {
    const text = readText(resolve(cwd, path));
    const table = parseCsv(text, path, { delimiter: delimiter ?? delimiterFor(path) });
    checkRange(table, path, targets);
    return { text, table };
  };
  const trainFile = read(data);
  const train = splitColumns(trainFile.table, targets, data, drop);
  const checksum = createHash('sha256').update(trainFile.text);
  let test: TrainingData['test'];
  if (testPath !== undefined) {
    // The test file follows predict's rule: the training features by name, the targets, nothing else undropped.
    const testFile = read(testPath);
    const rule = { features: train.features, targets, drop, requireTargets: true };
    const t = selectColumns(testFile.table, rule, testPath);
    test = { X: t.X, Y: t.Y! };
    checksum.update('\0').update(testFile.text);
  }
  return {
    source: { ...files, cwd, checksum: checksum.digest('hex') },
    summary: {
      data,
      test: testPath,
      targets,
      ...(drop.length ? { drop } : {}),
      samples: train.X.rows,
      testSamples: test?.X.rows ?? 0,
    },
    train,
    test,
    defaults: {},
    features: train.features,
    targets,
  };
}

/** Beyond this magnitude a number's square overflows float64 once summed over a data set: errors become infinite. */
const LARGEST_VALUE = 1e150;

/**
 * Numbers a fit can square and sum: none beyond ±1e150 (the squared error would overflow float64), and no target
 * column whose values are all within ±1e-150 but not all 0 (their squares underflow to 0, and the relative error
 * Σ‖H − y‖² / Σ‖y‖² is then undefined). Either is an error naming the place, never a fit of infinities.
 */
function checkRange(table: Table, source: string, targets: string[]): void {
  const largest = new Float64Array(table.columns.length);
  table.rows.forEach((row, r) => {
    for (let c = 0; c < row.length; c++) {
      const size = Math.abs(row[c]!);
      if (size > LARGEST_VALUE)
        throw new Error(
          `${source} line ${table.lines[r]}, column ${shown(table.columns[c]!)}: ${row[c]} is too large to fit ` +
            '(beyond ±1e150 squared errors overflow float64): rescale the column',
        );
      if (size > largest[c]!) largest[c] = size;
    }
  });
  for (const target of targets) {
    const c = table.columns.indexOf(target);
    if (c >= 0 && largest[c]! > 0 && largest[c]! < 1 / LARGEST_VALUE)
      throw new Error(
        `${source}: column ${shown(target)}: its values (up to ${largest[c]}) are too small to fit (their squares ` +
          'underflow float64): rescale the column',
      );
  }
}
